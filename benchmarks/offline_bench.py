"""Offline reading figures in real headless Chromium, each beside an anchor measured in the same run.

1. One demo article page, navigated again and again (median and p90 of responseEnd and
   loadEventEnd from the Navigation Timing entry, in ms):
     reader, offline      Reader's worker answers from its cache (context.set_offline(True))
     reader, online       Reader's worker, network-first with its timeout, server on loopback
     no worker, online    a context with service_workers="block"
     minimal worker, offline (anchor)  a copy of the same page and its files on another loopback
                          port, behind a 12-line worker that precaches them and answers cache-first
   The four are measured round-robin (one navigation each per round) so load on the shared
   machine falls on all of them alike.
2. A 20-story front-page edition downloaded in low-data mode through the page's own UI: seconds
   from the confirm click to "Kept ...", and bytes as the manifest announced them, as the server
   sent them (counted per response in a WSGI wrapper) and as the worker stored them (its "list"
   message, and the cache itself).

The demo has 10 stories, so EXTRA_STORIES more are written as local HTML files with Pillow-drawn
images and ingested with `reader ingest` into the data dir `reader demo` loaded.

Usage, from the repository root (needs /usr/bin/chromium and the playwright package; about a minute):

    .venv/bin/python benchmarks/offline_bench.py [--rounds 25]

Exits 1 when a step fails, 2 when the time budget runs out; it stops every server and browser it started.
"""
import argparse
import html
import http.server
import json
import math
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from _browser import CHROMIUM, LIST_KEPT, PHONE, LiveServer, free_port, launch
import _stopping  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 270               # the whole run, data included; the brief allows five minutes
EXTRA_STORIES = 16           # the demo's 10 + 16 = 26 stories, so the 20-story edition is full
WARMUP_ROUNDS = 3            # navigations per variant not counted (first worker start, cold caches)
EDITION_LIMIT = 20           # what templates/_edition.html gives the front page box
ANCHOR_ISSUE_MS = 9          # the issue's minimal-worker figure on this machine, responseEnd offline
NAV_TIMING = """() => {
  const n = performance.getEntriesByType("navigation")[0];
  return n && n.loadEventEnd > 0 ? {responseEnd: n.responseEnd, loadEventEnd: n.loadEventEnd} : null;
}"""
CONTROLLED = "() => navigator.serviceWorker.controller !== null"
# What the caches really hold for the given page keys and image paths.
CACHED_BYTES = """async ([pageKeys, imagePaths]) => {
  const pages = await caches.open("reader-pages"), images = await caches.open("reader-images");
  const out = {pages: [], imageBytes: 0, imagesFound: 0};
  for (const key of pageKeys) {
    const response = await pages.match(key, {ignoreVary: true});
    const buffer = response ? await response.arrayBuffer() : new ArrayBuffer(0);
    out.pages.push({key, utf8: buffer.byteLength, chars: new TextDecoder().decode(buffer).length});
  }
  for (const path of imagePaths) {
    const response = await images.match(path);
    if (response) { out.imagesFound += 1; out.imageBytes += (await response.blob()).size; }
  }
  return out;
}"""
# Times the edition download inside the page: confirm click to the "Kept " status.
EDITION_CLOCK = """() => {
  const box = document.querySelector("[data-edition=front]");
  const status = box.querySelector("[data-edition-status]");
  window.__edition = {start: 0, end: 0};
  box.querySelector("[data-edition-confirm]").addEventListener("click", () => {
    window.__edition.start = performance.now();
  }, {capture: true});
  new MutationObserver(() => {
    if (!window.__edition.end && status.textContent.startsWith("Kept ")) window.__edition.end = performance.now();
  }).observe(status, {childList: true, characterData: true, subtree: true});
}"""
# One page lookup the way cachedPage() in sw.js does it, beside one exact-key lookup in one cache.
LOOKUP = """async ([key, n]) => {
  const asIs = [], direct = [], counts = {};
  for (let i = 0; i < n; i += 1) {
    let start = performance.now();
    await caches.match(key, {ignoreVary: true, ignoreSearch: true});
    asIs.push(performance.now() - start);
    start = performance.now();
    await (await caches.open("reader-pages")).match(key, {ignoreVary: true});
    direct.push(performance.now() - start);
  }
  for (const name of await caches.keys()) counts[name] = (await (await caches.open(name)).keys()).length;
  return {asIs, direct, counts};
}"""
MINIMAL_SW = """// The anchor: precache one page and its files, answer every GET cache-first.
const FILES = %s;
self.addEventListener("install", (event) => {
  event.waitUntil(caches.open("minimal").then((cache) => cache.addAll(FILES))
    .then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("fetch", (event) => {
  if (event.request.method !== "GET") return;
  event.respondWith(caches.match(event.request, { ignoreVary: true })
    .then((cached) => cached || fetch(event.request)));
});
"""


class BenchError(Exception):
    """A step of the benchmark failed; the message says which and why."""


# ---------------------------------------------------------------- data: the demo and 16 more stories

WORDS = ("the ministry said on Tuesday that freight volumes along the corridor rose as new wagons "
         "arrived from Aktau while farmers in the Fergana valley waited for water quotas and "
         "officials in Bishkek promised a new tariff for winter power customers across the region "
         "with traders in Almaty reporting higher prices for flour rice cotton and fuel after the "
         "border crossing at Dostyk reopened following repairs to the rail yard and customs sheds "
         "economists expect growth to slow next year but remittances from Russia remain strong").split()
WORDS_RU = ("министерство сообщило во вторник что объём грузов по коридору вырос после прибытия "
            "новых вагонов из Актау фермеры Ферганской долины ждут квот на воду а чиновники в "
            "Бишкеке обещают новый тариф для зимних потребителей электроэнергии в Казахстане и "
            "Узбекистане цены на муку рис и топливо выросли после открытия пограничного перехода").split()
COUNTRIES = ("Kazakhstan", "Kyrgyzstan", "Tajikistan", "Turkmenistan", "Uzbekistan")


def sentence(rng, words):
    text = " ".join(rng.choice(words) for _ in range(rng.randint(9, 22)))
    return text[0].upper() + text[1:] + "."


def draw_image(path, rng):
    """A photo-like JPEG: noise under coloured shapes, so WebP sizes are like a real picture's."""
    from PIL import Image, ImageDraw, ImageFilter

    size = (rng.choice((1200, 1600)), rng.choice((800, 900)))
    noise = Image.effect_noise(size, rng.randint(30, 70)).convert("RGB")
    base = Image.new("RGB", size, tuple(rng.randint(40, 220) for _ in range(3)))
    draw = ImageDraw.Draw(base)
    for _ in range(rng.randint(8, 20)):
        x, y = rng.randint(0, size[0]), rng.randint(0, size[1])
        box = [x, y, x + rng.randint(80, 600), y + rng.randint(60, 400)]
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    image = Image.blend(base.filter(ImageFilter.GaussianBlur(3)), noise, 0.25)
    image.save(path, "JPEG", quality=85)
    return size


def extra_page(index, rng, folder):
    """One article page in publisher markup, with 1-3 images next to it; returns the file."""
    lang = "ru" if index % 5 == 4 else "en"
    words = WORDS_RU if lang == "ru" else WORDS
    country = COUNTRIES[index % len(COUNTRIES)]
    title = f"{country}: {sentence(rng, words)[:-1]}"[:110]
    day, hour = 12 + index * 12 // EXTRA_STORIES, 6 + index % 12
    published = f"2025-12-{day:02d}T{hour:02d}:30:00+05:00"
    figures = []
    for k in range(rng.randint(1, 3)):
        name = f"images/extra-{index}-{k}.jpg"
        width, height = draw_image(folder / name, rng)
        figures.append(f'<figure><img src="{name}" width="{width}" height="{height}" '
                       f'alt="Scene {k + 1} from {country}"><figcaption>{sentence(rng, words)}</figcaption></figure>')
    paragraphs = [f"<p>{country}. {sentence(rng, words)} {sentence(rng, words)}</p>"]
    paragraphs += [f"<p>{' '.join(sentence(rng, words) for _ in range(rng.randint(2, 5)))}</p>"
                   for _ in range(rng.randint(5, 12))]
    for k, figure in enumerate(figures[1:], start=1):
        paragraphs.insert(min(len(paragraphs), 3 * k), figure)
    url = f"https://steppe-dispatch.example/extra/2025/12/{day:02d}/story-{index}.html"
    page = f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)} | Steppe Dispatch</title>
<link rel="canonical" href="{url}">
<meta property="og:title" content="{html.escape(title)}">
<meta property="og:description" content="{html.escape(sentence(rng, words))}">
<meta property="og:image" content="images/extra-{index}-0.jpg">
<meta property="og:site_name" content="Steppe Dispatch">
<meta property="article:published_time" content="{published}">
<meta name="author" content="Staff correspondent"></head>
<body><header class="topbar"><a href="/">Steppe Dispatch</a><nav><a href="/news/">News</a>
<a href="/business/">Business</a></nav></header>
<main><article><h1>{html.escape(title)}</h1><p class="byline">By Staff correspondent</p>
{figures[0]}
{chr(10).join(paragraphs)}
</article>
<div class="share">Share: <a href="#">Telegram</a> <a href="#">WhatsApp</a></div>
<aside class="related"><h3>Related</h3><ul><li><a href="/news/">More news</a></li></ul></aside></main>
<footer>© Steppe Dispatch</footer></body></html>"""
    path = folder / f"story-{index}.html"
    path.write_text(page, encoding="utf-8")
    return path


def load_data(data_dir, pages_dir):
    """`reader demo`, then `reader ingest` of EXTRA_STORIES generated pages, into data_dir."""
    reader = Path(sys.executable).with_name("reader")
    env = {"READER_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"}
    run([str(reader), "demo"], env, "reader demo")
    (pages_dir / "images").mkdir(parents=True)
    rng = random.Random(20251222)
    files = [str(extra_page(i, rng, pages_dir)) for i in range(EXTRA_STORIES)]
    output = run([str(reader), "ingest", "--json", *files], env, "reader ingest")
    results = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    failed = [r for r in results if r["status"] == "error"]
    if len(results) != EXTRA_STORIES or failed:
        raise BenchError(f"reader ingest: {len(results)} results, errors: {failed}")
    return len(results)


def run(command, env, label):
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise BenchError(f"{label} exited {done.returncode}: {done.stderr.strip()[-800:]}")
    return done.stdout


# ---------------------------------------------------------------- the anchor: a minimal worker on another port

class MinimalSite:
    """A copy of one Reader page and the files it uses, behind MINIMAL_SW, on its own loopback port."""

    def __init__(self, files):
        self.files = dict(files)        # path -> (content type, bytes)
        self.files["/sw.js"] = ("text/javascript", (MINIMAL_SW % json.dumps(sorted(files))).encode(), "no-cache")
        self.requests = []
        self.port = free_port()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler(self):
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                site.requests.append(self.path)
                found = site.files.get(self.path.split("?")[0])
                status, (kind, body, caching) = (200, found) if found else (404, ("text/plain", b"-", "no-store"))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", caching)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler


def copy_page(origin, path):
    """The page at origin+path and every /static/, /media/ and manifest file it uses.

    Returns {path: (content type, bytes, Cache-Control)}, the headers as Reader sent them, so the
    browser's own caches treat the copy as they treat the original.
    """
    files = {path: fetch(origin + path)}
    page = files[path][1].decode()
    wanted = set(re.findall(r'(?:src|href)="(/(?:static|media)/[^"]+)"', page))
    for srcset in re.findall(r'srcset="([^"]+)"', page):
        wanted.update(part.split()[0] for part in srcset.split(",") if part.strip())
    files["/manifest.json"] = fetch(origin + "/manifest.json")
    wanted.update(icon["src"] for icon in json.loads(files["/manifest.json"][1]).get("icons", []))
    for url in sorted(wanted):
        files[url] = fetch(origin + url)
    return files


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return (response.headers.get_content_type(), response.read(),
                response.headers.get("Cache-Control", "no-cache"))


# ---------------------------------------------------------------- figure 1: one article, four ways

class Variant:
    """One way of reading the page: its own context (so going offline touches nothing else)."""

    def __init__(self, label, context, url, *, via_worker):
        self.label, self.context, self.url, self.via_worker = label, context, url, via_worker
        self.page = context.new_page()
        self.samples = []

    def navigate(self, title):
        response = self.page.goto(self.url, wait_until="load", timeout=15000)
        timing = self.page.wait_for_function(NAV_TIMING, timeout=15000).json_value()
        heading = self.page.locator("h1").first.inner_text(timeout=5000)
        if response is None or not response.ok or heading != title:
            raise BenchError(f"{self.label}: got {response and response.status} with h1 {heading!r}")
        if response.from_service_worker != self.via_worker:
            raise BenchError(f"{self.label}: from_service_worker is {response.from_service_worker}")
        return timing


def ready_with_worker(page, url, check_kept):
    """Open url until the worker controls the page and holds it (Reader's list, or the anchor's cache)."""
    page.goto(url, timeout=15000)
    page.wait_for_function(CONTROLLED, timeout=15000)
    path = url.split("/", 3)[3]
    for _ in range(75):
        if check_kept(page, "/" + path):
            return
        page.wait_for_timeout(200)
    raise BenchError(f"{url}: the worker never kept the page")


def reader_kept(page, path):
    return any(story["url"].endswith(path) and story["imageBytes"] > 0 for story in page.evaluate(LIST_KEPT))


def anchor_kept(page, path):
    return page.evaluate("path => caches.match(path).then(r => Boolean(r))", path)


def figure_one(browser, servers, site, story, rounds):
    offline_ctx, online_ctx, anchor_ctx = (browser.new_context(**PHONE) for _ in range(3))
    plain_ctx = browser.new_context(**{**PHONE, "service_workers": "block"})
    variants = [Variant("reader worker, offline", offline_ctx, servers["offline"].url + story["url"], via_worker=True),
                Variant("reader worker, online", online_ctx, servers["online"].url + story["url"], via_worker=True),
                Variant("no worker, online", plain_ctx, servers["plain"].url + story["url"], via_worker=False),
                Variant("minimal worker, offline (anchor)", anchor_ctx, site.url + story["url"], via_worker=True)]
    ready_with_worker(variants[0].page, variants[0].url, reader_kept)
    ready_with_worker(variants[1].page, variants[1].url, reader_kept)
    ready_with_worker(variants[3].page, variants[3].url, anchor_kept)
    for name in ("offline", "online"):
        servers[name].wait_quiet()
    offline_ctx.set_offline(True)
    anchor_ctx.set_offline(True)
    servers["offline"].clear_log()
    site.requests.clear()
    for round_number in range(WARMUP_ROUNDS + rounds):
        for variant in variants:
            timing = variant.navigate(story["title"])
            if round_number >= WARMUP_ROUNDS:
                variant.samples.append(timing)
    # Chromium's soft update of the worker script after each navigation runs in the browser process,
    # which set_offline does not cut; it is off the page's critical path, so it is counted, not failed.
    reached = [e["path"] for e in servers["offline"].entries() if e["path"] != "/sw.js"]
    reached += [path for path in site.requests if path != "/sw.js"]
    if reached:
        raise BenchError(f"offline variants reached a server for {reached[:5]}")
    updates = (len(servers["offline"].entries()), len(site.requests))
    lookup = variants[0].page.evaluate(LOOKUP, [servers["offline"].url + story["url"], rounds])
    for context in (offline_ctx, online_ctx, anchor_ctx, plain_ctx):
        context.close()
    return variants, updates, lookup


def p90(values):
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]  # nearest rank


def print_lookup(lookup):
    counts = ", ".join(f"{name.split('-')[1]} {count}" for name, count in sorted(lookup["counts"].items()))
    print(f"    page lookup in the caches ({counts} entries), median of {len(lookup['asIs'])}: "
          f"as cachedPage() does it {statistics.median(lookup['asIs']):.2f} ms, "
          f"reader-pages by exact key {statistics.median(lookup['direct']):.2f} ms")


def print_figure_one(variants, updates, lookup, story, rounds):
    print(f"\n[1] {story['url']} ({story['title'][:60]}...)")
    print(f"    {rounds} navigations each after {WARMUP_ROUNDS} warm-up, round-robin; phone context 360x740 @2x; ms")
    print(f"    {'':34} {'responseEnd':>20} {'loadEventEnd':>20}")
    print(f"    {'':34} {'median':>9} {'p90':>10} {'median':>9} {'p90':>10}")
    for variant in variants:
        ends = [s["responseEnd"] for s in variant.samples]
        loads = [s["loadEventEnd"] for s in variant.samples]
        print(f"    {variant.label:34} {statistics.median(ends):9.1f} {p90(ends):10.1f} "
              f"{statistics.median(loads):9.1f} {p90(loads):10.1f}")
    print(f"    {'issue anchor (minimal, offline)':34} {'~' + str(ANCHOR_ISSUE_MS):>9}")
    ours = statistics.median(s["responseEnd"] for s in variants[0].samples)
    anchor = statistics.median(s["responseEnd"] for s in variants[3].samples)
    print(f"    offline responseEnd, reader / minimal worker: {ours / anchor:.2f}x")
    print(f"    while offline the servers saw only worker update checks (GET /sw.js): reader {updates[0]}, "
          f"minimal {updates[1]}, over {WARMUP_ROUNDS + rounds} navigations each")
    print_lookup(lookup)


# ---------------------------------------------------------------- figure 2: a 20-story edition, low-data mode

def figure_two(browser, server):
    context = browser.new_context(**PHONE)
    context.add_cookies([{"name": "lowdata", "value": "1", "url": server.url}])  # Settings > low-data mode
    page = context.new_page()
    page.goto(server.url + "/", timeout=15000)
    page.wait_for_function(CONTROLLED, timeout=15000)
    box = page.locator("[data-edition=front]")
    box.wait_for(state="visible", timeout=15000)
    limit = int(box.get_attribute("data-manifest").split("limit=")[1])
    server.wait_quiet()  # the front page's own thumbnails, kept by the worker when it saw the page
    before = server.entries()
    with page.expect_response(lambda r: "/api/editions/front" in r.url, timeout=15000) as answer:
        box.locator("[data-edition-start]").click()
    manifest = answer.value.json()
    page.wait_for_function("() => document.querySelector('[data-edition-status]').textContent"
                           ".includes('Download them?')", timeout=15000)
    page.evaluate(EDITION_CLOCK)
    server.clear_log()
    started = time.perf_counter()
    box.locator("[data-edition-confirm]").click()
    page.wait_for_function("() => window.__edition.end > 0", timeout=120000, polling=50)
    wall = time.perf_counter() - started
    clock = page.evaluate("() => window.__edition")
    sent = server.entries()
    server.wait_quiet(quiet_s=0.3)
    status = box.locator("[data-edition-status]").inner_text()
    kept = [s for s in page.evaluate(LIST_KEPT) if s["saved"]]
    images = sorted({path for s in kept for path in s["images"]})
    cached = page.evaluate(CACHED_BYTES, [[s["url"] for s in kept], images])
    lookup = page.evaluate(LOOKUP, [kept[0]["url"], 25])
    read_offline(page, context, server, manifest)
    context.close()
    return {"lookup": lookup, "limit": limit, "manifest": manifest, "seconds": (clock["end"] - clock["start"]) / 1000,
            "wall": wall, "sent": sent, "before": before, "status": status, "kept": kept,
            "cached": cached, "images": images}


def read_offline(page, context, server, manifest):
    """Every story of the edition opens with the network off, and the server sees nothing."""
    server.clear_log()
    context.set_offline(True)
    for story in manifest["stories"]:
        page.goto(server.url + story["url"], timeout=15000)
        heading = page.locator("h1").first.inner_text(timeout=5000)
        if heading != story["title"]:
            raise BenchError(f"edition offline: {story['url']} shows {heading!r}")
    context.set_offline(False)
    reached = [e["path"] for e in server.entries() if e["path"] != "/sw.js"]  # see figure_one
    if reached:
        raise BenchError(f"edition offline: the server saw {reached[:5]}")


def kb(n):
    return f"{n / 1024:8.1f} KB"


def print_figure_two(result, extra):
    manifest, sent, kept, cached = result["manifest"], result["sent"], result["kept"], result["cached"]
    stories = manifest["stories"]
    announced_pages = sum(s["page_bytes"] for s in stories)
    announced_images = sum(s["image_bytes"] for s in stories)
    print(f"\n[2] front-page edition, data-limit {result['limit']}, low-data mode (cookie lowdata=1), "
          f"{10 + extra} stories in the data dir")
    print(f"    stories: manifest {len(stories)}, kept {len(kept)}; "
          f"images: manifest {sum(len(s['images']) for s in stories)}, in the kept records "
          f"{sum(len(s['images']) for s in kept)} ({len(result['images'])} distinct)")
    print(f"    time, confirm click -> 'Kept': {result['seconds']:.2f} s in the page "
          f"({result['wall']:.2f} s seen from Python)")
    print(f"    status: {result['status']}")
    print(f"    {'bytes':44} {'pages':>11} {'images':>11} {'total':>11}")
    row = "    {:44} {:>11} {:>11} {:>11}"
    print(row.format("manifest announced (page_bytes, image_bytes)", kb(announced_pages), kb(announced_images),
                     kb(manifest["bytes"])))
    pages = [e for e in sent if e["path"].startswith("/articles/")]
    media = [e for e in sent if e["path"].startswith("/media/")]
    other = [e for e in sent if e not in pages and e not in media]
    body = lambda entries: sum(e["body_bytes"] for e in entries)  # noqa: E731
    heads = sum(e["header_bytes"] for e in sent)
    print(row.format(f"server sent, bodies ({len(pages)} pages, {len(media)} images)", kb(body(pages)),
                     kb(body(media)), kb(body(sent))))
    print(row.format(f"server sent, with headers (~{heads / len(sent):.0f} B each)" if sent else "server sent",
                     "", "", kb(body(sent) + heads)))
    stored_pages = sum(s["bytes"] for s in kept)
    stored_images = sum(s["imageBytes"] for s in kept)
    print(row.format("worker stored, 'list' (bytes + imageBytes)", kb(stored_pages), kb(stored_images),
                     kb(stored_pages + stored_images)))
    real_pages = sum(p["utf8"] for p in cached["pages"])
    print(row.format(f"in the caches (UTF-8 bodies, {cached['imagesFound']} distinct images)", kb(real_pages),
                     kb(cached["imageBytes"]), kb(real_pages + cached["imageBytes"])))
    statuses = sorted({e["status"] for e in sent})
    print(f"    requests during the download: {len(sent)} (statuses {statuses}; {len(other)} other: "
          f"{sorted({e['path'].split('?')[0] for e in other})[:4]})")
    before_media = [e for e in result["before"] if e["path"].startswith("/media/")]
    print(f"    before the download the front page had fetched {len(before_media)} images "
          f"({kb(body(before_media)).strip()}), which the worker reuses")
    if stored_images > cached["imageBytes"]:
        print(f"    note: each record counts the images its story shows ({kb(stored_images).strip()} summed over "
              f"records); shared ones are kept once: {kb(cached['imageBytes']).strip()} of distinct images")
    recorded = {s["url"]: s["bytes"] for s in kept}
    miscounted = [p for p in cached["pages"] if p["key"] in recorded and recorded[p["key"]] != p["utf8"]]
    print(f"    page sizes in the records equal the UTF-8 bytes cached: "
          f"{len(cached['pages']) - len(miscounted)} of {len(cached['pages'])}")
    print_lookup(result["lookup"])
    print(f"    edition read offline: all {len(stories)} stories opened with the network off; "
          "no page or image requests")


# ---------------------------------------------------------------- main

def out_of_time(_signum, _frame):
    raise TimeoutError(f"the benchmark took longer than {BUDGET_S} s")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25, help="navigations measured per variant (>= 20)")
    args = parser.parse_args(argv)
    if args.rounds < 20:
        parser.error("--rounds must be at least 20")
    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(BUDGET_S)
    started = time.monotonic()
    cleanup = []
    try:
        with tempfile.TemporaryDirectory(prefix="reader-offline-bench-") as tmp:
            code = bench(Path(tmp), args.rounds, cleanup)
    except TimeoutError as error:
        print(f"FAIL: {error}", file=sys.stderr)
        code = 2
    except (BenchError, subprocess.SubprocessError, OSError) as error:
        print(f"FAIL: {error}", file=sys.stderr)
        code = 1
    except Exception as error:  # Playwright's errors: a timeout, a closed page, a failed navigation
        print(f"FAIL: {type(error).__name__}: {error}", file=sys.stderr)
        code = 1
    finally:
        signal.alarm(0)
        stop_all(cleanup)
    print(f"\n({time.monotonic() - started:.0f} s in all)")
    return code


def stop_all(cleanup):
    for stop in reversed(cleanup):
        try:
            stop()
        except Exception as error:  # keep stopping the rest
            print(f"warning: stopping {stop}: {error}", file=sys.stderr)
    cleanup.clear()


def bench(tmp, rounds, cleanup):
    from playwright.sync_api import sync_playwright

    from reader import create_app

    data_dir = tmp / "data"
    extra = load_data(data_dir, tmp / "pages")
    app = create_app({"DATA_DIR": data_dir})
    servers = {}
    for name in ("offline", "online", "plain", "edition"):  # one origin each: separate worker registrations
        servers[name] = LiveServer(app, name=name).start()
        cleanup.append(servers[name].stop)
    story = demo_story(servers["plain"].url)
    site = MinimalSite(copy_page(servers["plain"].url, story["url"])).start()
    cleanup.append(site.stop)
    runtime = sync_playwright().start()
    cleanup.append(runtime.stop)
    browser = launch(runtime)
    cleanup.append(browser.close)
    print(f"# Chromium {browser.version} (headless, {CHROMIUM}); worker networkTimeoutMs "
          f"{app.config['OFFLINE_NETWORK_TIMEOUT_MS']}; {extra} stories ingested beside the demo's 10")
    variants, updates, lookup = figure_one(browser, servers, site, story, rounds)
    print_figure_one(variants, updates, lookup, story, rounds)
    edition = figure_two(browser, servers["edition"])
    print_figure_two(edition, extra)
    if len(edition["kept"]) != EDITION_LIMIT or edition["limit"] != EDITION_LIMIT:
        raise BenchError(f"edition: kept {len(edition['kept'])} of limit {edition['limit']}, wanted {EDITION_LIMIT}")
    return 0


def demo_story(origin):
    """The newest demo story (not a generated one) in English with at least one image."""
    with urllib.request.urlopen(origin + "/api/articles?limit=50", timeout=10) as response:
        stories = json.load(response)["articles"]
    for story in stories:
        if "/extra/" not in story["source_url"] and story["images"] and story["title"].isascii():
            return story
    raise BenchError("no demo story with images")


if __name__ == "__main__":
    _stopping.on_sigterm()
    sys.exit(main())
