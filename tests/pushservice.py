"""A loopback Web Push service (RFC 8030) that checks VAPID (RFC 8292) like FCM or Mozilla autopush.

The HTTP side runs an aiohttp server in a thread, or in a child process (`process=True`) so that a
benchmark has the second core to itself. It never decrypts: it keeps the raw aes128gcm bodies, and
the "device" side (`received()`, in the parent) decrypts them with each subscription's private key
(RFC 8291), so a delivery proves the whole path. The parent drives the server over a
multiprocessing pipe in both modes; control traffic never touches the HTTP port.

    with PushService(application_server_key=vapid_public) as push:
        subscription = push.subscribe()
        webpush(subscription.info(), "hi", vapid_private_key=key, vapid_claims=claims, ttl=60)
        assert push.received(subscription)[0].payload == b"hi"
"""
import asyncio
import base64
import collections
import dataclasses
import json
import multiprocessing
import multiprocessing.connection
import os
import re
import secrets
import subprocess
import sys
import threading
import time
import typing

import http_ece
from aiohttp import web
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

CONTENT_ENCODING = "aes128gcm"  # RFC 8291 §4; the legacy "aesgcm" draft is refused
MAX_TTL = 28 * 24 * 3600  # FCM's ceiling; RFC 8030 §5.2 lets a service lower TTL and say so
RETRY_AFTER = 1  # seconds in a scripted 429's Retry-After unless the script names one
TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")  # RFC 8030 §5.4: at most 32 base64url characters
URGENCIES = ("high", "low", "normal", "very-low")  # RFC 8030 §5.3
VAPID_MAX_AHEAD = 24 * 3600  # RFC 8292 §2: exp MUST NOT be more than 24 hours ahead
BACKLOG = 4096  # connections waiting to be accepted (the kernel caps it at net.core.somaxconn)
VERIFIED_CACHE = 10_000  # verified Authorization headers kept before the cache is emptied


class UndecryptableDelivery(AssertionError):
    """A stored body did not decrypt with its subscription's keys: the sender is broken."""

    def __init__(self, invalid):
        self.invalid = invalid
        first = invalid[0]
        super().__init__(f"{len(invalid)} undecryptable deliveries; first to "
                         f"{first.subscription.endpoint}: {first.error}")


class Subscription:
    """A browser-like push subscription whose private halves stay with the test."""

    def __init__(self, endpoint, private_key, auth_secret):
        self.endpoint = endpoint
        self.token = endpoint.rsplit("/", 1)[1]
        self.p256dh = _b64encode(_point(private_key.public_key()))
        self.auth = _b64encode(auth_secret)
        self._private_key = private_key
        self._auth_secret = auth_secret

    def info(self):
        """The subscription as a browser's PushSubscription.toJSON() gives it."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}

    def decrypt(self, body):
        """The plaintext of an aes128gcm body (RFC 8291).

        Raises:
            ValueError, http_ece.ECEException, cryptography's InvalidTag: not for this device.
        """
        _check_single_record(body)
        return http_ece.decrypt(body, private_key=self._private_key,
                                auth_secret=self._auth_secret, version=CONTENT_ENCODING)

    def __repr__(self):
        return f"<Subscription {self.endpoint}>"


@dataclasses.dataclass
class Delivery:
    """A message the device got; `at` is when the service accepted it (time.monotonic())."""
    subscription: Subscription
    payload: bytes
    ttl: int
    urgency: str | None
    topic: str | None
    at: float

    def json(self):
        return json.loads(self.payload)


@dataclasses.dataclass
class InvalidDelivery:
    """A stored body that did not decrypt."""
    subscription: Subscription
    body: bytes
    error: str
    at: float


@dataclasses.dataclass
class Attempt:
    """One POST the service answered, refused or not (status 0: the client left during a delay)."""
    token: str
    endpoint: str
    status: int
    headers: dict
    at: float
    reason: str


class PushService:
    """A Web Push service on http://127.0.0.1:PORT (RFC 8030), checking VAPID (RFC 8292) and
    keeping what it received.

    Args:
        application_server_key: the sender's VAPID public key (uncompressed P-256 point, base64url
            or bytes); when given, `k` must equal it (RFC 8292 §4.2), else 403. None: any key.
        max_body: largest accepted body in bytes; RFC 8030 §7.2 requires services to take 4096.
        process: serve from a child process (a core of its own) instead of a thread.
    """

    def __init__(self, *, application_server_key=None, max_body=4096, process=False):
        self.application_server_key = _key_bytes(application_server_key)
        self.max_body = max_body
        self.process = process
        self.origin = None
        self._subscriptions = {}  # token -> Subscription
        self._received, self._invalid, self._attempts = [], [], []
        self._fetched = {"deliveries": 0, "attempts": 0}
        self._lock = threading.RLock()  # one command and its answer at a time
        self._pipe = self._worker = None

    def start(self):
        self._pipe, child = multiprocessing.Pipe()
        if self.process:
            # A fresh interpreter running this file: no fork of a threaded test process, and
            # unlike multiprocessing's spawn, no re-import of the caller's __main__.
            key = _b64encode(self.application_server_key or b"")
            self._worker = subprocess.Popen(
                [sys.executable, __file__, str(child.fileno()), str(self.max_body), key],
                pass_fds=[child.fileno()])
        else:
            self._worker = threading.Thread(target=_serve, daemon=True,
                                            args=(child, self.max_body,
                                                  self.application_server_key))
            self._worker.start()
        ready = self._pipe.poll(60)
        if self.process:
            child.close()  # the child holds its own copy
        if not ready:
            raise RuntimeError("push service did not start")
        self.origin = f"http://127.0.0.1:{self._pipe.recv()}"
        return self

    @property
    def pid(self):
        """The serving process's id with process=True (this process's when it serves from a thread)."""
        return self._worker.pid if self.process else os.getpid()

    def stop(self):
        if self._worker is None:
            return
        try:
            self._call("stop")
        except (EOFError, OSError):
            pass  # the server is already gone; wait for it below
        if self.process:
            try:
                self._worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._worker.kill()
                self._worker.wait()
        else:
            self._worker.join(timeout=10)
        self._pipe.close()
        self._worker = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def subscribe(self):
        """A new subscription, as a browser's PushManager.subscribe() would get."""
        return self.subscribe_many(1)[0]

    def subscribe_many(self, n):
        """n new subscriptions, registered with the service in one control message."""
        made = [Subscription(f"{self.origin}/push/{secrets.token_urlsafe(16)}",
                             ec.generate_private_key(ec.SECP256R1()), os.urandom(16))
                for _ in range(n)]
        self._subscriptions.update((s.token, s) for s in made)
        self._call("register", [s.token for s in made])
        return made

    def received(self, subscription=None):
        """Decrypted deliveries, in delivery order.

        Raises:
            UndecryptableDelivery: a selected body did not decrypt; the list is in `.invalid`.
        """
        self._sync()
        invalid = self.invalid(subscription)
        if invalid:
            raise UndecryptableDelivery(invalid)
        return self._select(self._received, subscription)

    def invalid(self, subscription=None):
        """Stored bodies that did not decrypt."""
        self._sync()
        return self._select(self._invalid, subscription)

    def attempts(self, subscription=None):
        """Every POST to a push endpoint, in arrival order, with the status it got."""
        with self._lock:
            for token, status, raw, at, reason in self._call("attempts",
                                                             self._fetched["attempts"]):
                self._fetched["attempts"] += 1
                self._attempts.append(Attempt(token, f"{self.origin}/push/{token}", status,
                                              _headers(raw), at, reason))
        token = _token(subscription)
        return [a for a in self._attempts if token is None or a.token == token]

    def script(self, subscription, statuses):
        """Answer these statuses, in order, before succeeding, e.g. [500, (429, 2), 201].

        A 429 carries Retry-After (RETRY_AFTER seconds unless given as (429, seconds)); a 404 or
        410 marks the subscription gone from then on; a 2xx entry is a normal delivery.
        """
        entries = [(int(s[0]), s[1]) if isinstance(s, tuple) else (int(s), None)
                   for s in statuses]
        self._call("script", _token(subscription), entries)

    def gone(self, subscription, status=410):
        """Answer `status` (410 Gone, or 404) to every push to this subscription from now on."""
        self._call("gone", _token(subscription), status)

    def delay(self, seconds, subscription=None):
        """Hold each answer (to one subscription, or all) for `seconds`."""
        self._call("delay", seconds, _token(subscription))

    def offline(self, subscription, offline=True):
        """Keep messages pending while the device is offline; deliver the live ones on return.

        Pending messages follow RFC 8030: a newer one with the same Topic replaces an older one
        (§5.4), and one whose TTL ran out before the device returned is dropped (§5.2).
        """
        self._call("offline", _token(subscription), offline)

    def reset(self):
        """Forget deliveries, attempts, scripts, delays, gone and offline; keep subscriptions."""
        self._call("reset")
        self._received, self._invalid, self._attempts = [], [], []
        self._fetched = {"deliveries": 0, "attempts": 0}

    def _sync(self):
        """Fetch the bodies stored since the last call and decrypt them, as the device would."""
        with self._lock:
            for message in self._call("deliveries", self._fetched["deliveries"]):
                self._fetched["deliveries"] += 1
                self._open(*message)

    def _open(self, token, body, ttl, urgency, topic, at):
        subscription = self._subscriptions[token]
        try:
            payload = subscription.decrypt(body) if body else b""
        except (http_ece.ECEException, ValueError, InvalidTag) as error:
            self._invalid.append(InvalidDelivery(subscription, body, repr(error), at))
            return
        self._received.append(Delivery(subscription, payload, ttl, urgency, topic, at))

    def _select(self, items, subscription):
        token = _token(subscription)
        return [item for item in items if token is None or item.subscription.token == token]

    def _call(self, command, *args):
        with self._lock:
            self._pipe.send((command, args))
            ok, result = self._pipe.recv()
        if not ok:
            raise RuntimeError(f"push service {command}: {result}")
        return result


def measure_absorb(service, *, n=10_000, concurrency=64, vapid=None):
    """Requests/s the service absorbs from an aiohttp client sending pre-encrypted pushes.

    All n pushes go to one subscription with one JWT, as a fan-out would; the service is reset
    afterwards (so run it before the pushes you want to keep). `vapid` is a py_vapid.Vapid02 (a new key if None, so only without
    application_server_key).
    """
    from py_vapid import Vapid02
    from pywebpush import WebPusher

    if vapid is None:
        vapid = Vapid02()
        vapid.generate_keys()
    subscription = service.subscribe()
    headers = vapid.sign({"aud": service.origin, "sub": "mailto:bench@example.com",
                          "exp": int(time.time()) + 3600})
    headers.update({"TTL": "60", "Content-Encoding": CONTENT_ENCODING})
    body = WebPusher(subscription.info()).encode(b'{"title": "benchmark"}')["body"]
    seconds = asyncio.run(_flood(subscription.endpoint, headers, body, n, concurrency))
    statuses = collections.Counter(a.status for a in service.attempts(subscription))
    service.reset()
    if statuses != {201: n}:
        raise RuntimeError(f"absorb run refused pushes: {dict(statuses)}")
    return n / seconds


async def _flood(endpoint, headers, body, n, concurrency):
    import aiohttp

    remaining = iter(range(n))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        async def worker():
            for _ in remaining:
                async with session.post(endpoint, data=body, headers=headers) as response:
                    await response.read()
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started


# --- the server side: runs in the worker thread or the child process -----------------------------

class _Refused(Exception):
    def __init__(self, status, reason, headers=None):
        super().__init__(reason)
        self.status, self.reason, self.headers = status, reason, headers or {}


class _Message(typing.NamedTuple):
    """A push message as the service keeps it: the body stays encrypted."""
    token: str
    body: bytes
    ttl: int
    urgency: str | None
    topic: str | None
    at: float  # time.monotonic() when accepted


class _Service:
    """The push service's state and request path; touched only from its own event loop."""

    def __init__(self, max_body, key):
        self.origin, self.max_body, self.key = None, max_body, key
        self.tokens = set()
        self.verified = {}  # Authorization header -> exp, so a reused JWT is verified once
        self.reset()

    def reset(self):
        self.deliveries, self.attempts = [], []
        self.scripts, self.gone, self.delays = {}, {}, {}
        self.pending = {}  # token -> messages kept while the device is offline
        self.delay_all = 0.0
        self.sequence = 0

    async def route(self, request):
        if not request.path.startswith("/push/"):
            return web.Response(status=404)
        if request.method != "POST":
            return web.Response(status=405, headers={"Allow": "POST"})
        return await self.push(request, request.path[len("/push/"):])

    async def push(self, request, token):
        pause = self.delays.get(token, self.delay_all)
        if pause:
            await asyncio.sleep(pause)
            if request.transport is None or request.transport.is_closing():
                self.attempts.append((token, 0, request.raw_headers, time.monotonic(),
                                      "the client left during the delay; not delivered"))
                return web.Response(status=408)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:  # over aiohttp's 1 MiB: refused below as 413
            body = None
        try:
            status, reason, headers = self.accept(token, request.headers, body)
        except _Refused as refused:
            status, reason, headers = refused.status, refused.reason, refused.headers
        self.attempts.append((token, status, request.raw_headers, time.monotonic(), reason))
        if status == 201:
            return web.Response(status=201, headers=headers)
        return web.json_response({"code": status, "message": reason}, status=status,
                                 headers=headers)

    def accept(self, token, headers, body):
        """Check one push request; store it and return (201, reason, headers), or raise _Refused."""
        if token not in self.tokens:
            raise _Refused(404, "no such subscription")
        self.check_vapid(headers.get("Authorization"))
        ttl = _ttl(headers.get("TTL"))
        if body is None or len(body) > self.max_body:
            raise _Refused(413, f"body over {self.max_body} bytes (RFC 8030 §7.2)")
        _check_encoding(headers.get("Content-Encoding"), body)
        urgency, topic = _urgency(headers.get("Urgency")), _topic(headers.get("Topic"))
        if token in self.gone:
            raise _Refused(self.gone[token], "subscription expired or unsubscribed")
        self.play_script(token)
        self.sequence += 1
        reason = self.store(_Message(token, body, ttl, urgency, topic, time.monotonic()))
        return 201, reason, {"Location": f"{self.origin}/message/{self.sequence}",
                             "TTL": str(ttl)}

    def check_vapid(self, authorization):
        if not authorization:
            raise _Refused(401, "Authorization missing: vapid t=<JWT>, k=<key> (RFC 8292 §3)")
        exp = self.verified.get(authorization)
        if exp is None:
            exp = _verify_vapid(authorization, self.origin, self.key)
            if len(self.verified) >= VERIFIED_CACHE:
                self.verified.clear()
            self.verified[authorization] = exp
        if exp <= time.time():  # a cached JWT still expires
            raise _Refused(403, "JWT exp has passed (RFC 8292 §2)")

    def play_script(self, token):
        script = self.scripts.get(token)
        if not script:
            return
        status, retry_after = script.popleft()
        if 200 <= status < 300:
            return
        if status in (404, 410):
            self.gone[token] = status
        if status == 429 and retry_after is None:
            retry_after = RETRY_AFTER
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        raise _Refused(status, f"scripted {status}", headers)

    def store(self, message):
        pending = self.pending.get(message.token)
        if pending is None:
            self.deliveries.append(message)
            return "delivered"
        if message.topic:  # RFC 8030 §5.4: a newer message replaces an undelivered one
            pending[:] = [m for m in pending if m.topic != message.topic]
        pending.append(message)
        return "stored: the device is offline"

    def go_online(self, token):
        now = time.monotonic()
        # RFC 8030 §5.2: a message whose TTL ran out is never delivered (TTL 0: only if online)
        self.deliveries.extend(m for m in self.pending.pop(token, []) if now - m.at < m.ttl)

    def control(self, command, args):
        """Run one command from the parent; the return value goes back over the pipe."""
        return getattr(self, f"on_{command}")(*args)

    def on_register(self, tokens):
        self.tokens.update(tokens)

    def on_deliveries(self, start):
        return [tuple(m) for m in self.deliveries[start:]]  # plain tuples unpickle anywhere

    def on_attempts(self, start):
        return [(t, s, tuple(raw), at, r) for t, s, raw, at, r in self.attempts[start:]]

    def on_script(self, token, entries):
        self.scripts[token] = collections.deque(entries)

    def on_gone(self, token, status):
        self.gone[token] = status

    def on_delay(self, seconds, token):
        if token is None:
            self.delay_all = seconds
        else:
            self.delays[token] = seconds

    def on_offline(self, token, offline):
        if offline:
            self.pending.setdefault(token, [])
        else:
            self.go_online(token)

    def on_reset(self):
        self.reset()


def _serve(pipe, max_body, key):
    """Entry point of the worker thread or child process, on asyncio's own event loop.

    Not uvloop: on it, when 768 or more connections were opened at once and kept busy, the first
    requests of the last few hundred waited 2-12 s for an answer (later requests on the same
    connections were prompt; the kernel counted no accept-queue overflow), so with 4 senders their
    requests timed out at the sender, were sent again and the service counted both copies
    (262-436 of 100,000 in fanout_bench). On asyncio's loop the slowest of 60,000 requests over
    1,024 connections took 0.15 s, and the fan-out had 0 repeats at the same CPU per request
    (0.072 ms against 0.074)."""
    with asyncio.Runner() as runner:
        runner.run(_run(pipe, max_body, key))


async def _run(pipe, max_body, key):
    loop, stopped = asyncio.get_running_loop(), asyncio.Event()
    service = _Service(max_body, key)
    # aiohttp's low-level server: no router or middleware, about 40% less CPU per request
    runner = web.ServerRunner(web.Server(service.route), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    # A real push service takes thousands of connections at once; aiohttp's default backlog of 128
    # would make a fan-out's first connections wait for SYN retries (1 s, 3 s, ...).
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=BACKLOG)
    await site.start()
    port = runner.addresses[0][1]
    service.origin = f"http://127.0.0.1:{port}"  # the `aud` every JWT must name
    loop.add_reader(pipe.fileno(), _on_control, pipe, service, stopped)
    os.set_blocking(pipe.fileno(), True)  # recv() reads whole messages
    pipe.send(port)
    await stopped.wait()
    loop.remove_reader(pipe.fileno())
    await runner.cleanup()
    pipe.send((True, None))
    pipe.close()


def _on_control(pipe, service, stopped):
    try:
        command, args = pipe.recv()
    except EOFError:  # the parent went away
        stopped.set()
        return
    if command == "stop":
        stopped.set()  # answered once the server is down
        return
    try:
        pipe.send((True, service.control(command, args)))
    except Exception as error:  # noqa: BLE001 -- reported to the parent, which raises
        pipe.send((False, repr(error)))


# --- checks on one request ------------------------------------------------------------------------

def _verify_vapid(authorization, origin, expected_key):
    """The JWT's exp after checking `vapid t=..., k=...` (RFC 8292 §3); raises _Refused."""
    scheme, _, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise _Refused(401, f"Authorization scheme {scheme!r} is not vapid (RFC 8292 §3)")
    fields = dict(p.strip().partition("=")[::2] for p in params.split(","))
    token, key = fields.get("t"), fields.get("k")
    if not token or not key:
        raise _Refused(401, "Authorization needs t=<JWT> and k=<key> (RFC 8292 §3)")
    public_key = _public_key(key)
    if expected_key is not None and _point(public_key) != expected_key:
        raise _Refused(403, "k is not the application server key of the subscription "
                            "(RFC 8292 §4.2)")
    header, claims, signed, signature = _parse_jwt(token)
    if header.get("alg") != "ES256":
        raise _Refused(403, f"JWT alg {header.get('alg')!r} is not ES256 (RFC 8292 §3.1)")
    try:
        public_key.verify(signature, signed, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise _Refused(403, "JWT signature does not verify with k (RFC 8292 §2)") from None
    return _check_claims(claims, origin)


def _public_key(key):
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _b64decode(key))
    except ValueError:
        raise _Refused(401, "k is not an uncompressed P-256 point (RFC 8292 §3.2)") from None


def _parse_jwt(token):
    """(header, claims, signed bytes, DER signature) of a compact JWS; raises _Refused(401)."""
    try:
        head, body, signature = token.split(".")
        header, claims = json.loads(_b64decode(head)), json.loads(_b64decode(body))
        raw = _b64decode(signature)
    except ValueError:  # also binascii.Error and json.JSONDecodeError
        raise _Refused(401, "t is not a compact JWT (RFC 7515 §7.1)") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise _Refused(401, "JWT header and claims must be JSON objects (RFC 7519 §7.2)")
    if len(raw) != 64:
        raise _Refused(403, "ES256 signature must be 64 bytes r||s (RFC 7518 §3.4)")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    return header, claims, f"{head}.{body}".encode(), der


def _check_claims(claims, origin):
    if claims.get("aud") != origin:
        raise _Refused(403, f"JWT aud {claims.get('aud')!r} is not this push service's origin "
                            f"{origin} (RFC 8292 §2)")
    exp, now = claims.get("exp"), time.time()
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise _Refused(403, "JWT exp missing or not an integer (RFC 8292 §2)")
    if exp <= now:
        raise _Refused(403, "JWT exp has passed (RFC 8292 §2)")
    if exp > now + VAPID_MAX_AHEAD:
        raise _Refused(403, "JWT exp is more than 24 hours ahead (RFC 8292 §2)")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.startswith(("mailto:", "https:")):
        raise _Refused(403, "JWT sub must be a mailto: or https: contact (RFC 8292 §2.1)")
    return exp


def _ttl(value):
    if value is None:
        raise _Refused(400, "TTL header missing (RFC 8030 §5.2)")
    if not value.isdigit():
        raise _Refused(400, f"TTL {value!r} is not a non-negative integer (RFC 8030 §5.2)")
    return min(int(value), MAX_TTL)


def _check_encoding(value, body):
    if not body:
        return  # a push without payload needs no encryption (RFC 8030 §5)
    if value is None:
        raise _Refused(400, "Content-Encoding missing for an encrypted body (RFC 8291 §4)")
    if value.strip().lower() != CONTENT_ENCODING:
        raise _Refused(415, f"Content-Encoding {value!r}: only aes128gcm is accepted "
                            "(RFC 8291 §4)")


def _urgency(value):
    if value is not None and value not in URGENCIES:
        raise _Refused(400, f"Urgency {value!r} is not one of {', '.join(URGENCIES)} "
                            "(RFC 8030 §5.3)")
    return value


def _topic(value):
    if value is not None and not TOPIC.fullmatch(value):
        raise _Refused(400, "Topic must be 1-32 base64url characters (RFC 8030 §5.4)")
    return value


def _check_single_record(body):
    """RFC 8291 §4: one record, keyid = the sender's 65-byte ECDH key; raises ValueError."""
    if len(body) < 21:
        raise ValueError("body shorter than the aes128gcm header (RFC 8188 §2.1)")
    record_size, keyid_length = int.from_bytes(body[16:20], "big"), body[20]
    if keyid_length != 65:
        raise ValueError(f"keyid is {keyid_length} bytes, not a P-256 point (RFC 8291 §4)")
    if len(body) - 86 > record_size:
        raise ValueError("more than one record (RFC 8291 §4)")


# --- encodings ------------------------------------------------------------------------------------

def _b64encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64decode(text):
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _point(public_key):
    return public_key.public_bytes(serialization.Encoding.X962,
                                   serialization.PublicFormat.UncompressedPoint)


def _key_bytes(key):
    """An application server key given as bytes or base64url, as bytes (None stays None)."""
    return _b64decode(key) if isinstance(key, str) else key


def _token(subscription):
    """The endpoint token of a Subscription or an endpoint URL (None stays None)."""
    if subscription is None or isinstance(subscription, Subscription):
        return subscription and subscription.token
    return subscription.rsplit("/", 1)[1]


def _headers(raw):
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in raw}


if __name__ == "__main__":  # the child of PushService(process=True): pipe fd, max_body, key
    _serve(multiprocessing.connection.Connection(int(sys.argv[1])), int(sys.argv[2]),
           _b64decode(sys.argv[3]) or None)
