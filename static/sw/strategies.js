// How a request is answered, Workbox's shapes without the library: network-first with two time
// limits, cache-first with a fallback. Every network wait here ends: fetchWithin() aborts a request
// that has no answer within its limit, so a server that accepts and never answers cannot hang a page.
"use strict";

class NetworkLimit extends Error {
  constructor(ms) {
    super(CONFIG.texts.networkLimit.replace("{seconds}", String(ms / 1000)));
    this.name = "NetworkLimit";
  }
}

// fetch() that aborts the request and rejects with NetworkLimit after ms.
function fetchWithin(resource, ms, init) {
  const controller = new AbortController();
  const timer = setTimeout(function () { controller.abort(new NetworkLimit(ms)); }, ms);
  return fetch(resource, Object.assign({}, init, { signal: controller.signal })).finally(function () {
    clearTimeout(timer);
  });
}

// The promise, or a rejection with NetworkLimit after ms (for waits that cannot be aborted).
function withinLimit(promise, ms) {
  return new Promise(function (resolve, reject) {
    const timer = setTimeout(function () { reject(new NetworkLimit(ms)); }, ms);
    promise.then(resolve, reject).finally(function () { clearTimeout(timer); });
  });
}

// Resolves with {value}, {error} or, when ms pass first, {} (the promise goes on).
function settle(promise, ms) {
  return new Promise(function (resolve) {
    const timer = setTimeout(resolve, ms, {});
    promise.then(function (value) { clearTimeout(timer); resolve({ value: value }); },
      function (error) { clearTimeout(timer); resolve({ error: error }); });
  });
}

// Network-first. `network` is a promise of the response that rejects at the network limit.
// route.cached() finds a kept copy (or null), route.fallback() answers when there is none, and
// route.refresh(response) gets a copy of every network answer (to keep it).
// Past CONFIG.networkTimeoutMs a kept copy answers and a late network answer still refreshes it;
// with nothing kept the wait goes on until the network's own limit, then the fallback answers.
async function networkFirst(event, network, route) {
  const first = await settle(network, CONFIG.networkTimeoutMs);
  if ("value" in first) return fromNetwork(event, first.value, route);
  if ("error" in first) return (await route.cached()) || route.fallback();
  const cached = await route.cached();
  if (cached) {
    if (route.refresh) {
      event.waitUntil(network.then(function (late) { return route.refresh(late); })
        .catch(warn("refreshing the kept copy of " + event.request.url)));
    }
    return cached;
  }
  const second = await settle(network, CONFIG.networkLimitMs);  // network rejects at its limit first
  if ("value" in second) return fromNetwork(event, second.value, route);
  return route.fallback();
}

async function fromNetwork(event, response, route) {
  if (response.status >= 500) {
    const cached = await route.cached();
    if (cached) return cached;
  }
  if (route.refresh) {
    const copy = response.clone();
    event.waitUntil(Promise.resolve(route.refresh(copy)).catch(warn("keeping " + event.request.url)));
  }
  return response;
}

// Cache-first in options.cacheName under options.key (default: the request). A network answer is
// stored with options.store(cache, key, response) (default cache.put) inside the event's lifetime;
// when the network fails, options.fallback() answers if given.
async function cacheFirst(event, options) {
  const key = options.key || event.request;
  const cache = await caches.open(options.cacheName);
  const cached = await cache.match(key, { ignoreVary: true });
  if (cached) return cached;
  let response;
  try {
    response = await fetchWithin(event.request, CONFIG.networkLimitMs);
  } catch (error) {
    if (options.fallback) return options.fallback();
    throw error;
  }
  if (response.ok) {
    const copy = response.clone();
    const store = options.store || function (c, k, r) { return c.put(k, r); };
    event.waitUntil(store(cache, key, copy).catch(warn("caching " + event.request.url)));
  }
  return response;
}
