// Reader's service worker: every story a reader opens, and whole editions, stay readable offline.
//
// This file holds the settings, the lifecycle and the routes; each job has a module of its own,
// loaded below (their hashed URLs are in CONFIG.parts, so the worker's version covers them all):
//   records.js     IndexedDB: one record per kept story, click reports waiting for the network
//   strategies.js  how a request is answered: network-first with limits, cache-first
//   keeping.js     keeping stories and pages with their images, the cap, eviction
//   messages.js    what pages ask: list, save, remove, seen, edition, skip-waiting
//   push.js        a push becomes a notification, the story kept first within the limit
//   clicks.js      a tapped notification opens its story; the click is reported, or queued
// Caches: the app shell (replaced with each version), kept pages and their images (kept across
// versions). Routes: pages network-first, hashed static files and images cache-first, the API and
// the editor desk network-only.
"use strict";

const CONFIG = /*! READER_CONFIG */ {};
const SHELL = "reader-shell-" + CONFIG.version;
const PAGES = "reader-pages";
const IMAGES = "reader-images";
const CURRENT = [SHELL, PAGES, IMAGES];
const OFFLINE_PAGE = "/offline/";
const NETWORK_ONLY = [/^\/api\//, /^\/editor(\/|$)/, /^\/sw\.js$/];
const STORY = /^\/articles\/[^/]+\/$/;
const KEPT_PAGE = /^\/($|topics\/[^/]+\/$)/;   // pages kept (without a story record) for offline use

// A failure nobody waits for goes to the worker's console (DevTools > Application > Service
// workers), named by what was being done: `.catch(warn("keeping " + url))`.
function warn(what) {
  return function (error) { console.warn("Reader worker: " + what + " failed:", error); };
}

importScripts.apply(self, CONFIG.parts);

// ---------------------------------------------------------------- lifecycle

self.addEventListener("install", function (event) {
  // No skipWaiting here: a new version waits until the reader accepts "New version, reload".
  event.waitUntil(precache().then(function () {
    return keepPage(new URL("/", self.location.origin)).catch(warn("keeping the front page at install"));
  }));
});

async function precache() {
  const cache = await caches.open(SHELL);
  await Promise.all(CONFIG.precache.map(async function (entry) {
    const response = await fetchWithin(new Request(entry.url, { cache: "reload" }), CONFIG.networkLimitMs);
    if (!response.ok) throw new Error(entry.url + " answered " + response.status);
    await cache.put(entry.url, response);
  }));
}

self.addEventListener("activate", function (event) {
  event.waitUntil((async function () {
    const names = await caches.keys();
    await Promise.all(names.filter(function (name) {
      return name.startsWith("reader-") && !CURRENT.includes(name);
    }).map(function (name) { return caches.delete(name); }));
    if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
    await self.clients.claim();
  })());
});

// ---------------------------------------------------------------- routes

self.addEventListener("fetch", function (event) {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (NETWORK_ONLY.some(function (pattern) { return pattern.test(url.pathname); })) return;
  if (request.mode === "navigate") {
    event.respondWith(page(event, url));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(event, { cacheName: SHELL }));
  } else if (url.pathname.startsWith("/media/")) {
    event.respondWith(cacheFirst(event, { cacheName: IMAGES, key: url.pathname, store: putSafely,
                                          fallback: function () { return imageStandIn(url.pathname); } }));
  } else if (url.pathname === "/manifest.json") {
    event.respondWith(networkFirst(event, fetchWithin(request, CONFIG.networkLimitMs), {
      cached: function () { return caches.match(request, { cacheName: SHELL }); },
      fallback: function () { return Response.error(); },
    }));
  }
});

function page(event, url) {
  event.waitUntil(preloadWhileOnline());
  if (self.navigator.onLine === false) return keptOrOfflinePage(event, url);
  const keepable = STORY.test(url.pathname) || KEPT_PAGE.test(url.pathname);
  return networkFirst(event, navigationResponse(event), {
    cached: function () { return answerFromKept(event, url); },
    fallback: offlinePage,
    refresh: function (response) {
      // Back online: send the click reports that waited.
      event.waitUntil(flushClicks().catch(warn("sending queued click reports")));
      if (keepable && response.ok) return keep(url, response);
      return null;
    },
  });
}

// Navigation preload starts the request while a stopped worker boots, which helps online; offline
// the browser still tries it on every navigation and that costs the kept copy a third of its time
// (benchmarks/offline_bench.py), so it is on only while the phone says it is online.
let preloading = null;   // unknown until the first navigation of this worker's life

function preloadWhileOnline() {
  const online = self.navigator.onLine !== false;
  const preload = self.registration.navigationPreload;
  if (!preload || online === preloading) return Promise.resolve();
  preloading = online;
  return (online ? preload.enable() : preload.disable()).catch(warn("switching navigation preload"));
}

// The phone knows it is offline (airplane mode, no signal): the kept copy at once, no race.
async function keptOrOfflinePage(event, url) {
  event.waitUntil(settle(event.preloadResponse, CONFIG.networkLimitMs));  // it fails; nobody waits for it
  return (await answerFromKept(event, url)) || offlinePage();
}

// The navigation preload when the browser made one, else a fetch; either gives up at the limit.
function navigationResponse(event) {
  return withinLimit((async function () {
    return (await event.preloadResponse) || fetchWithin(event.request, CONFIG.networkLimitMs);
  })(), CONFIG.networkLimitMs);
}
