"""The fan-out engine: an outbox of alerts and a ledger of deliveries, sent concurrently.

One alert becomes one ledger row per subscriber (in the database, before anything is sent).
Rows are claimed in batches and sent over a shared HTTP session with a concurrency limit per
push-service origin; each response is written back to the ledger as soon as the event loop
sees it, so a sender that dies and restarts resends only the rows with no recorded answer.
429 (honouring Retry-After), 5xx and timeouts are retried with backoff; 404 and 410 remove
the subscription; 400/401/403/413 are recorded as failures. Redirects are never followed.
"""
import asyncio
import email.utils
import logging
import multiprocessing
import os
import random
import socket
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import aiohttp

from ..store import alerts as alert_store
from ..store import articles as article_store
from ..store import subscriptions as subscription_store
from ..store import transaction
from . import payload as payload_module
from .crypto import encrypt_many
from .subscriptions import allowed

log = logging.getLogger(__name__)

SENT = frozenset((200, 201, 202))
GONE = frozenset((404, 410))
RETRY = frozenset((408, 425, 429, 500, 502, 503, 504))
BATCH = 2000               # ledger rows claimed at a time
BACKOFF_BASE = 1.0         # seconds; doubled per attempt, with jitter
BACKOFF_MAX = 300.0
ENCRYPT_CHUNK = 256        # rows per hand-off to the encryption process
MAX_WAIT = 5.0             # longest sleep while retries are pending, so progress stays visible
LEASE = 10.0               # seconds a sender holds an alert without renewing; a dead one's lapses


class AlertBusy(RuntimeError):
    """Another live sender holds the alert."""


class Sender:
    """Sends due alerts from the outbox.

    Args:
        db: an open connection (reader.store.connect).
        signer: a reader.push.vapid.Signer.
        hosts: allowed push-service hosts/origins (READER_PUSH_SERVICE_HOSTS).
        concurrency: requests in flight in all (default 512).
        per_origin: requests in flight to one push service (default 256).
        timeout: seconds allowed for one request (default 10).
        max_attempts: tries before a delivery is recorded as failed (default 6).
        processes: helper processes that encrypt big alerts beside the sending loop (default 1).
    """

    def __init__(self, db, signer, *, hosts, concurrency=512, per_origin=256, timeout=10.0,
                 max_attempts=6, lease=LEASE, backoff=BACKOFF_BASE, processes=1, clock=time.time):
        self.db = db
        self.signer = signer
        self.hosts = hosts
        self.concurrency = concurrency
        self.per_origin = per_origin
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.clock = clock
        self.lease = lease
        self.backoff = backoff
        self.processes = processes  # encryption helpers for big alerts (0: encrypt in this process)
        self._pool = None
        self.name = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._renewed = 0.0

    def send_alert(self, alert_id):
        """Send one alert to completion (blocking); returns its figures."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:  # called from inside an event loop (a notebook, a test driver): use a thread of its own
            with ThreadPoolExecutor(1) as thread:
                return thread.submit(self.send_alert, alert_id).result()
        try:
            return asyncio.run(self.run_alert(alert_id))
        finally:
            self.close()

    async def run_alert(self, alert_id):
        alert = alert_store.get(self.db, alert_id)
        if alert is None or alert["state"] in ("sent", "cancelled", "draft", "pending_approval"):
            return alert_store.figures(self.db, alert_id)
        data = payload_module.build(alert, article_url=self._article_url(alert))
        with transaction(self.db):
            if not alert_store.take_lease(self.db, alert_id, self.name, self.lease):
                if not _holder_died(alert_store.get(self.db, alert_id)["lease_owner"]):
                    raise AlertBusy(f"alert {alert_id} is being sent by another sender")
                alert_store.take_lease(self.db, alert_id, self.name, self.lease, force=True)
            # Only from a sendable state: an editor may have cancelled it since it was read.
            if not alert_store.set_state(self.db, alert_id, "sending",
                                         only_from=("queued", "scheduled", "sending")):
                alert_store.release_lease(self.db, alert_id, self.name)
                return alert_store.figures(self.db, alert_id)
            total = alert_store.fan_out(self.db, alert_id, alert["topic"])
        self._renewed = time.monotonic()
        log.info("alert %s: sending to %d subscribers", alert_id, total)
        # limit_per_host is per scheme+host+port: the per-origin concurrency limit.
        connector = aiohttp.TCPConnector(limit=self.concurrency, limit_per_host=self.per_origin,
                                         keepalive_timeout=30, ttl_dns_cache=300)
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            await self._drain(session, alert, data)
        with transaction(self.db):
            alert_store.set_state(self.db, alert_id, "sent", only_from=("sending",))
            alert_store.release_lease(self.db, alert_id, self.name)
        figures = alert_store.figures(self.db, alert_id)
        log.info("alert %s done: %s", alert_id, figures)
        return figures

    async def _drain(self, session, alert, data):
        """Send every pending delivery, waiting out retries, until none is left."""
        while True:
            with transaction(self.db):
                self._renew(alert["id"])
                alert_store.orphaned(self.db, alert["id"])
            rows = alert_store.pending(self.db, alert["id"], limit=BATCH, now=self.clock())
            if rows:
                await self._send_batch(session, alert, data, rows)
                continue
            upcoming = alert_store.next_attempt(self.db, alert["id"])
            if upcoming is None:
                return
            await asyncio.sleep(min(MAX_WAIT, max(0.0, upcoming - self.clock())))

    async def _send_batch(self, session, alert, data, rows):
        """Encrypt (in a helper process for big batches) and send with a pool of workers,
        recording answers as they come, in whatever batches form."""
        queue, outcomes, ready = asyncio.Queue(), [], asyncio.Event()
        workers_count = min(self.concurrency, len(rows))

        async def encrypt_all():
            for start in range(0, len(rows), ENCRYPT_CHUNK):
                chunk = rows[start:start + ENCRYPT_CHUNK]
                for row, body in zip(chunk, await self._encrypt(data, chunk), strict=True):
                    queue.put_nowait((row, body))
            for _ in range(workers_count):
                queue.put_nowait(None)

        async def worker():
            while (item := await queue.get()) is not None:
                row, body = item
                try:
                    outcomes.append(await self._deliver(session, alert, body, row))
                except Exception as exc:  # one broken delivery must not stall the alert
                    log.exception("alert %s delivery %s: unexpected error", alert["id"], row["id"])
                    outcomes.append(self._retry(row, None, f"unexpected error ({type(exc).__name__})", None))
                ready.set()

        tasks = [asyncio.ensure_future(encrypt_all())]
        tasks += [asyncio.ensure_future(worker()) for _ in range(workers_count)]
        left = len(rows)
        try:
            while left:
                await ready.wait()
                ready.clear()
                batch = outcomes[:]
                del outcomes[:len(batch)]
                self._record(batch, alert["id"])
                left -= len(batch)
        finally:
            for task in tasks:
                task.cancel()

    async def _encrypt(self, data, rows):
        """Bodies (or CryptoError messages) for rows; big batches go to the helper process."""
        keys = [(row["p256dh"], row["auth"]) for row in rows]
        if len(rows) < ENCRYPT_CHUNK or self.processes == 0:
            return encrypt_many(data, keys)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"))
        return await asyncio.get_running_loop().run_in_executor(self._pool, encrypt_many, data, keys)

    def close(self):
        """Stop the encryption helper process, if one was started."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def _record(self, outcomes, alert_id):
        """Write answers to the ledger at once: what is recorded is never sent again."""
        gone = [o[5] for o in outcomes if o[1] == "expired" and o[5] is not None]
        with transaction(self.db):
            self._renew(alert_id)
            alert_store.record_outcomes(self.db, [o[:5] for o in outcomes])
            for subscription_id in gone:
                subscription_store.remove_by_id(self.db, subscription_id)

    def _renew(self, alert_id):
        if time.monotonic() - self._renewed > self.lease / 3:
            if not alert_store.take_lease(self.db, alert_id, self.name, self.lease):
                raise AlertBusy(f"alert {alert_id} was taken over by another sender")
            self._renewed = time.monotonic()

    async def _deliver(self, session, alert, body, row):
        """POST one encrypted message; returns (id, state, status, error, retry_at, subscription_id)."""
        endpoint = row["endpoint"]
        if not allowed(endpoint, self.hosts):
            return (row["id"], "failed", None, "endpoint is not on an allowed push service", None, None)
        if isinstance(body, str):  # the subscription's keys could not be used
            return (row["id"], "failed", None, body, None, None)
        headers = {
            "Authorization": self.signer.header(endpoint),
            "TTL": str(alert["ttl"]),
            "Urgency": alert["urgency"],
            "Topic": payload_module.topic_header(alert["topic"]),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
        }
        try:
            async with session.post(endpoint, data=body, headers=headers, allow_redirects=False) as response:
                status = response.status
                retry_after = response.headers.get("Retry-After")
                text = (await response.text(errors="replace"))[:200] if status not in SENT else ""
        except asyncio.TimeoutError:
            return self._retry(row, None, f"timed out after {self.timeout:g}s", None)
        except aiohttp.ClientError as exc:
            return self._retry(row, None, f"connection failed ({type(exc).__name__})", None)
        return self._judge(row, status, retry_after, text)

    def _judge(self, row, status, retry_after, text):
        if status in SENT:
            return (row["id"], "sent", status, None, None, None)
        if status in GONE:
            return (row["id"], "expired", status, "subscription gone", None, row["subscription_id"])
        if status in RETRY:
            return self._retry(row, status, f"HTTP {status}", retry_after)
        return (row["id"], "failed", status, f"HTTP {status}: {text.strip()}"[:300], None, None)

    def _retry(self, row, status, error, retry_after):
        attempts = row["attempts"] + 1
        if attempts >= self.max_attempts:
            return (row["id"], "failed", status, f"{error} (gave up after {attempts} attempts)", None, None)
        delay = _retry_after_seconds(retry_after, self.clock())
        if delay is None:
            delay = min(BACKOFF_MAX, self.backoff * 2 ** (attempts - 1)) * random.uniform(0.75, 1.25)
        return (row["id"], "pending", status, error, self.clock() + delay, None)

    def _article_url(self, alert):
        if not alert["article_id"]:
            return None
        return article_store.path_of(self.db, alert["article_id"])


def _holder_died(owner):
    """True when a lease holder on this host is a process that no longer exists."""
    host, _, rest = (owner or "").partition(":")
    pid = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _retry_after_seconds(value, now):
    """RFC 9110 §10.2.3: delay-seconds or an HTTP-date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), BACKOFF_MAX)
    try:
        moment = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return min(max(0.0, moment - now), BACKOFF_MAX)
