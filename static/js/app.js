// Reader's page script: progressive enhancement only; every page works without it.
(function () {
  "use strict";

  // Times are rendered in UTC; show them in the reader's own time zone.
  function localTimes(root) {
    var format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
    root.querySelectorAll("time[data-local]").forEach(function (el) {
      var moment = new Date(el.getAttribute("datetime"));
      if (!isNaN(moment)) el.textContent = format.format(moment);
    });
  }

  // Low-data mode: an image is a link until tapped, then it loads in place.
  function tapImages(root) {
    root.addEventListener("click", function (event) {
      var link = event.target.closest("a.tap-image");
      if (!link) return;
      event.preventDefault();
      var img = document.createElement("img");
      img.src = link.href;
      img.alt = link.dataset.alt || "";
      img.width = link.dataset.width;
      img.height = link.dataset.height;
      link.replaceWith(img);
    });
  }

  // Display settings live in cookies. The server applies them; a static export has no server,
  // so the page applies them itself and the settings form saves them without a round trip.
  var SETTINGS_MAX_AGE = 400 * 24 * 3600;

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : null;
  }

  function applySettings() {
    var root = document.documentElement;
    if (cookie("theme")) root.dataset.theme = cookie("theme");
    if (cookie("text")) root.dataset.text = cookie("text");
  }

  function settingsForm(form) {
    if (!form || !document.body.hasAttribute("data-static")) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      [["theme", data.get("theme")], ["text", data.get("text")], ["lowdata", data.get("lowdata") ? "1" : "0"]]
        .forEach(function (pair) {
          document.cookie = pair[0] + "=" + encodeURIComponent(pair[1] || "") + "; max-age=" +
            SETTINGS_MAX_AGE + "; path=/; SameSite=Lax";
        });
      applySettings();
      var note = document.querySelector("[data-settings-saved]");
      if (note) note.hidden = false;
    });
  }

  function registerWorker() {
    var url = document.body.dataset.sw;
    if (!url || !("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(url, { scope: "/" }).catch(function () {});
  }

  document.addEventListener("DOMContentLoaded", function () {
    applySettings();
    settingsForm(document.querySelector("form.settings"));
    localTimes(document);
    tapImages(document);
    registerWorker();
  });
})();
