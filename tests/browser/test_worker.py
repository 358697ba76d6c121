"""The service worker on a bad network, in real Chromium: every wait has a limit, titles read as
written, click reports are sent once each.

The black hole is a loopback server on the app's own port that accepts connections and never
answers, as a captive portal or a dead mobile link does; `set_offline` would fail fast instead.
"""
import json
import threading
import time

from reader.store import alerts as alert_store
from reader.store import articles as article_store
from reader.store import connect, ledger

from .chromium import LIST_KEPT
from .test_offline import _articles, _open, _poll, _wait_kept
from .test_push import NOTIFICATIONS, _delivery, _registration_id

# Short limits so a test waits seconds, not the defaults' 2.5 s and 10 s per step.
LIMITS = {"OFFLINE_NETWORK_TIMEOUT_MS": 400, "OFFLINE_NETWORK_LIMIT_MS": 2000}


PICTURES = """async () => {
  const [notification] = await (await navigator.serviceWorker.ready).getNotifications();
  return [notification.icon, notification.badge];
}"""


def _into_black_hole(server, black_hole):
    server.stop()
    return black_hole(server.port)


def test_a_page_not_kept_gives_the_offline_page_on_a_network_that_never_answers(
        context, make_live_server, demo_data, black_hole):
    server = make_live_server(demo_data, **LIMITS)
    stories = _articles(server)
    page = context.new_page()
    _open(page, server.url + stories[0]["url"])
    _wait_kept(page, [stories[0]["url"]])
    hole = _into_black_hole(server, black_hole)
    page.goto(server.url + stories[5]["url"], timeout=15000)   # never kept: the limit, then the offline page
    assert page.locator("h1").inner_text() == "You are offline"
    page.wait_for_selector("[data-kept-list] li.story")
    assert page.locator("[data-kept-list] a").first.get_attribute("href") == stories[0]["url"]
    page.goto(server.url + stories[0]["url"], timeout=15000)   # kept: the copy, after the short timeout
    assert page.locator("h1").inner_text() == stories[0]["title"]
    assert hole.connections, "the black hole never saw the worker's requests"


def test_an_alert_shows_on_a_network_that_never_answers(context, make_live_server, demo_data, black_hole):
    server = make_live_server(demo_data, **LIMITS)
    story = _articles(server)[6]
    context.grant_permissions(["notifications"], origin=server.url)
    page = context.new_page()
    _open(page, server.url + "/")
    cdp = context.new_cdp_session(page)
    registration_id = _registration_id(cdp, page)
    logged = []  # the worker's console, where a failure nobody waits for is reported
    context.on("console", lambda entry: logged.append((entry.worker is not None, entry.text)))
    _into_black_hole(server, black_hole)
    message = {"alert": 3, "title": story["title"], "body": "New coverage", "url": story["url"], "tag": "topic-x"}
    cdp.send("ServiceWorker.deliverPushMessage", {"origin": server.url, "registrationId": registration_id,
                                                  "data": json.dumps(message)})
    try:
        shown = _poll(page, NOTIFICATIONS, lambda notes: len(notes) == 1)
    except AssertionError as failure:
        raise AssertionError(f"{failure}; console: {logged[-20:]}") from None
    assert shown[0]["title"] == story["title"] and shown[0]["data"]["url"] == story["url"]
    # Its pictures came from the worker's cache: the browser would wait up to 90 s for a URL here.
    pictures = page.evaluate(PICTURES)
    assert [picture[:22] for picture in pictures] == ["data:image/png;base64,"] * 2, pictures
    assert server.url + story["url"] not in [s["url"] for s in page.evaluate(LIST_KEPT)]
    reported = f"Reader worker: keeping {story['url']} for an alert failed: NetworkLimit: no answer"
    _poll(page, "() => 1", lambda _: any(by_worker and text.startswith(reported) for by_worker, text in logged))


def test_titles_with_quotes_and_entities_read_as_written_in_the_kept_lists(context, make_live_server, demo_copy):
    title = 'Minister: "No" to <new> tariffs & quotas, it\'s final (&quot; stays)'
    db = connect(demo_copy)
    row = article_store.latest(db, limit=1)[0]
    article_store.update(db, row, {**dict(row), "title": title, "content_hash": "quoted-" + row["content_hash"]})
    db.close()
    server = make_live_server(demo_copy)
    page = context.new_page()
    _open(page, server.url + f"/articles/{row['slug']}/")
    _wait_kept(page, [f"/articles/{row['slug']}/"])
    assert [s["title"] for s in page.evaluate(LIST_KEPT)] == [title]
    page.goto(server.url + "/saved/")
    page.wait_for_selector("[data-kept-list] li.story")
    assert page.locator("[data-kept-list] h3").inner_text() == title


class SlowClicks:
    """WSGI middleware: each click report is answered after `delay` seconds (a slow uplink)."""

    def __init__(self, app, delay=1.0):
        self.app, self.delay = app, delay
        self.started = threading.Event()

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == "/api/push/clicks":
            self.started.set()
            time.sleep(self.delay)
        return self.app(environ, start_response)


CLICK = """async alert => {
  const notifications = await self.registration.getNotifications();
  const notification = notifications.find(n => n.data.alert === alert);
  self.dispatchEvent(new NotificationEvent("notificationclick", {notification}));
}"""
QUEUED = """() => new Promise(resolve => {
  const request = indexedDB.open("reader");
  request.onsuccess = () => {
    const all = request.result.transaction("clicks").objectStore("clicks").getAll();
    all.onsuccess = () => { resolve(all.result.map(c => c.alert)); request.result.close(); };
  };
})"""


def test_a_click_recorded_during_a_flush_is_sent_once(context, make_live_server, demo_copy):
    db = connect(demo_copy)
    alerts = [alert_store.create(db, {"title": f"T{n}", "body": "B", "topic": "summit", "ttl": 60}) for n in range(3)]
    clicks = {alert: f"{_delivery(db, alert, alert)}.{alert:032x}" for alert in alerts}   # one phone each
    slow = {}
    server = make_live_server(demo_copy, wrap=lambda app: slow.setdefault("app", SlowClicks(app)))
    story = _articles(server)[0]
    context.grant_permissions(["notifications"], origin=server.url)
    page = context.new_page()
    _open(page, server.url + "/")
    cdp = context.new_cdp_session(page)
    registration_id = _registration_id(cdp, page)
    [worker] = context.service_workers

    def push_and_click(alert):
        message = {"alert": alert, "click": clicks[alert], "title": f"Alert {alert}", "url": story["url"],
                   "tag": f"alert-{alert}"}
        cdp.send("ServiceWorker.deliverPushMessage", {"origin": server.url, "registrationId": registration_id,
                                                      "data": json.dumps(message)})
        _poll(page, NOTIFICATIONS, lambda notes: alert in [n["data"]["alert"] for n in notes])
        worker.evaluate(CLICK, alert)

    context.set_offline(True)
    push_and_click(alerts[0])
    push_and_click(alerts[1])
    _poll(page, QUEUED, lambda queued: sorted(queued) == alerts[:2])
    context.set_offline(False)
    worker.evaluate("() => { flushClicks(); }")       # the flush starts; its first report is slow
    assert slow["app"].started.wait(10)
    push_and_click(alerts[2])                           # recorded while that flush runs
    _poll(page, QUEUED, lambda queued: queued == [])
    page.wait_for_timeout(500)
    assert [ledger.figures(db, a)["clicked"] for a in alerts] == [1, 1, 1]
    assert server.requests.count(("POST", "/api/push/clicks")) == 3
    db.close()
