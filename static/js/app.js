// Reader's page script: progressive enhancement only; every page works without it.
// Kept small, as every page loads it first: the offline features (offline.js) load once a
// service worker runs, and only then.
(function () {
  "use strict";

  function warn(what) {
    return function (error) { console.warn("Reader: " + what + " failed:", error); };
  }

  // "22 Dec 2025, 19:05 +05" in the reader's own time zone: the server's pattern for the interface
  // language (<html data-time>, e.g. "{d} {MMM} {y}, {HH}:{mm}", from CLDR through Babel) and its
  // month names (data-months), with the zone's offset where the server says "UTC". Intl would
  // localise too, but building a DateTimeFormat costs 20-40 ms of main thread on a phone-class CPU.
  function localTime(moment) {
    var page = document.documentElement.dataset;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var offset = -moment.getTimezoneOffset();
    var zone = offset === 0 ? "UTC" : (offset > 0 ? "+" : "-") + pad(Math.floor(Math.abs(offset) / 60)) +
      (Math.abs(offset) % 60 ? pad(Math.abs(offset) % 60) : "");
    var fields = {
      d: moment.getDate(), dd: pad(moment.getDate()), M: moment.getMonth() + 1, MM: pad(moment.getMonth() + 1),
      MMM: page.months.split("|")[moment.getMonth()], y: moment.getFullYear(), yyyy: moment.getFullYear(),
      H: moment.getHours(), HH: pad(moment.getHours()), m: moment.getMinutes(), mm: pad(moment.getMinutes()),
    };
    return page.time.replace(/\{(\w+)\}/g, function (whole, key) { return key in fields ? fields[key] : whole; }) +
      " " + zone;
  }

  // Times are rendered in UTC; show them in the reader's own time zone.
  function localTimes(root) {
    root.querySelectorAll("time[data-local]").forEach(function (el) {
      var moment = new Date(el.getAttribute("datetime"));
      if (!isNaN(moment)) el.textContent = localTime(moment);
    });
  }

  window.reader = { localTime: localTime };  // offline.js shows times the same way

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
  // After load, in the first idle moment (within 2 s), so registering never lengthens a busy task.
  function whenIdle() {
    if (window.requestIdleCallback) requestIdleCallback(registerWorker, { timeout: 2000 });
    else setTimeout(registerWorker, 0);
  }
  if (document.readyState === "complete") whenIdle();
  else window.addEventListener("load", whenIdle);
})();
