"""`reader push ...`: queue and send alerts, run a sender, show delivery figures and senders."""
import json
import logging
import sys
import threading
import time

import click
from flask import current_app
from flask.cli import AppGroup

from ..store import alerts as alert_store
from ..store import get_db, ledger
from ..push import keys, outbox, payload, worker


@click.group("push", cls=AppGroup)
def push_group():
    """Web Push alerts."""


@push_group.command("send")
@click.option("--title", required=True)
@click.option("--body", default="", help="A line or two under the title.")
@click.option("--article", "article_id", type=click.IntRange(1, 2**62), help="The story the alert opens.")
@click.option("--topic", required=True, help="Readers following this topic get the alert.")
@click.option("--urgency", type=click.Choice(payload.URGENCIES), default="normal", show_default=True)
@click.option("--ttl", type=int, default=payload.DEFAULT_TTL, show_default=True,
              help="Seconds a push service keeps the alert for a phone that is offline.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def send_command(title, body, article_id, topic, urgency, ttl, as_json):
    """Queue an alert and, unless a push worker runs, send it now."""
    db = get_db()
    try:
        alert_id = outbox.queue(db, title=title, body=body, topic=topic, article_id=article_id,
                                urgency=urgency, ttl=ttl, source="cli")
    except payload.AlertError as exc:
        raise click.ClickException(str(exc)) from None
    if outbox.worker_running(db):
        figures, note = ledger.figures(db, alert_id), "queued; the running push workers send it"
    else:
        try:
            sender = outbox.make_sender(db, current_app.config)
        except keys.VapidKeyError as exc:
            raise click.ClickException(f"alert {alert_id} is queued but nothing was sent: {exc}") from None
        try:
            figures, note = sender.send_alert(alert_id), "sent"
        finally:
            sender.close()
    _report(alert_id, figures, note, as_json)
    if figures["queued"] and figures["failed"] == figures["queued"]:
        sys.exit(1)


@push_group.command("work")
@click.option("--poll", type=click.FloatRange(0.1, 60), default=1.0, show_default=True,
              help="Seconds between looks at the outbox.")
@click.option("--until-idle", is_flag=True, help="Exit once nothing is due (for cron and benchmarks).")
def work_command(poll, until_idle):
    """Run a sender until stopped: new coverage to alerts, due alerts out. Run as many as you need,
    on any machines sharing the database; Ctrl-C or SIGTERM stops one cleanly."""
    stop = threading.Event()
    worker.stop_on_signals(stop)
    logging.getLogger("reader").setLevel(logging.INFO)
    click.echo("push worker running; Ctrl-C stops it", err=True)
    name, healthy = worker.run(current_app.config, poll=poll, stop=stop, until_idle=until_idle)
    click.echo(f"push worker {name} stopped", err=True)
    if not healthy:
        sys.exit(1)


@push_group.command("status")
@click.argument("alert_id", type=click.IntRange(1, 2**62), required=False)
@click.option("--json", "as_json", is_flag=True)
def status_command(alert_id, as_json):
    """The senders and their last heartbeat; delivery figures for one alert or the latest ones."""
    db = get_db()
    rows = [alert_store.get(db, alert_id)] if alert_id else alert_store.recent(db, 20)
    if alert_id and rows[0] is None:
        raise click.ClickException(f"no alert {alert_id}")
    _senders(db, as_json)
    for row in rows:
        _report(row["id"], ledger.figures(db, row["id"]), row["state"], as_json)


@push_group.command("reset-key")
@click.option("--yes", is_flag=True, help="Do it without asking.")
def reset_key_command(yes):
    """Start over with a new VAPID key; every existing subscription is removed (browsers subscribe
    again when readers next turn alerts on). Only for a key that is lost for good."""
    if not yes:
        click.confirm("Remove every subscription and make a new VAPID key?", abort=True)
    key, removed = keys.reset(current_app.config["DATA_DIR"], get_db())
    click.echo(f"new VAPID key {keys.public_key(key)}; {removed} subscriptions removed")


def _senders(db, as_json):
    within = 3 * outbox.WORKER_BEAT
    summary = worker.alive_summary(db, now=time.time(), within=within)
    alive = sum(1 for *_, ok, _ in summary if ok)
    if as_json:
        click.echo(json.dumps({"senders_alive": alive, "senders": [
            {"name": name, "seconds_since_beat": round(age, 1), "alive": ok, "alert": row["alert_id"],
             "sent": row["sent"], "last_error": row["last_error"]} for name, age, ok, row in summary]}))
        return
    click.echo(f"senders alive: {alive}" + ("" if alive else " (no alert goes out until `reader push work` runs)"))
    for name, age, ok, row in summary:
        doing = f"sending alert {row['alert_id']}" if row["alert_id"] else "idle"
        error = f"; last error: {row['last_error']}" if row["last_error"] else ""
        click.echo(f"  {'alive' if ok else 'silent'} {name}: last beat {age:.0f}s ago, {doing}, "
                   f"sent {row['sent']}{error}")


def _report(alert_id, figures, note, as_json):
    if as_json:
        click.echo(json.dumps({"alert": alert_id, "state": note, **figures}))
    else:
        click.echo(f"alert {alert_id} {note}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
