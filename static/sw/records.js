// Records in IndexedDB: one per kept story ("stories", keyed by the page's URL) and the click
// reports waiting for the network ("clicks"). One connection stays open while the worker runs.
"use strict";

const RECORDS_DB = "reader";
const RECORDS_VERSION = 2;
let recordsDb = null;

function openRecords() {
  if (recordsDb) return recordsDb;
  recordsDb = new Promise(function (resolve, reject) {
    const request = indexedDB.open(RECORDS_DB, RECORDS_VERSION);
    request.onupgradeneeded = function () {
      const db = request.result;
      if (!db.objectStoreNames.contains("stories")) db.createObjectStore("stories", { keyPath: "url" });
      if (!db.objectStoreNames.contains("clicks")) db.createObjectStore("clicks", { autoIncrement: true });
    };
    request.onsuccess = function () {
      const db = request.result;
      db.onversionchange = db.onclose = function () { db.close(); recordsDb = null; };
      resolve(db);
    };
    request.onerror = function () { recordsDb = null; reject(request.error); };
  });
  return recordsDb;
}

// Run work(objectStore) in one transaction. Resolves, once the transaction has committed, with the
// result of the request work returns, or with the value it returns (what a cursor collected).
async function inTransaction(name, mode, work) {
  const db = await openRecords();
  return new Promise(function (resolve, reject) {
    const transaction = db.transaction(name, mode);
    const outcome = work(transaction.objectStore(name));
    transaction.oncomplete = function () {
      resolve(outcome instanceof IDBRequest ? outcome.result : outcome);
    };
    transaction.onerror = transaction.onabort = function () { reject(transaction.error); };
  });
}

const stories = {
  all: function () { return inTransaction("stories", "readonly", function (s) { return s.getAll(); }); },
  get: function (url) { return inTransaction("stories", "readonly", function (s) { return s.get(url); }); },
  put: function (record) { return inTransaction("stories", "readwrite", function (s) { return s.put(record); }); },
  remove: function (url) { return inTransaction("stories", "readwrite", function (s) { return s.delete(url); }); },
};

const pendingClicks = {
  add: function (click) { return inTransaction("clicks", "readwrite", function (s) { return s.add(click); }); },
  // [{key, click}] read in one transaction, so a key is always paired with its own click.
  entries: function () {
    return inTransaction("clicks", "readonly", function (s) {
      const found = [];
      s.openCursor().onsuccess = function (event) {
        const cursor = event.target.result;
        if (!cursor) return;
        found.push({ key: cursor.key, click: cursor.value });
        cursor.continue();
      };
      return found;
    });
  },
  remove: function (key) { return inTransaction("clicks", "readwrite", function (s) { return s.delete(key); }); },
};
