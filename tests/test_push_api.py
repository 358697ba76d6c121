"""The push API: keys, a hostile-input table for subscriptions, unsubscribe, clicks."""
import base64
import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from reader.push import keys
from reader.store import alerts as alert_store
from reader.store import ledger
from reader.store import subscriptions as subscription_store
from reader.store import topics as topic_store
from reader.store import transaction

PUSH_HOST = "http://127.0.0.1:9"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def browser_keys():
    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64(point), b64(os.urandom(16))


@pytest.fixture
def push_app(tmp_path):
    from reader import create_app

    app = create_app({"DATA_DIR": tmp_path, "PUSH_SERVICE_HOSTS": [PUSH_HOST, "fcm.googleapis.com"]})
    with app.app_context():
        from reader.store import get_db

        topic_store.upsert(get_db(), "summit", "Summit coverage")
        topic_store.upsert(get_db(), "breaking", "Breaking news")
    return app


def body(endpoint=PUSH_HOST + "/push/abc", topics=("summit",), **key_overrides):
    p256dh, auth = browser_keys()
    keys_part = {"p256dh": p256dh, "auth": auth, **key_overrides}
    return {"subscription": {"endpoint": endpoint, "keys": keys_part}, "topics": list(topics)}


def test_init_creates_an_owner_only_key_and_the_api_serves_its_public_half(push_app):
    result = push_app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0
    path = push_app.config["DATA_DIR"] + "/" + keys.PRIVATE_KEY_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    public = push_app.test_client().get("/api/push/key").get_json()["publicKey"]
    assert len(base64.urlsafe_b64decode(public + "==")) == 65 and public in result.output
    push_app.test_cli_runner().invoke(args=["init"])  # twice is safe and keeps the key
    assert push_app.test_client().get("/api/push/key").get_json()["publicKey"] == public


def test_subscribe_then_update_then_unsubscribe(push_app):
    client = push_app.test_client()
    first = body()
    assert client.post("/api/push/subscriptions", json=first).status_code == 201
    again = dict(first, topics=["summit", "breaking"])
    response = client.post("/api/push/subscriptions", json=again)
    assert response.status_code == 200 and response.get_json()["topics"] == ["breaking", "summit"]
    endpoint = first["subscription"]["endpoint"]
    assert client.post("/api/push/subscriptions/lookup", json={"endpoint": endpoint}).get_json()["topics"] \
        == ["breaking", "summit"]
    assert client.delete("/api/push/subscriptions", json={"endpoint": endpoint}).status_code == 204
    assert client.delete("/api/push/subscriptions", json={"endpoint": endpoint}).status_code == 404


HOSTILE = [
    ("not json", "text/plain", 415, "JSON"),
    ([1, 2], None, 400, "JSON object"),
    ({"subscription": "x", "topics": []}, None, 400, "subscription must be an object"),
    (body(endpoint="http://fcm.googleapis.com/push/x"), None, 400, "not on a known push service"),
    (body(endpoint="https://evil.example/push/x"), None, 400, "not on a known push service"),
    (body(endpoint="https://169.254.169.254/latest"), None, 400, "not on a known push service"),
    (body(endpoint="https://fcm.googleapis.com.evil.example/x"), None, 400, "not on a known push service"),
    (body(endpoint="https://user:pw@fcm.googleapis.com/x"), None, 400, "credentials"),
    (body(endpoint="https://fcm.googleapis.com/" + "x" * 2000), None, 400, "longer than"),
    (body(p256dh="not-a-key"), None, 400, "p256dh is not a valid P-256"),
    (body(p256dh=b64(b"\x04" + b"\x01" * 64)), None, 400, "p256dh is not a valid P-256"),
    (body(auth=b64(os.urandom(8))), None, 400, "auth must be 16 bytes"),
    (body(auth=12345), None, 400, "keys.auth must be a base64url string"),
    (body(topics=("summit", "nope")), None, 400, "unknown topics: nope"),
    (body(topics=[f"t{i}" for i in range(50)]), None, 400, "at most 20 topics"),
    ({"subscription": {"endpoint": PUSH_HOST + "/push/x"}, "topics": []}, None, 400, "keys must hold"),
    (body(endpoint="https://fcm.googleapis.com\r\n/x"), None, 400, "no spaces or control characters"),
    (body(endpoint=" https://fcm.googleapis.com/x"), None, 400, "no spaces or control characters"),
    (body(endpoint="https://fcm.googleapis.com/x "), None, 400, "no spaces or control characters"),
    (body(endpoint="https://fcm.googleapis.com/\tx"), None, 400, "no spaces or control characters"),
    (body(endpoint="https://fcm.googleapis.com/x\x00"), None, 400, "no spaces or control characters"),
    (body(endpoint="https://fcm.googleapis.com/x\x1b[31m"), None, 400, "no spaces or control characters"),
    (body(endpoint="https://fcm.googleapis.com/x\u2028y"), None, 400, "no spaces or control characters"),
    (body(endpoint="https://fcm.googleapis.com/x\u00a0"), None, 400, "no spaces or control characters"),
    (body(endpoint="https://fcm.googleapis.com:99999/x"), None, 400, "not on a known push service"),
    (body(endpoint="https://fcm.googleapis.com:x/x"), None, 400, "not on a known push service"),
]


@pytest.mark.parametrize("payload, content_type, status, message", HOSTILE)
def test_hostile_subscriptions_are_refused_with_a_reason(push_app, payload, content_type, status, message):
    client = push_app.test_client()
    if content_type:
        response = client.post("/api/push/subscriptions", data=payload, content_type=content_type)
    else:
        response = client.post("/api/push/subscriptions", json=payload)
    assert response.status_code == status and response.is_json
    assert message in response.get_json()["message"]
    with push_app.app_context():
        from reader.store import get_db

        assert subscription_store.count(get_db()) == 0


def test_a_huge_body_is_refused(push_app):
    response = push_app.test_client().post("/api/push/subscriptions", data="{" + " " * 20000 + "}",
                                           content_type="application/json")
    assert response.status_code == 413 and response.is_json


def _deliveries(app, alert_id, count):
    """Ledger rows of an alert as the fan-out writes them (each with its own click token); returns
    the click field each one's payload carries."""
    from reader.push.payload import click_of
    from reader.store import get_db

    with app.app_context():
        db = get_db()
        topic_store.upsert(db, "summit", "Summit coverage")
        with transaction(db):
            for n in range(count):
                subscription_store.upsert(db, f"{PUSH_HOST}/push/{alert_id}-{n}", *browser_keys(), ["summit"])
        ledger.fan_out_chunk(db, alert_id, "summit", 0)
        rows = db.execute("SELECT id, click_token FROM deliveries WHERE alert_id = ? ORDER BY id",
                          (alert_id,)).fetchall()
        return [click_of(row) for row in rows]


def _clicked(app, alert_id):
    from reader.store import get_db

    with app.app_context():
        return ledger.figures(get_db(), alert_id)["clicked"]


def test_a_click_counts_once_per_delivery_and_only_with_its_token(push_app):
    client = push_app.test_client()
    with push_app.app_context():
        from reader.store import get_db

        alert_id, other = (alert_store.create(get_db(), {"title": "T", "body": "B", "topic": "summit", "ttl": 60})
                           for _ in range(2))
    clicks = _deliveries(push_app, alert_id, 3)
    foreign = _deliveries(push_app, other, 1)[0]
    assert len({c.split(".")[1] for c in clicks}) == 3 and all(len(c.split(".")[1]) == 32 for c in clicks)
    for click in clicks + clicks:                     # every phone reports twice (a retry after a lost answer)
        assert client.post("/api/push/clicks", json={"alert": alert_id, "click": click}).status_code == 204
    delivery_id = clicks[0].split(".")[0]
    refused = [
        ({"alert": alert_id}, 400),                                   # no token: an old or forged report
        ({"alert": alert_id, "click": f"{delivery_id}.{'0' * 32}"}, 404),   # a guessed token
        ({"alert": alert_id, "click": foreign}, 404),                 # another alert's delivery
        ({"alert": alert_id, "click": f"{delivery_id}.{'g' * 32}"}, 400),
        ({"alert": alert_id, "click": f"{'9' * 30}.{'0' * 32}"}, 400),
        ({"alert": alert_id, "click": 12}, 400),
        ({"alert": "1; DROP", "click": clicks[0]}, 400),
        ({"alert": True, "click": clicks[0]}, 400),
        ({"alert": 999, "click": clicks[0]}, 404),
    ]
    for body, status in refused:
        assert client.post("/api/push/clicks", json=body).status_code == status, body
    assert _clicked(push_app, alert_id) == 3 and _clicked(push_app, other) == 0


# ---- how many requests, and how they come ------------------------------------------------------

def test_subscription_requests_are_limited_per_client_address(tmp_path):
    from reader import create_app

    app = create_app({"DATA_DIR": tmp_path, "PUSH_SERVICE_HOSTS": [PUSH_HOST], "PUSH_SUBSCRIBE_PER_ADDRESS": 5})
    with app.app_context():
        from reader.store import get_db

        topic_store.upsert(get_db(), "summit", "Summit coverage")
    client = app.test_client()

    def subscribe(address, n):
        return client.post("/api/push/subscriptions", json=body(endpoint=f"{PUSH_HOST}/push/{address}-{n}"),
                           environ_base={"REMOTE_ADDR": address})

    assert [subscribe("203.0.113.9", n).status_code for n in range(5)] == [201] * 5
    refused = subscribe("203.0.113.9", 5)
    assert refused.status_code == 429 and refused.is_json and "at most 5" in refused.get_json()["message"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 600
    deleted = client.delete("/api/push/subscriptions", json={"endpoint": f"{PUSH_HOST}/push/203.0.113.9-0"},
                            environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert deleted.status_code == 429
    assert subscribe("198.51.100.7", 0).status_code == 201         # another address is not held back
    assert [subscribe(f"2001:db8:1:2::{n}", n).status_code for n in range(6)] == [201] * 5 + [429]  # one /64
    with app.app_context():
        from reader.store import get_db

        assert subscription_store.count(get_db()) == 11


def test_a_chunked_body_over_8_kb_is_refused_like_any_other(tmp_path):
    """Over real HTTP: a chunked body has no Content-Length for the cap to check first."""
    import http.client
    import json
    import threading

    from werkzeug.serving import make_server

    from reader import create_app

    app = create_app({"DATA_DIR": tmp_path, "PUSH_SERVICE_HOSTS": [PUSH_HOST]})
    with app.app_context():
        from reader.store import get_db

        topic_store.upsert(get_db(), "summit", "Summit coverage")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        statuses = []
        for padding in (100, 20000):
            text = json.dumps(body(endpoint=f"{PUSH_HOST}/push/chunked-{padding}")) + " " * padding
            chunks = (text[i:i + 1000].encode() for i in range(0, len(text), 1000))
            connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
            connection.request("POST", "/api/push/subscriptions", body=chunks, encode_chunked=True,
                               headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
            statuses.append(connection.getresponse().status)
            connection.close()
    finally:
        server.shutdown()
        thread.join(10)
    assert statuses == [201, 413]
    with app.app_context():
        from reader.store import get_db

        assert [row["endpoint"] for row in get_db().execute("SELECT endpoint FROM subscriptions").fetchall()] \
            == [f"{PUSH_HOST}/push/chunked-100"]


@pytest.mark.parametrize("endpoint, hosts, ok", [
    ("https://FCM.GoogleAPIs.com/send/x", ["fcm.googleapis.com"], True),
    ("https://fcm.googleapis.com/send/x", ["FCM.googleapis.com"], True),
    ("https://fcm.googleapis.com:443/send/x", ["fcm.googleapis.com"], True),
    ("https://fcm.googleapis.com:8443/send/x", ["fcm.googleapis.com"], False),
    ("https://WNS2-BY3P.Notify.Windows.com/w/x", ["*.notify.windows.com"], True),
    ("https://notify.windows.com/w/x", ["*.notify.windows.com"], False),
    ("http://LOCALHOST:9/push/x", ["http://localhost:9"], True),
    ("http://localhost:9/push/x", ["HTTP://LocalHost:9/"], True),
    ("http://localhost:10/push/x", ["http://localhost:9"], False),
    ("https://localhost:9/push/x", ["http://localhost:9"], False),
])
def test_host_names_are_compared_in_lower_case(endpoint, hosts, ok):
    from reader.push.subscriptions import allowed

    assert allowed(endpoint, hosts) is ok
