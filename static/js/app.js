// Reader's page script: progressive enhancement only; every page works without it.
// Kept small, as every page loads it first: the offline features (offline.js) load once a
// service worker runs, and only then.
(function () {
  "use strict";

  function warn(what) {
    return function (error) { console.warn("Reader: " + what + " failed:", error); };
  }

  // Times are rendered in UTC; show them in the reader's own time zone.
  function localTimes(root) {
    var times = root.querySelectorAll("time[data-local]");
    if (!times.length) return;
    var format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
    times.forEach(function (el) {
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

  // The worker is registered after the page has loaded, so its install never competes with the
  // page's own requests; offline.js follows once a worker is active.
  function registerWorker() {
    var body = document.body;
    // offline.js tells the worker about a page the worker did not serve (it keeps those itself).
    if (navigator.serviceWorker && navigator.serviceWorker.controller) body.dataset.served = "worker";
    if (!body.dataset.sw || !("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(body.dataset.sw, { scope: "/" }).catch(warn("registering the service worker"));
    navigator.serviceWorker.ready.then(function () {
      var script = document.createElement("script");
      script.src = body.dataset.offlineJs;
      document.head.appendChild(script);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    tapImages(document);
  });
  if (document.readyState === "complete") registerWorker();
  else window.addEventListener("load", registerWorker);
})();
