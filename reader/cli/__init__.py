"""Every `reader` command, thin click commands over the pipeline (the `push` and `editor` groups in
their own modules here). `reader` is a FlaskGroup, so `flask --app reader` works too."""
import functools
import io
import json
import logging
import re
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from .. import images, topics
from ..config import ConfigError
from ..demo import PUBLIC_ORIGIN, TOPICS_PATH, DemoSite
from ..fetch import Fetcher
from ..i18n import LOCALES
from ..ingest import STORED, Ingester, Result, is_url
from ..poll import poll_all
from ..push import keys
from ..push.outbox import from_events
from ..serve import serve
from ..store import StoreError, connect, get_db
from ..store import articles as article_store
from ..store import copy as store_copy
from ..store import images as image_store
from ..store import sources as source_store
from ..store import topics as topic_store
from .editors import editor_group
from .push import push_group

FORMATS = ("html", "text", "json")


def init_app(app):
    for command in (init_command, ingest_command, list_command, show_command, demo_command,
                    poll_command, serve_command, package_command, sources_group, topics_group, push_group,
                    editor_group, db_group):
        app.cli.add_command(_one_line_errors(command))


def _one_line_errors(command):
    """A store or settings error ends the command with one line and exit 1, never a traceback,
    however it is invoked (`reader`, `flask --app reader`, a test runner)."""
    for sub_command in getattr(command, "commands", {}).values():
        _one_line_errors(sub_command)
    callback = command.callback
    if callback is None or getattr(callback, "one_line_errors", False):
        return command  # a group, or wrapped already by an earlier create_app()

    @functools.wraps(callback)
    def guarded(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except (StoreError, ConfigError) as exc:
            raise click.ClickException(str(exc)) from None

    guarded.one_line_errors = True
    command.callback = guarded
    return command


def main():
    from .. import create_app  # reader/__init__.py imports this module: read it when called

    # Commands say what went wrong on stderr (warnings and errors; `push work` adds progress).
    handler = logging.StreamHandler()
    handler.setFormatter(_TerminalFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    cli = _Group(name="reader", create_app=create_app, add_version_option=False,
                 load_dotenv=False, set_debug_flag=False, help="Reader: an offline-first news reader.")
    cli.main(prog_name="reader")


class _Group(FlaskGroup):
    """Store and settings errors end a command with one line and exit 1, not a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (StoreError, ConfigError) as exc:
            raise click.ClickException(str(exc)) from None


@click.command("init")
@with_appcontext
def init_command():
    """Create the data directory, the database and the VAPID keys (safe to run twice)."""

    get_db().check_integrity()  # a damaged file is named here, not found later by a reader
    try:
        private_key = keys.ensure(current_app.config["DATA_DIR"], get_db())
    except keys.VapidKeyError as exc:
        raise click.ClickException(str(exc)) from None
    sweep_media()
    click.echo(f"data directory ready: {current_app.config['DATA_DIR']}")
    click.echo(f"push public key: {keys.public_key(private_key)}")


def sweep_media():
    """At start (init, serve, poll): remove the files an interrupted ingest left in the media
    directory. Files younger than twice the longest an ingest may take are left to it."""
    config = current_app.config
    grace = 2 * max(config["SOURCE_SECONDS"], config["DESK_INGEST_SECONDS"])
    images.sweep(Path(config["DATA_DIR"]) / images.MEDIA_DIR, image_store.files(get_db()),
                 older_than=time.time() - grace)


@click.command("ingest")
@with_appcontext
@click.argument("sources", nargs=-1, required=True)
@click.option("--topic", help="Put every ingested article in this topic too.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def ingest_command(sources, topic, as_json):
    """Ingest article URLs, feed URLs (RSS, Atom, JSON Feed) or local files."""
    _check_topic(topic)
    ingester = Ingester(get_db(), current_app.config)
    results = run_ingest(ingester, sources, topic, as_json)
    _alerts_from_coverage()
    _exit_for(results)


def run_ingest(ingester: Ingester, sources: list[str], topic: str | None, as_json: bool) -> list[Result]:
    """Expand sources, ingest every article, print one line each; returns the results."""
    items, results = ingester.gather(sources, topic)
    for result in results:
        _print(result, as_json)
    show_bar = len(items) > 1 and sys.stderr.isatty()
    with click.progressbar(items, label="ingesting", file=sys.stderr if show_bar else _Null()) as bar:
        for item in bar:
            result = ingester.ingest(item)
            results.append(result)
            _print(result, as_json)
    return results


def _alerts_from_coverage():
    """New stories in auto-alert topics become queued alerts (a push worker sends them)."""

    made = from_events(get_db())
    if made:
        click.echo(f"{len(made)} alerts queued from new coverage", err=True)


def _print(result: Result, as_json: bool) -> None:
    if as_json:
        click.echo(_json_line(result.as_json()))
        return
    label = f"[{result.id}] " if result.id else ""
    detail = {"error": result.error, "cut": result.note, "held": f"{result.title} ({result.note})",
              "discarded": f"{result.title} ({result.note})"}.get(result.status, result.title)
    click.echo(for_terminal(f"{result.status:<9} {label}{result.url}  {detail}"))


def _exit_for(results: list[Result]) -> None:
    """Non-zero when no article was stored, held or found unchanged (a "cut" line is not one)."""
    if not any(r.status in STORED for r in results):
        sys.exit(1)


# What a terminal would act on rather than show: C0 controls (ESC starts an escape sequence, CR
# rewrites the line), DEL and the C1 controls (U+009B is a one-character CSI on some terminals).
TERMINAL_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def for_terminal(text, *, keep=""):
    """Stored or fetched text made safe to print: every control character but those in `keep`
    is shown as an escape (\\x1b), so a story cannot move the cursor, retitle the terminal or hide lines."""
    return TERMINAL_CONTROLS.sub(lambda m: m.group() if m.group() in keep else f"\\x{ord(m.group()):02x}", text)


class _TerminalFormatter(logging.Formatter):
    """Log lines on stderr quote URLs, titles and servers' words: their controls are escaped too."""

    def format(self, record):
        return for_terminal(super().format(record), keep="\n\t")


def _json_line(record, indent=None):
    """JSON as --json prints it: C0 controls are escaped by JSON itself; DEL and C1 are escaped here."""
    text = json.dumps(record, ensure_ascii=False, indent=indent)
    return re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text)


class _Null(io.StringIO):
    """Where the progress bar goes when it is not shown: nothing is kept."""

    def write(self, text):
        return len(text)


def _check_topic(topic):
    if topic and not topics.SLUG.match(topic):
        raise click.BadParameter("use a-z, 0-9 and '-'", param_hint="--topic")


@click.command("list")
@with_appcontext
@click.option("--topic", help="Only this topic.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
def list_command(topic, limit):
    """List stored articles, newest first."""
    db = get_db()
    for row in article_store.latest(db, topic=topic, limit=limit):
        topics_text = ",".join(topic_store.for_article(db, row["id"])) or "-"
        updated = f" v{row['version']}" if row["version"] > 1 else ""
        click.echo(for_terminal(f"{row['id']:>4}  {row['lang'] or '??':<3} {row['reading_minutes']:>2} min  "
                                f"[{topics_text}]{updated}  {row['title']}"))


@click.command("show")
@with_appcontext
@click.argument("article_id", type=int)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
def show_command(article_id, fmt):
    """Print a stored article."""
    db = get_db()
    row = article_store.get(db, article_id)
    if row is None:
        raise click.ClickException(f"no article with id {article_id}")
    if fmt == "html":
        click.echo(for_terminal(row["body_html"], keep="\n\t"))
    elif fmt == "json":
        record = dict(row)
        record["tags"] = json.loads(record["tags"])
        record["confidence_reasons"] = json.loads(record["confidence_reasons"])
        record["topics"] = topic_store.for_article(db, article_id)
        click.echo(_json_line(record, indent=2))
    else:
        click.echo(for_terminal(f"{row['title']}\n{row['byline'] or ''}  {row['published'] or ''}", keep="\n"))
        click.echo("\n" + for_terminal(row["body_text"], keep="\n\t"))


@click.command("demo")
@with_appcontext
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def demo_command(as_json):
    """Ingest the bundled demo newsroom over loopback HTTP through the real pipeline."""

    db = get_db()
    topics.load_rules(db, TOPICS_PATH)
    with DemoSite() as site:
        # The SSRF guard stays on; only the demo's own loopback origin is let through.
        fetcher = Fetcher.from_config(current_app.config, allowed_origins=(site.origin,))
        # Its pages name the publisher's public address as canonical: they speak for that site.
        ingester = Ingester(db, current_app.config, fetcher=fetcher, site_aliases={site.origin: PUBLIC_ORIGIN})
        results = run_ingest(ingester, [site.feed_url], None, as_json)
    _alerts_from_coverage()
    _exit_for(results)


@click.group("sources", cls=AppGroup)
def sources_group():
    """Feeds that `reader poll` reads."""


@sources_group.command("add")
@click.argument("feed_url")
@click.option("--topic", help="Put every article of this feed in this topic.")
def sources_add(feed_url, topic):
    """Add a feed to poll."""

    if not is_url(feed_url):
        raise click.BadParameter("give an http(s) URL", param_hint="FEED_URL")
    _check_topic(topic)
    db = get_db()
    if topic and topic_store.get(db, topic) is None:
        topic_store.upsert(db, topic, topic)
    source_store.add(db, feed_url, topic)
    click.echo(f"added {feed_url}" + (f" (topic {topic})" if topic else ""))


@sources_group.command("list")
def sources_list():
    """List the feeds with their last poll."""
    for row in source_store.all(get_db()):
        state = row["status"] or "never polled"
        error = f" ({row['error']})" if row["error"] else ""
        click.echo(for_terminal(f"{row['url']}  topic={row['topic'] or '-'}  {state}{error}  {row['polled_at'] or ''}"))


@sources_group.command("remove")
@click.argument("feed_url")
def sources_remove(feed_url):
    """Stop polling a feed."""
    if not source_store.remove(get_db(), feed_url):
        raise click.ClickException(f"no such source: {feed_url}")
    click.echo(f"removed {feed_url}")


@click.command("poll")
@with_appcontext
@click.option("--every", type=click.IntRange(min=10), help="Poll again every SECONDS, until stopped.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def poll_command(every, as_json):
    """Poll every feed once (or forever with --every): new articles are ingested."""

    db = get_db()
    sweep_media()
    while True:
        for result in poll_all(db, current_app.config):
            _print(result, as_json)
        _alerts_from_coverage()
        if not every:
            return
        time.sleep(every)


@click.group("db", cls=AppGroup)
def db_group():
    """The database: moving it to PostgreSQL."""


@db_group.command("copy")
@click.option("--to", "target_url", required=True, metavar="postgresql://...",
              help="An empty PostgreSQL database (Reader creates its tables).")
def db_copy_command(target_url):
    """Copy this data directory's SQLite database into an empty PostgreSQL database and verify it."""

    if not target_url.startswith(("postgresql://", "postgres://")):
        raise click.BadParameter("give a postgresql:// URL", param_hint="--to")
    source = get_db()
    if source.dialect != "sqlite":
        raise click.ClickException("the copy reads an SQLite data directory; unset READER_DATABASE_URL")
    target = connect({**current_app.config, "DATABASE_URL": target_url})
    try:
        steps = store_copy.plan(source, target)
        total = sum(rows for _, _, rows in steps)
        with click.progressbar(length=total, label=f"copying {total:,} rows", file=sys.stderr) as bar:
            store_copy.copy(source, target, steps, progress=bar.update)
        report = store_copy.verify(source, target, steps)
    finally:
        target.close()
    for table, rows, same in report:
        click.echo(f"{table:<20} {rows:>10,} rows  {'verified' if same else 'DIFFERS'}")
    if not all(same for *_, same in report):
        raise click.ClickException("the copy differs from the source (see above); do not switch to it")
    click.echo(f"copied and verified {total:,} rows in {len(report)} tables")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", type=click.IntRange(1, 64), help="Worker processes (default: 2 per core).")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Threads per worker.")
@click.option("--push-worker/--no-push-worker", default=True, show_default=True,
              help="Also run the push sender in its own process.")
@with_appcontext
def serve_command(host, port, workers, threads, push_worker):
    """Serve Reader with a production WSGI server (gunicorn)."""

    sweep_media()
    serve(host=host, port=port, workers=workers, threads=threads, push_worker=push_worker)


@click.command("package")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--zip", "make_zip", is_flag=True, help="Also write OUT.zip.")
@click.option("--base-url", default="http://localhost/", show_default=True,
              help="The address the export will be served from (absolute links in feeds).")
@click.option("--api-origin", help="The back office's origin for alerts (push subscriptions and clicks).")
@click.option("--edition", "edition_topic", metavar="TOPIC",
              help="Instead: write one self-contained HTML file of this topic's latest stories to OUT.")
@click.option("--text-only", is_flag=True, help="With --edition: leave the images out.")
@click.option("--locale", type=click.Choice(LOCALES), help="The interface language (default: READER_DEFAULT_LOCALE).")
@with_appcontext
def package_command(out, make_zip, base_url, api_origin, edition_topic, text_only, locale):
    """Export the site as static files for any static host, or one topic as a single file."""
    from .. import package  # it imports create_app from reader/__init__.py, which imports this module

    try:
        if edition_topic:
            digest = package.export_edition(current_app.config, edition_topic, out, text_only=text_only, locale=locale)
            click.echo(f"wrote {out} ({out.stat().st_size} bytes)\nsha256 {digest}")
            return
        report = package.export_site(current_app.config, out, base_url=base_url, api_origin=api_origin,
                                     locale=locale)
    except package.PackageError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{report.files} files: {report.written} written, {report.unchanged} unchanged, "
               f"{report.removed} removed")
    if make_zip:
        package.zip_export(out, out.with_suffix(".zip"))
        click.echo(f"wrote {out.with_suffix('.zip')}")
    if report.broken:
        for page, link in report.broken:
            click.echo(f"broken link in {page}: {link}", err=True)
        sys.exit(1)


@click.group("topics", cls=AppGroup)
def topics_group():
    """Topic rules that tag articles at ingest."""


@topics_group.command("list")
def topics_list():
    """List topics with their rules."""
    for topic in topic_store.all(get_db()):
        click.echo(for_terminal(f"{topic['slug']:<14} {topic['name']}  alerts={topic['alert_mode']}  "
                                f"keywords={len(topic['keywords'])} sections={topic['sections']} tags={topic['tags']}"))


@topics_group.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def topics_load(path):
    """Create or update topics from a JSON list of rules."""
    try:
        count = topics.load_rules(get_db(), path)
    except topics.TopicError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{count} topics loaded")
