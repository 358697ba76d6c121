"""Many senders on one alert, against the loopback push service: exactly one copy per live
subscriber with 1, 2 and 4 senders; a killed or stalled sender's batches taken over with only its
in-flight requests at risk; slow endpoints in their own lane; retries on their own clock; errors
that reach the caller or are waited out, never a silent stop. Copies are counted by the service."""
import collections
import logging
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
from reader.push import keys, outbox, worker
from reader.push.sender import UNWRITTEN_MAX, Sender
from reader.push.vapid import Signer
from reader.store import alerts as alert_store
from reader.store import StoreBusy, connect, ledger, sqlite, transaction
from reader.store import senders as sender_store
from reader.store import subscriptions as subscription_store
from reader.store import topics as topic_store

WAIT_LIMIT = 120.0  # seconds any wait in these tests may last before it counts as a hang


@pytest.fixture
def service():
    with PushService() as push:
        yield push


@pytest.fixture
def app(tmp_path, service, database):
    app = create_app({"DATA_DIR": tmp_path, "PUSH_SERVICE_HOSTS": [service.origin], "PUSH_TIMEOUT": 5.0})
    db = connect(app.config)
    keys.ensure(tmp_path, db)
    topic_store.upsert(db, "summit", "Summit coverage")
    app.extensions["test_db"] = db
    yield app
    db.close()


def _subscribe(db, phones):
    with transaction(db):
        for phone in phones:
            info = phone.info()
            subscription_store.upsert(db, info["endpoint"], info["keys"]["p256dh"], info["keys"]["auth"], ["summit"])


def _alert(app):
    return outbox.queue(app.extensions["test_db"], title="Japan sets a $19bn goal", body="Five leaders in Tokyo",
                        topic="summit")


def _sender(app, **options):
    signer = Signer(keys.load(app.config["DATA_DIR"]), app.config["PUSH_SUBJECT"])
    return Sender(app.extensions["test_db"], signer, hosts=app.config["PUSH_SERVICE_HOSTS"],
                  **{"timeout": 5.0, "backoff": 0.05, **options})


_started = []


@pytest.fixture(autouse=True)
def _no_process_left_behind():
    yield
    while _started:
        process = _started.pop()
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.kill()
            process.wait(10)


def _worker(app, service, **env):
    """`reader push work --until-idle` in a process of its own, as on another machine."""
    variables = {**os.environ, "READER_DATA_DIR": str(app.config["DATA_DIR"]),
                 "READER_PUSH_SERVICE_HOSTS": service.origin, **{k: str(v) for k, v in env.items()}}
    process = subprocess.Popen([Path(sys.executable).parent / "reader", "push", "work", "--until-idle", "--poll", "0.2"],
                               env=variables, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _started.append(process)
    return process


def _accepted(service):
    """Copies each subscription's push service accepted (HTTP 201), by token."""
    return collections.Counter(a.token for a in service.attempts() if a.status == 201)


def _wait_for(condition, what):
    deadline = time.monotonic() + WAIT_LIMIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def _descendants(pid):
    """Process ids below pid (from /proc), so a test can see what a sender started."""
    children = collections.defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[ppid].append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("senders", [1, 2, 4])
def test_each_live_subscriber_gets_exactly_one_copy_with_several_senders(app, service, senders):
    phones = service.subscribe_many(1200)
    _subscribe(app.extensions["test_db"], phones)
    service.delay(0.02)  # long enough for every sender to join in
    alert_id = _alert(app)
    workers = [_worker(app, service, READER_PUSH_CONCURRENCY=64) for _ in range(senders)]
    for process in workers:
        _, err = process.communicate(timeout=WAIT_LIMIT)
        assert process.returncode == 0, err[-2000:]
    assert alert_store.get(app.extensions["test_db"], alert_id)["state"] == "sent"
    copies = _accepted(service)
    assert [copies[p.token] for p in phones] == [1] * len(phones)
    for phone in phones[::40]:  # and what was accepted decrypts on the phone, once
        assert [d.json()["alert"] for d in service.received(phone)] == [alert_id]


def test_a_killed_sender_leaves_only_its_in_flight_requests_to_repeat_and_no_process_behind(app, service):
    db = app.extensions["test_db"]
    phones = service.subscribe_many(1500)
    _subscribe(db, phones)
    for phone in phones:
        service.offline(phone)  # phones out of coverage: repeats wait at the service, as on a train
    service.delay(0.05)
    alert_id = _alert(app)
    fast, slow = 40, 10
    doomed = _worker(app, service, READER_PUSH_CONCURRENCY=fast, READER_PUSH_SLOW_CONCURRENCY=slow, READER_PUSH_LEASE=2)
    _wait_for(lambda: sum(_accepted(service).values()) >= 300, "the first sender to get going")
    helpers = _descendants(doomed.pid)
    assert helpers, "a 500-row batch is encrypted in a helper process"
    survivor = _worker(app, service, READER_PUSH_CONCURRENCY=40, READER_PUSH_LEASE=2)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    _, err = survivor.communicate(timeout=WAIT_LIMIT)
    assert survivor.returncode == 0, err[-2000:]
    _wait_for(lambda: not any(_alive(pid) for pid in helpers), "the killed sender's helpers to exit")
    assert alert_store.get(db, alert_id)["state"] == "sent"
    copies = _accepted(service)
    assert all(copies[p.token] >= 1 for p in phones)
    repeated = sum(1 for p in phones if copies[p.token] > 1)
    print(f"copies accepted by the service per subscription: {dict(collections.Counter(copies[p.token] for p in phones))}")
    # At most what the killed sender had in flight (its requests in both lanes) and the answers
    # not yet in the ledger (workers wait once as many as there are fast workers, at most
    # UNWRITTEN_MAX, are): never its whole 500-row batch.
    assert repeated <= fast + slow + min(fast, UNWRITTEN_MAX)
    for phone in phones:
        service.offline(phone, False)
    # The Topic header let the service replace each undelivered repeat: every phone shows one.
    shown = collections.Counter(len(service.received(p)) for p in phones)
    print(f"copies each phone received once back online: {dict(shown)}")
    assert shown == {1: len(phones)}


def test_a_sender_that_stalls_past_its_lease_sends_nothing_it_lost(app, service):
    db = app.extensions["test_db"]
    phones = service.subscribe_many(800)
    _subscribe(db, phones)
    service.delay(0.01)
    _alert(app)
    staller = _worker(app, service, READER_PUSH_CONCURRENCY=1, READER_PUSH_LEASE=2)
    _wait_for(lambda: sum(_accepted(service).values()) >= 20, "the first sender to get going")
    staller.send_signal(signal.SIGSTOP)  # paused mid-batch, as by a long GC pause or a frozen VM
    try:
        other = _worker(app, service, READER_PUSH_CONCURRENCY=64, READER_PUSH_LEASE=2)
        _, err = other.communicate(timeout=WAIT_LIMIT)
        assert other.returncode == 0, err[-2000:]
    finally:
        staller.send_signal(signal.SIGCONT)
    _, err = staller.communicate(timeout=WAIT_LIMIT)
    assert staller.returncode == 0, err[-2000:]
    copies = _accepted(service)
    assert all(copies[p.token] >= 1 for p in phones)
    # Only what it had in flight can repeat: its one request out, and one answer not yet written
    # (with one worker, each request waits until the answer before it is in the ledger).
    assert sum(copies.values()) - len(phones) <= 2


def test_hanging_endpoints_go_to_the_slow_lane_and_hold_nobody_else(app, service):
    db = app.extensions["test_db"]
    hanging, healthy = service.subscribe_many(2), service.subscribe_many(30)
    _subscribe(db, hanging + healthy)  # the hanging ones come first in the ledger
    for phone in hanging:
        service.delay(60, phone)
    alert_id = _alert(app)
    stop = threading.Event()
    sender = _sender(app, concurrency=2, slow_concurrency=2, slow_after=0.3, timeout=60, stop=stop)
    run = threading.Thread(target=sender.send_alert, args=(alert_id,))
    run.start()
    def hanging_rows():
        return [tuple(row) for row in db.execute(
            "SELECT state, lane, attempts FROM deliveries WHERE endpoint IN (?, ?)",
            (hanging[0].endpoint, hanging[1].endpoint)).fetchall()]

    try:
        _wait_for(lambda: all(_accepted(service)[p.token] == 1 for p in healthy), "every healthy subscriber")
        # every healthy phone was served while both hanging requests were still out, handed to the
        # slow lane (not sent again: one attempt each so far)
        assert all(_accepted(service)[p.token] == 0 for p in hanging)
        _wait_for(lambda: hanging_rows() == [("pending", "slow", 0)] * 2, "the hanging ones in the slow lane")
        assert len(service.attempts()) == len(healthy)
    finally:
        stop.set()
        run.join(WAIT_LIMIT)
    assert not run.is_alive()
    assert ledger.figures(db, alert_id)["sent"] == 30


def test_a_retry_follows_its_own_clock_not_the_slowest_request(app, service):
    db = app.extensions["test_db"]
    limited, slow = service.subscribe_many(2)
    _subscribe(db, [limited, slow])
    service.script(limited, [(429, 1), 201])
    service.delay(6, slow)
    _sender(app, timeout=20, slow_after=20).send_alert(_alert(app))
    order = [(a.token, a.status) for a in service.attempts()]
    # Retry-After: 1 is honoured while the slow request is still out; the batch waits for nobody
    assert order == [(limited.token, 429), (limited.token, 201), (slow.token, 201)]


def test_an_error_inside_the_run_reaches_the_caller_and_gives_the_batches_back(app, service):
    db = app.extensions["test_db"]
    _subscribe(db, service.subscribe_many(300))
    alert_id = _alert(app)
    sender = _sender(app)

    async def broken(data, keys):
        raise RuntimeError("the encryption helper died")

    sender.encryptor.encrypt = broken
    result = {}
    run = threading.Thread(target=lambda: result.setdefault("error", _raises(sender.send_alert, alert_id)))
    run.start()
    run.join(WAIT_LIMIT)
    assert not run.is_alive(), "the run hung instead of failing"
    assert isinstance(result["error"], RuntimeError) and "helper died" in str(result["error"])
    assert db.execute("SELECT COUNT(*) FROM push_batches").fetchone()[0] == 0
    assert _sender(app).send_alert(alert_id)["sent"] == 300  # nothing was lost


def _raises(function, *args):
    try:
        function(*args)
    except Exception as exc:  # noqa: BLE001 - the test inspects it
        return exc
    return None


def test_a_failing_alert_backs_off_and_the_others_still_go(app, service):
    db = app.extensions["test_db"]
    phone = service.subscribe()
    _subscribe(db, [phone])
    bad, good = _alert(app), _alert(app)
    sender = _sender(app)
    real = sender.send_alert
    sender.send_alert = lambda alert_id: (_ for _ in ()).throw(ValueError("boom")) if alert_id == bad else real(alert_id)
    results = outbox.send_due(db, app.config, sender=sender)
    assert list(results) == [good] and len(service.received(phone)) == 1
    row = alert_store.get(db, bad)
    assert row["failures"] == 1 and "boom" in row["last_error"] and row["retry_at"] > time.time()
    assert [a["id"] for a in alert_store.due(db, outbox.iso(time.time()), time.time())] == []  # waiting out its backoff


def _one_subscriber_and_an_alert(app, service):
    phone = service.subscribe()
    _subscribe(app.extensions["test_db"], [phone])
    _alert(app)
    return phone


def _send_due_fails_first(monkeypatch, error, times):
    """outbox.send_due raises `error` on its first `times` calls, then works; returns {"left": n}
    (a test may set it again)."""
    busy, real = {"left": times}, outbox.send_due

    def failing_first(*args, **kwargs):
        if busy["left"]:
            busy["left"] -= 1
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(outbox, "send_due", failing_first)
    return busy


def test_the_worker_survives_its_own_errors_and_a_busy_database(app, service, store_kind, monkeypatch, caplog):
    db = app.extensions["test_db"]
    phone = _one_subscriber_and_an_alert(app, service)
    _send_due_fails_first(monkeypatch, RuntimeError("a bug in one pass"), 1)
    monkeypatch.setattr(worker, "BACKOFF_FIRST", 0.05)
    blocker = None
    if store_kind == "sqlite":  # a writer that holds the lock longer than a sender waits
        monkeypatch.setattr(sqlite, "BUSY_MS", 200)
        blocker = connect(app.config)
        blocker.execute("BEGIN EXCLUSIVE")
        threading.Timer(1.5, lambda: blocker.execute("ROLLBACK")).start()
    stop = threading.Event()
    caplog.set_level(logging.INFO, logger="reader.push.worker")
    run = threading.Thread(target=worker.run, args=(app.config,), kwargs={"poll": 0.1, "stop": stop})
    run.start()
    try:
        _wait_for(lambda: len(service.received(phone)) == 1, "the alert, once the worker recovered")
        assert run.is_alive()
    finally:
        stop.set()
        run.join(WAIT_LIMIT)
    assert not run.is_alive()
    messages = [r.getMessage() for r in caplog.records]
    assert any("the pass failed" in m for m in messages)
    assert any(r.exc_info for r in caplog.records)  # the traceback is in the log
    if blocker is not None:
        assert any("database is unavailable" in m for m in messages)
        blocker.close()
    assert sender_store.all(db) == []  # it retired its heartbeat when it stopped


def test_until_idle_waits_out_a_busy_database_a_few_times_then_says_so(app, service, monkeypatch):
    phone = _one_subscriber_and_an_alert(app, service)
    busy = _send_due_fails_first(monkeypatch, StoreBusy("the database stayed busy (a test's lock)"), 2)
    monkeypatch.setattr(worker, "BACKOFF_FIRST", 0.01)
    _, healthy = worker.run(app.config, poll=0.01, until_idle=True)
    assert healthy and len(service.received(phone)) == 1
    busy["left"] = worker.UNTIL_IDLE_RETRIES + 1  # busy for longer than it waits: it stops, unhealthy
    _alert(app)
    _, healthy = worker.run(app.config, poll=0.01, until_idle=True)
    assert not healthy and busy["left"] == 0


def test_a_lost_vapid_key_is_never_silently_replaced(app, service):
    db = app.extensions["test_db"]
    _subscribe(db, service.subscribe_many(3))
    key_file = Path(app.config["DATA_DIR"]) / keys.PRIVATE_KEY_FILE
    key_file.unlink()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["push", "send", "--title", "T", "--topic", "summit"])
    assert result.exit_code == 1 and "VAPID key file" in result.output and "missing" in result.output
    process = _worker(app, service)
    _, err = process.communicate(timeout=WAIT_LIMIT)
    assert process.returncode == 1 and "restore the file from a backup" in err
    assert not key_file.exists()  # no new key was minted
    assert app.test_client().get("/api/push/key").status_code == 503
    assert service.attempts() == []


@pytest.fixture
def small_disk(tmp_path, store_kind):
    """A 4 MB filesystem of its own (tmpfs), for a data directory that fills up."""
    if store_kind != "sqlite":
        pytest.skip("the SQLite file is what fills the disk")
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode:
        pytest.skip(f"cannot mount a small filesystem here: {made.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_full_disk_is_waited_out_and_sending_resumes_when_space_returns(small_disk, service, monkeypatch, caplog):
    app = create_app({"DATA_DIR": small_disk / "data", "PUSH_SERVICE_HOSTS": [service.origin], "PUSH_TIMEOUT": 5.0})
    db = connect(app.config)
    keys.ensure(small_disk / "data", db)
    topic_store.upsert(db, "summit", "Summit coverage")
    phones = service.subscribe_many(50)
    _subscribe(db, phones)
    outbox.queue(db, title="Japan sets a $19bn goal", body="Five leaders in Tokyo", topic="summit")
    db.close()
    filler = small_disk / "filler"
    # The disk fills up, as it did during a burst of subscriptions. Unbuffered: a last write that
    # fits only in part leaves nothing behind for close() to fail on.
    with open(filler, "wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 65536)
        except OSError:
            pass
    monkeypatch.setattr(worker, "BACKOFF_FIRST", 0.05)
    caplog.set_level(logging.WARNING, logger="reader.push.worker")
    stop = threading.Event()
    run = threading.Thread(target=worker.run, args=(app.config,), kwargs={"poll": 0.1, "stop": stop})
    run.start()
    try:
        _wait_for(lambda: any("database is unavailable" in r.getMessage() for r in caplog.records),
                  "the worker to meet the full disk")
        assert run.is_alive() and service.attempts() == []
        filler.unlink()  # space comes back
        _wait_for(lambda: all(_accepted(service)[p.token] == 1 for p in phones), "the alert, once space returned")
    finally:
        stop.set()
        run.join(WAIT_LIMIT)
    assert not run.is_alive()
