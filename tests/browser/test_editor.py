"""The editor desk in real Chromium: log in, alert readers about a demo story from the desk's
button, confirm, and watch the delivery count reach every subscriber of the loopback push service
while the push worker runs beside the server (sending never happens in a web request)."""
import json
import threading

import pytest

from pushservice import PushService
from reader import editors
from reader.push import outbox
from reader.push import worker as push_worker
from reader.store import connect, transaction
from reader.store import subscriptions as subscription_store

from .conftest import PHONE

PASSWORD = "a desk passphrase"
PHONES = 7
ZONE = "Asia/Tashkent"


@pytest.fixture
def service():
    with PushService() as push:
        yield push


@pytest.fixture
def desk_server(demo_copy, make_live_server, service):
    """The demo newsroom with an editor, PHONES summit subscribers, and a push worker thread."""
    db = connect(demo_copy)
    editors.add(db, "ada", PASSWORD)
    phones = service.subscribe_many(PHONES)
    with transaction(db):
        for phone in phones:
            info = phone.info()
            subscription_store.upsert(db, info["endpoint"], info["keys"]["p256dh"], info["keys"]["auth"], ["summit"])
    story = db.execute("SELECT a.id, a.title FROM articles a JOIN article_topics t ON t.article_id = a.id"
                       " WHERE t.topic = 'summit' ORDER BY a.created_at DESC, a.id DESC LIMIT 1").fetchone()
    server = make_live_server(demo_copy, PUSH_SERVICE_HOSTS=[service.origin], PUSH_TIMEOUT=2.0)
    stop = threading.Event()
    worker = threading.Thread(target=push_worker.run, args=(server.app.config,),
                              kwargs={"poll": 0.2, "stop": stop}, daemon=True)
    worker.start()
    yield server, dict(story)
    stop.set()
    worker.join(timeout=30)
    db.close()


def _poll(read, check, tries=100):
    for _ in range(tries):
        value = read()
        if check(value):
            return value
        threading.Event().wait(0.2)
    raise AssertionError(f"still not true after {tries} tries: {value!r}")


def test_an_editor_alerts_readers_about_a_demo_story_and_sees_every_delivery(browser, desk_server, service,
                                                                             watch_page):
    server, story = desk_server
    context = browser.new_context(**PHONE, timezone_id=ZONE)
    page = context.new_page()
    problems = watch_page(page)
    page.goto(server.url + "/editor/")
    assert page.url.startswith(server.url + "/editor/login")
    page.fill("#name", "ada")
    page.fill("#password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(server.url + "/editor/")

    page.click(f'li[data-article="{story["id"]}"] form button')    # the story's "Alert" button
    page.wait_for_url("**/editor/compose?article=*")
    assert page.input_value("#title") == story["title"][:120]
    assert page.input_value("#topic") == "summit"
    assert page.input_value("input[data-tz]") == ZONE
    page.fill("#title", "Summit: " + story["title"][:100])          # the preview follows the typing
    assert page.inner_text(".note-title") == "Summit: " + story["title"][:100]
    counted = int(page.inner_text("output[data-bytes]"))

    page.click("form[data-compose] button[type=submit]")
    # (new ones are marked until an alert reaches them: the demo's own auto alerts may have already)
    assert page.inner_text(".audience").startswith(f"To {PHONES} readers following Summit coverage")
    assert page.inner_text("[data-size]") == f"{counted} of 3993 bytes"   # the live counter was exact
    page.click("button[name=step][value=confirm]")
    page.wait_for_url("**/editor/alerts/*")
    alert_id = int(page.url.rsplit("/", 1)[1])

    _poll(lambda: page.inner_text('td[data-figure="sent"]'), lambda sent: sent == str(PHONES))
    _poll(lambda: page.inner_text("td[data-state]"), lambda state: state == "sent")   # the next poll may say so
    _poll(lambda: page.locator("[data-chart-box] svg rect").count(), lambda bars: bars >= 2)
    assert f"{PHONES} delivered" in page.inner_text("[data-chart-summary]")
    # Decrypted with each phone's keys (the demo's own auto alerts go out too: left aside here).
    received = [m for m in service.received() if m.json()["alert"] == alert_id]
    assert len(received) == PHONES
    assert {m.json()["title"] for m in received} == {"Summit: " + story["title"][:100]}
    assert len({m.subscription.endpoint for m in received}) == PHONES
    assert problems.all() == []
    context.close()


def _log_in(page, server):
    page.goto(server.url + "/editor/login")
    page.fill("#name", "ada")
    page.fill("#password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(server.url + "/editor/")


def test_the_alert_page_drops_cancel_once_sent_and_counts_clicks_live(browser, desk_server, service, watch_page):
    server, story = desk_server
    db = connect(server.app.config)
    alert_id = outbox.queue(db, title="Late news", body="", topic="summit", article_id=story["id"],
                            state="scheduled", send_at="2099-01-01T00:00:00+00:00")
    context = browser.new_context(**PHONE)
    page = context.new_page()
    problems = watch_page(page)
    _log_in(page, server)
    page.goto(server.url + f"/editor/alerts/{alert_id}")
    assert page.locator("form[data-action=cancel]").is_visible()
    db.execute("UPDATE alerts SET send_at = '2000-01-01T00:00:00+00:00' WHERE id = ?", (alert_id,))  # due now
    page.wait_for_selector('td[data-state="sent"]', timeout=30000)          # no reload: the page follows
    _poll(lambda: page.locator("form[data-action=cancel]").is_visible(), lambda visible: not visible)
    clicks = [m.json()["click"] for m in service.received() if m.json()["alert"] == alert_id]
    assert len(clicks) == PHONES
    for click in clicks[:2] + clicks[:1]:                                     # one phone reports twice
        answer = context.request.post(server.url + "/api/push/clicks", data=json.dumps(
            {"alert": alert_id, "click": click}), headers={"Content-Type": "application/json"})
        assert answer.status == 204
    _poll(lambda: page.inner_text('td[data-figure="clicked"]'), lambda clicked: clicked == "2")
    assert problems.all() == []
    context.close()
    db.close()
