"""One alert to 10,000 subscriptions with distinct keys, every delivery verified.

Reader's sender beside a plain loop of pywebpush.webpush() in the same run, against the
loopback push service from the tests (its own process, so the sender has a core to itself),
once with instant answers and once with 50 ms of push-service latency.

    .venv/bin/python benchmarks/push_bench.py [--subscribers 10000] [--loop-sample 1000]
"""
import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the loopback push service lives with the tests

from cryptography.hazmat.primitives import serialization  # noqa: E402
from py_vapid import Vapid02  # noqa: E402
from pushservice import PushService  # noqa: E402
from pywebpush import webpush  # noqa: E402

from reader.push import keys, outbox  # noqa: E402
from reader.push.sender import Sender  # noqa: E402
from reader.push.vapid import Signer  # noqa: E402
from reader.store import connect, transaction  # noqa: E402
from reader.store import subscriptions as subscription_store  # noqa: E402
from reader.store import topics as topic_store  # noqa: E402

SUBJECT = "mailto:bench@example.org"


def cpu_seconds():
    """This process and its finished children (the sender's encryption helper)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def setup(data_dir, service, subscriptions):
    db = connect(data_dir)
    private_key = keys.ensure(data_dir)
    topic_store.upsert(db, "summit", "Summit coverage")
    with transaction(db):
        for subscription in subscriptions:
            info = subscription.info()
            subscription_store.upsert(db, info["endpoint"], info["keys"]["p256dh"], info["keys"]["auth"],
                                      ["summit"])
    return db, private_key


def run_reader(db, private_key, service):
    alert_id = outbox.queue(db, title="Japan sets a 3 trillion yen goal for Central Asia",
                            body="Leaders of five countries met in Tokyo for the first summit.",
                            topic="summit", ttl=6 * 3600)
    sender = Sender(db, Signer(private_key, SUBJECT), hosts=[service.origin])
    started, cpu = time.perf_counter(), cpu_seconds()
    figures = sender.send_alert(alert_id)
    return alert_id, figures, time.perf_counter() - started, cpu_seconds() - cpu


def run_plain_loop(private_key, subscriptions, service):
    """What most projects do: one pywebpush.webpush() call per subscriber."""
    pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    vapid = Vapid02.from_pem(pem)
    data = json.dumps({"alert": 0, "title": "plain loop", "body": "x", "url": "/"})
    started, cpu = time.perf_counter(), cpu_seconds()
    for subscription in subscriptions:
        webpush(subscription.info(), data, vapid_private_key=vapid, vapid_claims={"sub": SUBJECT}, ttl=3600)
    return time.perf_counter() - started, cpu_seconds() - cpu


def verify(service, subscriptions, alert_id):
    """Every subscriber decrypted exactly one copy of the alert."""
    seen = {}
    for delivery in service.received():
        message = delivery.json()
        if message.get("alert") == alert_id:
            seen[delivery.subscription.endpoint] = seen.get(delivery.subscription.endpoint, 0) + 1
    missing = [s for s in subscriptions if seen.get(s.endpoint) != 1]
    if missing:
        raise SystemExit(f"FAIL: {len(missing)} subscribers did not get exactly one copy")
    return len(seen)


def measure(label, service, subscriptions, sample, latency):
    with tempfile.TemporaryDirectory() as data_dir:
        db, private_key = setup(data_dir, service, subscriptions)
        service.delay(latency)
        alert_id, figures, seconds, cpu = run_reader(db, private_key, service)
        verified = verify(service, subscriptions, alert_id)
        service.reset()
        service.delay(latency)
        loop_seconds, loop_cpu = run_plain_loop(private_key, subscriptions[:sample], service)
        loop_ok = len(service.received())
        service.reset()
    n = len(subscriptions)
    print(f"\n[{label}] {n} subscriptions, distinct keys; push service latency {latency * 1000:.0f} ms")
    print(f"  reader sender      {n / seconds:8.0f} deliveries/s   {seconds:6.2f} s   "
          f"CPU {cpu / n * 1e3:.3f} ms/delivery   verified {verified}/{n}   figures {figures}")
    print(f"  plain webpush loop {sample / loop_seconds:8.0f} deliveries/s   {loop_seconds:6.2f} s for {sample}   "
          f"CPU {loop_cpu / sample * 1e3:.3f} ms/delivery   verified {loop_ok}/{sample}")
    print(f"  ratio              {(n / seconds) / (sample / loop_seconds):8.1f}x")
    return n / seconds, sample / loop_seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--loop-sample", type=int, default=1000, help="plain-loop pushes without latency")
    parser.add_argument("--slow-loop-sample", type=int, default=60, help="plain-loop pushes at 50 ms latency")
    args = parser.parse_args()
    print(f"# python {sys.version.split()[0]}, {os.cpu_count()} CPUs; push service in its own process")
    with PushService(process=True) as service:
        started = time.perf_counter()
        subscriptions = service.subscribe_many(args.subscribers)
        print(f"# minted {len(subscriptions)} subscriptions in {time.perf_counter() - started:.1f} s")
        fast, loop = measure("instant answers", service, subscriptions, args.loop_sample, 0.0)
        slow, slow_loop = measure("50 ms latency", service, subscriptions, args.slow_loop_sample, 0.05)
    goals = [("instant: >= 3000/s", fast >= 3000), ("instant: >= 4x the plain loop", fast >= 4 * loop),
             ("50 ms latency: >= 2000/s", slow >= 2000)]
    print("\n" + "\n".join(f"  {'PASS' if ok else 'MISS'} {name}" for name, ok in goals))
    return 0 if all(ok for _, ok in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
