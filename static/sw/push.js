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
      return notify(message, url);
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

function notify(message, url) {
  // One tag per topic: a newer alert replaces an older one.
  return self.registration.showNotification(message.title || CONFIG.texts.notificationTitle, {
    body: message.body || "",
    icon: CONFIG.icon,
    badge: CONFIG.badge,
    image: message.image || undefined,
    tag: message.tag || "reader",
    renotify: true,
    data: { url: url.pathname, alert: message.alert || null, click: message.click || null },
  });
}
