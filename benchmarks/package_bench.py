"""Seconds for `reader package` to export 1,000 articles, and requests per second of one exported
article page from plain static servers beside the same page from `reader serve`, in one run.

    .venv/bin/python benchmarks/package_bench.py [--articles 1000] [--seconds 10] [--connections 32]

The newsroom: `reader demo` (10 real articles with images, 7 topics) in a temporary data dir, then
generated articles stored with reader.store.articles.insert until there are --articles: 500-900
words of English sentences drawn from the demo's own stories, an <h2> and a quote, every 10th with
a copy of a demo figure (and its image rows), 60% in one or two topics, published 37 minutes
apart before the demo's newest story, so the demo's newest still leads the front page.

Export: `reader package OUT` as a subprocess (the CLI, app start-up included), four times into the
same OUT: empty; after one article is corrected with articles.update (the newest generated story,
in two topics, so its feeds and editions change too); with nothing changed; and after one new
story is stored, as an ingest would. The files each re-export rewrote are listed (or counted by
folder) by comparing (mtime, size) before and after.

Serving: the exported page of the demo's newest story (a real article with a photo), fetched at
the same path from nginx (root = the export, a config generated in a temp dir; `apt-get install
nginx-light`), from `python -m http.server --bind 127.0.0.1` (HTTP/1.0, so a new connection per
request), and from `reader serve` on the same data dir. Load from wrk (or web_load's asyncio
client without it), Accept-Encoding: br as a phone sends; each target gets a 2 s warm-up and then
--seconds.
Exits 1 on a failed export or a broken link, more than MAX_REWRITTEN files rewritten after one
correction, any file rewritten with nothing changed, an edit to the app's sources during the
exports, a non-2xx answer, or a socket error (but http.server's, see BACKLOG_LIMITED).
"""
import argparse
import contextlib
import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from reader import SHARE
from reader.package import MANIFEST_FILE  # rewritten on every run; not a page
from reader.store import articles, connect, images, topics, transaction
from web_bytes import free_port, get, load_demo, reader_command, served_demo, stop
from web_load import HEADERS, WARM_UP_SECONDS, _percentile, run_python
import _stopping  # noqa: E402

SOURCES = ("static", "templates")   # edits here change every page; code edits show as rewrites
# socketserver's listen backlog is 5: at 32 connections SYNs overflow it and are retried after
# 1 s, 3 s, 7 s, so wrk sees a few connect timeouts. That is http.server, not the export.
BACKLOG_LIMITED = "python -m http.server (export dir)"
MAX_REWRITTEN = 20          # a one-article correction may touch its page, JSON, feeds and topics
WORDS = (500, 900)          # body length of a generated article, in words
REPORT_LINE = re.compile(r"(\d+) files: (\d+) written, (\d+) unchanged, (\d+) removed")
TITLE_WORDS = ("border", "budget", "cotton", "dam", "election", "exports", "grain", "gas", "harvest",
               "mine", "pipeline", "railway", "reform", "river", "summit", "tariffs", "tourism", "wheat")
PLACES = ("Almaty", "Ashgabat", "Bishkek", "Dushanbe", "Khujand", "Namangan", "Osh", "Samarkand",
          "Shymkent", "Tashkent", "Turkistan")
NGINX_CONF = """\
worker_processes auto;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.html;
    }}
}}
"""


# ------------------------------------------------------------------------------ the newsroom

def build_newsroom(data_dir, total):
    """The demo plus generated articles up to `total`; returns the id of the newest generated one."""
    load_demo(data_dir)
    db = connect(data_dir)
    demo = articles.latest(db, limit=100)
    sentences = _sentences(demo)
    figures = _figures(db, demo)
    slugs = [t["slug"] for t in topics.all(db)]
    newest = datetime.fromisoformat(demo[0]["published"])
    rng = random.Random(7)
    newest_id = None
    with transaction(db):
        for n in range(total - len(demo), 0, -1):   # n = 1 is the newest generated story
            published = newest - timedelta(minutes=37 * n + 1)
            figure = figures[n % len(figures)] if n % 10 == 0 else None
            row = _article(rng, n, published, sentences, figure and figure[0])
            article_id = articles.insert(db, row["slug"], row)
            if figure:
                for image in figure[1]:
                    images.insert(db, article_id, image)
            topics.assign(db, article_id, _topics(rng, n, slugs))
            newest_id = article_id
    db.close()
    return newest_id


def _sentences(demo):
    text = " ".join(row["body_text"] for row in demo if row["lang"] == "en")
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if 40 < len(s.strip()) < 300]


def _figures(db, demo):
    """(figure HTML, image rows) of every demo figure whose images are stored."""
    found = []
    for row in demo:
        stored = images.for_article(db, row["id"])
        for figure in re.findall(r"<figure>.*?</figure>", row["body_html"], re.S):
            used = [i for i in stored if any(v["file"] in figure for v in i["variants"])]
            if used:
                found.append((figure, used))
    return found


def _article(rng, n, published, sentences, figure):
    """One article dict holding reader.store.articles.COLUMNS."""
    words = rng.randint(*WORDS)
    paragraphs, count = [], 0
    while count < words:
        paragraph = " ".join(rng.sample(sentences, rng.randint(2, 4)))
        paragraphs.append(paragraph)
        count += len(paragraph.split())
    subject, place = rng.choice(TITLE_WORDS), rng.choice(PLACES)
    title = f"{place} {subject}: {paragraphs[0].split('.')[0][:70].rstrip()} (report {n})"
    html = [f"<p>{_escape(p)}</p>" for p in paragraphs]
    html.insert(len(html) // 2, f"<h2>What {place} expects next</h2>")
    html.insert(len(html) // 2 + 2, f"<blockquote><p>{_escape(rng.choice(sentences))}</p></blockquote>")
    if figure:
        html.insert(1, figure)
    text = "\n".join(paragraphs)
    stamp = published.isoformat()
    return {"slug": f"{place}-{subject}-report-{n}".lower(), "title": title,
            "url": f"https://steppe-dispatch.example/wire/{n}.html", "fetched_url": None,
            "byline": rng.choice(("Aida Nurlanovna", "Timur Karimov", "")),
            "site_name": "Steppe Dispatch", "description": paragraphs[0][:200], "section": subject.title(),
            "tags": [place, subject.title()], "lang": "en", "dir": "ltr", "published": stamp,
            "modified": stamp, "body_html": "\n".join(html), "body_text": text,
            "content_hash": hashlib.sha256(text.encode()).hexdigest(), "word_count": count,
            "reading_minutes": max(1, round(count / 230))}


def _topics(rng, n, slugs):
    if n == 1:
        return slugs[2:4]          # the story corrected later is in two topics, deliberately
    roll = rng.random()
    return [] if roll < 0.4 else rng.sample(slugs, 1 if roll < 0.8 else 2)


def _escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def correct(data_dir, article_id):
    """Replace the second paragraph of one article, as an editor's correction would."""
    db = connect(data_dir)
    old = articles.get(db, article_id)
    row = {c: old[c] for c in articles.COLUMNS}
    paragraphs = row["body_text"].split("\n")
    corrected = "Correction: an earlier version of this story gave the wrong date for the vote."
    paragraphs[1] = corrected
    row["body_text"] = "\n".join(paragraphs)
    row["body_html"] = re.sub(r"(<p>.*?</p>\n.*?<p>).*?(</p>)", rf"\g<1>{corrected}\2", row["body_html"],
                              count=1, flags=re.S)
    row["content_hash"] = hashlib.sha256(row["body_text"].encode()).hexdigest()
    with transaction(db):
        articles.update(db, old, row)
    db.close()
    return old["slug"]


def add_newest(data_dir):
    """Store one new story in one topic, published after all others, as an ingest would."""
    db = connect(data_dir)
    latest = articles.latest(db, limit=100)
    published = datetime.fromisoformat(latest[0]["published"]) + timedelta(minutes=5)
    row = _article(random.Random(8), 0, published, _sentences(latest), None)
    with transaction(db):
        topics.assign(db, articles.insert(db, row["slug"], row), [topics.all(db)[2]["slug"]])
    db.close()
    return row["slug"]


# ------------------------------------------------------------------------------ exporting

def package(data_dir, out):
    """Time `reader package OUT`; returns (seconds, files, written, unchanged, removed)."""
    env = {**os.environ, "READER_DATA_DIR": str(data_dir)}
    start = time.perf_counter()
    done = subprocess.run(reader_command("package", str(out)), env=env, capture_output=True, text=True,
                          timeout=180)
    seconds = time.perf_counter() - start
    found = REPORT_LINE.search(done.stdout)
    if done.returncode or not found:
        raise RuntimeError(f"reader package exited {done.returncode}:\n{done.stdout}{done.stderr[-3000:]}")
    return (seconds, *(int(n) for n in found.groups()))


def sources():
    """(mtime, size) of every file the export is rendered from, to notice edits during the run."""
    return {str(p): (p.stat().st_mtime_ns, p.stat().st_size) for name in SOURCES
            for p in (SHARE / name).rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def snapshot(out):
    """(mtime, size) of every exported file but the pages' .gz/.br twins (rewritten with their page)."""
    return {str(p.relative_to(out)): (p.stat().st_mtime_ns, p.stat().st_size)
            for p in out.rglob("*") if p.is_file() and not _twin(p, out)}


def _twin(path, out):
    return path.suffix in (".gz", ".br") and path.parts[len(out.parts)] != "static"


# ------------------------------------------------------------------------------ serving

@contextlib.contextmanager
def started(name, command, port):
    """Run a server until the block ends; it must answer / with 200 within 30 s."""
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"{name} exited with {server.returncode}")
            with contextlib.suppress(OSError):
                if get(port, "/")[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not answer on port {port}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(server)


def nginx_command(root, tmp):
    port = free_port()
    conf = Path(tmp) / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, root=root))
    return [shutil.which("nginx"), "-p", str(tmp), "-c", str(conf)], port


def http_server_command(root):
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
               "--directory", str(root)]
    return command, port


def run_wrk(url, seconds, connections):
    """(requests/s, p50 ms, p99 ms, non-2xx answers, socket errors) from wrk --latency."""
    command = ["wrk", "--latency", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "5s",
               *[a for k, v in HEADERS.items() for a in ("-H", f"{k}: {v}")], url]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    socket_errors = sum(map(int, socket.groups())) if socket else 0
    return rps, _percentile(out, 50), _percentile(out, 99), bad, socket_errors


def run_asyncio(url, seconds, connections):
    """web_load's client; it counts any non-200 answer, and cannot count socket errors apart."""
    return (*run_python(url, seconds, connections), 0)


def measure(origins, path, load, seconds, connections):
    """{name: (bytes, encoding, rps, p50, p99, non-2xx, socket errors)} for one path on every origin."""
    results = {}
    for name, origin in origins.items():
        status, headers, body, _ = get(int(origin.rsplit(":", 1)[1]), path, headers=HEADERS)
        if status != 200:
            raise RuntimeError(f"{name} answered {status} for {path}")
        load(origin + path, WARM_UP_SECONDS, connections)
        results[name] = (len(body), headers.get("Content-Encoding") or "identity",
                         *load(origin + path, seconds, connections))
    return results


# ------------------------------------------------------------------------------ the run

def run_exports(data_dir, out, corrected_id):
    """The four timed exports and the files the last three rewrote.

    Raises:
        RuntimeError: when the app's sources were edited meanwhile (a shared work tree), since
            the export then changes for that reason too.
    """
    before_sources = sources()
    rows = [("first export (empty OUT)", *package(data_dir, out))]
    changes = {}
    for name, change in (("after correcting 1 article", lambda: correct(data_dir, corrected_id)),
                         ("again, nothing changed", lambda: "nothing"),
                         ("after 1 new article", lambda: add_newest(data_dir))):
        before, what = snapshot(out), change()
        rows.append((name, *package(data_dir, out)))
        after = snapshot(out)
        changes[name] = (what, sorted(f for f in after if before.get(f) != after[f] and f != MANIFEST_FILE))
    after_sources = sources()
    edited = sorted(f for f in after_sources.keys() | before_sources.keys()
                    if before_sources.get(f) != after_sources.get(f))
    if edited:
        raise RuntimeError(f"the app's sources changed during the exports, so did the export: {edited}")
    return rows, changes


def print_exports(rows, total, changes):
    print(f"export: {total} articles (10 from `reader demo`, {total - 10} generated), "
          f"`reader package OUT` as a subprocess, same OUT each run")
    print(f"{'run':<28} {'seconds':>7} {'files':>6} {'written':>8} {'unchanged':>10} {'removed':>8}")
    for name, seconds, files, written, unchanged, removed in rows:
        print(f"{name:<28} {seconds:>7.1f} {files:>6} {written:>8} {unchanged:>10} {removed:>8}")
    for name, (what, rewritten) in changes.items():
        listed = ", ".join(rewritten) if len(rewritten) <= MAX_REWRITTEN else _grouped(rewritten)
        print(f"{name} ({what}): {len(rewritten)} rewritten: {listed or '-'}")


def _grouped(files):
    """`articles/*/index.html 519, ...` for a long list of files."""
    counts = {}
    for name in files:
        group = re.sub(r"^(articles/)[^/]+(/)|^(api/articles/)\d+", r"\1\3*\2", name)
        counts[group] = counts.get(group, 0) + 1
    return ", ".join(f"{group} {n}" for group, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def print_load(results, path, generator, seconds, connections):
    print(f"page {path}; {connections} keep-alive connections (http.server: HTTP/1.0, one per request), "
          f"{seconds} s per target after {WARM_UP_SECONDS} s warm-up, Accept-Encoding: br, loopback, "
          f"load from {generator}, {os.cpu_count()} cores shared by servers and load")
    print(f"{'server':<36} {'bytes':>6} {'encoding':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'non-2xx':>7} {'socket errors':>13}")
    for name, (size, encoding, rps, p50, p99, bad, socket) in results.items():
        print(f"{name:<36} {size:>6} {encoding:>8} {rps:>7.0f} {p50:>7.2f} {p99:>7.2f} {bad:>7} {socket:>13}")
    if results.get(BACKLOG_LIMITED, (0,) * 7)[-1]:
        print("http.server's socket errors are connect timeouts: its listen backlog is 5 (socketserver)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1000, help="articles in the store (>= 20)")
    parser.add_argument("--seconds", type=int, default=10, help="measured seconds per server")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--generator", choices=("wrk", "python"),
                        default="wrk" if shutil.which("wrk") else "python")
    options = parser.parse_args()
    load, generator = (run_wrk, "wrk (2 threads)") if options.generator == "wrk" else (run_asyncio, "asyncio")
    started_at = time.monotonic()
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="reader-package-")))
        tmp.chmod(0o755)  # nginx workers run as an unprivileged user and must read the export
        data_dir, out, nginx_tmp = tmp / "data", tmp / "site", tmp / "nginx"
        nginx_tmp.mkdir()
        corrected_id = build_newsroom(data_dir, options.articles)
        path = "/" + _newest_page(data_dir)    # the demo's newest story, before one is added
        rows, changes = run_exports(data_dir, out, corrected_id)
        print_exports(rows, options.articles, changes)
        origins = {}
        if shutil.which("nginx"):
            nginx = started("nginx", *nginx_command(out, nginx_tmp))
            origins["nginx (export dir)"] = stack.enter_context(nginx)
        else:
            print("nginx not installed (apt-get install -y nginx-light): its row is left out")
        origins[BACKLOG_LIMITED] = stack.enter_context(
            started("http.server", *http_server_command(out)))
        origins["reader serve (same data dir)"] = stack.enter_context(served_demo(data_dir=data_dir))[0]
        results = measure(origins, path, load, options.seconds, options.connections)
    print_load(results, path, generator, options.seconds, options.connections)
    print(f"total {time.monotonic() - started_at:.0f} s")
    return _verdict(rows, results)


def _newest_page(data_dir):
    """The exported page of the newest article, as the front page links it."""
    db = connect(data_dir)
    slug = articles.latest(db, limit=1)[0]["slug"]
    db.close()
    return f"articles/{slug}/"


def _verdict(rows, results):
    failures = []
    if rows[1][3] > MAX_REWRITTEN:
        failures.append(f"one correction rewrote {rows[1][3]} files (limit {MAX_REWRITTEN})")
    if rows[2][3]:
        failures.append(f"an export with nothing changed rewrote {rows[2][3]} files")
    failures += [f"{name}: {r[-2]} non-2xx answers" for name, r in results.items() if r[-2]]
    failures += [f"{name}: {r[-1]} socket errors" for name, r in results.items()
                 if r[-1] and name != BACKLOG_LIMITED]
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    _stopping.on_sigterm()
    try:
        sys.exit(main())
    except (RuntimeError, subprocess.SubprocessError) as exc:
        print("FAIL:", exc)
        sys.exit(1)
