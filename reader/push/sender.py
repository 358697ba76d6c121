"""The fan-out engine: an outbox of alerts and a ledger of deliveries, shared by any number of senders.

An alert's life (reader/store/alerts.py holds the state):

    draft -> pending_approval --approve--> queued --> sending --> sent
                    |                        |           |
                    +------ cancel ----------+-- cancel -+--> cancelled
    scheduled --(its send_at comes)--> sending

While an alert is `sending`, every sender that sees it takes part: it writes the next chunk of
subscribers to the ledger (whoever wins the cursor), claims pending rows in batches under a lease,
encrypts them (in a helper process for big batches), posts them over keep-alive connections
(http.py), and records each answer as soon as it comes, fenced by its batch. Before each request a sender
checks that its lease on the row's batch is still good (a fencing token), so a sender that
stalled past its lease sends nothing another has taken over. A sender that dies leaves batches
whose leases lapse; the next claim releases them. Only requests in flight when a sender dies
can go out twice (no push service takes an idempotency key); the Topic header lets a push
service replace an undelivered repeat, and the notification's tag makes a phone show it once.

Answers: 2xx sent; 404/410 the subscription is gone (removed); 429 (honouring Retry-After), 5xx
and connection errors retried with backoff on their own clock. A request with no answer within
`slow_after` is handed, still in flight, to the slow lane (its own small pool, the full timeout):
the fast lane moves on, so endpoints that hang never hold healthy subscribers hostage, and the
request is not sent again merely for being slow. 400/401/403/413 failed. Redirects are never
followed.
"""
import asyncio
import dataclasses
import email.utils
import functools
import logging
import os
import random
import secrets
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import uvloop

from ..store import StoreError
from ..store import alerts as alert_store
from ..store import articles as article_store
from ..store import ledger
from ..store import senders as sender_store
from . import payload as payload_module
from .encryptor import Encryptor
from .http import PerOrigin, Pool
from .subscriptions import allowed

log = logging.getLogger(__name__)

SENT = frozenset((200, 201, 202))
GONE = frozenset((404, 410))
RETRY = frozenset((408, 425, 429, 500, 502, 503, 504))
BATCH = 500                # ledger rows claimed at a time in the fast lane
SLOW_BATCH = 50            # ... and in the slow lane
BACKOFF_BASE = 1.0         # seconds; doubled per attempt, with jitter
BACKOFF_MAX = 300.0
LEASE = 10.0               # seconds a batch is held without renewal; a dead sender's lapse after it
MARGIN = 3.0               # stop sending this long before the lease lapses (clock skew, slow renewals)
FLUSH_EVERY = 0.05         # longest nap of the ledger writer while no answer comes
FLUSH_GATHER = 0.005       # once one comes, this long for more (fewer, bigger writes) ...
FLUSH_ROWS = 64            # ... unless this many wait already
UNWRITTEN_MAX = FLUSH_ROWS # answers not yet in the ledger before workers wait for the write (fewer
                           # with fewer workers): a killed sender can repeat its requests in flight
                           # and at most these
MAX_WAIT = 2.0             # longest nap while others' batches or retries are pending
BEAT_EVERY = 5.0           # seconds between heartbeats while sending
STOP_GRACE = 5.0           # seconds a stopping sender waits for its requests in flight


@dataclass(frozen=True)
class Outcome:
    """What became of one delivery attempt."""
    delivery_id: int
    state: str                   # sent | pending (retry at retry_at) | failed | expired
    status: int | None = None    # the push service's HTTP status, if it answered
    error: str | None = None
    retry_at: float | None = None
    lane: str = "fast"
    gone: int | None = None      # a subscription the push service says no longer exists


class Sender:
    """Sends alerts from the outbox, as one of any number of senders.

    Args:
        db: a store handle (reader.store.connect); used from one thread at a time.
        signer: a reader.push.vapid.Signer.
        hosts: allowed push-service hosts/origins (READER_PUSH_SERVICE_HOSTS).
        concurrency: requests in flight in the fast lane (default 512).
        per_origin: requests in flight to one push service (default 256).
        timeout: seconds one request may take in the slow lane (default 10).
        slow_after: seconds without an answer before a delivery moves to the slow lane (default 3).
        slow_concurrency: requests in flight in the slow lane (default 32).
        max_attempts: tries before a delivery is recorded as failed (default 6).
        lease: seconds a claimed batch is held without renewal (default 10).
        batch: rows claimed at a time in the fast lane (default 500).
        processes: encryption helper processes (default 1; 0 encrypts in this process).
        clock: the one clock for leases, retries and heartbeats (default time.time).
        stop: a threading.Event; once set, the sender stops claiming, records what it has, gives
            back its batches and returns (default: a new Event).
        name: the sender's one identity, in heartbeats and as the owner of batches (default: new_name()).
    """

    def __init__(self, db, signer, *, hosts, concurrency=512, per_origin=256, timeout=10.0, slow_after=3.0,
                 slow_concurrency=32, max_attempts=6, lease=LEASE, batch=BATCH, backoff=BACKOFF_BASE,
                 processes=1, clock=time.time, stop=None, name=None):
        self.db = db
        self.signer = signer
        self.hosts = hosts
        self.concurrency = concurrency
        self.per_origin = per_origin
        self.timeout = timeout
        self.slow_after = min(slow_after, timeout)
        self.slow_concurrency = slow_concurrency
        self.max_attempts = max_attempts
        self.lease = lease
        self.margin = min(MARGIN, lease / 3)
        self.batch = batch
        self.backoff = backoff
        self.clock = clock
        self.stop = stop or threading.Event()
        self.encryptor = Encryptor(processes=processes)
        self.name = name or new_name()
        self.started_at = clock()
        self.sent = 0            # deliveries this sender recorded as sent
        self.alert_id = None     # what it is sending now
        self.last_error = None
        self._allowed = PerOrigin(lambda endpoint: allowed(endpoint, hosts))  # per push service

    # -- the blocking entry points -------------------------------------------------------------
    def send_alert(self, alert_id):
        """Take part in one alert until it is finished (or stop is set); returns its figures."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:  # called from inside an event loop (a notebook, a test driver): use a thread of its own
            with ThreadPoolExecutor(1) as thread:
                return thread.submit(self.send_alert, alert_id).result()
        try:
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                return runner.run(self.run_alert(alert_id))
        except BaseExceptionGroup as group:  # a task of the run failed: its own error, not the group
            raise _first(group) from None

    def beat(self):
        """Write this sender's heartbeat (its identity, what it sends, how much it sent)."""
        sender_store.beat(self.db, self.name, host=socket.gethostname(), pid=os.getpid(),
                          started_at=self.started_at, now=self.clock(), alert_id=self.alert_id,
                          sent=self.sent, last_error=self.last_error)

    def close(self):
        """Stop the encryption helper; the sender can still be used (it starts a new one)."""
        self.encryptor.close()

    # -- one alert -----------------------------------------------------------------------------
    async def run_alert(self, alert_id):
        alert = alert_store.get(self.db, alert_id)
        if alert is None or alert["state"] in ("sent", "cancelled", "draft", "pending_approval"):
            return ledger.figures(self.db, alert_id)
        url = article_store.path_of(self.db, alert["article_id"]) if alert["article_id"] else None
        payload_for = payload_module.maker(alert, article_url=url)  # refuses what would not fit
        # Only from a sendable state: an editor may have cancelled it since it was read.
        if not alert_store.set_state(self.db, alert_id, "sending", only_from=("queued", "scheduled", "sending")):
            return ledger.figures(self.db, alert_id)
        self.alert_id = alert_id
        try:
            async with Pool(limit=self.concurrency + self.slow_concurrency, per_origin=self.per_origin,
                            timeout=self.timeout) as pool:
                with ThreadPoolExecutor(1, thread_name_prefix="reader-push-db") as db_thread:
                    await _Run(self, alert, payload_for, pool, db_thread).go()
        finally:
            self.alert_id = None
        if not self.stop.is_set() and alert_store.finish(self.db, alert_id):
            log.info("alert %s sent: %s", alert_id, ledger.figures(self.db, alert_id))
        return ledger.figures(self.db, alert_id)

    # -- one request ---------------------------------------------------------------------------
    def headers_for(self, alert):
        """The headers every request of an alert carries (Authorization is added per push service)."""
        return {"TTL": str(alert["ttl"]), "Urgency": alert["urgency"],
                "Topic": payload_module.topic_header(alert["topic"]),
                "Content-Encoding": "aes128gcm", "Content-Type": "application/octet-stream"}

    async def deliver(self, pool, alert, body, row, lane, headers=None, ready=None):
        """POST one encrypted message; returns its Outcome (never raises for the network's faults),
        or None when `ready` (see http.Pool.post) says no and nothing is sent."""
        endpoint = row["endpoint"]
        if not self._allowed.of(endpoint):
            return Outcome(row["id"], "failed", error="endpoint is not on an allowed push service", lane=lane)
        if isinstance(body, str):  # the subscription's keys could not be used
            return Outcome(row["id"], "failed", error=body, lane=lane)
        headers = {**(headers or self.headers_for(alert)), "Authorization": self.signer.header(endpoint)}
        try:
            answer = await pool.post(endpoint, body, headers, ready=ready)
        except TimeoutError:
            return self.retry(row, None, f"timed out after {self.timeout:g}s", None, "slow")
        except (OSError, ValueError) as exc:
            return self.retry(row, None, f"connection failed ({type(exc).__name__})", None, lane)
        if answer is None:
            return None
        status, answer_headers, data = answer
        text = data[:800].decode("utf-8", "replace")[:200] if status not in SENT else ""
        return self.judge(row, status, answer_headers.get("retry-after"), text, lane)

    def judge(self, row, status, retry_after, text, lane):
        if status in SENT:
            return Outcome(row["id"], "sent", status, lane=lane)
        if status in GONE:
            return Outcome(row["id"], "expired", status, "subscription gone", lane=lane, gone=row["subscription_id"])
        if status in RETRY:
            return self.retry(row, status, f"HTTP {status}", retry_after, lane)
        return Outcome(row["id"], "failed", status, f"HTTP {status}: {text.strip()}"[:300], lane=lane)

    def retry(self, row, status, error, retry_after, lane):
        attempts = row["attempts"] + 1
        if attempts >= self.max_attempts:
            return Outcome(row["id"], "failed", status, f"{error} (gave up after {attempts} attempts)", lane=lane)
        delay = retry_after_seconds(retry_after, self.clock())
        if delay is None:
            delay = min(BACKOFF_MAX, self.backoff * 2 ** (attempts - 1)) * random.uniform(0.75, 1.25)
        return Outcome(row["id"], "pending", status, error, retry_at=self.clock() + delay, lane=lane)


class _Batch:
    """A claimed batch as this sender sees it: how many rows await an answer, until when it may send."""

    def __init__(self, batch_id, lane, size, deadline):
        self.id, self.lane, self.open, self.deadline, self.lost = batch_id, lane, size, deadline, False


class _Worker:
    """One request at a time in a lane; `since` is when its request went out (None: idle)."""

    __slots__ = ("lane", "since", "batch", "row_id", "demoted")

    def __init__(self, lane):
        self.lane, self.since, self.batch, self.row_id, self.demoted = lane, None, None, None, False


class _Run:
    """One sender's part in one alert: a feeder, workers per lane, and a keeper that records
    answers and renews leases. Any task's error ends the run and reaches the caller."""

    def __init__(self, sender, alert, payload_for, pool, db_thread):
        self.s, self.alert, self.payload_for, self.pool = sender, alert, payload_for, pool
        self.db_thread = db_thread
        self.lanes = {"fast": (sender.concurrency, sender.batch), "slow": (sender.slow_concurrency, SLOW_BATCH)}
        self.queues = {lane: asyncio.Queue() for lane in self.lanes}
        self.backlog = dict.fromkeys(self.lanes, 0)
        self.batches = {}
        self.answers = []
        self.fanout_cursor = None if alert["fanout_done"] else alert["fanout_cursor"]
        self.wake = asyncio.Event()
        self.answered = asyncio.Event()
        self.unwritten = 0        # answers given and not yet committed to the ledger
        self.unwritten_max = min(UNWRITTEN_MAX, sender.concurrency)
        self.written = asyncio.Event()
        self.renewing = asyncio.Lock()
        self.renewed_at = sender.clock()
        self.beat_at = 0.0
        self.fed = False
        self.workers = []
        self.tasks = None
        self.fast_workers = set()
        self.handed_over = 0      # fast-lane requests in flight that the slow lane waits for
        self.slowed = []          # (batch, delivery id) to mark as in the slow lane
        self.headers = sender.headers_for(alert)

    async def go(self):
        try:
            async with asyncio.TaskGroup() as tasks:
                self.tasks = tasks
                for lane, (count, _) in self.lanes.items():
                    for _ in range(count):
                        self.start_worker(lane)
                keeper = tasks.create_task(self.keep())
                try:
                    await self.feed()
                finally:
                    self.fed = True
                    for lane, (count, _) in self.lanes.items():
                        for _ in range(count):
                            self.queues[lane].put_nowait(None)
                if self.s.stop.is_set():  # a stop waits STOP_GRACE for requests in flight, no longer
                    _, late = await asyncio.wait(list(self.workers), timeout=STOP_GRACE)
                    for task in late:
                        task.cancel()
                await keeper
        finally:  # whatever happened, what this sender holds goes back at once, not after a lapse
            try:
                await self.call(ledger.give_back, self.s.db, self.s.name, self.alert["id"])
            except StoreError as exc:
                log.warning("alert %s: could not give back batches (%s); their leases lapse", self.alert["id"], exc)

    async def call(self, function, *args, **kwargs):
        """Run a store call in the run's database thread (the event loop never waits on a lock)."""
        return await asyncio.get_running_loop().run_in_executor(
            self.db_thread, lambda: function(*args, **kwargs))

    # -- the feeder: fan-out chunks and claims, until nothing is left --------------------------
    async def feed(self):
        s, alert_id = self.s, self.alert["id"]
        while not s.stop.is_set():
            if self.fanout_cursor is not None:
                self.fanout_cursor = await self.call(ledger.fan_out_chunk, s.db, alert_id, self.alert["topic"],
                                                     self.fanout_cursor)
            claimed = 0
            for lane, (workers, size) in self.lanes.items():
                if self.backlog[lane] < 2 * workers:
                    claimed += await self.claim(lane, size)
            if claimed or self.fanout_cursor is not None:
                continue
            if not any(self.backlog.values()):
                pending, ready_at = await self.call(ledger.outlook, s.db, alert_id, s.clock())
                if not pending:
                    return
                nap = min(MAX_WAIT, max(0.05, (ready_at or 0) - s.clock()))
            else:
                nap = MAX_WAIT
            self.wake.clear()
            try:
                await asyncio.wait_for(self.wake.wait(), nap)
            except TimeoutError:
                pass

    async def claim(self, lane, size):
        s, now = self.s, self.s.clock()
        batch_id, rows = await self.call(ledger.claim, s.db, self.alert["id"], owner=s.name, lane=lane, limit=size,
                                         now=now, lease=s.lease)
        if not rows:
            return 0
        # The lease runs from `now` (what the store was told), however long the claim waited for
        # the database thread: the fence never trusts more time than the store granted.
        batch = self.batches[batch_id] = _Batch(batch_id, lane, len(rows), now + s.lease - s.margin)
        usable = [row for row in rows if row["p256dh"] is not None]
        for row in rows:
            if row["p256dh"] is None:  # the subscriber left after the fan-out
                self.answer(batch, Outcome(row["id"], "expired", error="unsubscribed", lane=lane))
        payloads = [self.payload_for(payload_module.click_of(row)) for row in usable]
        bodies = await s.encryptor.encrypt(payloads, [(row["p256dh"], row["auth"]) for row in usable])
        self.backlog[lane] += len(usable)
        for row, body in zip(usable, bodies, strict=True):
            self.queues[lane].put_nowait((batch, row, body))
        return len(rows)

    # -- the workers: one request at a time each -----------------------------------------------
    def start_worker(self, lane):
        worker = _Worker(lane)
        if lane == "fast":
            self.fast_workers.add(worker)
        self.workers.append(self.tasks.create_task(self.work(worker)))

    async def work(self, worker):
        """Send the lane's rows one at a time. A fast-lane worker whose request goes unanswered for
        slow_after is handed to the slow lane by the keeper (see demote_slow): its request is not
        cancelled (it may have arrived), a fresh worker takes its place, and it ends once answered."""
        lane = worker.lane
        queue, count = self.queues[lane], self.lanes[lane][0]
        while (item := await queue.get()) is not None:
            batch, row, body = item
            self.backlog[lane] -= 1
            await self.wait_for_writes()
            worker.since, worker.batch, worker.row_id = self.s.clock(), batch, row["id"]
            outcome = await self.s.deliver(self.pool, self.alert, body, row, lane, self.headers,
                                           ready=functools.partial(self.sendable, batch))
            worker.since = None
            if outcome is None:  # not sent (lease lost or stop): the row goes back with the batch
                batch.open -= 1
            elif worker.demoted:
                self.answer(batch, dataclasses.replace(outcome, lane="slow"))
            else:
                self.answer(batch, outcome)
            if worker.demoted:
                self.handed_over -= 1
                return
            if self.backlog[lane] < 2 * count:
                self.wake.set()

    async def wait_for_writes(self):
        """Hold the next request while unwritten_max answers wait for the ledger (the keeper
        writes them; a store that fails ends the run, so the wait re-checks every FLUSH_EVERY)."""
        while self.unwritten >= self.unwritten_max:
            self.written.clear()
            try:
                await asyncio.wait_for(self.written.wait(), FLUSH_EVERY)
            except TimeoutError:
                pass

    def demote_slow(self):
        """Hand fast-lane workers waiting longer than slow_after to the slow lane (as many as it
        has room for) and start fresh ones in their place."""
        late = self.s.clock() - self.s.slow_after
        for worker in [w for w in self.fast_workers if w.since is not None and w.since < late]:
            if self.handed_over >= self.s.slow_concurrency:
                return  # the slow lane is full: the fast lane waits with it
            worker.demoted = True
            self.handed_over += 1
            self.fast_workers.discard(worker)
            self.slowed.append((worker.batch, worker.row_id))
            if not self.fed:
                self.start_worker("fast")

    async def sendable(self, batch):
        """Asked last before a request goes to the pool: not once stopped or once the lease is lost."""
        return not self.s.stop.is_set() and await self.fenced(batch)

    async def fenced(self, batch):
        """True while this sender's lease on the batch is good; renews first when it runs short."""
        if batch.lost:
            return False
        if self.s.clock() < batch.deadline:
            return True
        await self.renew()
        return not batch.lost and self.s.clock() < batch.deadline

    def answer(self, batch, outcome):
        self.answers.append((batch, outcome))
        self.unwritten += 1
        self.answered.set()

    # -- the keeper: answers to the ledger, leases renewed, heartbeats -------------------------
    async def keep(self):
        s = self.s
        while not (self.fed and not self.answers and all(t.done() for t in self.workers)):
            if not self.answers:  # write answers as they come: what is written is never resent
                self.answered.clear()
                try:
                    await asyncio.wait_for(self.answered.wait(), FLUSH_EVERY)
                except TimeoutError:
                    pass
            if len(self.answers) < FLUSH_ROWS:
                await asyncio.sleep(FLUSH_GATHER)  # a few ms more make one write of many answers
            await self.flush()
            self.demote_slow()
            if s.clock() - self.renewed_at > s.lease / 4:
                await self.renew()
            if s.clock() - self.beat_at > BEAT_EVERY:
                self.beat_at = s.clock()
                await self.call(s.beat)
        await self.flush()

    async def flush(self):
        slowed, self.slowed = self.slowed, []
        if slowed:
            await self.call(ledger.mark_slow, self.s.db, [(batch.id, delivery_id) for batch, delivery_id in slowed])
        answers, self.answers = self.answers, []
        if answers:
            accepted = await self.call(self._record, answers)
            self.unwritten -= len(answers)
            self.written.set()
            if accepted < len(answers):
                await self.renew()  # some batch was taken over: find out which
                if not any(batch.lost for batch, _ in answers):
                    log.warning("alert %s: the ledger refused %d of %d answers of batches this sender still holds",
                                self.alert["id"], len(answers) - accepted, len(answers))
            for batch, _ in answers:
                batch.open -= 1
        done = [b.id for b in self.batches.values() if b.open <= 0]
        if done:
            await self.call(ledger.finish_batches, self.s.db, self.s.name, done)
            for batch_id in done:
                del self.batches[batch_id]
        if answers:
            self.wake.set()

    def _record(self, answers):
        s = self.s
        with s.db.transaction():
            accepted = ledger.record(s.db, [(batch.id, o) for batch, o in answers], sent_at=_utc(s.clock()))
            gone = [o.gone for _, o in answers if o.gone is not None]
            if gone:
                ledger.remove_subscriptions(s.db, gone)
        s.sent += sum(1 for _, o in answers if o.state == "sent")
        return accepted

    async def renew(self):
        async with self.renewing:
            s, started = self.s, self.s.clock()
            live = [b for b in self.batches.values() if not b.lost]
            held = await self.call(ledger.renew, s.db, s.name, [b.id for b in live], started + s.lease)
            for batch in live:
                if batch.id in held:
                    batch.deadline = started + s.lease - s.margin
                else:
                    batch.lost = True
                    log.warning("alert %s: batch %s was taken over by another sender", self.alert["id"], batch.id)
            self.renewed_at = started


def new_name():
    """host:pid:nonce, unique among senders on every machine."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def retry_after_seconds(value, now):
    """RFC 9110 §10.2.3: delay-seconds or an HTTP-date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return min(float(value), BACKOFF_MAX)
    try:
        moment = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return min(max(0.0, moment - now), BACKOFF_MAX)


def _utc(moment):
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(moment))


def _first(group):
    """The first real error inside a (nested) ExceptionGroup from the run's tasks."""
    while isinstance(group, BaseExceptionGroup):
        group = group.exceptions[0]
    return group
