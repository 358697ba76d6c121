"""Flat cost as the archive grows: the same work on stores of 1,000, 10,000 and 50,000 stories.

The stores are generated through the store's API (benchmarks/_archive.py: text from sentence
patterns, 1-3 topics, 0-3 image rows, five years of dates), each size a store of its own. The
figures of all sizes are taken in ROUNDS rounds that measure each size in turn, request by
request (ingest and poll batch by batch; the order reversed every other round), so a busy
machine weighs on every size alike and the growth from the smallest to the largest is read in
one time window. For each size it prints, beside the
figures measured on main before this work (the anchor, from issue 11's table, same machine):

- front page, search "summit" and an article page: CPU per request in the serving process
  (time.process_time() around the request, so the machine's load matters less) and, on
  PostgreSQL, in the server's backends for that database (the kernel's /proc/PID/schedstat,
  nanoseconds), rendered each time (a query string keeps the page cache out of the way; cached answers are cheaper still);
- `/api/articles?since=<the newest change>`: median wall time (the anchor's measure), and CPU per
  request as above (a millisecond of wall time moves with a busy machine's scheduling);
- ingest of 100 new pages served over loopback HTTP (ROUNDS batches): pages per second;
- poll of a 100-entry feed whose entries are all stored: seconds, the median of ROUNDS polls
  (no per-host delay);
- `reader package` after one correction (full export first): seconds, at 1,000 and 10,000;
- and the wall-time p50/p99 of the front page (as served, from the page cache, and rendered)
  and of a search, over LATENCY_REQUESTS requests each.

    .venv/bin/python benchmarks/archive_scale.py [--sizes 1000,10000,50000] [--stores sqlite,postgresql]

PostgreSQL runs in a throwaway cluster on loopback (tests/pg.py), started by the benchmark.
"""
import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import _archive  # noqa: E402
import pg  # noqa: E402
from servers import LoopbackServer, respond  # noqa: E402

from reader import create_app, package  # noqa: E402
from reader.ingest import Ingester, Item  # noqa: E402
from reader.poll import poll_all  # noqa: E402
from reader.store import articles as article_store  # noqa: E402
from reader.store import connect, postgres  # noqa: E402
from reader.store import sources as source_store  # noqa: E402
import _stopping  # noqa: E402

ANCHOR = {  # issue 11, measured on main before this work
    1000: {"front": 31, "search": 17, "article": 11, "api": 38, "ingest": 17.7, "poll": 2.6, "reexport": 41},
    10000: {"front": 149, "search": 78, "article": 20, "api": 333, "ingest": 5.9, "poll": 4.4, "reexport": 388},
    50000: {"front": 605, "search": 288, "article": 93, "api": 342, "ingest": 1.9, "poll": 14.2, "reexport": None},
}
REQUESTS = 40       # requests per page measured (after a warm-up)
LATENCY_REQUESTS = 200
ROUNDS = 5          # rounds taking every size in turn (REQUESTS and INGEST_PAGES are split among them)
INGEST_PAGES = 100
EXPORT_UP_TO = 10_000


class ServerCPU:
    """CPU nanoseconds used by the PostgreSQL backends serving one database, from the kernel's
    per-process accounting (/proc/PID/schedstat), the benchmark's own connection left out."""

    def __init__(self, db):
        self.db, self.pids = db, []

    def refresh(self):
        self.pids = [row[0] for row in self.db.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'"
            " AND pid <> pg_backend_pid()").fetchall()]

    def now(self):
        total = 0
        for pid in self.pids:
            try:
                total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                pass   # a connection closed since refresh(): its time is gone with it
        return total


def cpu_costs(client, paths, server=None):
    """CPU milliseconds of each GET of the paths (each answered 200): this process's, and on
    PostgreSQL its backends' too."""
    costs = []
    for path in paths:
        before = server.now() if server else 0
        started = time.process_time()
        response = client.get(path)
        spent = (time.process_time() - started) * 1000
        costs.append(spent + ((server.now() - before) / 1e6 if server else 0))
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    return costs


def wall_times(client, path, n):
    """Wall milliseconds of n GETs of path."""
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    return times


def measure_rounds(stores, rng):
    """{size: figures}, measured in ROUNDS rounds that each take every size in turn."""
    each = REQUESTS // ROUNDS
    samples = {size: {"front": [], "search": [], "article": [], "api": [], "api_cpu": [], "poll": [], "ingest": [0.0, 0.0, 0]}
               for size in stores}
    clients, slugs, servers = {}, {}, {}
    for size, (app, db) in stores.items():
        clients[size] = app.test_client()
        servers[size] = ServerCPU(db) if db.dialect == "postgresql" else None
        rows = article_store.latest(db, limit=1_000_000)
        slugs[size] = [row["slug"] for row in rng.sample(rows, min(each * ROUNDS, len(rows)))]
        for path in ("/?warm", "/search?q=summit&warm", f"/articles/{slugs[size][0]}/?warm"):
            clients[size].get(path)  # templates compiled, statements prepared
    number = 10_000_000
    for round_ in range(ROUNDS):
        order = list(stores) if round_ % 2 == 0 else list(reversed(stores))
        newest = {size: db.execute("SELECT MAX(updated_at) FROM articles").fetchone()[0]
                  for size, (_, db) in stores.items()}
        for server in servers.values():
            if server:
                server.refresh()
        for n in range(each):  # request by request, each size in turn: the same load falls on each
            for size in order:
                client, got, server = clients[size], samples[size], servers[size]
                got["front"] += cpu_costs(client, [f"/?r={round_}-{n}"], server)
                got["search"] += cpu_costs(client, [f"/search?q=summit&r={round_}-{n}"], server)
                got["article"] += cpu_costs(client, [f"/articles/{slugs[size][round_ * each + n]}/?r={round_}"], server)
                got["api"] += wall_times(client, f"/api/articles?since={quote(newest[size])}", 1)
                got["api_cpu"] += cpu_costs(client, [f"/api/articles?since={quote(newest[size])}"], server)
        for size in order:
            (app, db), got = stores[size], samples[size]
            seconds, cpu, pages = measure_ingest(app, db, number, INGEST_PAGES // ROUNDS)
            number += INGEST_PAGES
            got["ingest"] = [got["ingest"][0] + seconds, got["ingest"][1] + cpu, got["ingest"][2] + pages]
            got["poll"].append(measure_poll(app, db))
    figures = {}
    for size, got in samples.items():
        seconds, cpu, pages = got["ingest"]
        figures[size] = {key: statistics.median(got[key]) for key in ("front", "search", "article", "api", "api_cpu", "poll")}
        figures[size].update(ingest=pages / seconds, ingest_cpu=cpu * 1000 / pages)
    return figures


def latency(client, paths):
    """(p50, p99) wall milliseconds over the paths, in turn."""
    times = []
    for path in paths:
        started = time.perf_counter()
        if client.get(path).status_code != 200:
            raise SystemExit(f"{path} failed")
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))]


def measure_latency(app):
    client = app.test_client()
    client.get("/")
    return {"front (served)": latency(client, ["/"] * LATENCY_REQUESTS),
            "front (rendered)": latency(client, [f"/?r={n}" for n in range(LATENCY_REQUESTS)]),
            "search": latency(client, [f"/search?q=summit&r={n}" for n in range(LATENCY_REQUESTS)])}


def measure_ingest(app, db, first_number, count):
    """(wall seconds, CPU seconds, pages) of ingesting count new pages served over loopback."""
    pages = {f"/new/{n}.html": _archive.page(n) for n in range(first_number, first_number + count)}
    routes = {path: lambda request, body=body: respond(request, 200, body, "text/html; charset=utf-8")
              for path, body in pages.items()}
    with LoopbackServer(routes) as server:
        ingester = Ingester(db, app.config)
        started, cpu = time.perf_counter(), time.process_time()
        results = [ingester.ingest(Item(server.url(path))) for path in pages]
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    bad = [r for r in results if r.status not in ("new", "held")]
    if bad:
        raise SystemExit(f"ingest failed: {bad[0].error}")
    return seconds, cpu, len(pages)


def measure_poll(app, db):
    rows = article_store.latest(db, limit=100)
    items = "".join(f"<item><title>{row['title']}</title><link>{row['url']}</link></item>" for row in rows)
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>{items}</channel></rss>'.encode()
    with LoopbackServer({"/feed.xml": lambda request: respond(request, 200, feed, "application/rss+xml")}) as server:
        source_store.add(db, server.url("/feed.xml"))
        started = time.perf_counter()
        results = list(poll_all(db, app.config))
        seconds = time.perf_counter() - started
        source_store.remove(db, server.url("/feed.xml"))
    if results:
        raise SystemExit(f"the poll ingested {len(results)} entries that were stored already")
    return seconds


def measure_reexport(app, db, work):
    out = work / "export"
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    package.export_site(app.config, out)
    full = time.perf_counter() - started
    row = article_store.latest(db, limit=1)[0]
    article_store.update(db, row, {**{c: row[c] for c in article_store.COLUMNS},
                                   "body_text": row["body_text"] + " Correction: the figure was revised.",
                                   "content_hash": row["content_hash"] + "c",
                                   "tags": __import__("json").loads(row["tags"])})
    started = time.perf_counter()
    report = package.export_site(app.config, out)
    return full, time.perf_counter() - started, report.written


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--stores", default="sqlite", help="sqlite, postgresql or both, comma separated")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    for store in args.stores.split(","):
        run(store, sizes)


def run(store, sizes):
    print(f"\n# python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
          f"store: {store}")
    work = Path(tempfile.mkdtemp(prefix="archive-scale-"))
    cluster = pg.Cluster.start(pg.binaries()) if store == "postgresql" else None
    stores, reexports = {}, {}
    try:
        for size in sizes:
            config = {"DATA_DIR": work / f"data-{size}", "FETCH_ALLOW_PRIVATE": True, "POLL_HOST_DELAY": 0.0,
                      "DATABASE_URL": cluster.create_database() if cluster else ""}
            app = create_app(config)
            db = connect(app.config)
            started = time.perf_counter()
            _archive.build(db, size)
            print(f"[{size:,} stories] built in {time.perf_counter() - started:.0f} s", end="")
            stores[size] = (app, db)
            if size <= EXPORT_UP_TO:
                full, reexports[size], written = measure_reexport(app, db, work)
                again = reexports[size]
                print(f"; full export {full:.1f} s; re-export after one correction {again:.2f} s, wrote {written} files")
            else:
                print()
        print(f"# load average {os.getloadavg()[0]:.2f} after the builds; measuring in {ROUNDS} rounds")
        figures = measure_rounds(stores, random.Random(11))
        for size, seconds in reexports.items():
            figures[size]["reexport"] = seconds
        for size, (app, _) in stores.items():
            print(f"\n[{size:,} stories]")
            _print(size, figures[size])
            for name, (p50, p99) in measure_latency(app).items():
                print(f"  {name:<20} p50 {p50:6.1f} ms   p99 {p99:6.1f} ms")
    finally:
        if cluster:
            postgres.close_pools()
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"# load average {os.getloadavg()[0]:.2f} at the end")
    _print_growth(figures)


ROWS = [("front", "front page, CPU per request", "ms"), ("search", 'search "summit", CPU per request', "ms"),
        ("article", "article page, CPU per request", "ms"), ("api", "/api/articles?since=latest, median", "ms"),
        ("api_cpu", "/api/articles?since=latest, CPU per request", "ms"),
        ("ingest", "ingest of 100 new pages", "pages/s"), ("ingest_cpu", "ingest, CPU per page (this process)", "ms"),
        ("poll", "poll of a 100-entry feed, all stored", "s"),
        ("reexport", "reader package, re-export after a correction", "s")]


def _print(size, ours):
    anchor = ANCHOR.get(size, {})
    print(f"  {'work':<46} {'ours':>10} {'anchor':>10}")
    for key, label, unit in ROWS:
        if key not in ours:
            continue
        theirs = anchor.get(key)
        value = f"{ours[key]:>7.3f}" if unit == "s" and ours[key] < 1 else f"{ours[key]:>7.1f}"
        print(f"  {label:<46} {value} {unit:<3} {theirs if theirs is not None else '-':>7} {unit}")


GROWTH_LIMIT = 1.5  # issue 11: at the largest size every row within 1.5x of its figure at the smallest


def _print_growth(figures):
    """Each row's largest-size figure over its smallest-size one, in this run (rates inverted)."""
    if len(figures) < 2:
        return
    small, large = min(figures), max(figures)
    print(f"  growth {small:,} -> {large:,} stories (goal: at most {GROWTH_LIMIT}x)")
    for key, label, unit in ROWS:
        if key not in figures[small] or key not in figures[large] or key == "reexport":
            continue
        a, b = figures[small][key], figures[large][key]
        growth = (a / b if unit == "pages/s" else b / a) if min(a, b) > 0 else float("inf")
        print(f"  {'PASS' if growth <= GROWTH_LIMIT else 'MISS'} {label:<46} {growth:5.2f}x")


if __name__ == "__main__":
    _stopping.on_sigterm()
    sys.exit(main())
