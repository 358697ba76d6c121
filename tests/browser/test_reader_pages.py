"""The reader's pages in real Chromium at 360 px: the front page, offline marks, the lead image,
the edition box, alert toggles, tap targets, storage figures, and what shows without JavaScript."""
import re

from .chromium import PHONE
from .test_offline import _articles, _open, _poll, _wait_kept
from .test_push import STUB_PUSH

STORY_LINKS = "() => [...document.querySelectorAll('main li.story h3 a')].map(a => a.pathname)"


def test_the_front_page_shows_each_story_once_with_the_download_near_the_top(context, live_server):
    page = context.new_page()
    _open(page, live_server.url + "/")
    links = page.evaluate(STORY_LINKS)
    assert sorted(links) == sorted(a["url"] for a in _articles(live_server))
    start = page.locator("[data-edition=front] [data-edition-start]")
    start.wait_for(state="visible")
    box = start.bounding_box()
    assert box["y"] + box["height"] <= PHONE["viewport"]["height"], box  # on the first screen
    first_section = page.locator("main section").first.bounding_box()
    assert box["y"] < first_section["y"]


def test_offline_the_front_page_marks_kept_stories_and_says_it_is_offline(context, live_server):
    stories = _articles(live_server)
    page = context.new_page()
    _open(page, live_server.url + stories[1]["url"])
    _open(page, live_server.url + stories[3]["url"])
    _wait_kept(page, [stories[1]["url"], stories[3]["url"]])
    _open(page, live_server.url + "/")
    notice = page.locator("[data-offline-notice]")
    assert notice.is_hidden() and page.locator("[data-mark]").count() == 0
    context.set_offline(True)
    notice.wait_for(state="visible")
    page.wait_for_selector("li.story.kept")
    kept = page.locator("li.story.kept h3 a").evaluate_all("links => links.map(a => a.pathname)")
    assert sorted(kept) == sorted([stories[1]["url"], stories[3]["url"]])
    assert page.locator("li.story.not-kept").count() == len(stories) - 2
    label = page.locator("li.story.kept [data-mark]").first.inner_text()
    assert label.startswith("Kept ") and re.search(r"\d", label)  # kept, and when
    assert page.locator("li.story.not-kept [data-mark]").first.inner_text() == "Needs a connection"
    page.reload()                                                 # the front page from the phone's copy
    page.wait_for_selector("li.story.kept")
    assert notice.is_visible() and page.locator("li.story.not-kept").count() == len(stories) - 2
    context.set_offline(False)
    notice.wait_for(state="hidden")
    assert page.locator("[data-mark]").count() == 0 and page.locator("li.story.not-kept").count() == 0


FIRST_IMAGES = """() => [...document.querySelectorAll("article img")].map(img => ({
  loading: img.loading, priority: img.fetchPriority, src: img.getAttribute("src")}))"""


def test_each_story_loads_its_first_image_eagerly_with_high_priority_and_the_rest_lazily(context, live_server):
    page = context.new_page()
    checked = 0
    for story in _articles(live_server):
        page.goto(live_server.url + story["url"])
        images = page.evaluate(FIRST_IMAGES)
        if not images:
            continue
        checked += 1
        assert (images[0]["loading"], images[0]["priority"]) == ("eager", "high"), (story["url"], images[0])
        assert all(img["loading"] == "lazy" for img in images[1:]), (story["url"], images)
    assert checked >= 5


def test_the_edition_box_asks_then_downloads_and_can_start_again(context, live_server):
    summit = _articles(live_server, topic="summit")
    page = context.new_page()
    _open(page, live_server.url + "/topics/summit/")
    box = page.locator("[data-edition=summit]")
    start, confirm = box.locator("[data-edition-start]"), box.locator("[data-edition-confirm]")
    status = box.locator("[data-edition-status]")
    start.click()
    confirm.wait_for(state="visible")
    assert start.is_disabled()
    question, button = status.bounding_box(), confirm.bounding_box()
    assert question["y"] + question["height"] <= button["y"]  # the question, then its button
    confirm.click()
    page.wait_for_function("() => document.querySelector('[data-edition-status]').textContent.startsWith('Kept ')",
                           timeout=20000)
    assert status.inner_text().startswith(f"Kept {len(summit)} stories")
    assert box.locator("progress").is_hidden() and confirm.is_hidden()
    assert start.is_enabled() and start.inner_text() == "Download again"
    start.click()                                             # a second round asks again
    confirm.wait_for(state="visible")


STATUS = "() => document.querySelector('[data-push-status]').textContent"
REFUSE = """() => { PushManager.prototype.subscribe = async () => {
  throw new DOMException("Registration failed - permission denied", "NotAllowedError"); }; }"""
NEVER = "() => { PushManager.prototype.subscribe = () => new Promise(() => {}); }"


def test_alert_toggles_untick_after_a_failure_and_never_wait_without_limit(context, make_live_server, demo_copy):
    from test_push_api import browser_keys

    server = make_live_server(demo_copy, PUSH_SERVICE_HOSTS=["http://push.invalid"], OFFLINE_NETWORK_LIMIT_MS=1500,
                              OFFLINE_NETWORK_TIMEOUT_MS=500)
    context.grant_permissions(["notifications"], origin=server.url)
    page = context.new_page()
    page.add_init_script(script=f"({STUB_PUSH % (*browser_keys(), 'http://push.invalid')})()")
    _open(page, server.url + "/settings/")
    toggle = page.locator("[data-push] input[value=summit]")
    toggle.wait_for()
    for stub, reason in ((REFUSE, "permission denied"), (NEVER, "no answer within 1.5 s")):
        page.evaluate(stub)
        toggle.click()  # not check(): the failure unticks it again before check() could look
        text = _poll(page, STATUS, lambda text: text.startswith("Could not change alerts"))
        assert reason in text
        assert not toggle.is_checked() and toggle.is_enabled()
    assert ("POST", "/api/push/subscriptions") not in server.requests


# Visible tap targets outside running text: links in a story's body and in paragraphs of prose are
# exempt (WCAG 2.2 SC 2.5.8, "inline"); the skip link is off screen until focused.
TARGETS = """() => [...document.querySelectorAll("a, button, summary, input, select")].filter(el => {
  const box = el.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility === "visible"
    && !el.closest("article .body, .skip") && !el.classList.contains("skip");
}).map(el => { const box = el.getBoundingClientRect();
  return {what: el.tagName + " " + (el.textContent.trim() || el.name || el.type).slice(0, 30),
          width: Math.round(box.width), height: Math.round(box.height)}; })"""


def test_tap_targets_are_at_least_24_px(context, live_server):
    story = _articles(live_server)[0]["url"]
    page = context.new_page()
    small = {}
    for path in ("/", story, "/topics/summit/", "/archive/", "/settings/", "/saved/", "/search?q=uranium"):
        _open(page, live_server.url + path)
        page.wait_for_timeout(200)  # the worker's additions (buttons, lists)
        targets = page.evaluate(TARGETS)
        assert targets, path
        small[path] = [t for t in targets if t["width"] < 24 or t["height"] < 24]
    assert {path: found for path, found in small.items() if found} == {}


ESTIMATE = "navigator.storage.estimate = async () => ({usage: 52428800, quota: 10737623040});"


def test_storage_figures_read_in_sensible_units(browser, live_server):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.add_init_script(script=ESTIMATE)
    story = _articles(live_server)[0]["url"]
    _open(page, live_server.url + story)
    _wait_kept(page, [story])
    page.goto(live_server.url + "/saved/")
    used = page.locator("[data-storage-used]")
    page.wait_for_function("() => document.querySelector('[data-storage-used]').textContent.includes('browser allows')")
    text = used.inner_text()
    assert "uses 50 MB of the 10 GB the browser allows" in text, text
    assert re.match(r"1 story kept, \d+(\.\d+)? KB\.", text), text
    context.close()


PROMISES = ("keeps the stories", "Nothing is kept", "appear here", "Download", "Save for offline", "Saved on this")


def test_without_javascript_no_page_promises_what_cannot_happen(browser, live_server):
    context = browser.new_context(**{**PHONE, "service_workers": "block"}, java_script_enabled=False)
    page = context.new_page()
    story = _articles(live_server)[0]["url"]
    for path in ("/", story, "/topics/summit/", "/saved/", "/offline/"):
        page.goto(live_server.url + path)
        text = page.locator("body").inner_text()
        assert not [p for p in PROMISES if p in text and not (p == "Saved on this" and path == "/saved/")], (path, text)
    context.close()
