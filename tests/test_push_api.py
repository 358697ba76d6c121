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


def test_clicks_are_counted_and_checked(push_app):
    client = push_app.test_client()
    with push_app.app_context():
        from reader.store import get_db

        alert_id = alert_store.create(get_db(), {"title": "T", "body": "B", "topic": "summit", "ttl": 60})
    assert client.post("/api/push/clicks", json={"alert": alert_id}).status_code == 204
    assert client.post("/api/push/clicks", json={"alert": 999}).status_code == 404
    assert client.post("/api/push/clicks", json={"alert": "1; DROP"}).status_code == 400
    assert client.post("/api/push/clicks", json={"alert": True}).status_code == 400
    with push_app.app_context():
        from reader.store import get_db

        assert ledger.figures(get_db(), alert_id)["clicked"] == 1
