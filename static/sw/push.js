// A push carries {alert, click, title, body, url, topic, tag, image}. The story is kept (with its images
// at the low-data size) so a tap opens it with no signal, but the notification never waits longer
// than the network limit for that: on a dead link it shows at the limit, the story not kept.
"use strict";

self.addEventListener("push", function (event) {
  const message = readPush(event);
  const url = new URL(message.url || "/", self.location.origin);
  const keeping = (STORY.test(url.pathname) ? keepForAlert(url) : Promise.resolve(null))
    .catch(function (error) { warn("keeping " + url.pathname + " for an alert")(error); return null; });
  // Every push must show a notification; keeping may go on after it within the event's lifetime.
  event.waitUntil(Promise.all([
    settle(keeping, CONFIG.networkLimitMs).then(function (kept) {
      if (!("value" in kept)) console.warn("Reader worker: " + url.pathname + " not kept within the limit; notifying now");
      return notify(message, url, Boolean(kept.value));
    }),
    keeping,
  ]));
});

function readPush(event) {
  try {
    return event.data ? event.data.json() : {};
  } catch (error) {
    return { title: CONFIG.texts.notificationTitle, body: event.data ? event.data.text() : "" };
  }
}

async function keepForAlert(url) {
  const response = await fetchWithin(url.href, CONFIG.networkLimitMs);
  if (!response.ok) throw new Error(url.pathname + " answered " + response.status);
  const small = mediaIn(await response.clone().text()).map(function (path) {
    return path.replace(/-\d+\.webp$/, "-" + CONFIG.smallWidth + ".webp");
  });
  return keepStory(url, response, { images: Array.from(new Set(small)) });
}

async function notify(message, url, online) {
  // The browser fetches a notification's pictures itself, past this worker, and waits up to 90 s
  // for them (Chromium): on a network that never answers the alert would wait that long. So the
  // icon and badge come from the worker's caches as data: URLs, and the story's picture too when it
  // is kept; a picture not kept is left out unless the network just answered for the story.
  const [icon, badge, image] = await Promise.all([
    fromCache(CONFIG.icon), fromCache(CONFIG.badge), message.image ? fromCache(message.image) : null,
  ]);
  // One tag per topic: a newer alert replaces an older one.
  return self.registration.showNotification(message.title || CONFIG.texts.notificationTitle, {
    body: message.body || "",
    icon: icon || (online ? CONFIG.icon : undefined),
    badge: badge || (online ? CONFIG.badge : undefined),
    image: image || (online && message.image) || undefined,
    tag: message.tag || "reader",
    renotify: true,
    data: { url: url.pathname, alert: message.alert || null, click: message.click || null },
  });
}

// A cached file as a data: URL, or null when no cache holds it (or it cannot be read).
async function fromCache(path) {
  try {
    const response = await caches.match(new URL(path, self.location.origin).href);
    if (!response || !response.ok) return null;
    const bytes = new Uint8Array(await response.arrayBuffer());
    let text = "";
    for (let start = 0; start < bytes.length; start += 0x8000) {
      text += String.fromCharCode.apply(null, bytes.subarray(start, start + 0x8000));
    }
    return "data:" + (response.headers.get("Content-Type") || "image/png") + ";base64," + btoa(text);
  } catch (error) {
    warn("reading " + path + " for a notification")(error);
    return null;
  }
}
