"""The loopback push service against a real client (pywebpush, py_vapid), thread and process."""
import asyncio
import base64
import json
import time

import aiohttp
import http_ece
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid01, Vapid02
from pywebpush import WebPusher, WebPushException, webpush

from pushservice import PushService, UndecryptableDelivery, measure_absorb

SUB = "mailto:alerts@reader.example"


@pytest.fixture(scope="module")
def vapid():
    key = Vapid02()
    key.generate_keys()
    return key


@pytest.fixture(scope="module", params=["thread", "process"])
def service(request, vapid):
    """One service per mode for the module (a process takes a moment to start); see `push`."""
    public = vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    with PushService(application_server_key=_b64(public),
                     process=request.param == "process") as service:
        yield service


@pytest.fixture
def push(service, vapid):
    """The service with a clean slate: no deliveries, attempts, scripts, delays or marks."""
    service.reset()
    vapid.conf.pop("no-strict", None)
    return service


def _signed(vapid, push, **claims):
    """VAPID headers for this service, with `claims` overriding the valid defaults."""
    base = {"aud": push.origin, "sub": SUB, "exp": int(time.time()) + 3600}
    return vapid.sign({**base, **claims})


def _post(subscription, data, headers, ttl=60, **kwargs):
    """Encrypt and POST without raising on refusal, as pywebpush's WebPusher does."""
    return WebPusher(subscription.info()).send(data, dict(headers), ttl=ttl, **kwargs)


def _raw(subscription, body, headers):
    return requests.post(subscription.endpoint, data=body, headers=headers, timeout=10)


def _encrypted(subscription, data=b'{"title": "hi"}'):
    return WebPusher(subscription.info()).encode(data)["body"]


def test_a_valid_push_is_created_and_decrypts_to_the_payload(push, vapid):
    subscription = push.subscribe()
    alert = {"title": "Rail link opens", "url": "/a/rail-link"}
    response = webpush(subscription.info(), json.dumps(alert), vapid_private_key=vapid,
                       vapid_claims={"sub": SUB}, ttl=120,
                       headers={"Urgency": "high", "Topic": "rail-link"})
    assert response.status_code == 201
    assert response.headers["Location"].startswith(push.origin + "/message/")
    assert response.headers["TTL"] == "120"
    [delivery] = push.received(subscription)
    assert delivery.json() == alert
    assert (delivery.ttl, delivery.urgency, delivery.topic) == (120, "high", "rail-link")
    [attempt] = push.attempts(subscription)
    assert (attempt.status, attempt.reason) == (201, "delivered")
    assert attempt.headers["authorization"].startswith("vapid t=")


def test_subscriptions_look_like_a_browsers(push):
    subscriptions = push.subscribe_many(50)
    assert len({s.endpoint for s in subscriptions}) == 50
    info = subscriptions[0].info()
    assert set(info) == {"endpoint", "keys"} and set(info["keys"]) == {"p256dh", "auth"}
    assert info["endpoint"].startswith(push.origin + "/push/")
    point = base64.urlsafe_b64decode(info["keys"]["p256dh"] + "==")
    assert len(point) == 65 and point[0] == 4
    assert len(base64.urlsafe_b64decode(info["keys"]["auth"] + "==")) == 16


def test_received_keeps_arrival_order_and_filters_by_subscription(push, vapid):
    first, second = push.subscribe_many(2)
    headers = _signed(vapid, push)
    for subscription, text in [(first, "1"), (second, "2"), (first, "3")]:
        assert _post(subscription, text, headers).status_code == 201
    assert [d.payload for d in push.received()] == [b"1", b"2", b"3"]
    assert [d.payload for d in push.received(first)] == [b"1", b"3"]
    assert [d.payload for d in push.received(second.endpoint)] == [b"2"]


def test_a_fan_out_over_one_aiohttp_session_arrives_whole(push, vapid):
    subscriptions = push.subscribe_many(200)
    headers = _signed(vapid, push)  # one JWT for all, as a sender should (verified once)

    async def fan_out():
        async with aiohttp.ClientSession() as session:
            pushers = [WebPusher(s.info(), aiohttp_session=session) for s in subscriptions]
            return await asyncio.gather(*(p.send_async(f"alert {n}", dict(headers), ttl=60)
                                          for n, p in enumerate(pushers)))

    assert {r.status for r in asyncio.run(fan_out())} == {201}
    received = {d.subscription.endpoint: d.payload for d in push.received()}
    assert received == {s.endpoint: f"alert {n}".encode() for n, s in enumerate(subscriptions)}


def test_a_push_without_payload_needs_no_encryption(push, vapid):
    subscription = push.subscribe()
    assert _post(subscription, None, _signed(vapid, push)).status_code == 201
    assert push.received(subscription)[0].payload == b""


def test_the_rfc_spacing_of_the_vapid_header_is_accepted(push, vapid):
    subscription = push.subscribe()
    token, key = _signed(vapid, push)["Authorization"][len("vapid "):].split(",")
    response = _post(subscription, "x", {"Authorization": f"vapid {token}, {key}"})
    assert response.status_code == 201


@pytest.mark.parametrize("claims, reason", [
    ({"aud": "http://127.0.0.1:1"}, "aud"),
    ({"aud": "https://fcm.googleapis.com"}, "aud"),
    ({"exp": -60}, "exp has passed"),  # exp as seconds from now
    ({"exp": 25 * 3600}, "24 hours"),
    ({"sub": "alerts@reader.example"}, "sub"),
])
def test_bad_claims_are_forbidden(push, vapid, claims, reason):
    vapid.conf["no-strict"] = True  # let py_vapid sign a bad sub
    if "exp" in claims:
        claims = {"exp": int(time.time()) + claims["exp"]}
    response = _post(push.subscribe(), "x", _signed(vapid, push, **claims))
    assert response.status_code == 403
    assert reason in response.json()["message"]
    assert push.received() == []


def test_a_tampered_jwt_fails_the_signature_check(push, vapid):
    authorization = _signed(vapid, push)["Authorization"]
    head, claims, signature = authorization.split("t=")[1].split(",")[0].split(".")
    forged = _b64(json.dumps({"aud": push.origin, "exp": int(time.time()) + 7200,
                              "sub": SUB}).encode())
    headers = {"Authorization": authorization.replace(claims, forged)}
    response = _post(push.subscribe(), "x", headers)
    assert response.status_code == 403
    assert "signature" in response.json()["message"]


def test_another_application_server_key_is_forbidden(push):
    stranger = Vapid02()
    stranger.generate_keys()
    response = _post(push.subscribe(), "x", _signed(stranger, push))
    assert response.status_code == 403
    assert "application server key" in response.json()["message"]


def test_any_key_is_accepted_when_the_service_has_none(vapid):
    with PushService() as push:
        assert _post(push.subscribe(), "x", _signed(vapid, push)).status_code == 201


@pytest.mark.parametrize("authorization, reason", [
    (None, "missing"),
    ("Bearer abc", "not vapid"),
    ("vapid t=abc", "t=<JWT> and k=<key>"),
    ("vapid t=a.b.c, k=notakey", "P-256"),
])
def test_missing_or_malformed_authorization_is_unauthorized(push, vapid, authorization, reason):
    headers = {"Authorization": authorization} if authorization else {}
    response = _post(push.subscribe(), "x", headers)
    assert response.status_code == 401
    assert reason in response.json()["message"]


def test_the_draft_webpush_scheme_is_unauthorized(push, vapid):
    legacy = Vapid01(vapid.private_key)
    headers = legacy.sign({"aud": push.origin, "sub": SUB, "exp": int(time.time()) + 3600})
    assert _post(push.subscribe(), "x", headers).status_code == 401


def test_a_jwt_that_is_not_a_jwt_is_unauthorized(push, vapid):
    key = _signed(vapid, push)["Authorization"].split("k=")[1]
    response = _post(push.subscribe(), "x", {"Authorization": f"vapid t=not-a-jwt,k={key}"})
    assert response.status_code == 401


def test_a_reused_jwt_is_still_checked_for_expiry(push, vapid):
    subscription = push.subscribe()
    exp = int(time.time()) + 2
    headers = _signed(vapid, push, exp=exp)
    assert _post(subscription, "first", headers).status_code == 201
    time.sleep(max(0.0, exp - time.time()) + 0.1)
    response = _post(subscription, "late", headers)
    assert response.status_code == 403
    assert "exp has passed" in response.json()["message"]


def test_missing_ttl_is_a_bad_request(push, vapid):
    subscription = push.subscribe()
    headers = {**_signed(vapid, push), "Content-Encoding": "aes128gcm"}
    response = _raw(subscription, _encrypted(subscription), headers)
    assert response.status_code == 400
    assert "TTL" in response.json()["message"]


def test_the_legacy_aesgcm_encoding_is_unsupported(push, vapid):
    response = _post(push.subscribe(), "x", _signed(vapid, push), content_encoding="aesgcm")
    assert response.status_code == 415
    assert "aes128gcm" in response.json()["message"]


def test_a_body_without_content_encoding_is_a_bad_request(push, vapid):
    subscription = push.subscribe()
    headers = {**_signed(vapid, push), "TTL": "60"}
    assert _raw(subscription, _encrypted(subscription), headers).status_code == 400


def test_bodies_up_to_4096_bytes_are_accepted_and_larger_ones_refused(push, vapid):
    subscription = push.subscribe()
    headers = _signed(vapid, push)
    # aes128gcm adds 103 bytes: an 86-byte header, a 1-byte delimiter, a 16-byte tag (RFC 8188)
    assert _post(subscription, "a" * (4096 - 103), headers).status_code == 201
    response = _post(subscription, "a" * (4096 - 102), headers)
    assert response.status_code == 413
    assert [len(d.payload) for d in push.received()] == [4096 - 103]


def test_a_far_larger_body_is_refused_too(push, vapid):
    subscription = push.subscribe()
    headers = {**_signed(vapid, push), "TTL": "60", "Content-Encoding": "aes128gcm"}
    for size in (100_000, 2 * 1024 * 1024):
        assert _raw(subscription, b"x" * size, headers).status_code == 413
    assert [a.status for a in push.attempts(subscription)] == [413, 413]


def test_only_post_to_a_push_resource_is_served(push, vapid):
    subscription = push.subscribe()
    assert requests.get(subscription.endpoint, timeout=10).status_code == 405
    assert requests.post(push.origin + "/other", timeout=10).status_code == 404
    assert push.attempts() == []


@pytest.mark.parametrize("name, value", [
    ("Urgency", "urgent"),
    ("Urgency", "HIGH"),
    ("Topic", "has space"),
    ("Topic", "a" * 33),
    ("Topic", "news+sport"),
])
def test_bad_urgency_and_topic_are_bad_requests(push, vapid, name, value):
    response = _post(push.subscribe(), "x", {**_signed(vapid, push), name: value})
    assert response.status_code == 400
    assert name in response.json()["message"]


def test_an_unknown_endpoint_is_not_found(push, vapid):
    subscription = push.subscribe()
    subscription.endpoint = push.origin + "/push/never-issued"
    response = _post(subscription, "x", _signed(vapid, push))
    assert response.status_code == 404


def test_a_gone_subscription_answers_410_forever(push, vapid):
    subscription, other = push.subscribe_many(2)
    push.gone(subscription)
    for _ in range(2):
        with pytest.raises(WebPushException) as refused:
            webpush(subscription.info(), "x", vapid_private_key=vapid,
                    vapid_claims={"sub": SUB}, ttl=60)
        assert refused.value.status_code == 410
    assert _post(other, "x", _signed(vapid, push)).status_code == 201
    push.gone(other, status=404)
    assert _post(other, "x", _signed(vapid, push)).status_code == 404


def test_scripted_failures_come_before_success(push, vapid):
    subscription = push.subscribe()
    push.script(subscription, [500, 429, (503, 7), ("429", 2), 201])
    headers = _signed(vapid, push)
    responses = [_post(subscription, f"try {n}", headers) for n in range(6)]
    assert [r.status_code for r in responses] == [500, 429, 503, 429, 201, 201]
    assert [r.headers.get("Retry-After") for r in responses[:4]] == [None, "1", "7", "2"]
    assert [d.payload for d in push.received()] == [b"try 4", b"try 5"]
    assert [a.reason for a in push.attempts()][:2] == ["scripted 500", "scripted 429"]


def test_a_scripted_410_makes_the_subscription_gone(push, vapid):
    subscription = push.subscribe()
    push.script(subscription, [410])
    headers = _signed(vapid, push)
    assert [_post(subscription, "x", headers).status_code for _ in range(2)] == [410, 410]


def test_delay_holds_one_subscription_or_all(push, vapid):
    slow, fast = push.subscribe_many(2)
    headers = _signed(vapid, push)
    push.delay(0.6, slow)
    assert _timed(lambda: _post(fast, "x", headers)) < 0.5
    assert _timed(lambda: _post(slow, "x", headers)) >= 0.6
    push.delay(0.6)
    assert _timed(lambda: _post(fast, "x", headers)) >= 0.6


def test_a_client_that_times_out_during_a_delay_gets_nothing_delivered(push, vapid):
    subscription = push.subscribe()
    push.delay(0.5, subscription)
    with pytest.raises(requests.exceptions.ReadTimeout):
        _post(subscription, "x", _signed(vapid, push), timeout=0.1)
    deadline = time.monotonic() + 5
    while not push.attempts(subscription) and time.monotonic() < deadline:
        time.sleep(0.05)  # the service answers once its delay is over
    assert [a.status for a in push.attempts(subscription)] == [0]
    assert push.received() == []


def test_while_offline_a_newer_message_replaces_one_with_the_same_topic(push, vapid):
    subscription = push.subscribe()
    headers = _signed(vapid, push)
    push.offline(subscription)
    for text, topic in [("old score", "score"), ("new score", "score"), ("weather", "weather"),
                        ("untopical", None)]:
        extra = {"Topic": topic} if topic else {}
        assert _post(subscription, text, {**headers, **extra}).status_code == 201
    assert push.received() == []
    push.offline(subscription, False)
    assert [d.payload for d in push.received()] == [b"new score", b"weather", b"untopical"]


def test_online_messages_with_one_topic_are_all_delivered(push, vapid):
    subscription = push.subscribe()
    headers = {**_signed(vapid, push), "Topic": "score"}
    for text in ["1-0", "2-0"]:
        _post(subscription, text, headers)
    assert [d.payload for d in push.received()] == [b"1-0", b"2-0"]


def test_while_offline_messages_whose_ttl_runs_out_are_dropped(push, vapid):
    subscription = push.subscribe()
    headers = _signed(vapid, push)
    push.offline(subscription)
    for text, ttl in [("now or never", 0), ("short", 1), ("long", 60)]:
        assert _post(subscription, text, headers, ttl=ttl).status_code == 201
    time.sleep(1.1)
    push.offline(subscription, False)
    assert [d.payload for d in push.received()] == [b"long"]


def test_a_body_that_does_not_decrypt_makes_received_raise(push, vapid):
    good, bad = push.subscribe_many(2)
    headers = {**_signed(vapid, push), "TTL": "60", "Content-Encoding": "aes128gcm"}
    assert _raw(bad, _encrypted(good), headers).status_code == 201  # the service cannot tell
    assert _raw(good, _encrypted(good), headers).status_code == 201
    with pytest.raises(UndecryptableDelivery) as raised:
        push.received()
    assert [i.subscription for i in raised.value.invalid] == [bad]
    assert [i.subscription for i in push.invalid()] == [bad]
    assert len(push.received(good)) == 1


def test_a_body_in_more_than_one_record_is_invalid(push, vapid):
    subscription = push.subscribe()
    body = http_ece.encrypt(b"x" * 200, private_key=ec.generate_private_key(ec.SECP256R1()),
                            dh=base64.urlsafe_b64decode(subscription.p256dh + "="),
                            auth_secret=base64.urlsafe_b64decode(subscription.auth + "=="),
                            rs=100)
    headers = {**_signed(vapid, push), "TTL": "60", "Content-Encoding": "aes128gcm"}
    assert _raw(subscription, body, headers).status_code == 201
    [invalid] = push.invalid()
    assert "more than one record" in invalid.error


def test_reset_forgets_everything_but_the_subscriptions(push, vapid):
    subscription = push.subscribe()
    headers = _signed(vapid, push)
    push.script(subscription, [500])
    push.delay(5)
    push.offline(subscription)
    push.reset()
    assert push.received() == [] and push.attempts() == []
    assert _post(subscription, "after", headers).status_code == 201
    assert [d.payload for d in push.received()] == [b"after"]


def test_measure_absorb_floods_and_leaves_the_service_clean(push, vapid):
    assert measure_absorb(push, n=200, concurrency=8, vapid=vapid) > 0
    assert push.received() == [] and push.attempts() == []


def _timed(call):
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

