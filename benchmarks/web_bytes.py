"""Bytes a phone downloads to show each demo article the first time, against a 14 KB budget.

    .venv/bin/python benchmarks/web_bytes.py

Every article is measured in each interface language (Accept-Language: en, ru, kk, uz); the
detailed table is English's, then one total per article and language.

Loads the demo newsroom into a temporary data dir, starts a real `reader serve` (gunicorn) on a
free loopback port and, for every article, sums the bodies sent with `Accept-Encoding: br` (as a
phone asks): the HTML page plus the CSS and JS files it references (hashed /static/ files that
WhiteNoise serves pre-compressed). Images are left out. Beside it: the gzip size of the article's
own words (title and text), the floor no page can go under. Exits 1 when a page is over budget
or more than 4 KB over its floor. Scripts a page loads later (offline.js, once a service worker
runs) are listed with their size, outside the first view.

Why 14 KB: a new TCP connection may send 10 segments before the first ACK (RFC 6928), about
14.6 KB of payload, so a page under 14 KB arrives in the first round trip, which on a 3G phone
link is the difference between a page in one RTT and one in three or four.

`served_demo()` is reused by web_load.py and lighthouse.py.
"""
import contextlib
import gzip
import html.parser
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import lxml.html
import _stopping  # noqa: E402

BUDGET = 14 * 1024
OVER_FLOOR = 4 * 1024  # issue 15: a first view at most the gzip size of its own text + 4 KB
ACCEPT = {"Accept-Encoding": "br, gzip", "User-Agent": "web_bytes/1 (benchmark)"}
ANCHORS = (
    ("text.npr.org article page (text-only news site)", "< 5 KB"),
    ("median mobile page, HTTP Archive 2024", "~2.3 MB (~2,300 KB)"),
)
READER = Path(sys.executable).with_name("reader")


def reader_command(*args):
    """The `reader` CLI of this interpreter's environment."""
    if READER.exists():
        return [str(READER), *args]
    return [sys.executable, "-c", "from reader.cli import main; main()", *args]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def served_demo(*, workers=None, threads=None, data_dir=None):
    """Yield (origin, data_dir) for a `reader serve` of the demo newsroom; stop it on exit.

    With data_dir the demo is taken as already loaded there (see load_demo).
    """
    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = load_demo(stack.enter_context(tempfile.TemporaryDirectory(prefix="reader-bench-")))
        env = {**os.environ, "READER_DATA_DIR": str(data_dir)}
        port = free_port()
        args = ["serve", "--host", "127.0.0.1", "--port", str(port)]
        args += ["--workers", str(workers)] if workers else []
        args += ["--threads", str(threads)] if threads else []
        server = subprocess.Popen(reader_command(*args), env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        stack.callback(stop, server)
        wait_until_up(port, server)
        yield f"http://127.0.0.1:{port}", data_dir


def load_demo(data_dir):
    """Run `reader demo` into data_dir and return it."""
    env = {**os.environ, "READER_DATA_DIR": str(data_dir)}
    loaded = subprocess.run(reader_command("demo"), env=env, capture_output=True, text=True)
    if loaded.returncode:
        raise RuntimeError(f"reader demo failed:\n{loaded.stdout}{loaded.stderr}")
    return data_dir


def wait_until_up(port, server, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"reader serve exited with {server.returncode}")
        with contextlib.suppress(OSError):
            if get(port, "/")[0] == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"reader serve did not answer on port {port} within {timeout} s")


def stop(server):
    server.terminate()  # gunicorn's master stops its workers gracefully on SIGTERM
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def get(port, path, headers=ACCEPT):
    """(status, headers, raw body as sent, header bytes) for one GET, never decompressing."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        head = len(f"HTTP/1.1 {response.status} {response.reason}\r\n") + len(bytes(response.msg)) + 2
        return response.status, response.headers, body, head
    finally:
        connection.close()


class _Assets(html.parser.HTMLParser):
    """The stylesheets and scripts a page references."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split() and attrs.get("href"):
            self.urls.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])


def referenced_assets(page_html):
    parser = _Assets()
    parser.feed(page_html)
    return parser.urls


def decoded(body, encoding):
    if encoding == "br":
        import brotli

        return brotli.decompress(body)
    return gzip.decompress(body) if encoding == "gzip" else body


def text_floor(port, article_id):
    """gzip -9 of the article's own words: title plus the text of its stored body."""
    status, _, body, _ = get(port, f"/api/articles/{article_id}", headers={})
    record = json.loads(body)
    text = record["title"] + "\n" + lxml.html.fromstring(record["body_html"] or "<p></p>").text_content()
    return len(gzip.compress(text.encode(), compresslevel=9, mtime=0))


LANGUAGES = ("en", "ru", "kk", "uz")


def measure(origin, language="en"):
    """One row per article: the first-view bytes (in one interface language) and the floor."""
    port = int(origin.rsplit(":", 1)[1])
    asking = {**ACCEPT, "Accept-Language": language}
    listing = json.loads(get(port, "/api/articles?limit=50", headers={})[2])["articles"]
    rows, asset_sizes = [], {}
    for article in listing:
        status, headers, body, head = get(port, article["url"], headers=asking)
        assert f'lang="{language}"' in decoded(body, "br").decode()[:200], (article["url"], language)
        assert status == 200 and headers.get("Content-Encoding") == "br", (article["url"], status)
        page = decoded(body, "br").decode()
        for url in referenced_assets(page):
            if url not in asset_sizes:
                a_status, a_headers, a_body, _ = get(port, url)
                assert a_status == 200 and a_headers.get("Content-Encoding") == "br", (url, a_status)
                asset_sizes[url] = len(a_body)
        css = sum(asset_sizes[u] for u in referenced_assets(page) if u.endswith(".css"))
        js = sum(asset_sizes[u] for u in referenced_assets(page) if u.endswith(".js"))
        rows.append({"url": article["url"], "html": len(body), "head": head, "css": css, "js": js,
                     "total": len(body) + css + js, "floor": text_floor(port, article["id"])})
    after_load = {path: len(get(port, path)[2]) for path in ("/sw.js", "/manifest.json")}
    later = re.search(r'data-offline-js="([^"]+)"', page).group(1)  # app.js loads it once a worker runs
    after_load[later.rsplit("/", 1)[-1] + " (once a worker runs)"] = len(get(port, later)[2])
    return rows, asset_sizes, after_load


def kb(n):
    return f"{n / 1024:.1f}"


def report(rows, asset_sizes, after_load):
    print("First view of each demo article: br-compressed bodies over loopback, images excluded")
    print(f"{'article':<46} {'HTML':>6} {'CSS':>5} {'JS':>5} {'total':>6} {'text gz':>8} {'x floor':>8} "
          f"{'+ floor':>8}")
    for row in rows:
        name = row["url"].removeprefix("/articles/").rstrip("/")
        name = name if len(name) <= 45 else name[:44] + "…"
        print(f"{name:<46} {kb(row['html']):>6} {kb(row['css']):>5} {kb(row['js']):>5} "
              f"{kb(row['total']):>6} {kb(row['floor']):>8} {row['total'] / row['floor']:>7.1f}x "
              f"{kb(row['total'] - row['floor']):>8}")
    totals = sorted(r["total"] for r in rows)
    print(f"KB (1024 bytes); {len(rows)} articles; total median {kb(totals[len(totals) // 2])} KB, "
          f"max {kb(totals[-1])} KB; HTML response headers add ~{kb(max(r['head'] for r in rows))} KB")
    print("static files:", ", ".join(f"{url.rsplit('/', 1)[-1]} {kb(n)} KB" for url, n in asset_sizes.items()))
    print("fetched after load, not in total:",
          ", ".join(f"{path} {kb(n)} KB" for path, n in after_load.items()))
    print(f"budget: {kb(BUDGET)} KB (10 TCP segments, RFC 6928 initial window); at most the text's gzip + "
          f"{kb(OVER_FLOOR)} KB (issue 15): largest excess {kb(max(r['total'] - r['floor'] for r in rows))} KB")
    for name, figure in ANCHORS:
        print(f"anchor: {name}: {figure}")
    over = [r["url"] for r in rows if r["total"] > BUDGET or r["total"] - r["floor"] > OVER_FLOOR]
    print("over budget: " + (", ".join(over) if over else "none"))
    return 1 if over else 0


def by_language(measured):
    """Each article's first-view total in every language, and whether any is over budget."""
    print("\nFirst view per interface language, KB (HTML + CSS + JS, br)")
    print(f"{'article':<46} " + " ".join(f"{language:>6}" for language in LANGUAGES))
    over = []
    for n, row in enumerate(measured["en"][0]):
        name = row["url"].removeprefix("/articles/").rstrip("/")
        name = name if len(name) <= 45 else name[:44] + "…"
        totals = [measured[language][0][n]["total"] for language in LANGUAGES]
        print(f"{name:<46} " + " ".join(f"{kb(total):>6}" for total in totals))
        over += [f"{row['url']} ({language})" for language, total in zip(LANGUAGES, totals, strict=True)
                 if total > BUDGET or total - row["floor"] > OVER_FLOOR]
    for language in LANGUAGES:
        totals = sorted(r["total"] for r in measured[language][0])
        print(f"{language}: median {kb(totals[len(totals) // 2])} KB, max {kb(totals[-1])} KB")
    print("over budget in some language: " + (", ".join(over) if over else "none"))
    return 1 if over else 0


def main():
    with served_demo() as (origin, _):
        measured = {language: measure(origin, language) for language in LANGUAGES}
    return report(*measured["en"]) | by_language(measured)


if __name__ == "__main__":
    _stopping.on_sigterm()
    sys.exit(main())
