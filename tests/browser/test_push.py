"""Push in real Chromium: a message delivered to the worker through the DevTools Protocol
(ServiceWorker.deliverPushMessage; PushManager.subscribe needs the internet, so the subscribe
UI test stubs it in the page)."""
import json

from .test_offline import _articles, _open, _poll, _served

NOTIFICATIONS = """async () => {
  const registration = await navigator.serviceWorker.ready;
  return (await registration.getNotifications()).map(n => ({title: n.title, body: n.body, tag: n.tag, data: n.data}));
}"""


def _registration_id(cdp, page):
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    for _ in range(50):
        if registrations:
            return registrations[-1]["registrationId"]
        page.wait_for_timeout(100)
    raise AssertionError("no service worker registration reported")


def test_a_push_caches_the_story_then_notifies_and_the_story_opens_offline(context, live_server):
    story = _articles(live_server)[6]
    context.grant_permissions(["notifications"], origin=live_server.url)
    page = context.new_page()
    _open(page, live_server.url + "/")
    cdp = context.new_cdp_session(page)
    registration_id = _registration_id(cdp, page)
    message = {"alert": 7, "title": story["title"], "body": "New coverage", "url": story["url"],
               "topic": "summit", "tag": "topic-summit"}
    cdp.send("ServiceWorker.deliverPushMessage", {"origin": live_server.url, "registrationId": registration_id,
                                                  "data": json.dumps(message)})
    shown = _poll(page, NOTIFICATIONS, lambda notes: len(notes) == 1)
    assert shown[0]["title"] == story["title"] and shown[0]["tag"] == "topic-summit"
    assert shown[0]["data"] == {"url": story["url"], "alert": 7, "click": None}
    cached = page.evaluate(f"caches.match('{story['url']}', {{ignoreVary: true}}).then(r => r ? r.status : 0)")
    assert cached == 200
    live_server.clear_log()
    context.set_offline(True)
    page.goto(live_server.url + story["url"])
    assert page.locator("h1").inner_text() == story["title"]
    assert _served(live_server) == []


def test_a_newer_alert_on_a_topic_replaces_the_notification(context, live_server):
    stories = _articles(live_server)
    context.grant_permissions(["notifications"], origin=live_server.url)
    page = context.new_page()
    _open(page, live_server.url + "/")
    cdp = context.new_cdp_session(page)
    registration_id = _registration_id(cdp, page)
    for number, story in enumerate(stories[:2], start=1):
        message = {"alert": number, "title": story["title"], "url": story["url"], "tag": "topic-summit"}
        cdp.send("ServiceWorker.deliverPushMessage", {"origin": live_server.url,
                                                      "registrationId": registration_id, "data": json.dumps(message)})
        shown = _poll(page, NOTIFICATIONS, lambda notes, title=story["title"]:
                      len(notes) == 1 and notes[0]["title"] == title)
    assert len(shown) == 1


STATUS = "() => document.querySelector('[data-push-status]').textContent"
STUB_PUSH = """() => {
  // A stand-in PushManager whose subscription survives reloads (the real one lives in the browser).
  const saved = () => sessionStorage.getItem("stub-endpoint");
  const make = endpoint => ({endpoint, toJSON: () => ({endpoint, keys: {p256dh: "%s", auth: "%s"}}),
                             unsubscribe: async () => { sessionStorage.removeItem("stub-endpoint"); return true; }});
  PushManager.prototype.getSubscription = async () => saved() ? make(saved()) : null;
  PushManager.prototype.subscribe = async () => {
    sessionStorage.setItem("stub-endpoint", "%s/push/stub-" + Math.random().toString(36).slice(2));
    return make(saved());
  };
}"""


def test_settings_toggles_subscribe_only_after_a_tap(context, make_live_server, demo_copy):
    from test_push_api import browser_keys

    server = make_live_server(demo_copy, PUSH_SERVICE_HOSTS=["http://push.invalid"])
    context.grant_permissions(["notifications"], origin=server.url)
    page = context.new_page()
    p256dh, auth = browser_keys()
    page.add_init_script(script=f"({STUB_PUSH % (p256dh, auth, 'http://push.invalid')})()")
    _open(page, server.url + "/settings/")
    box = page.locator("[data-push]")
    box.wait_for(state="visible")
    assert server.requests.count(("POST", "/api/push/subscriptions")) == 0  # nothing before a tap
    box.locator("input[value=summit]").check()
    _poll(page, STATUS, lambda text: text.startswith("Alerts on"))
    assert ("POST", "/api/push/subscriptions") in server.requests
    page.reload()
    box.locator("input[value=summit]").wait_for()
    _poll(page, "() => document.querySelector('input[value=summit]').checked", bool)
    box.locator("input[value=summit]").uncheck()
    _poll(page, STATUS, lambda text: text == "Alerts are off.")
    assert ("DELETE", "/api/push/subscriptions") in server.requests


CLICK = """async () => {
  const [notification] = await self.registration.getNotifications();
  // A script-made event: waitUntil refuses it, but the handler's work starts all the same.
  self.dispatchEvent(new NotificationEvent("notificationclick", {notification}));
  return notification.data;
}"""


def test_a_click_is_reported_and_waits_for_the_network_when_offline(context, make_live_server, demo_copy):
    from reader.store import alerts as alert_store
    from reader.store import ledger
    from reader.store import connect

    server = make_live_server(demo_copy)
    db = connect(demo_copy)
    alert_id = alert_store.create(db, {"title": "T", "body": "B", "topic": "summit", "ttl": 60})
    clicks = [f"{_delivery(db, alert_id, n)}.{n:032x}" for n in (1, 2)]   # two phones, a token each
    story = _articles(server)[0]
    context.grant_permissions(["notifications"], origin=server.url)
    page = context.new_page()
    _open(page, server.url + "/")
    cdp = context.new_cdp_session(page)
    registration_id = _registration_id(cdp, page)
    logged = []  # the page's and the worker's console: what a failure below reports
    context.on("console", lambda entry: logged.append(("worker: " if entry.worker else "page: ") + entry.text))

    def push_and_click(click):
        message = {"alert": alert_id, "click": click, "title": story["title"], "url": story["url"],
                   "tag": "topic-summit"}
        cdp.send("ServiceWorker.deliverPushMessage", {"origin": server.url, "registrationId": registration_id,
                                                      "data": json.dumps(message)})
        try:
            _poll(page, NOTIFICATIONS, lambda notes: len(notes) == 1)
        except AssertionError as failure:  # it failed once in a whole-suite run: say what the worker said
            raise AssertionError(f"{failure}; console: {logged[-20:]}") from None
        [worker] = context.service_workers
        assert worker.evaluate(CLICK) == {"url": story["url"], "alert": alert_id, "click": click}

    push_and_click(clicks[0])
    _poll(page, "() => 1", lambda _: ledger.figures(db, alert_id)["clicked"] == 1)
    context.set_offline(True)
    push_and_click(clicks[1])              # the report cannot go now: it waits in the worker
    page.wait_for_timeout(500)
    assert ledger.figures(db, alert_id)["clicked"] == 1
    context.set_offline(False)
    page.goto(server.url + story["url"])   # the next page load online sends what waited
    _poll(page, "() => 1", lambda _: ledger.figures(db, alert_id)["clicked"] == 2)
    db.close()


def _delivery(db, alert_id, n):
    """A ledger row of the alert, as a sender's fan-out writes it, with a known click token."""
    return db.execute("INSERT INTO deliveries (alert_id, endpoint, state, click_token) VALUES (?, ?, 'sent', ?)"
                      " RETURNING id", (alert_id, f"https://push.example/{n}", f"{n:032x}")).fetchone()[0]
