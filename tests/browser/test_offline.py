"""Offline reading in real Chromium with the network really off.

`context.set_offline(True)` cuts the page and its service worker alike (Playwright >= 1.57);
the other way is the server stopped. CDP network emulation on the page alone would not stop
the worker's own fetches, so it is not used.
"""
import json
import re
import urllib.request
from urllib.parse import urlsplit

import pytest

from reader.store import articles as article_store
from reader.store import connect

from .chromium import LIST_KEPT

IMAGES_LOADED = """async () => {
  const images = Array.from(document.querySelectorAll("article img, .stories img"));
  const results = [];
  for (const img of images) {
    img.scrollIntoView();
    img.loading = "eager";
    if (!img.complete) await new Promise(r => { img.onload = img.onerror = r; });
    const response = await fetch(img.currentSrc || img.src);
    results.push({src: img.currentSrc || img.src, width: img.naturalWidth,
                  type: response.headers.get("Content-Type")});
  }
  return results;
}"""


def _articles(server, topic=None):
    query = "?limit=50" + (f"&topic={topic}" if topic else "")
    with urllib.request.urlopen(server.url + "/api/articles" + query) as response:
        return json.load(response)["articles"]


def _open(page, url):
    page.goto(url)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def _poll(page, script, check, tries=75):
    """Evaluate script until check(result) holds (waiting 200 ms between tries); returns the result.

    page.wait_for_function does not await a predicate's promise, so async checks poll here.
    """
    for _ in range(tries):
        result = page.evaluate(script)
        if check(result):
            return result
        page.wait_for_timeout(200)
    raise AssertionError(f"still not true after {tries} tries: {result!r}")


def _wait_kept(page, paths):
    """Wait until the worker has a record (stored with its images) of every path."""
    _poll(page, LIST_KEPT, lambda kept: set(paths) <= {urlsplit(s["url"]).path for s in kept})


def _front_images(server):
    """The /media/ files the front page's <img> elements name (src and srcset)."""
    with urllib.request.urlopen(server.url + "/") as response:
        html = response.read().decode()
    return sorted(set(re.findall(r"/media/[\w.-]+\.webp", " ".join(re.findall(r"<img[^>]*>", html)))))


def _wait_images_kept(page, paths):
    """Wait until the worker's image cache holds a copy of every image named (any width of it
    does: the worker answers offline with a kept width of the same image)."""
    script = f"""async () => {{
      const kept = (await (await caches.open("reader-images")).keys()).map(r => new URL(r.url).pathname);
      return {json.dumps(paths)}.filter(p => !kept.some(k => k.startsWith(p.replace(/-\\d+\\.webp$/, "-"))));
    }}"""
    _poll(page, script, lambda missing: missing == [])


def _assert_story(page, title):
    assert page.locator("h1").inner_text() == title
    assert len(page.locator("article .body p").all_inner_texts()) >= 3
    for image in page.evaluate(IMAGES_LOADED):
        assert image["width"] > 0 and image["type"] == "image/webp", (page.url, image)


def _served(server):
    """What the server answered, less the browser's own worker update checks (GET /sw.js), which
    Chromium still makes while a context is offline."""
    return [request for request in server.requests if request != ("GET", "/sw.js")]


def _cut(context, server, how):
    if how == "offline":
        context.set_offline(True)
    else:
        server.stop()


@pytest.mark.parametrize("how", ["offline", "server stopped"])
def test_opened_stories_and_front_page_read_offline(context, live_server, how):
    stories = _articles(live_server)[:2]
    page = context.new_page()
    _open(page, live_server.url + "/")
    for story in stories:
        _open(page, live_server.url + story["url"])
    _wait_kept(page, [s["url"] for s in stories])
    _wait_images_kept(page, _front_images(live_server))
    live_server.clear_log()
    _cut(context, live_server, how)
    for story in stories:
        page.goto(live_server.url + story["url"])
        _assert_story(page, story["title"])
    page.goto(live_server.url + "/")
    assert page.locator("li.story").count() >= 10
    for image in page.evaluate(IMAGES_LOADED):
        assert image["width"] > 0 and image["type"] == "image/webp", (page.url, image)
    assert _served(live_server) == []


def test_a_story_never_opened_shows_the_kept_ones(context, live_server):
    stories = _articles(live_server)
    page = context.new_page()
    _open(page, live_server.url + stories[0]["url"])
    _open(page, live_server.url + stories[1]["url"])
    _wait_kept(page, [stories[0]["url"], stories[1]["url"]])
    context.set_offline(True)
    page.goto(live_server.url + stories[5]["url"])
    assert page.locator("h1").inner_text() == "You are offline"
    page.wait_for_selector("[data-kept-list] li.story")
    links = page.locator("[data-kept-list] a").evaluate_all("links => links.map(a => a.pathname)")
    assert sorted(links) == sorted([stories[0]["url"], stories[1]["url"]])
    page.locator("[data-kept-list] a").first.click()
    assert page.locator("h1").inner_text() in {stories[0]["title"], stories[1]["title"]}


def test_the_summit_edition_downloads_and_reads_offline(context, live_server):
    summit = _articles(live_server, topic="summit")
    page = context.new_page()
    _open(page, live_server.url + "/topics/summit/")
    box = page.locator("[data-edition=summit]")
    box.locator("[data-edition-start]").click()
    status = box.locator("[data-edition-status]")
    page.wait_for_function(
        "() => document.querySelector('[data-edition-status]').textContent.includes('Download them?')")
    assert status.inner_text().startswith(f"{len(summit)} stories, about ")
    box.locator("[data-edition-confirm]").click()
    page.wait_for_function("() => document.querySelector('[data-edition-status]').textContent.startsWith('Kept ')",
                           timeout=20000)
    assert box.locator("[data-edition-kept] li").count() == len(summit)
    assert box.locator("progress").evaluate("bar => bar.value") == len(summit)
    live_server.clear_log()
    context.set_offline(True)
    for story in summit:
        page.goto(live_server.url + story["url"])
        _assert_story(page, story["title"])
    assert _served(live_server) == []


def test_a_correction_reaches_the_kept_copy(context, make_live_server, demo_copy):
    server = make_live_server(demo_copy)
    story = _articles(server)[3]
    page = context.new_page()
    _open(page, server.url + story["url"])
    _wait_kept(page, [story["url"]])
    assert page.locator(".updated").count() == 0
    db = connect(demo_copy)
    row = article_store.get(db, story["id"])
    corrected = row["body_html"].replace("<p>", "<p>Correction: an earlier version misstated a figure. ", 1)
    article_store.update(db, row, {**dict(row), "body_html": corrected, "body_text": "corrected " + row["body_text"],
                                   "content_hash": "corrected-" + row["content_hash"]})
    db.close()
    page.reload()  # the next online visit
    assert "Correction:" in page.locator("article .body").inner_text()
    _poll(page, """async () => {
      const cached = await caches.match(location.href, {ignoreVary: true});
      return cached ? await cached.text() : "";
    }""", lambda html: "Correction:" in html)
    context.set_offline(True)
    page.reload()
    assert "Correction:" in page.locator("article .body").inner_text()
    assert page.locator(".updated").inner_text().startswith("Updated")


def test_a_new_worker_waits_offers_reload_and_keeps_stories(context, make_live_server, demo_data):
    server = make_live_server(demo_data)
    story = _articles(server)[0]
    page = context.new_page()
    _open(page, server.url + story["url"])
    _wait_kept(page, [story["url"]])
    old_caches = page.evaluate("caches.keys()")
    server.stop()
    make_live_server(demo_data, port=server.port, RELEASE="next")  # a deploy
    page.goto(server.url + "/")
    page.evaluate("navigator.serviceWorker.ready.then(r => r.update())")
    banner = page.locator("[data-update]")
    banner.wait_for(state="visible", timeout=15000)
    with page.expect_navigation():
        banner.locator("button").click()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    new_caches = page.evaluate("caches.keys()")
    shells = [name for name in new_caches if name.startswith("reader-shell-")]
    assert len(shells) == 1 and shells[0] not in old_caches
    kept = [s["url"] for s in page.evaluate(LIST_KEPT)]
    assert server.url + story["url"] in kept
    context.set_offline(True)
    page.goto(server.url + story["url"])
    _assert_story(page, story["title"])


def test_a_stopped_worker_starts_cold_offline_and_serves_kept_stories(context, live_server):
    story = _articles(live_server)[2]
    page = context.new_page()
    _open(page, live_server.url + story["url"])
    _wait_kept(page, [story["url"]])
    context.set_offline(True)
    cdp = context.new_cdp_session(page)
    cdp.send("ServiceWorker.enable")
    cdp.send("ServiceWorker.stopAllWorkers")
    fresh = context.new_page()
    fresh.goto(live_server.url + story["url"])
    _assert_story(fresh, story["title"])


def test_the_cap_evicts_the_least_recently_read(context, make_live_server, demo_data):
    server = make_live_server(demo_data, OFFLINE_MAX_STORIES=2)
    stories = _articles(server)[:3]
    page = context.new_page()
    for story in stories:
        _open(page, server.url + story["url"])
        _wait_kept(page, [story["url"]])
    kept = sorted(s["url"] for s in page.evaluate(LIST_KEPT))
    assert kept == sorted(server.url + s["url"] for s in stories[1:])
    assert page.evaluate(f"caches.match('{stories[0]['url']}', {{ignoreVary: true}})") is None


def test_saved_page_lists_sizes_and_removes(context, live_server):
    story = _articles(live_server)[4]
    page = context.new_page()
    _open(page, live_server.url + story["url"])
    page.locator("[data-save]").click()
    page.wait_for_function("() => document.querySelector('[data-save-status]').textContent.startsWith('Kept')")
    page.goto(live_server.url + "/saved/")
    item = page.locator("[data-kept-list] li.story")
    item.first.wait_for()
    assert item.count() == 1 and "saved" in item.locator(".meta").inner_text()
    assert "1 story kept" in page.locator("[data-storage-used]").inner_text()   # one story, one form
    item.locator("button").click()
    page.wait_for_selector("[data-kept-list] li.empty")
    assert page.evaluate(LIST_KEPT) == []


def test_without_service_workers_pages_still_work(browser, live_server):
    context = browser.new_context(service_workers="block", viewport={"width": 360, "height": 740})
    page = context.new_page()
    story = _articles(live_server)[0]
    page.goto(live_server.url + story["url"])
    assert page.locator("h1").inner_text() == story["title"]
    assert page.locator("[data-save]").is_hidden()
    context.close()
