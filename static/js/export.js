// A static export has no server to apply the display settings (cookies): the page applies them
// itself, and the settings form saves them without a round trip. Loaded only by exported pages.
(function () {
  "use strict";

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
    if (!form) return;
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

  document.addEventListener("DOMContentLoaded", function () {
    applySettings();
    settingsForm(document.querySelector("form.settings"));
  });
})();
