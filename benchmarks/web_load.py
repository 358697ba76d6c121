"""Requests per second and p99 latency for an article, the front page and a topic page under
`reader serve`, at 32 connections, each beside the same page served as a static file.

    .venv/bin/python benchmarks/web_load.py [--seconds 10] [--connections 32]

The anchor, measured in the same run by the same gunicorn workers: WhiteNoise serving a static
file that holds the same page (same bytes, pre-compressed .br beside it). It is written into the
data dir's static build before the server starts, so WhiteNoise finds it at
/static/bench/<name>.html; every request for it is answered by WhiteNoise before Flask is
reached. The gap between the two rows is what the page cache's version check (one query), its
lookup and the WSGI layers cost; a page is rendered (Flask, SQLite, Jinja, brotli) once per
content version, so after the warm-up the dynamic rows measure cached answers.

Load generator: wrk (Debian package `wrk`) with keep-alive connections and `Accept-Encoding: br`,
as a phone sends. Without wrk a Python asyncio client does the same, slower (it shares the 2 cores
with the server and is bound by the interpreter); the output names the generator used. Client and
server share this machine, so the figures are a floor for the server, not a ceiling.
Every run is bounded: a warm-up of 2 s and then --seconds per target, on 127.0.0.1 only.
The seconds are spread over --rounds rounds that alternate each page with its static twin
(ABBA order), so a change in what else the shared machine runs falls on both rows alike; a row's
req/s is its requests over its seconds, its p99 the worst of its rounds.
"""
import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from whitenoise.compress import Compressor

from web_bytes import get, load_demo, served_demo
import _stopping  # noqa: E402

STATIC_DIR = "bench"  # under the data dir's static build (reader.assets), served at /static/bench/
GOAL = 0.5            # issue 15: a dynamic page at least half the static file's rate
HEADERS = {"Accept-Encoding": "br", "User-Agent": "web_load/1 (benchmark)"}
WARM_UP_SECONDS = 2
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def write_static_twins(data_dir):
    """Render the pages through the app and store each as a static file.

    Returns [(name, page URL, static URL, HTML bytes)].
    """
    from reader import assets, create_app

    app = create_app({"DATA_DIR": data_dir})
    client = app.test_client()
    article = client.get("/api/articles?limit=1").get_json()["articles"][0]["url"]
    twins = []
    for name, url in (("article", article), ("front page", "/"), ("topic page", "/topics/summit/")):
        page = client.get(url).get_data()  # the test client asks for no encoding: the plain HTML
        static = f"{STATIC_DIR}/{name.split()[0]}.html"
        target = assets.build_dir(data_dir) / static
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(page)
        list(Compressor(quiet=True).compress(str(target)))
        twins.append((name, url, "/static/" + static, len(page)))
    return twins


def run_wrk(url, seconds, connections):
    """(requests/s, p50 ms, p99 ms, errors) from wrk --latency."""
    command = ["wrk", "--latency", "-t", "2", "-c", str(connections), "-d", f"{seconds}s",
               "--timeout", "5s", *[a for k, v in HEADERS.items() for a in ("-H", f"{k}: {v}")], url]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50, p99 = (_percentile(out, p) for p in (50, 99))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors += sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    return rps, p50, p99, errors


def _percentile(wrk_output, percent):
    value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", wrk_output, re.M).groups()
    return float(value) * UNITS[unit]


async def _connection(host, port, request, deadline, latencies, errors):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.monotonic() < deadline:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
            await reader.readexactly(length)
            latencies.append((time.perf_counter() - start) * 1000)
            if not head.startswith(b"HTTP/1.1 200"):
                errors.append(head.split(b"\r\n", 1)[0])
    finally:
        writer.close()


async def _python_load(url, seconds, connections):
    host, rest = url.removeprefix("http://").split(":", 1)
    port, path = rest.split("/", 1)
    request = (f"GET /{path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
               + "".join(f"{k}: {v}\r\n" for k, v in HEADERS.items()) + "\r\n").encode()
    latencies, errors = [], []
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    await asyncio.gather(*[_connection(host, int(port), request, deadline, latencies, errors)
                           for _ in range(connections)])
    elapsed = time.monotonic() - started
    latencies.sort()
    return (len(latencies) / elapsed, latencies[len(latencies) // 2],
            latencies[int(len(latencies) * 0.99) - 1], len(errors))


def run_python(url, seconds, connections):
    return asyncio.run(_python_load(url, seconds, connections))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="measured seconds per target")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds the seconds are spread over")
    parser.add_argument("--generator", choices=("wrk", "python"),
                        default="wrk" if shutil.which("wrk") else "python")
    options = parser.parse_args()
    load = run_wrk if options.generator == "wrk" else run_python
    load_before = os.getloadavg()
    generator = "wrk 4 (2 threads)" if load is run_wrk else "a Python asyncio client"
    with tempfile.TemporaryDirectory(prefix="reader-load-") as data_dir:
        load_demo(data_dir)
        twins = write_static_twins(data_dir)
        with served_demo(data_dir=data_dir) as (origin, _):
            port = int(origin.rsplit(":", 1)[1])
            rows = []
            for name, page_url, static_url, page_bytes in twins:
                pair = ((f"reader serve: {name}", page_url), ("WhiteNoise: same page, static", static_url))
                sent = {}
                for label, path in pair:
                    status, headers, body, _ = get(port, path, headers=HEADERS)
                    assert status == 200 and headers.get("Content-Encoding") == "br", (path, status)
                    sent[label] = len(body)
                    load(origin + path, WARM_UP_SECONDS, options.connections)
                rounds = {label: [] for label, _ in pair}
                for number in range(options.rounds):
                    for label, path in (pair if number % 2 == 0 else pair[::-1]):
                        rounds[label].append(load(origin + path, max(1, options.seconds // options.rounds),
                                                  options.connections))
                for label, path in pair:
                    results = rounds[label]
                    rps = sum(r[0] for r in results) / len(results)
                    p50 = sorted(r[1] for r in results)[len(results) // 2]
                    rows.append((name, label, path, sent[label], page_bytes,
                                 (rps, p50, max(r[2] for r in results), sum(r[3] for r in results))))
    print(f"{options.connections} keep-alive connections, {options.seconds} s per target in {options.rounds} "
          f"alternating rounds after a {WARM_UP_SECONDS} s warm-up, Accept-Encoding: br, loopback; "
          f"load from {generator}")
    print(f"server: reader serve (gunicorn gthread, default workers and threads) on a machine with "
          f"{os.cpu_count()} cores shared with the load generator; load average before the run "
          f"{' '.join(f'{x:.1f}' for x in load_before)}")
    print(f"{'target':<38} {'bytes sent':>10} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}")
    errors = 0
    for _name, label, _path, sent, _page_bytes, (rps, p50, p99, failed) in rows:
        print(f"{label:<38} {sent:>10} {rps:>7.0f} {p50:>7.1f} {p99:>7.1f} {failed:>6}")
        errors += failed
    short = 0
    for index in range(0, len(rows), 2):
        dynamic, static = rows[index], rows[index + 1]
        ratio = dynamic[5][0] / static[5][0]
        short += ratio < GOAL
        print(f"{dynamic[0]} ({dynamic[2]}, {dynamic[4] / 1024:.1f} KB HTML): {ratio:.0%} of the static "
              f"file's rate (goal {GOAL:.0%})")
    return 1 if errors or short else 0


if __name__ == "__main__":
    _stopping.on_sigterm()
    sys.exit(main())
