"""`reader push work`: one sender that never stops silently.

Each pass writes a heartbeat, turns new coverage into alerts and takes part in every due alert.
Its own errors do not end it: a database that is down, busy or full is waited out with backoff,
a missing or wrong VAPID key is reported on every pass (and nothing is sent), and any other error
is logged with its traceback before the pass is tried again. SIGTERM and Ctrl-C stop it cleanly:
it stops claiming, records the answers it has, gives its batches back and retires its heartbeat.
Run as many as the fan-out needs, on any machines that share the PostgreSQL database.
"""
import logging
import os
import random
import signal
import socket
import threading
import time

from ..store import StoreError, StoreUnavailable, connect
from ..store import alerts as alert_store
from ..store import senders as sender_store
from . import outbox
from .keys import VapidKeyError
from .sender import new_name

log = logging.getLogger(__name__)
BACKOFF_FIRST = 1.0   # seconds before the first retry of a failed pass
BACKOFF_MAX = 60.0    # longest wait between passes while something stays wrong
FORGET_AFTER = 3600   # seconds after which a silent sender is dropped from the list
UNTIL_IDLE_RETRIES = 5  # with until_idle: passes retried (with backoff) while the database is unavailable


class Backoff:
    """Growing, jittered waits: 1, 2, 4 ... BACKOFF_MAX seconds; reset() after a good pass."""

    def __init__(self):
        self.failures = 0

    def next(self):
        self.failures += 1
        return min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (self.failures - 1)) * random.uniform(0.8, 1.2)

    def reset(self):
        self.failures = 0


def stop_on_signals(stop):
    """SIGTERM and SIGINT set `stop` (only possible in the main thread; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())


def run(config, *, poll=1.0, stop=None, until_idle=False):
    """Send until stopped; returns (the sender's name, True when its last pass went well).

    With until_idle it returns once nothing is due, or after the first failed pass (so a cron
    job or a script sees the failure in its exit code instead of a loop that never ends); a
    database that is busy or briefly unavailable is waited for first, UNTIL_IDLE_RETRIES times.
    """
    stop = stop or threading.Event()
    backoff, db, sender, name, started = Backoff(), None, None, new_name(), time.time()
    healthy = True
    try:
        while not stop.is_set():
            try:
                db = db or connect(config)
                sender = sender or outbox.make_sender(db, config, stop=stop, name=name)
                idle = _pass(db, sender)
                backoff.reset()
                healthy = True
                if until_idle and idle:
                    break
                stop.wait(poll)
            except Exception as exc:  # noqa: BLE001 - reported, visible in the heartbeat, tried again
                healthy = False
                again = not until_idle or (isinstance(exc, StoreUnavailable) and backoff.failures < UNTIL_IDLE_RETRIES)
                _report(exc, db, sender or _Unready(name, started), stop, backoff.next() if again else None)
                if not again:
                    break
    finally:
        _retire(db, sender or _Unready(name, started))
    return name, healthy


def _pass(db, sender):
    """One pass; True when nothing was due."""
    sender.beat()
    outbox.from_events(db)
    sent = outbox.send_due(db, None, sender=sender)
    sender_store.forget_dead(db, now=sender.clock(), older_than=FORGET_AFTER)
    sender.last_error = None
    if sent:
        return False
    now = sender.clock()
    return not alert_store.due(db, outbox.iso(now), now)


class _Unready:
    """A sender that could not be made yet (no database, no key): it still beats and retires."""

    def __init__(self, name, started_at):
        self.name, self.started_at, self.last_error, self.db = name, started_at, None, None

    def beat(self):
        if self.db is not None:
            sender_store.beat(self.db, self.name, host=socket.gethostname(), pid=os.getpid(),
                              started_at=self.started_at, now=time.time(), last_error=self.last_error)

    def close(self):
        pass


def _report(exc, db, sender, stop, delay):
    """Log what went wrong (with the traceback when it is unexpected) and wait `delay` seconds
    (None: the worker stops after this pass)."""
    then = "stopping" if delay is None else f"trying again in {delay:.0f}s"
    if isinstance(exc, StoreUnavailable):
        log.warning("push worker: the database is unavailable (%s); %s", exc, then)
    elif isinstance(exc, VapidKeyError):
        log.error("push worker: nothing is sent: %s; %s", exc, then)
    else:
        log.exception("push worker: the pass failed; %s", then)
    sender.last_error = f"{type(exc).__name__}: {exc}"[:300]
    if isinstance(sender, _Unready):
        sender.db = db
    try:
        sender.beat()
    except StoreError:
        pass  # the database is what is wrong; the log line above says so
    if delay is not None:
        stop.wait(delay)


def _retire(db, sender):
    sender.close()
    if db is None:
        return
    try:
        sender_store.retire(db, sender.name)
    except StoreError as exc:
        log.warning("push worker: could not retire %s (%s); it drops off the list by itself", sender.name, exc)


def alive_summary(db, *, now=None, within):
    """[(name, seconds since its last beat, alive?, its row)] for every listed sender.

    Alive means it beat within `within` seconds and, when it runs on this machine, its process
    still exists (a sender killed a moment ago is not counted until its beat grows old)."""
    now = time.time() if now is None else now
    return [(row["name"], now - row["heartbeat"], now - row["heartbeat"] <= within and _running(row), row)
            for row in sender_store.all(db)]


def _running(row):
    if row["host"] != socket.gethostname():
        return True  # another machine's: only its heartbeat can tell
    try:
        os.kill(row["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
