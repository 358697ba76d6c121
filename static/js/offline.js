// Offline reading in the page: save a story, download an edition, list and remove kept stories,
// mark what is kept while offline, and offer a new version. app.js loads this file once a service
// worker is active; it talks to the worker with messages. Every sentence it shows comes from the
// page (data-* attributes in the templates), with {name} filled in here.
(function () {
  "use strict";

  function warn(what) {
    return function (error) { console.warn("Reader: " + what + " failed:", error); };
  }

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

  // The sentence in el's data-<name>, with {key} replaced by values[key]. A sentence with a
  // {count} comes in plural forms ("one:…|few:…|many:…|other:…", the server's catalog for the
  // interface language); Intl.PluralRules picks the one for values.count.
  function say(el, name, values) {
    var text = el.dataset[name] || "";
    if (/^(zero|one|two|few|many|other):/.test(text)) text = pluralForm(text, values.count);
    return text.replace(/\{(\w+)\}/g, function (whole, key) {
      return values && key in values ? values[key] : whole;
    });
  }

  function pluralForm(text, count) {
    var forms = {};
    text.split("|").forEach(function (part) {
      var colon = part.indexOf(":");
      forms[part.slice(0, colon)] = part.slice(colon + 1);
    });
    var rules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang) : null;
    var category = rules ? rules.select(count) : (count === 1 ? "one" : "other");
    return forms[category] || forms.other;
  }

  // 1234567 -> "1.18 MB" ("1,18 МБ" in Russian), 10737418240 -> "10 GB": three significant figures
  // at most, in the largest unit the number reaches; the units and the decimal sign come from the
  // page (<html data-units data-decimal>; no Intl.NumberFormat: see localTime in app.js).
  function size(bytes) {
    var page = document.documentElement.dataset;
    var names = (page.units || "KB|MB|GB").split("|");
    var units = [[1073741824, names[2]], [1048576, names[1]], [1024, names[0]]];
    var unit = units.find(function (u) { return bytes >= u[0]; }) || units[2];
    var figure = String(Number((Math.max(bytes, 1) / unit[0]).toPrecision(3)));
    return figure.replace(".", page.decimal || ".") + " " + unit[1];
  }

  function when(ms) {
    return window.reader.localTime(new Date(ms));
  }

  function askToPersist() {
    if (navigator.storage && navigator.storage.persist) {
      navigator.storage.persist().catch(warn("asking for persistent storage"));
    }
  }

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) node.textContent = text;
    return node;
  }

  // ------------------------------------------------------------ save one story

  function saveButton(button) {
    var box = button.closest("[data-saving]");
    var status = box.querySelector("[data-save-status]");
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = say(box, "saving");
      ask("save", { url: location.pathname }).then(function (reply) {
        button.textContent = say(box, "saved");
        status.textContent = say(box, "kept", { size: size(reply.story.bytes + reply.story.imageBytes) });
        askToPersist();
      }, function (error) {
        button.disabled = false;
        status.textContent = say(box, "failed", { reason: error.message });
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
    start.classList.remove("needs-worker");
    start.addEventListener("click", function () {
      start.disabled = true;
      bar.hidden = true;
      status.textContent = say(box, "checking");
      fetch(box.dataset.manifest).then(function (r) {
        if (!r.ok) throw new Error(r.status + " " + r.statusText);
        return r.json();
      }).then(function (data) {
        manifest = data;
        status.textContent = say(box, "question", { count: data.stories.length, size: size(data.bytes) });
        confirm.hidden = false;
        confirm.focus();
      }, function (error) {
        start.disabled = false;
        status.textContent = say(box, "failed", { reason: error.message });
      });
    });
    confirm.addEventListener("click", function () {
      confirm.hidden = true;
      bar.hidden = false;
      bar.value = 0;
      bar.max = manifest.stories.length;
      ask("edition", { stories: manifest.stories }, function (step) {
        bar.value = step.progress;
        status.textContent = say(box, "progress", { done: step.progress, total: step.total, size: size(step.bytes) });
      }).then(function (reply) {
        status.textContent = say(box, "done", { count: reply.kept.length, size: size(reply.bytes) });
        showKept(box, reply.kept);
        askToPersist();
      }, function (error) {
        status.textContent = say(box, "stopped", { reason: error.message });
      }).finally(function () {
        bar.hidden = true;
        start.disabled = false;
        start.textContent = say(box, "again");
      });
    });
  }

  function showKept(box, kept) {
    var list = box.querySelector("[data-edition-kept]");
    list.textContent = "";
    kept.forEach(function (story) {
      var item = el("li");
      item.appendChild(el("a", { href: new URL(story.url).pathname }, story.title));
      list.appendChild(item);
    });
    box.querySelector("[data-edition-list]").hidden = false;
  }

  // ------------------------------------------------------------ kept stories (offline and saved pages)

  function keptList(list) {
    ask("list", {}).then(function (reply) {
      list.textContent = "";
      if (!reply.stories.length) list.appendChild(el("li", { "class": "empty" }, say(list, "empty")));
      reply.stories.forEach(function (story) { list.appendChild(keptItem(story, list)); });
      showUsage(reply.stories, reply.total);
    }, function (error) {
      list.textContent = "";
      list.appendChild(el("li", { "class": "empty" }, say(list, "failed", { reason: error.message })));
    });
  }

  function keptItem(story, list) {
    var item = el("li", { "class": "story" });
    var text = el("div");
    var heading = el("h3");
    heading.appendChild(el("a", { href: new URL(story.url).pathname }, story.title || story.url));
    text.appendChild(heading);
    text.appendChild(el("p", { "class": "meta" }, say(list, story.saved ? "saved" : "opened",
      { size: size(story.bytes + story.imageBytes), when: when(story.readAt) })));
    item.appendChild(text);
    if (list.hasAttribute("data-removable")) {
      var remove = el("button", { type: "button" }, say(list, "remove"));
      remove.setAttribute("aria-label", say(list, "removeLabel", { title: story.title }));
      remove.addEventListener("click", function () {
        ask("remove", { url: story.url }).then(function () { keptList(list); }, function (error) {
          item.querySelector(".meta").textContent = say(list, "failed", { reason: error.message });
        });
      });
      item.appendChild(remove);
    }
    return item;
  }

  function showUsage(stories, ours) {
    var target = document.querySelector("[data-storage-used]");
    if (!target) return;
    var text = say(target, "summary", { count: stories.length, size: size(ours) });
    target.textContent = text;
    if (!navigator.storage || !navigator.storage.estimate) return;
    navigator.storage.estimate().then(function (estimate) {
      target.textContent = text + " " + say(target, "usage", { used: size(estimate.usage || 0),
                                                              quota: size(estimate.quota || 0) });
    }, warn("estimating storage"));
  }

  // ------------------------------------------------------------ offline: what is kept, what is not

  // While the phone is offline, each story link on the page is marked kept (with when) or dimmed,
  // and a notice says so; back online, the marks and the notice go.
  function offlineMarks() {
    var notice = document.querySelector("[data-offline-notice]");
    if (!notice) return;
    function update() {
      notice.hidden = navigator.onLine;
      clearMarks();
      if (!navigator.onLine) ask("list", {}).then(function (reply) { mark(notice, reply.stories); }, warn("listing kept stories"));
    }
    window.addEventListener("online", update);
    window.addEventListener("offline", update);
    update();
  }

  function mark(notice, stories) {
    var kept = {};
    stories.forEach(function (story) { kept[new URL(story.url).pathname] = story; });
    document.querySelectorAll("main .story, main .archive li").forEach(function (item) {
      var link = item.querySelector("a[href^='/articles/']");
      if (!link || item.closest("[data-kept-list]")) return;
      var story = kept[link.pathname];
      item.classList.add(story ? "kept" : "not-kept");
      var label = el("span", { "class": "mark", "data-mark": "" },
        story ? say(notice, "kept", { when: when(story.keptAt) }) : say(notice, "notKept"));
      var meta = item.querySelector(".meta");
      if (meta) meta.prepend(label, " · "); else item.append(" ", label);
    });
  }

  function clearMarks() {
    document.querySelectorAll("[data-mark]").forEach(function (label) {
      var next = label.nextSibling;
      if (next && next.nodeType === 3 && next.data === " · ") next.remove();
      label.remove();
    });
    document.querySelectorAll(".kept, .not-kept").forEach(function (item) {
      item.classList.remove("kept", "not-kept");
    });
  }

  // ------------------------------------------------------------ a page seen before the worker ran

  function reportSeen() {
    var images = Array.prototype.map.call(document.images, function (img) {
      return new URL(img.currentSrc || img.src, location.href).pathname;
    });
    ask("seen", { url: location.pathname, images: images }).catch(warn("keeping this page"));
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

  // Each part in a task of its own, so none blocks the main thread for long on a slow phone.
  function inTurn(steps) {
    if (!steps.length) return;
    setTimeout(function () {
      steps[0]();
      inTurn(steps.slice(1));
    }, 0);
  }

  navigator.serviceWorker.ready.then(function (registration) {
    var button = document.querySelector("[data-save]");
    inTurn([
      function () {
        document.querySelectorAll("[data-when-worker]").forEach(function (node) { node.hidden = false; });
        if (button) saveButton(button);
        document.querySelectorAll("[data-edition]").forEach(editionBox);
      },
      function () { document.querySelectorAll("[data-kept-list]").forEach(keptList); },
      offlineMarks,
      function () { watchForUpdates(registration); },
      function () {
        if (document.body.dataset.served === "worker") return;  // the worker kept it as it served it
        if (navigator.serviceWorker.controller) reportSeen();
        else navigator.serviceWorker.addEventListener("controllerchange", reportSeen, { once: true });
      },
    ]);
  });
})();
