// A tapped notification focuses an open Reader window or opens the story, and the click is
// reported to the server (POST /api/push/clicks); offline, the report waits in IndexedDB and goes
// with the next page load or background sync. One flush runs at a time, so none is sent twice.
"use strict";

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  const data = event.notification.data || {};
  const target = new URL(data.url || "/", self.location.origin).href;
  event.waitUntil(Promise.all([openStory(target), reportClick(data.alert, data.click)]));
});

self.addEventListener("sync", function (event) {
  if (event.tag === "clicks") event.waitUntil(flushClicks());
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

// The delivery's click token makes the report count once, and only from the phone it reached.
async function reportClick(alertId, click) {
  if (!alertId || !click) return;
  await pendingClicks.add({ alert: alertId, click: click, at: Date.now() });
  await flushClicks();
  if (self.registration.sync) {
    await self.registration.sync.register("clicks").catch(warn("asking for a background sync of clicks"));
  }
}

let flushRunning = Promise.resolve();
let flushWaiting = null;

// Send the queued reports. A call during a flush joins the one round queued after it, which reads
// the queue when it starts, so a click recorded meanwhile is sent then, and sent once.
function flushClicks() {
  if (flushWaiting) return flushWaiting;
  const round = flushRunning.then(function () {
    flushWaiting = null;
    return sendClicks();
  });
  flushWaiting = round;
  flushRunning = round.then(noError, noError);  // a failed round is its callers' to report
  return round;
}

function noError() {
  return null;
}

async function sendClicks() {
  for (const entry of await pendingClicks.entries()) {
    let response;
    try {
      response = await fetchWithin(CONFIG.apiOrigin + "/api/push/clicks", CONFIG.networkLimitMs, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ alert: entry.click.alert, click: entry.click.click }),
      });
    } catch (error) {
      return;  // no network now: the reports wait for the next chance
    }
    // 400 and 404: the server will never take this report (an alert it does not know).
    if (response.ok || response.status === 404 || response.status === 400) await pendingClicks.remove(entry.key);
  }
}
