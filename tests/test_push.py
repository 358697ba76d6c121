"""Sending alerts to a loopback push service that checks VAPID and decrypts like a browser.

Assertions are on what the service received and the subscription decrypted, not on what the
sender says it sent.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pushservice import PushService
from reader import create_app
from reader.push import keys, outbox, payload
from reader.push.sender import Sender
from reader.push.vapid import Signer
from reader.store import alerts as alert_store
from reader.store import articles as article_store
from reader.store import connect, ledger, transaction
from reader.store import subscriptions as subscription_store
from reader.store import topics as topic_store

ARTICLE = {
    "url": "https://news.example/tokyo", "fetched_url": None, "title": "Leaders meet in Tokyo",
    "byline": "", "site_name": "", "description": "A first summit.", "section": "", "tags": [],
    "lang": "en", "dir": "ltr", "published": None, "modified": None, "body_html": "<p>Text</p>",
    "body_text": "Text", "content_hash": "h", "word_count": 1, "reading_minutes": 1,
}


@pytest.fixture
def service():
    with PushService() as push:
        yield push


@pytest.fixture
def push_app(tmp_path, service):
    app = create_app({"DATA_DIR": tmp_path, "PUSH_SERVICE_HOSTS": [service.origin], "PUSH_TIMEOUT": 2.0})
    db = connect(tmp_path)
    keys.ensure(tmp_path, db)
    topic_store.upsert(db, "summit", "Summit coverage")
    topic_store.upsert(db, "breaking", "Breaking news")
    app.extensions["test_db"] = db
    article_store.insert(db, "leaders-meet-in-tokyo", ARTICLE)
    service.application_server_key = None
    yield app
    db.close()


def _subscribe(db, subscriptions, topics=("summit",)):
    with transaction(db):
        for subscription in subscriptions:
            info = subscription.info()
            subscription_store.upsert(db, info["endpoint"], info["keys"]["p256dh"], info["keys"]["auth"],
                                      topics)


def _sender(app, **options):
    db = app.extensions["test_db"]
    signer = Signer(keys.load(app.config["DATA_DIR"]), app.config["PUSH_SUBJECT"])
    return Sender(db, signer, hosts=app.config["PUSH_SERVICE_HOSTS"], timeout=options.pop("timeout", 2.0),
                  backoff=options.pop("backoff", 0.05), **options)


def _alert(app, **fields):
    values = {"title": "Japan sets a $19bn goal", "body": "Five leaders in Tokyo", "topic": "summit",
              "article_id": 1, **fields}
    return outbox.queue(app.extensions["test_db"], **values)


def test_every_subscriber_decrypts_the_alert_once_with_the_right_headers(push_app, service):
    db = push_app.extensions["test_db"]
    subscribers = service.subscribe_many(25)
    _subscribe(db, subscribers)
    outsider = service.subscribe()
    _subscribe(db, [outsider], topics=("breaking",))
    alert_id = _alert(push_app, urgency="high", ttl=3600)
    figures = _sender(push_app).send_alert(alert_id)
    assert figures["sent"] == figures["queued"] == 25
    for subscription in subscribers:
        [delivery] = service.received(subscription)
        message = delivery.json()
        assert message["alert"] == alert_id and message["title"] == "Japan sets a $19bn goal"
        assert message["url"] == "/articles/leaders-meet-in-tokyo/" and message["tag"] == "topic-summit"
        assert (delivery.ttl, delivery.urgency, delivery.topic) == (3600, "high", "summit")
    assert service.received(outsider) == []
    assert alert_store.get(db, alert_id)["state"] == "sent"


def test_each_delivery_carries_its_own_click_token_and_its_phone_counts_once(push_app, service):
    db = push_app.extensions["test_db"]
    subscribers = service.subscribe_many(4)
    _subscribe(db, subscribers)
    service.gone(subscribers[3], 410)
    alert_id = _alert(push_app)
    assert _sender(push_app).send_alert(alert_id)["sent"] == 3
    clicks = [service.received(s)[0].json()["click"] for s in subscribers[:3]]
    assert len(set(clicks)) == 3
    client = push_app.test_client()
    for click in clicks * 3:                  # each phone reports its tap three times
        assert client.post("/api/push/clicks", json={"alert": alert_id, "click": click}).status_code == 204
    assert client.post("/api/push/clicks", json={"alert": alert_id}).status_code == 400
    assert ledger.figures(db, alert_id)["clicked"] == 3
    reached = db.execute("SELECT endpoint FROM subscriptions WHERE delivered_at IS NOT NULL").fetchall()
    assert sorted(r[0] for r in reached) == sorted(s.info()["endpoint"] for s in subscribers[:3])


def test_the_vapid_header_is_signed_once_per_origin_and_expires_within_a_day(push_app, service):
    db = push_app.extensions["test_db"]
    _subscribe(db, service.subscribe_many(10))
    _sender(push_app).send_alert(_alert(push_app))
    headers = {a.headers["authorization"] for a in service.attempts()}
    assert len(headers) == 1
    token = headers.pop().split("t=")[1].split(",")[0]
    claims = json.loads(keys.b64url_decode(token.split(".")[1]))
    assert claims["aud"] == service.origin and 0 < claims["exp"] - time.time() <= 24 * 3600


def test_faults_retry_until_each_live_subscriber_has_it_exactly_once(push_app, service):
    db = push_app.extensions["test_db"]
    subscribers = service.subscribe_many(12)
    _subscribe(db, subscribers)
    service.script(subscribers[0], [500, 502, 201])
    service.script(subscribers[1], [(429, 1), 201])
    service.script(subscribers[2], [503, (429, 0), 500, 201])
    service.delay(0.5, subscribers[3])           # slow, but within the timeout
    service.gone(subscribers[4], 410)
    service.gone(subscribers[5], 404)
    service.script(subscribers[6], [400])
    service.script(subscribers[7], [403])
    service.script(subscribers[8], [413])
    service.script(subscribers[9], [307])        # a redirect is not followed
    started = time.monotonic()
    figures = _sender(push_app).send_alert(_alert(push_app))
    live = [0, 1, 2, 3, 10, 11]
    for index in live:
        assert len(service.received(subscribers[index])) == 1, index
    for index in (4, 5, 6, 7, 8, 9):
        assert service.received(subscribers[index]) == []
    assert figures == {"queued": 12, "pending": 0, "sent": 6, "failed": 4, "expired": 2, "clicked": 0}
    retry_attempts = [a.at for a in service.attempts(subscribers[1])]
    assert retry_attempts[1] - retry_attempts[0] >= 0.9  # Retry-After: 1 was honoured
    assert subscription_store.get(db, subscribers[4].endpoint) is None
    assert subscription_store.get(db, subscribers[5].endpoint) is None
    assert subscription_store.get(db, subscribers[6].endpoint) is not None
    errors = dict(db.execute("SELECT status, error FROM deliveries WHERE state = 'failed'").fetchall())
    assert set(errors) == {400, 403, 413, 307}
    assert time.monotonic() - started < 60


def test_timeouts_are_retried_then_recorded(push_app, service):
    db = push_app.extensions["test_db"]
    slow, fine = service.subscribe_many(2)
    _subscribe(db, [slow, fine])
    service.delay(3.0, slow)
    figures = _sender(push_app, timeout=0.3, max_attempts=2).send_alert(_alert(push_app))
    assert figures["sent"] == 1 and figures["failed"] == 1
    assert "timed out" in db.execute("SELECT error FROM deliveries WHERE state = 'failed'").fetchone()[0]
    assert len(service.received(fine)) == 1 and service.received(slow) == []


def test_a_newer_alert_on_the_same_topic_replaces_an_undelivered_one(push_app, service):
    db = push_app.extensions["test_db"]
    phone = service.subscribe()
    _subscribe(db, [phone])
    service.offline(phone)
    _sender(push_app).send_alert(_alert(push_app, title="First"))
    _sender(push_app).send_alert(_alert(push_app, title="Second"))
    service.offline(phone, False)
    assert [d.json()["title"] for d in service.received(phone)] == ["Second"]


def test_a_deliverys_payload_from_the_alerts_maker_is_the_one_build_makes(push_app):
    """The sender builds an alert's JSON once and puts each delivery's click in place: the bytes
    must be build()'s for every click, an odd one (built whole) included."""
    with push_app.app_context():
        alert = {"id": 7, "title": "Leaders meet «in Tokyo»", "body": "Five \"leaders\"", "topic": "summit",
                 "image": None, "urgency": "high", "ttl": 3600}
        made = payload.maker(alert, article_url="/articles/leaders-meet/")
        for click in ("1.0123456789abcdef0123456789abcdef", f"{2**63 - 1}.{'f' * 32}", "42.ab", None, 'x"y'):
            assert made(click) == payload.build(alert, article_url="/articles/leaders-meet/", click=click), click


def test_an_alert_that_would_not_fit_is_refused_with_a_clear_message(push_app):
    with pytest.raises(payload.AlertError, match="at most 400"):
        _alert(push_app, body="x" * 5000)
    big = {"id": 1, "title": "x" * 4000, "body": "", "topic": "summit", "image": None}
    with pytest.raises(payload.AlertError, match="a push message holds at most 3993"):
        payload.build(big)
    result = push_app.test_cli_runner().invoke(args=["push", "send", "--title", "T", "--topic", "nope"])
    assert result.exit_code != 0 and "unknown topic" in result.output
    result = push_app.test_cli_runner().invoke(args=["push", "send", "--title", "T", "--topic", "summit",
                                                     "--ttl", "0"])
    assert result.exit_code != 0 and "TTL" in result.output
    assert push_app.extensions["test_db"].execute("SELECT COUNT(*) FROM alerts").fetchone()[0] == 0


def test_an_alerts_text_is_stored_without_control_characters(push_app):
    """Issue 12.19: what the desk or the CLI types is stored as the reader sees it, with no
    terminal escapes or NULs (both reach the store through outbox.queue)."""
    db = push_app.extensions["test_db"]
    alert_id = _alert(push_app, title="Quake\x1b[2J hits\x00 the coast", body="Ten\x07 towns\x1b]0;x cut off")
    row = db.execute("SELECT title, body FROM alerts WHERE id = ?", (alert_id,)).fetchone()
    assert (row["title"], row["body"]) == ("Quake[2J hits the coast", "Ten towns]0;x cut off")
    with pytest.raises(payload.AlertError, match="needs a title"):
        _alert(push_app, title="\x1b\x00\x7f")


def test_cli_send_prints_figures_and_the_ttl_defaults_to_hours(push_app, service):
    db = push_app.extensions["test_db"]
    subscribers = service.subscribe_many(3)
    _subscribe(db, subscribers)
    result = push_app.test_cli_runner().invoke(args=["push", "send", "--title", "Summit opens", "--body", "Live",
                                                     "--article", "1", "--topic", "summit", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["sent"] == 3 and report["state"] == "sent"
    assert all(service.received(s)[0].ttl >= 3600 for s in subscribers)


def test_new_coverage_in_an_auto_topic_queues_and_sends_an_alert(push_app, service):
    db = push_app.extensions["test_db"]
    topic_store.set_alert_mode(db, "summit", "auto")
    topic_store.set_alert_mode(db, "breaking", "approval")
    reader_phone = service.subscribe()
    _subscribe(db, [reader_phone], topics=("summit", "breaking"))
    with transaction(db):
        topic_store.record_event(db, "summit", 1)
        topic_store.record_event(db, "breaking", 1)
    made = outbox.from_events(db)
    assert [alert_store.get(db, a)["state"] for a in made] == ["queued", "pending_approval"]
    assert outbox.from_events(db) == []  # each event once
    outbox.send_due(db, push_app.config, sender=_sender(push_app))
    [delivery] = service.received(reader_phone)
    assert delivery.json()["title"] == "Leaders meet in Tokyo" and delivery.json()["topic"] == "summit"


def test_a_sender_killed_mid_alert_resumes_without_duplicates(push_app, service, tmp_path):
    db = push_app.extensions["test_db"]
    subscribers = service.subscribe_many(60)
    _subscribe(db, subscribers)
    held = subscribers[40:]
    for subscription in held:
        service.delay(30, subscription)   # these stay in flight when the sender dies
    alert_id = _alert(push_app)
    env = {**os.environ, "READER_DATA_DIR": str(push_app.config["DATA_DIR"]),
           "READER_PUSH_SERVICE_HOSTS": service.origin, "READER_PUSH_TIMEOUT": "60", "READER_PUSH_SLOW_AFTER": "60",
           "READER_PUSH_LEASE": "2"}
    process = subprocess.Popen([Path(sys.executable).parent / "reader", "push", "work", "--poll", "0.2"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            if len(service.received()) == 40 and len(service.attempts()) >= 40:
                break
            time.sleep(0.05)
        assert len(service.received()) == 40
        for _ in range(300):  # until the sender has recorded what it has (15 s at most)
            if ledger.figures(db, alert_id)["sent"] == 40:
                break
            time.sleep(0.05)
        assert ledger.figures(db, alert_id)["sent"] == 40
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert alert_store.get(db, alert_id)["state"] == "sending"
    for subscription in held:
        service.delay(0, subscription)
    figures = _sender(push_app).send_alert(alert_id)
    assert figures["sent"] == 60
    for subscription in subscribers:
        assert len(service.received(subscription)) == 1


def test_a_live_senders_batch_is_left_alone_until_its_lease_lapses_whatever_its_host(push_app, service):
    db = push_app.extensions["test_db"]
    phones = service.subscribe_many(5)
    _subscribe(db, phones)
    alert_id = _alert(push_app)
    assert alert_store.set_state(db, alert_id, "sending")
    cursor = 0
    while cursor is not None:
        cursor = ledger.fan_out_chunk(db, alert_id, "summit", cursor)
    batch_id, rows = ledger.claim(db, alert_id, owner="other-host:1:x", lane="fast", limit=100,
                                  now=time.time(), lease=60)
    assert len(rows) == 5
    stop = threading.Event()
    threading.Timer(1.0, stop.set).start()
    _sender(push_app, stop=stop).send_alert(alert_id)   # waits on the other's batch, sends nothing
    assert service.received() == [] and alert_store.get(db, alert_id)["state"] == "sending"
    later = _sender(push_app, clock=lambda: time.time() + 61)  # the other's lease has lapsed by then
    assert later.send_alert(alert_id)["sent"] == 5
    assert all(len(service.received(p)) == 1 for p in phones)


def test_an_alert_cancelled_after_it_was_read_is_not_sent(push_app, service):
    db = push_app.extensions["test_db"]
    phone = service.subscribe()
    _subscribe(db, [phone])
    alert_id = _alert(push_app)
    sender = _sender(push_app)
    original_get = alert_store.get

    def cancelled_meanwhile(connection, wanted):
        row = original_get(connection, wanted)
        alert_store.set_state(connection, wanted, "cancelled")  # the editor's click lands now
        return row

    alert_store.get = cancelled_meanwhile
    try:
        figures = sender.send_alert(alert_id)
    finally:
        alert_store.get = original_get
    assert figures["queued"] == 0 and service.received(phone) == []
    assert alert_store.get(db, alert_id)["state"] == "cancelled"
