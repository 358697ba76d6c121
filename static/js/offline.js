// Offline reading in the page: save a story, download an edition, list and remove kept stories,
// and offer a new version. Talks to the service worker with messages; without one it does nothing.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;

  // Send a message to the active worker; onProgress gets the messages before the last one.
  function ask(type, body, onProgress) {
    return navigator.serviceWorker.ready.then(function (registration) {
      return new Promise(function (resolve, reject) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) {
          var reply = event.data || {};
          if (!reply.done) return onProgress && onProgress(reply);
          channel.port1.close();
          if (reply.error) reject(new Error(reply.error)); else resolve(reply);
        };
        registration.active.postMessage(Object.assign({ type: type }, body), [channel.port2]);
      });
    });
  }

  function size(bytes) {
    if (bytes >= 1048576) return (bytes / 1048576).toFixed(1) + " MB";
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function askToPersist() {
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {});
  }

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) node.textContent = text;
    return node;
  }

  // ------------------------------------------------------------ save one story

  function saveButton(button) {
    var status = document.querySelector("[data-save-status]");
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = "Saving…";
      ask("save", { url: location.pathname }).then(function (reply) {
        button.textContent = "Saved for offline";
        status.textContent = "Kept on this device (" + size(reply.story.bytes + reply.story.imageBytes) + ").";
        askToPersist();
      }, function (error) {
        button.disabled = false;
        status.textContent = "Could not save: " + error.message;
      });
    });
  }

  // ------------------------------------------------------------ download an edition

  function editionBox(box) {
    var start = box.querySelector("[data-edition-start]");
    var confirm = box.querySelector("[data-edition-confirm]");
    var status = box.querySelector("[data-edition-status]");
    var bar = box.querySelector("progress");
    var manifest = null;
    box.hidden = false;
    start.addEventListener("click", function () {
      status.textContent = "Checking the size…";
      fetch(box.dataset.manifest).then(function (r) {
        if (!r.ok) throw new Error("the server said " + r.status);
        return r.json();
      }).then(function (data) {
        manifest = data;
        status.textContent = data.stories.length + " stories, about " + size(data.bytes) + ". Download them?";
        confirm.hidden = false;
      }, function (error) {
        status.textContent = "Cannot download now (" + error.message + ").";
      });
    });
    confirm.addEventListener("click", function () {
      confirm.hidden = true;
      start.disabled = true;
      bar.hidden = false;
      bar.max = manifest.stories.length;
      ask("edition", { stories: manifest.stories }, function (step) {
        bar.value = step.progress;
        status.textContent = "Downloaded " + step.progress + " of " + step.total + " (" + size(step.bytes) + ")";
      }).then(function (reply) {
        start.disabled = false;
        status.textContent = "Kept " + reply.kept.length + " stories (" + size(reply.bytes) + ") for reading offline.";
        var list = box.querySelector("[data-edition-kept]");
        list.textContent = "";
        reply.kept.forEach(function (story) {
          var item = el("li");
          item.appendChild(el("a", { href: new URL(story.url).pathname }, story.title));
          list.appendChild(item);
        });
        askToPersist();
      }, function (error) {
        start.disabled = false;
        status.textContent = "The download stopped: " + error.message;
      });
    });
  }

  // ------------------------------------------------------------ kept stories (offline and saved pages)

  function keptList(list) {
    ask("list", {}).then(function (reply) {
      list.textContent = "";
      if (!reply.stories.length) {
        list.appendChild(el("li", { "class": "empty" }, "Nothing is kept on this device yet."));
      }
      reply.stories.forEach(function (story) { list.appendChild(keptItem(story, list)); });
      showUsage(reply.stories, reply.total);
    });
  }

  function keptItem(story, list) {
    var item = el("li", { "class": "story" });
    var text = el("div");
    var heading = el("h3");
    heading.appendChild(el("a", { href: new URL(story.url).pathname }, story.title || story.url));
    text.appendChild(heading);
    text.appendChild(el("p", { "class": "meta" }, size(story.bytes + story.imageBytes) +
      (story.saved ? " · saved" : " · opened") + " · read " + new Date(story.readAt).toLocaleString()));
    item.appendChild(text);
    if (list.hasAttribute("data-removable")) {
      var remove = el("button", { type: "button" }, "Remove");
      remove.setAttribute("aria-label", "Remove " + (story.title || "this story") + " from this device");
      remove.addEventListener("click", function () {
        ask("remove", { url: story.url }).then(function () { keptList(list); });
      });
      item.appendChild(remove);
    }
    return item;
  }

  function showUsage(stories, ours) {
    var target = document.querySelector("[data-storage-used]");
    if (!target) return;
    var text = stories.length + " stories kept, " + size(ours) + ".";
    if (!navigator.storage || !navigator.storage.estimate) { target.textContent = text; return; }
    navigator.storage.estimate().then(function (estimate) {
      target.textContent = text + " This site uses " + size(estimate.usage || 0) + " of the " +
        size(estimate.quota || 0) + " the browser allows.";
    });
  }

  // ------------------------------------------------------------ a page seen before the worker ran

  function reportSeen() {
    var images = Array.prototype.map.call(document.images, function (img) {
      return new URL(img.currentSrc || img.src, location.href).pathname;
    });
    ask("seen", { url: location.pathname, images: images }).catch(function () {});
  }

  // ------------------------------------------------------------ a new version waits

  function watchForUpdates(registration) {
    var banner = document.querySelector("[data-update]");
    if (!banner) return;
    function offer(worker) {
      banner.hidden = false;
      banner.querySelector("button").onclick = function () { worker.postMessage({ type: "skip-waiting" }); };
    }
    if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
    registration.addEventListener("updatefound", function () {
      var worker = registration.installing;
      worker.addEventListener("statechange", function () {
        if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker);
      });
    });
    var reloading = false;
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      if (!reloading && !banner.hidden) { reloading = true; location.reload(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    // Only once a worker runs: where registration is refused, the page stays a plain page.
    navigator.serviceWorker.ready.then(function (registration) {
      var button = document.querySelector("[data-save]");
      if (button) saveButton(button);
      document.querySelectorAll("[data-edition]").forEach(editionBox);
      document.querySelectorAll("[data-kept-list]").forEach(keptList);
      watchForUpdates(registration);
      if (navigator.serviceWorker.controller) reportSeen();
      else navigator.serviceWorker.addEventListener("controllerchange", reportSeen, { once: true });
    });
  });
})();
