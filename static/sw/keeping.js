// Keeping stories and pages for offline reading: the page in one cache, its images in another, a
// record per story (records.js); the cap (stories and bytes) evicts the least recently read first.
"use strict";

const MEDIA = /(?:src|href)="(\/media\/[^"]+)"/g;
// Named references an HTML serialiser writes (Jinja writes &#34; and &#39; for quotes).
const READ_MARK_DELAY_MS = 200;  // after the page's own load has begun (see answerFromKept)
const NAMED_ENTITIES = { amp: "&", apos: "'", gt: ">", lt: "<", nbsp: "\u00a0", quot: '"' };

function pageKey(url) {
  return url.origin + url.pathname;
}

async function keep(url, response, options) {
  if (!STORY.test(url.pathname)) {
    const cache = await caches.open(PAGES);
    return putSafely(cache, pageKey(url), response);
  }
  return keepStory(url, response, options || {});
}

async function keepPage(url) {
  const response = await fetchWithin(url.href, CONFIG.networkLimitMs);
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
  return decodeEntities(match ? match[1].replace(/<[^>]+>/g, "") : "").trim();
}

// Text from the server's config put into markup the worker writes itself.
function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
}

// Character references in one pass (so "&amp;quot;" stays the text "&quot;").
function decodeEntities(text) {
  return text.replace(/&(#[xX][0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, function (whole, name) {
    if (name[0] !== "#") return NAMED_ENTITIES[name] || whole;
    const code = /^#[xX]/.test(name) ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
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
        response = await fetchWithin(path, CONFIG.networkLimitMs);
      } catch (error) {
        continue;  // no network now: the page shows a stand-in for this image
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

// cache.put, making room once when storage is full; a second refusal is the caller's to report.
async function putSafely(cache, key, response) {
  try {
    await cache.put(key, response.clone());
  } catch (error) {
    if (!error || error.name !== "QuotaExceededError") throw error;
    await evictOldest(1);
    await cache.put(key, response);
  }
}

// ---------------------------------------------------------------- what is kept, when asked for

// The kept copy of a page (a story or a kept page in PAGES, else a shell page), or undefined.
// One lookup each, by exact key: the offline open is the path that must be quick.
async function cachedPage(url) {
  return (await caches.match(pageKey(url), { cacheName: PAGES, ignoreVary: true }))
    || caches.match(url.pathname, { cacheName: SHELL, ignoreVary: true });
}

// The kept copy answers a navigation: the story counts as read (for the cap's order) once the
// page has its answer, so the record's write never competes with it.
async function answerFromKept(event, url) {
  const cached = await cachedPage(url);
  if (cached && STORY.test(url.pathname)) {
    event.waitUntil(new Promise(function (resolve) { setTimeout(resolve, READ_MARK_DELAY_MS); })
      .then(function () { return markRead(pageKey(url)); }).catch(warn("marking " + url.pathname + " as read")));
  }
  return cached;
}

async function offlinePage() {
  const page = await (await caches.open(SHELL)).match(OFFLINE_PAGE, { ignoreVary: true });
  const html = "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'><h1>" +
    escapeHtml(CONFIG.texts.offlineTitle) + "</h1><p>" + escapeHtml(CONFIG.texts.offlineBody) + "</p>";
  return page || new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

// Images are /media/<hash>-<width>.webp: offline, any kept width of the same image will do.
async function imageStandIn(path) {
  const cache = await caches.open(IMAGES);
  const prefix = path.replace(/-\d+\.webp$/, "-");
  const keys = await cache.keys();
  const sibling = keys.find(function (request) { return new URL(request.url).pathname.startsWith(prefix); });
  return (sibling && cache.match(sibling)) || missingImage();
}

function missingImage() {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="360" height="40"><rect width="100%" ' +
    'height="100%" fill="#ddd"/><text x="12" y="25" font-size="14" fill="#333">' +
    escapeHtml(CONFIG.texts.imageNotKept) + "</text></svg>";
  return new Response(svg, { status: 200, headers: { "Content-Type": "image/svg+xml" } });
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
  (await stories.all()).forEach(function (r) { (r.images || []).forEach(function (p) { stillUsed.add(p); }); });
  const images = await caches.open(IMAGES);
  await Promise.all(record.images.filter(function (p) { return !stillUsed.has(p); })
    .map(function (p) { return images.delete(p); }));
}
