// What pages ask the worker (static/js/offline.js): each message names a handler and carries a
// MessagePort; the handler's result (or error) goes back with done: true, progress before it.
"use strict";

const HANDLERS = {
  "skip-waiting": function () { return self.skipWaiting().then(function () { return {}; }); },

  list: async function () {
    const records = await stories.all();
    records.sort(function (a, b) { return b.readAt - a.readAt; });
    return { stories: records, total: storageUsed(records), version: CONFIG.version };
  },

  save: async function (message) {
    const url = new URL(message.url, self.location.origin);
    const response = await fetchWithin(url.href, CONFIG.networkLimitMs).catch(function () { return cachedPage(url); });
    if (!response || !response.ok) throw new Error(CONFIG.texts.cannotFetch);
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
      const response = await fetchWithin(url.href, CONFIG.networkLimitMs);
      if (response.ok) await keepStory(url, response, {});
    } else if (KEPT_PAGE.test(url.pathname) && !(await (await caches.open(PAGES)).match(pageKey(url)))) {
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
      const record = await keepForEdition(list[i]);
      if (!record) continue;
      records.push(record);
      kept.push({ url: record.url, title: record.title });
      progress({ progress: i + 1, total: list.length, bytes: storageUsed(records) });
    }
    return { kept: kept, bytes: storageUsed(records) };
  },
};

// One story of an edition: fetched again only when its revision changed.
async function keepForEdition(entry) {
  const url = new URL(entry.url, self.location.origin);
  const old = await stories.get(pageKey(url));
  if (old && old.revision === entry.revision) {
    old.saved = true;
    await stories.put(old);
    return old;
  }
  const response = await fetchWithin(url.href, CONFIG.networkLimitMs);
  if (!response.ok) return null;
  // The story's own images at the low-data size, and the small pictures of its links.
  const thumbs = mediaIn(await response.clone().text()).filter(function (p) {
    return p.endsWith("-" + CONFIG.smallWidth + ".webp");
  });
  const images = Array.from(new Set((entry.images || []).concat(thumbs)));
  return keepStory(url, response, { saved: true, images: images });
}

self.addEventListener("message", function (event) {
  const message = event.data || {};
  const handler = HANDLERS[message.type];
  const port = event.ports && event.ports[0];
  if (!handler) return;
  const reply = function (body) { if (port) port.postMessage(body); };
  event.waitUntil(handler(message, reply).then(function (result) {
    reply(Object.assign({ done: true }, result));
  }, function (error) {
    warn("answering a page's " + message.type + " message")(error);
    reply({ done: true, error: String(error && error.message || error) });
  }));
});
