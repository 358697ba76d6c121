// Alerts in the settings page: a toggle per topic. Permission is asked only after a tap.
(function () {
  "use strict";

  function b64urlToBytes(text) {
    var base64 = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function api(box, path, method, body) {
    return fetch(box.dataset.api + path, {
      method: method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    }).then(function (response) {
      if (response.ok || response.status === 404) return response.status === 204 || response.status === 404 ? {} : response.json();
      return response.json().then(function (error) { throw new Error(error.message || response.statusText); });
    });
  }

  function unsupported() {
    var ios = /iPad|iPhone|iPod/.test(navigator.userAgent);
    var standalone = window.matchMedia("(display-mode: standalone)").matches || navigator.standalone;
    if (ios && !standalone) return "On iPhone and iPad, alerts work once Reader is on the Home Screen: tap Share, then Add to Home Screen.";
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      return "This browser cannot receive alerts. Stories still stay readable offline.";
    }
    return "";
  }

  function setup(box) {
    var status = box.querySelector("[data-push-status]");
    var toggles = Array.prototype.slice.call(box.querySelectorAll("input[type=checkbox]"));
    box.hidden = false;
    var reason = unsupported();
    if (reason) {
      status.textContent = reason;
      toggles.forEach(function (t) { t.disabled = true; });
      return;
    }
    navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) return;
      return api(box, "/api/push/subscriptions/lookup", "POST", { endpoint: subscription.endpoint })
        .then(function (reply) {
          (reply.topics || []).forEach(function (topic) {
            var toggle = box.querySelector("input[value='" + topic + "']");
            if (toggle) toggle.checked = true;
          });
        });
    }).catch(function () {});
    toggles.forEach(function (toggle) {
      toggle.addEventListener("change", function () { save(box, toggles, status); });
    });
  }

  function save(box, toggles, status) {
    var topics = toggles.filter(function (t) { return t.checked; }).map(function (t) { return t.value; });
    status.textContent = "Saving…";
    var ready = topics.length && Notification.permission !== "granted"
      ? Notification.requestPermission() : Promise.resolve(Notification.permission);
    ready.then(function (permission) {
      if (topics.length && permission !== "granted") {
        toggles.forEach(function (t) { t.checked = false; });
        throw new Error("alerts are blocked for this site in the browser's settings");
      }
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      return registration.pushManager.getSubscription().then(function (existing) {
        if (!topics.length) {
          if (!existing) return null;
          return api(box, "/api/push/subscriptions", "DELETE", { endpoint: existing.endpoint })
            .then(function () { return existing.unsubscribe(); }).then(function () { return null; });
        }
        return existing || registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: b64urlToBytes(box.dataset.key),
        });
      });
    }).then(function (subscription) {
      if (!subscription) { status.textContent = "Alerts are off."; return; }
      return api(box, "/api/push/subscriptions", "POST", { subscription: subscription.toJSON(), topics: topics })
        .then(function () { status.textContent = "Alerts on for " + topics.length + " topic" + (topics.length > 1 ? "s" : "") + "."; });
    }).catch(function (error) {
      status.textContent = "Could not change alerts: " + error.message;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-push]");
    if (box) setup(box);
  });
})();
