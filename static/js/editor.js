// The editor desk: live notification preview and payload counter, the editor's time zone,
// local times, and figures that update while an alert sends. Config comes from data-* attributes;
// every form works without this script.
(function () {
  "use strict";

  var POLL_MS = 2000;

  function localTimes(root) {
    var format = new Intl.DateTimeFormat(document.documentElement.lang, { dateStyle: "medium", timeStyle: "short" });
    root.querySelectorAll("time[data-local]").forEach(function (el) {
      var moment = new Date(el.getAttribute("datetime"));
      if (!isNaN(moment)) el.textContent = format.format(moment);
    });
  }

  // The schedule is typed in the editor's own zone; the server stores it in UTC.
  function timeZone() {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone) return;
    document.querySelectorAll("input[data-tz]").forEach(function (el) { el.value = zone; });
    document.querySelectorAll("[data-tz-label]").forEach(function (el) { el.textContent = zone; });
  }

  // The same JSON as reader.push.payload.build, so the count is the bytes a phone gets.
  function payloadBytes(form) {
    var topic = form.elements.topic.value;
    var message = {
      alert: Number(form.dataset.nextId), title: form.elements.title.value.trim(),
      body: form.elements.body.value.trim(), topic: topic, url: form.dataset.url || "/", tag: "topic-" + topic,
    };
    if (form.dataset.image) message.image = form.dataset.image;
    if (form.dataset.click) message.click = form.dataset.click;  // room for the longest click token
    return new TextEncoder().encode(JSON.stringify(message)).length;
  }

  function compose(form) {
    var max = Number(form.dataset.max);
    var output = form.querySelector("[data-bytes]");
    var meter = form.querySelector("[data-meter]");
    var update = function () {
      var bytes = payloadBytes(form);
      output.textContent = bytes;
      if (meter) meter.value = Math.min(bytes, max);
      output.classList.toggle("over", bytes > max);
      document.querySelectorAll("[data-preview]").forEach(function (el) {
        el.textContent = form.elements[el.dataset.preview].value.trim();
      });
    };
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    var later = form.querySelector("input[name=when][value=later]");
    form.elements.send_at.addEventListener("input", function () { if (later) later.checked = true; });
    update();
  }

  // State names in the editor's language, from the table's data-states ("queued=…|sent=…").
  function stateName(row, key) {
    var table = row.closest("table");
    var found = ((table && table.dataset.states) || "").split("|").find(function (pair) {
      return pair.split("=")[0] === key;
    });
    return found ? found.slice(key.length + 1) : key.replace("_", " ");
  }

  function showFigures(row, status) {
    var state = row.querySelector("[data-state]");
    if (state && state.dataset.state !== status.state) {
      state.dataset.state = status.state;
      state.textContent = stateName(row, status.state);
    }
    Object.keys(status.figures).forEach(function (name) {
      var cell = row.querySelector('[data-figure="' + name + '"]');
      if (cell) cell.textContent = status.figures[name].toLocaleString(document.documentElement.lang);
    });
  }

  // A button the alert's new state no longer allows goes away (a sent alert has no Cancel).
  function showActions(status) {
    document.querySelectorAll("form[data-action]").forEach(function (form) {
      form.hidden = (status.actions || []).indexOf(form.dataset.action) < 0;
    });
  }

  function refreshChart(url) {
    var box = document.querySelector("[data-chart-box]");
    if (!box || !url) return Promise.resolve();
    return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      if (!response.ok) return;
      return response.text().then(function (text) {
        var svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
        var old = box.querySelector("svg");
        if (svg.nodeName !== "svg" || !old) return;
        old.replaceWith(document.importNode(svg, true));
        var summary = box.querySelector("[data-chart-summary]");
        var desc = svg.querySelector("desc");
        if (summary && desc) summary.textContent = desc.textContent;
      });
    });
  }

  // An alert's page: figures and buttons every 2 s while they can still change (clicks come for
  // hours after it is sent), then the chart once more.
  function pollAlert(table) {
    var last = "";
    var tick = function () {
      fetch(table.dataset.poll, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (status) {
        if (!status) return;
        showFigures(table, status);
        showActions(status);
        var seen = JSON.stringify(status.figures);
        var redraw = seen !== last ? refreshChart(table.dataset.chart) : Promise.resolve();
        last = seen;
        return redraw.then(function () { if (status.live) setTimeout(tick, POLL_MS); });
      }).catch(function () { setTimeout(tick, POLL_MS * 2); });
    };
    setTimeout(tick, POLL_MS);
  }

  // The history: every listed alert's state and figures, every 2 s.
  function pollHistory(table) {
    var tick = function () {
      fetch(table.dataset.poll, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (data) {
        (data ? data.alerts : []).forEach(function (status) {
          var row = table.querySelector('tr[data-alert="' + status.id + '"]');
          if (row) showFigures(row, status);
        });
      }).catch(function () {}).then(function () { setTimeout(tick, POLL_MS); });
    };
    setTimeout(tick, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    timeZone();
    document.querySelectorAll("form[data-compose]").forEach(compose);
    document.querySelectorAll("table.figures[data-poll]").forEach(pollAlert);
    document.querySelectorAll("table.history[data-poll]").forEach(pollHistory);
  });
})();
