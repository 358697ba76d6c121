"""Fan-out of one alert to 100,000 subscriptions: 1, 2 and 4 senders on PostgreSQL and 1 on SQLite,
beside the anchor (the single sender of commit 155283f, before the shared ledger) in the same run.

Each sender is a `reader push work` process, as on a machine of its own. The loopback push service
(tests/pushservice.py) runs in its own process and checks VAPID on every request; every copy it
accepts is counted per subscription (each must be exactly 1), and 1 in --sample bodies is
decrypted with the subscription's keys, not all of them, to keep the service's own CPU down.

    .venv/bin/python benchmarks/fanout_bench.py [--subscribers 100000] [--sample 100] [--sender-cpus 0.5]

With --sender-cpus each sender (with its encryption helper) runs in a cgroup of its own limited to
that many cores (cgroup v1 cpu.cfs_quota_us; needs root), as a push worker on a machine or in a
container of its own would: on this 2-core machine one unlimited sender already keeps about three
quarters of both cores busy (itself, its helper, the push service and PostgreSQL), so what a second
sender adds is otherwise bounded by the cores left, not by how the ledger is shared.

Prints, per setup: deliveries/s from the alert being queued until it is marked sent, the total
seconds, the CPU per delivery (the sender and its encryption helper, from /proc; the anchor from its
own rusage), and each sender's peak RSS (VmHWM of its own process; its encryption helper apart).
"""
import argparse
import collections
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the loopback push service and the PostgreSQL cluster

import pg  # noqa: E402
from pushservice import PushService  # noqa: E402

from reader.push import keys, outbox  # noqa: E402
from reader.store import alerts as alert_store  # noqa: E402
from reader.store import connect, ingest_log, postgres  # noqa: E402
from reader.store import subscriptions as subscription_store  # noqa: E402
from reader.store import topics as topic_store  # noqa: E402
import _stopping  # noqa: E402

ANCHOR_COMMIT = "155283f"  # main before this work: one sender per alert, SQLite only
READER = Path(sys.executable).parent / "reader"
WAIT_LIMIT = 600.0  # seconds one fan-out may take before the benchmark gives up


def load(config, phones, data_dir):
    """Subscriptions into a fresh store, through the store's API, in transactions of 5,000."""
    db = connect(config)
    keys.ensure(data_dir, db)
    topic_store.upsert(db, "summit", "Summit coverage")
    for start in range(0, len(phones), 5000):
        with db.transaction():
            for phone in phones[start:start + 5000]:
                info = phone.info()
                subscription_store.upsert(db, info["endpoint"], info["keys"]["p256dh"], info["keys"]["auth"],
                                          ["summit"])
    db.close()


def fan_out(label, config, data_dir, service, senders, phones, sample, database_pid=None, cpus=None):
    """Queue one alert with `senders` workers running (each in a CPU budget of `cpus` cores when
    given); returns its deliveries/s."""
    service.reset()
    env = {**os.environ, "READER_DATA_DIR": str(data_dir), "READER_PUSH_SERVICE_HOSTS": service.origin,
           "READER_DATABASE_URL": config.get("DATABASE_URL", "")}
    # Each sender logs to a file of its own: a pipe nobody reads would stall a sender once full.
    logs = [data_dir / f"sender-{label.split()[-1]}-{n}.log" for n in range(senders)]
    workers, budgets = [], []
    try:
        return _fan_out(label, config, service, phones, sample, database_pid, env, logs, workers, budgets, cpus)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        for budget in budgets:
            budget.remove()


def _fan_out(label, config, service, phones, sample, database_pid, env, logs, workers, budgets, cpus):
    senders = len(logs)
    for log in logs:
        with log.open("wb") as sink:
            workers.append(subprocess.Popen([READER, "push", "work", "--poll", "0.1"], env=env,
                                            stdout=subprocess.DEVNULL, stderr=sink))
            if cpus:
                budgets.append(_Budget(workers[-1].pid, cpus))  # before it starts its helper
    db = connect(config)
    deadline = time.monotonic() + 60
    while len(outbox.senders_alive(db)) < senders:  # every sender up and polling before the clock starts
        if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
            for worker in workers:
                worker.kill()
                worker.wait()
            errors = "".join(log.read_text(errors="replace") for log in logs)
            raise SystemExit(f"{label}: the senders did not start:\n{errors[-3000:]}")
        time.sleep(0.1)
    helpers = {w.pid: set() for w in workers}
    parties = {"service": [service.pid], "database": [database_pid] if database_pid else []}
    cpu_before = {name: sum(_tree_cpu(pid) for pid in pids) for name, pids in parties.items()}
    cpu_before["senders"] = sum(_cpu_seconds(w.pid) for w in workers)
    cpu_before["helpers"] = sum(_tree_cpu(w.pid) for w in workers) - cpu_before["senders"]
    machine_before = _machine_times()
    writer = _Writer(config)
    writer.start()
    started = time.perf_counter()
    alert_id = outbox.queue(db, title="Japan sets a 3 trillion yen goal for Central Asia",
                            body="Leaders of five countries met in Tokyo for the first summit.", topic="summit")
    deadline = time.monotonic() + WAIT_LIMIT
    while alert_store.get(db, alert_id)["state"] != "sent":
        if time.monotonic() > deadline:
            raise SystemExit(f"{label}: not sent within {WAIT_LIMIT:.0f}s")
        for worker in workers:
            helpers[worker.pid].update(_descendants(worker.pid))
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    writer.done.set()
    writer.join()
    used = {name: sum(_tree_cpu(pid) for pid in pids) - cpu_before[name] for name, pids in parties.items()}
    used["senders"] = sum(_cpu_seconds(w.pid) for w in workers) - cpu_before["senders"]
    used["helpers"] = sum(_tree_cpu(w.pid) for w in workers) - used["senders"] - cpu_before["senders"] \
        - cpu_before["helpers"]
    cpu = used["senders"] + used["helpers"]
    machine = _busy_share(machine_before, _machine_times())
    rss = []
    for worker in workers:
        # VmHWM from /proc, read before the sender stops: wait4's ru_maxrss would count the
        # benchmark's own memory, copied into the child before it exec'd `reader`.
        helper_rss = max((_peak_kb(pid) for pid in helpers[worker.pid]), default=0)
        rss.append((_peak_kb(worker.pid) / 1024, helper_rss / 1024))
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    retried = db.execute("SELECT COUNT(*) FROM deliveries WHERE alert_id = ? AND attempts > 1", (alert_id,)).fetchone()[0]
    db.close()
    accepted = collections.defaultdict(list)
    for attempt in service.attempts():
        if attempt.status == 201:
            accepted[attempt.token].append(attempt.at)
    copies = collections.Counter({token: len(times) for token, times in accepted.items()})
    wrong = sum(1 for phone in phones if copies[phone.token] != 1)
    missing = sum(1 for phone in phones if copies[phone.token] == 0)
    gaps = sorted(times[1] - times[0] for times in accepted.values() if len(times) > 1)
    checked = _decrypt_sample(service, phones, alert_id, sample)
    rate = len(phones) / seconds
    sizes = ", ".join(f"{own:.0f} MB (+{helper:.0f} MB helper)" for own, helper in rss)
    print(f"  {label:<22} {rate:8.0f} deliveries/s {seconds:7.1f} s   CPU {cpu * 1000 / len(phones):.3f} ms/delivery   "
          f"peak RSS per sender: {sizes}")
    print(f"  {'':<22} another writer (one row every 0.1 s meanwhile) waited at most {writer.worst * 1000:.0f} ms; "
          f"the machine's CPUs were {machine:.0%} busy (all processes: senders, push service, database)")
    per = {name: seconds * 1000 / len(phones) for name, seconds in used.items()}
    print(f"  {'':<22} CPU ms/delivery by party: senders {per['senders']:.3f}, encryption helpers "
          f"{per['helpers']:.3f}, push service {per['service']:.3f}, "
          + (f"PostgreSQL {per['database']:.3f}, " if database_pid else "")
          + f"all {sum(per.values()):.3f}")
    print(f"  {'':<22} copies counted by the service: {len(phones) - wrong:,} subscriptions got exactly 1, "
          f"{wrong} did not ({missing} got none); {checked} sampled bodies decrypted to this alert")
    if retried or gaps:
        gap = f"; a second copy came {gaps[len(gaps) // 2]:.1f} s after the first (median)" if gaps else ""
        print(f"  {'':<22} {retried} deliveries took more than one attempt{gap}")
    troubles = [line for log in logs for line in log.read_text(errors="replace").splitlines()
                if " WARNING " in line or " ERROR " in line or "Traceback" in line]
    if budgets:
        print(f"  {'':<22} each sender and its helper limited to {budgets[0].cpus:g} cores (a cgroup); the limit held them "
              f"back {sum(b.throttled() for b in budgets):.1f} s in all")
    if troubles:
        print(f"  {'':<22} the senders logged {len(troubles)} warnings or errors; the first: {troubles[0][:300]}")
    if wrong:
        for log in logs:
            print(f"--- the end of {log.name}:\n" + log.read_text(errors="replace")[-4000:])
        raise SystemExit(f"FAIL: {wrong} subscriptions did not get exactly one copy")
    return rate


class _Budget:
    """A cgroup (v1 cpu controller) holding one sender and the processes it starts, limited to
    `cpus` cores: cpu.cfs_quota_us of CPU time per cpu.cfs_period_us."""

    ROOT = Path("/sys/fs/cgroup/cpu")

    def __init__(self, pid, cpus):
        self.path = self.ROOT / f"reader-fanout-bench-{pid}"
        try:
            self.path.mkdir()
            period = int((self.path / "cpu.cfs_period_us").read_text())
            (self.path / "cpu.cfs_quota_us").write_text(str(int(period * cpus)))
            (self.path / "cgroup.procs").write_text(str(pid))
            self.cpus = cpus
        except OSError as exc:
            self.remove()
            raise SystemExit(f"--sender-cpus needs root and the cgroup v1 cpu controller at {self.ROOT}: {exc}") \
                from None

    def throttled(self):
        """Seconds the budget held its processes back."""
        for line in (self.path / "cpu.stat").read_text().splitlines():
            if line.startswith("throttled_time "):
                return int(line.split()[1]) / 1e9
        return 0.0

    def remove(self):
        """Move what is left to the root group and remove the cgroup."""
        try:
            for pid in (self.path / "cgroup.procs").read_text().split():
                (self.ROOT / "cgroup.procs").write_text(pid)
            self.path.rmdir()
        except OSError:
            pass


class _Writer(threading.Thread):
    """What the fan-out costs everyone else: a small write every 0.1 s, its longest wait kept."""

    def __init__(self, config):
        super().__init__(daemon=True)
        self.config, self.done, self.worst = config, threading.Event(), 0.0

    def run(self):
        db = connect(self.config)
        while not self.done.wait(0.1):
            started = time.perf_counter()
            ingest_log.record(db, "https://news.example/probe", "unchanged")
            self.worst = max(self.worst, time.perf_counter() - started)
        db.close()


def _decrypt_sample(service, phones, alert_id, every):
    bodies = {token: body for token, body, *_ in service._call("deliveries", 0)}
    ok = 0
    for phone in phones[::every]:
        message = phone.decrypt(bodies[phone.token])
        ok += b'"alert":%d' % alert_id in message
    return ok


def _children(pid):
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _descendants(pid):
    """Every live process below pid (a sender's encryption helper and resource tracker)."""
    found = _children(pid)
    for child in list(found):
        found += _descendants(child)
    return found


def _tree_cpu(pid):
    """CPU seconds of a process, of its children it reaped, and of its live descendants."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    own = sum(int(field) for field in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return own + sum(_tree_cpu(child) for child in _children(pid))


def _machine_times():
    """(busy, total) jiffies of all CPUs so far, from the first line of /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return sum(values) - idle, sum(values)


def _busy_share(before, after):
    total = after[1] - before[1]
    return (after[0] - before[0]) / total if total else 0.0


def _cpu_seconds(pid):
    """User + system CPU of a live process so far (0 when it is gone): fields 14 and 15 of its stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_kb(pid):
    """VmHWM (peak resident set) of a live process, in kB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


ANCHOR_SCRIPT = textwrap.dedent("""
    import resource, sys, time, json
    from reader.push import keys, outbox
    from reader.push.sender import Sender
    from reader.push.vapid import Signer
    from reader.store import connect, transaction
    from reader.store import subscriptions as subscription_store, topics as topic_store
    data_dir, origin = sys.argv[1], sys.argv[2]
    phones = json.load(sys.stdin)
    db = connect(data_dir)
    key = keys.ensure(data_dir)
    topic_store.upsert(db, "summit", "Summit coverage")
    with transaction(db):
        for endpoint, p256dh, auth in phones:
            subscription_store.upsert(db, endpoint, p256dh, auth, ["summit"])
    alert_id = outbox.queue(db, title="Japan sets a 3 trillion yen goal for Central Asia",
                            body="Leaders of five countries met in Tokyo for the first summit.", topic="summit")
    sender = Sender(db, Signer(key, "mailto:bench@example.org"), hosts=[origin])
    started, cpu = time.perf_counter(), time.process_time()
    figures = sender.send_alert(alert_id)
    seconds = time.perf_counter() - started
    sender.close()  # its encryption helper, reaped: its CPU is then in RUSAGE_CHILDREN
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - cpu + children.ru_utime + children.ru_stime
    print(json.dumps({"seconds": seconds, "sent": figures["sent"], "cpu": cpu}))
""")


def anchor(service, phones, work):
    """The sender as it was at ANCHOR_COMMIT, on SQLite, timed the same way (queue to sent)."""
    import json

    service.reset()
    code = work / "anchor-code"
    code.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ANCHOR_COMMIT, "reader"], capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(code)], input=archive, check=True)
    data = json.dumps([[p.info()["endpoint"], p.info()["keys"]["p256dh"], p.info()["keys"]["auth"]] for p in phones])
    process = subprocess.Popen([sys.executable, "-c", ANCHOR_SCRIPT, str(work / "anchor-data"), service.origin],
                               env={**os.environ, "PYTHONPATH": str(code)}, cwd=work, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    out, _ = process.communicate(data, timeout=WAIT_LIMIT * 2)
    if process.returncode:
        raise SystemExit("the anchor run failed")
    result = json.loads(out.strip().splitlines()[-1])
    copies = collections.Counter(a.token for a in service.attempts() if a.status == 201)
    wrong = sum(1 for phone in phones if copies[phone.token] != 1)
    rate = len(phones) / result["seconds"]
    print(f"  {'anchor: main, SQLite':<22} {rate:8.0f} deliveries/s {result['seconds']:7.1f} s   "
          f"CPU {result['cpu'] * 1000 / len(phones):.3f} ms/delivery   "
          f"(commit {ANCHOR_COMMIT}, one sender in-process; {wrong} subscriptions without exactly one copy)")
    return rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=100, help="decrypt 1 body in this many")
    parser.add_argument("--senders", default="1,2,4", help="sender counts to run on PostgreSQL")
    parser.add_argument("--no-anchor", action="store_true")
    parser.add_argument("--sender-cpus", type=float, default=None,
                        help="cores each sender (with its helper) may use, as on a machine of its own")
    args = parser.parse_args()
    load_avg = os.getloadavg()[0]
    budget = f"; each sender limited to {args.sender_cpus:g} cores" if args.sender_cpus else ""
    print(f"# python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load_avg:.2f} at start; "
          f"push service in its own process{budget}")
    work = Path(tempfile.mkdtemp(prefix="fanout-bench-"))
    cluster = pg.Cluster.start(pg.binaries())
    try:
        with PushService(process=True) as service:
            started = time.perf_counter()
            phones = service.subscribe_many(args.subscribers)
            print(f"# minted {len(phones):,} subscriptions in {time.perf_counter() - started:.0f} s")
            rates = {}
            if not args.no_anchor:
                rates["anchor"] = anchor(service, phones, work)
            sqlite_dir = work / "sqlite"
            load({"DATA_DIR": sqlite_dir, "DATABASE_URL": ""}, phones, sqlite_dir)
            rates["sqlite 1"] = fan_out("ours: SQLite, 1 sender", {"DATA_DIR": sqlite_dir, "DATABASE_URL": ""},
                                        sqlite_dir, service, 1, phones, args.sample, cpus=args.sender_cpus)
            template = cluster.create_database()
            pg_dir = work / "pg"
            shutil.copytree(sqlite_dir, pg_dir, ignore=shutil.ignore_patterns("reader.sqlite3*"))
            load({"DATA_DIR": pg_dir, "DATABASE_URL": template}, phones, pg_dir)
            postgres.close_pools()
            for count in [int(n) for n in args.senders.split(",")]:
                url = cluster.create_database(template=template.rsplit("/", 1)[1])
                rates[f"pg {count}"] = fan_out(f"ours: PostgreSQL, {count}", {"DATA_DIR": pg_dir, "DATABASE_URL": url},
                                               pg_dir, service, count, phones, args.sample, cluster.pid(),
                                               cpus=args.sender_cpus)
                postgres.close_pools()
                cluster.drop_database(url)
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"# load average {os.getloadavg()[0]:.2f} at the end")
    shared = "pg 1" in rates and rates.get("pg 2", 0) >= 1.5 * rates["pg 1"]
    if args.sender_cpus:  # limited senders say how the ledger shares out, not how fast one sender is
        goals = [(f"2 senders >= 1.5x one on PostgreSQL, each sender limited to {args.sender_cpus:g} cores", shared)]
    else:
        goals = [("one sender >= 4,000/s on SQLite", rates.get("sqlite 1", 0) >= 4000),
                 ("one sender >= 4,000/s on PostgreSQL", rates.get("pg 1", 0) >= 4000),
                 ("2 senders >= 1.5x one on PostgreSQL", shared)]
    if "pg 1" in rates and "pg 2" in rates:
        print(f"  2 senders on PostgreSQL: {rates['pg 2'] / rates['pg 1']:.2f}x one")
    print("\n".join(f"  {'PASS' if ok else 'MISS'} {name}" for name, ok in goals))
    print("  (a goal whose setup was not run counts as missed)")
    return 0 if all(ok for _, ok in goals) else 1


if __name__ == "__main__":
    _stopping.on_sigterm()
    sys.exit(main())
