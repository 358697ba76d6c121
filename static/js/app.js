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

  function registerWorker() {
    var url = document.body.dataset.sw;
    if (!url || !("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(url, { scope: "/" }).catch(function () {});
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    tapImages(document);
    registerWorker();
  });
})();
