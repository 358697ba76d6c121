// Reader's service worker: every story a reader opens, and whole editions, stay readable offline.
//
// Caches: the app shell (replaced with each version), kept pages and their images (kept across
// versions). One IndexedDB record per kept story holds what the cap and the lists need.
// Routes: pages network-first with a short timeout, hashed static files and images cache-first,
// the API and the editor desk network-only.
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
const MEDIA = /(?:src|href)="(\/media\/[^"]+)"/g;

// ---------------------------------------------------------------- story records (IndexedDB)

function openDb() {
  return new Promise(function (resolve, reject) {
    const request = indexedDB.open("reader", 2);
    request.onupgradeneeded = function () {
      const db = request.result;
      if (!db.objectStoreNames.contains("stories")) db.createObjectStore("stories", { keyPath: "url" });
      if (!db.objectStoreNames.contains("clicks")) db.createObjectStore("clicks", { autoIncrement: true });
    };
    request.onsuccess = function () { resolve(request.result); };
    request.onerror = function () { reject(request.error); };
  });
}

function withStore(mode, work, name) {
  return openDb().then(function (db) {
    return new Promise(function (resolve, reject) {
      const transaction = db.transaction(name || "stories", mode);
      const request = work(transaction.objectStore(name || "stories"));
      transaction.oncomplete = function () { db.close(); resolve(request.result); };
      transaction.onerror = transaction.onabort = function () { db.close(); reject(transaction.error); };
    });
  });
}

const stories = {
  all: function () { return withStore("readonly", function (s) { return s.getAll(); }); },
  get: function (url) { return withStore("readonly", function (s) { return s.get(url); }); },
  put: function (record) { return withStore("readwrite", function (s) { return s.put(record); }); },
  remove: function (url) { return withStore("readwrite", function (s) { return s.delete(url); }); },
};

// Click reports waiting for the network.
const pendingClicks = {
  add: function (click) { return withStore("readwrite", function (s) { return s.add(click); }, "clicks"); },
  all: function () { return withStore("readonly", function (s) { return s.getAll(); }, "clicks"); },
  keys: function () { return withStore("readonly", function (s) { return s.getAllKeys(); }, "clicks"); },
  remove: function (key) { return withStore("readwrite", function (s) { return s.delete(key); }, "clicks"); },
};

// ---------------------------------------------------------------- lifecycle

self.addEventListener("install", function (event) {
  // No skipWaiting here: a new version waits until the reader accepts "New version, reload".
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return Promise.all(CONFIG.precache.map(function (entry) {
      return cache.add(new Request(entry.url, { cache: "reload" }));
    }));
  }).then(function () {
    return keepPage(new URL("/", self.location.origin)).catch(function () {});
  }));
});

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

// ---------------------------------------------------------------- routing

self.addEventListener("fetch", function (event) {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (NETWORK_ONLY.some(function (pattern) { return pattern.test(url.pathname); })) return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(event, url));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request, SHELL));
  } else if (url.pathname.startsWith("/media/")) {
    event.respondWith(image(request, url));
  } else if (url.pathname === "/manifest.json") {
    event.respondWith(fetch(request).catch(function () { return caches.match(request); }));
  }
});

function pageKey(url) {
  return url.origin + url.pathname;
}

function timeout(ms) {
  return new Promise(function (resolve) { setTimeout(resolve, ms, null); });
}

async function navigate(event, url) {
  const network = (async function () {
    const preloaded = await event.preloadResponse;
    return preloaded || fetch(event.request);
  })();
  network.catch(function () {});  // handled below; keeps the rejection from being reported twice
  const kept = STORY.test(url.pathname) || KEPT_PAGE.test(url.pathname);
  let response = null;
  try {
    response = await Promise.race([network, timeout(CONFIG.networkTimeoutMs)]);
  } catch (error) {
    return (await cachedPage(url)) || offlinePage();
  }
  if (response === null) {  // lie-fi: show the kept copy now, refresh it when the network answers
    const cached = await cachedPage(url);
    if (cached) {
      event.waitUntil(network.then(function (late) { return kept && late.ok && keep(url, late); })
        .catch(function () {}));
      return cached;
    }
    try {
      response = await network;
    } catch (error) {
      return offlinePage();
    }
  }
  if (response.status >= 500) return (await cachedPage(url)) || response;
  if (kept && response.ok) event.waitUntil(keep(url, response.clone()).catch(function () {}));
  event.waitUntil(flushClicks().catch(function () {}));  // back online: send what waited
  return response;
}

async function cachedPage(url) {
  const cached = (await caches.match(pageKey(url), { ignoreVary: true, ignoreSearch: true }))
    || (await caches.match(url.pathname, { cacheName: SHELL, ignoreVary: true, ignoreSearch: true }));
  if (cached && STORY.test(url.pathname)) markRead(pageKey(url)).catch(function () {});
  return cached;
}

function offlinePage() {
  return caches.match(OFFLINE_PAGE, { cacheName: SHELL, ignoreVary: true }).then(function (page) {
    return page || new Response("<h1>Offline</h1><p>This page is not kept on this device.</p>",
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
  });
}

async function cacheFirst(request, cacheName) {
  const cached = await caches.match(request, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const copy = response.clone();
    caches.open(cacheName).then(function (cache) { return putSafely(cache, request, copy); });
  }
  return response;
}

async function image(request, url) {
  const cache = await caches.open(IMAGES);
  const cached = await cache.match(url.pathname);
  if (cached) return cached;
  try {
    const response = await fetch(request);
    if (response.ok) await putSafely(cache, url.pathname, response.clone());
    return response;
  } catch (error) {
    return (await otherSize(cache, url.pathname)) || missingImage();
  }
}

async function otherSize(cache, path) {
  // Images are /media/<hash>-<width>.webp: offline, any kept width of the same image will do.
  const prefix = path.replace(/-\d+\.webp$/, "-");
  const keys = await cache.keys();
  const sibling = keys.find(function (request) { return new URL(request.url).pathname.startsWith(prefix); });
  return sibling ? cache.match(sibling) : null;
}

function missingImage() {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="360" height="40"><rect width="100%" ' +
    'height="100%" fill="#ddd"/><text x="12" y="25" font-size="14" fill="#333">Image not kept offline' +
    "</text></svg>";
  return new Response(svg, { status: 200, headers: { "Content-Type": "image/svg+xml" } });
}

// ---------------------------------------------------------------- keeping stories

async function keep(url, response, options) {
  if (!STORY.test(url.pathname)) {
    const cache = await caches.open(PAGES);
    return putSafely(cache, pageKey(url), response);
  }
  return keepStory(url, response, options || {});
}

async function keepPage(url) {
  const response = await fetch(url.href);
  if (response.ok) await keep(url, response);
}

async function keepStory(url, response, options) {
  const key = pageKey(url);
  const buffer = await response.clone().arrayBuffer();
  const html = new TextDecoder().decode(buffer);
  const pages = await caches.open(PAGES);
  await putSafely(pages, key, response);
  const old = (await stories.get(key)) || {};
  const record = {
    url: key,
    title: titleOf(html),
    revision: response.headers.get("X-Reader-Revision") || "",
    bytes: buffer.byteLength,
    images: options.images || mediaIn(html),
    imageBytes: 0,          // this story's images; storageUsed() counts shared ones once
    imageSizes: {},
    saved: Boolean(options.saved || old.saved),
    keptAt: old.keptAt || Date.now(),
    readAt: Date.now(),
  };
  record.imageSizes = await keepImages(record.images);
  record.imageBytes = sum(Object.values(record.imageSizes));
  await stories.put(record);
  await enforceCap(key);
  return record;
}

function titleOf(html) {
  const match = /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html) || /<title>([\s\S]*?)<\/title>/.exec(html);
  const text = match ? match[1].replace(/<[^>]+>/g, "") : "";
  return text.replace(/&amp;/g, "&").replace(/&#39;/g, "'").replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">").trim();
}

function mediaIn(html) {
  const found = new Set();
  let match;
  MEDIA.lastIndex = 0;
  while ((match = MEDIA.exec(html)) !== null) found.add(match[1]);
  return Array.from(found);
}

async function keepImages(paths) {
  const cache = await caches.open(IMAGES);
  const sizes = {};
  for (const path of paths) {
    let response = await cache.match(path);
    if (!response) {
      try {
        response = await fetch(path);
      } catch (error) {
        continue;  // offline now: the page shows a placeholder for this image
      }
      if (!response.ok) continue;
      await putSafely(cache, path, response.clone());
    }
    sizes[path] = (await response.blob()).size;
  }
  return sizes;
}

function sum(numbers) {
  return numbers.reduce(function (total, n) { return total + n; }, 0);
}

// Bytes the kept stories take: every page, and every image once however many stories show it.
function storageUsed(records) {
  const images = {};
  records.forEach(function (r) { Object.assign(images, r.imageSizes || {}); });
  return sum(records.map(function (r) { return r.bytes; })) + sum(Object.values(images));
}

function markRead(key) {
  return stories.get(key).then(function (record) {
    if (!record) return null;
    record.readAt = Date.now();
    return stories.put(record);
  });
}

async function putSafely(cache, key, response) {
  try {
    await cache.put(key, response.clone());
  } catch (error) {
    if (!error || error.name !== "QuotaExceededError") throw error;
    await evictOldest(1);  // make room once, then give up quietly: reading must go on
    try { await cache.put(key, response); } catch (again) { /* storage is full */ }
  }
}

// ---------------------------------------------------------------- the cap

function evictionOrder(records) {
  // Least recently read first; stories the reader saved on purpose go last.
  return records.slice().sort(function (a, b) {
    return (Number(a.saved) - Number(b.saved)) || (a.readAt - b.readAt);
  });
}

async function enforceCap(keepKey) {
  let records = await stories.all();
  for (const record of evictionOrder(records)) {
    if (records.length <= CONFIG.maxStories && storageUsed(records) <= CONFIG.maxBytes) break;
    if (record.url === keepKey) continue;
    await forget(record.url);
    records = records.filter(function (r) { return r.url !== record.url; });
  }
}

async function evictOldest(howMany) {
  const order = evictionOrder(await stories.all());
  for (const record of order.slice(0, howMany)) await forget(record.url);
}

async function forget(key) {
  const record = await stories.get(key);
  await stories.remove(key);
  await (await caches.open(PAGES)).delete(key);
  if (!record) return;
  const stillUsed = new Set();
  (await stories.all()).forEach(function (r) { r.images.forEach(function (p) { stillUsed.add(p); }); });
  const images = await caches.open(IMAGES);
  await Promise.all(record.images.filter(function (p) { return !stillUsed.has(p); })
    .map(function (p) { return images.delete(p); }));
}

// ---------------------------------------------------------------- messages from pages

const HANDLERS = {
  "skip-waiting": function () { return self.skipWaiting().then(function () { return {}; }); },

  list: async function () {
    const records = await stories.all();
    records.sort(function (a, b) { return b.readAt - a.readAt; });
    return { stories: records, total: storageUsed(records), version: CONFIG.version };
  },

  save: async function (message) {
    const url = new URL(message.url, self.location.origin);
    const response = await fetch(url.href).catch(function () { return cachedPage(url); });
    if (!response || !response.ok) throw new Error("This story cannot be fetched now.");
    const record = await keepStory(url, response, { saved: true });
    return { story: record };
  },

  remove: async function (message) {
    await forget(pageKey(new URL(message.url, self.location.origin)));
    return {};
  },

  // A page that loaded before this worker controlled it: keep it and the images it showed.
  seen: async function (message) {
    const url = new URL(message.url, self.location.origin);
    if (STORY.test(url.pathname) && !(await stories.get(pageKey(url)))) {
      const response = await fetch(url.href);
      if (response.ok) await keepStory(url, response, {});
    } else if (KEPT_PAGE.test(url.pathname) && !(await caches.match(pageKey(url), { cacheName: PAGES }))) {
      await keepPage(url);
    }
    await keepImages((message.images || []).filter(function (p) { return p.startsWith("/media/"); }));
    return {};
  },

  edition: async function (message, progress) {
    const list = message.stories || [];
    const kept = [];
    const records = [];
    for (let i = 0; i < list.length; i += 1) {
      const entry = list[i];
      const url = new URL(entry.url, self.location.origin);
      const old = await stories.get(pageKey(url));
      let record = old;
      if (!old || old.revision !== entry.revision) {
        const response = await fetch(url.href);
        if (!response.ok) continue;
        // The story's own images at the low-data size, and the small pictures of its links.
        const thumbs = mediaIn(await response.clone().text()).filter(function (p) {
          return p.endsWith("-" + CONFIG.smallWidth + ".webp");
        });
        const images = Array.from(new Set((entry.images || []).concat(thumbs)));
        record = await keepStory(url, response, { saved: true, images: images });
      } else {
        record.saved = true;
        await stories.put(record);
      }
      records.push(record);
      kept.push({ url: record.url, title: record.title });
      progress({ progress: i + 1, total: list.length, bytes: storageUsed(records) });
    }
    return { kept: kept, bytes: storageUsed(records) };
  },
};

self.addEventListener("message", function (event) {
  const message = event.data || {};
  const handler = HANDLERS[message.type];
  const port = event.ports && event.ports[0];
  if (!handler) return;
  const reply = function (body) { if (port) port.postMessage(body); };
  event.waitUntil(handler(message, reply).then(function (result) {
    reply(Object.assign({ done: true }, result));
  }, function (error) {
    reply({ done: true, error: String(error && error.message || error) });
  }));
});

// ---------------------------------------------------------------- push alerts

// A push carries {alert, title, body, url, topic, tag, image}. The story is fetched into the
// offline cache (with its images at the low-data size) before the notification shows, so a tap
// opens it even with no signal.
self.addEventListener("push", function (event) {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = { title: "Reader", body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(announce(message));
});

async function announce(message) {
  const url = new URL(message.url || "/", self.location.origin);
  if (STORY.test(url.pathname)) {
    try {
      const response = await fetch(url.href);
      if (response.ok) {
        const small = mediaIn(await response.clone().text()).map(function (path) {
          return path.replace(/-\d+\.webp$/, "-" + CONFIG.smallWidth + ".webp");
        });
        await keepStory(url, response, { images: Array.from(new Set(small)) });
      }
    } catch (error) { /* no signal now: the notification still shows, the page may not open offline */ }
  }
  // Every push must show a notification; one tag per topic makes a newer alert replace an older one.
  return self.registration.showNotification(message.title || "Reader", {
    body: message.body || "",
    icon: CONFIG.icon,
    badge: CONFIG.badge,
    image: message.image || undefined,
    tag: message.tag || "reader",
    renotify: true,
    data: { url: url.pathname, alert: message.alert || null },
  });
}

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  const data = event.notification.data || {};
  const target = new URL(data.url || "/", self.location.origin).href;
  event.waitUntil(Promise.all([openStory(target), reportClick(data.alert)]));
});

async function openStory(target) {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const same = windows.find(function (client) { return client.url === target; });
  if (same) return same.focus();
  if (windows.length) {
    const client = await windows[0].focus();
    return client.navigate ? client.navigate(target) : self.clients.openWindow(target);
  }
  return self.clients.openWindow(target);
}

async function reportClick(alertId) {
  if (!alertId) return;
  await pendingClicks.add({ alert: alertId, at: Date.now() });
  await flushClicks();
  if (self.registration.sync) await self.registration.sync.register("clicks").catch(function () {});
}

async function flushClicks() {
  const keys = await pendingClicks.keys();
  if (!keys.length) return;
  const clicks = await pendingClicks.all();
  for (let i = 0; i < keys.length; i += 1) {
    let response;
    try {
      response = await fetch(CONFIG.apiOrigin + "/api/push/clicks", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ alert: clicks[i].alert }),
      });
    } catch (error) {
      return;  // still offline: keep them for the next chance
    }
    if (response.ok || response.status === 404 || response.status === 400) await pendingClicks.remove(keys[i]);
  }
}

self.addEventListener("sync", function (event) {
  if (event.tag === "clicks") event.waitUntil(flushClicks());
});
