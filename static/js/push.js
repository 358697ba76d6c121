// Alerts in the settings page: a toggle per topic. Permission is asked only after a tap.
// Every step but the reader's own answer to the permission prompt has a time limit (data-limit),
// and after any failure the toggles go back to what the server last accepted.
(function () {
  "use strict";

  function b64urlToBytes(text) {
    var base64 = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function say(box, name, values) {
    return (box.dataset[name] || "").replace(/\{(\w+)\}/g, function (whole, key) {
      return values && key in values ? values[key] : whole;
    });
  }

  // The promise, or a rejection naming the limit once it passes.
  function limited(box, promise) {
    var ms = Number(box.dataset.limit) || 10000;
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () { reject(new Error(say(box, "late", { seconds: ms / 1000 }))); }, ms);
      promise.then(resolve, reject).finally(function () { clearTimeout(timer); });
    });
  }

  function api(box, path, method, body) {
    return limited(box, fetch(box.dataset.api + path, {
      method: method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    })).then(function (response) {
      if (response.status === 204 || response.status === 404) return {};
      if (response.ok) return response.json();
      return response.json().then(function (error) { throw new Error(error.message || response.statusText); });
    });
  }

  function unsupported(box) {
    var ios = /iPad|iPhone|iPod/.test(navigator.userAgent);
    var standalone = window.matchMedia("(display-mode: standalone)").matches || navigator.standalone;
    if (ios && !standalone) return say(box, "ios");
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      return say(box, "unsupported");
    }
    return "";
  }

  function setup(box) {
    var status = box.querySelector("[data-push-status]");
    var toggles = Array.prototype.slice.call(box.querySelectorAll("input[type=checkbox]"));
    var saved = [];   // the topics the server last accepted
    box.hidden = false;
    var reason = unsupported(box);
    if (reason) {
      status.textContent = reason;
      toggles.forEach(function (t) { t.disabled = true; });
      return;
    }
    limited(box, navigator.serviceWorker.ready).then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) return;
      return api(box, "/api/push/subscriptions/lookup", "POST", { endpoint: subscription.endpoint })
        .then(function (reply) {
          saved = reply.topics || [];
          show(toggles, saved);
        });
    }).catch(function (error) {
      status.textContent = say(box, "lookupFailed", { reason: error.message });
    });
    toggles.forEach(function (toggle) {
      toggle.addEventListener("change", function () {
        toggles.forEach(function (t) { t.disabled = true; });
        save(box, toggles, status).then(function (topics) {
          saved = topics;
        }, function (error) {
          status.textContent = say(box, "failed", { reason: error.message });
        }).finally(function () {
          show(toggles, saved);
          toggles.forEach(function (t) { t.disabled = false; });
        });
      });
    });
  }

  function show(toggles, topics) {
    toggles.forEach(function (t) { t.checked = topics.indexOf(t.value) >= 0; });
  }

  // Resolves with the topics now on; rejects (with the reason) when nothing changed on the server.
  function save(box, toggles, status) {
    var topics = toggles.filter(function (t) { return t.checked; }).map(function (t) { return t.value; });
    var asking = topics.length && Notification.permission !== "granted";
    status.textContent = say(box, asking ? "asking" : "saving");
    var ready = asking ? Notification.requestPermission() : Promise.resolve(Notification.permission);
    return ready.then(function (permission) {
      if (topics.length && permission !== "granted") throw new Error(say(box, "blocked"));
      status.textContent = say(box, "saving");
      return limited(box, navigator.serviceWorker.ready);
    }).then(function (registration) {
      return limited(box, registration.pushManager.getSubscription()).then(function (existing) {
        if (!topics.length) return existing && unsubscribe(box, existing);
        return existing || limited(box, registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: b64urlToBytes(box.dataset.key),
        }));
      });
    }).then(function (subscription) {
      if (!subscription) { status.textContent = say(box, "off"); return []; }
      return api(box, "/api/push/subscriptions", "POST", { subscription: subscription.toJSON(), topics: topics })
        .then(function () {
          var names = toggles.filter(function (t) { return t.checked; })
            .map(function (t) { return t.parentNode.textContent.trim(); });
          status.textContent = say(box, "on", { topics: names.join(", ") });
          return topics;
        });
    });
  }

  function unsubscribe(box, existing) {
    return api(box, "/api/push/subscriptions", "DELETE", { endpoint: existing.endpoint })
      .then(function () { return limited(box, existing.unsubscribe()); })
      .then(function () { return null; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-push]");
    if (box) setup(box);
  });
})();
