"""`reader push ...`: queue and send alerts, run the sender, show delivery figures."""
import json
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from ..store import alerts as alert_store
from ..store import get_db
from . import outbox, payload


@click.group("push", cls=AppGroup)
def push_group():
    """Web Push alerts."""


@push_group.command("send")
@click.option("--title", required=True)
@click.option("--body", default="", help="A line or two under the title.")
@click.option("--article", "article_id", type=int, help="The story the alert opens.")
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
        figures, note = alert_store.figures(db, alert_id), "queued; the running push worker sends it"
    else:
        figures, note = outbox.make_sender(db, current_app.config).send_alert(alert_id), "sent"
    _report(alert_id, figures, note, as_json)
    if figures["queued"] and figures["failed"] == figures["queued"]:
        sys.exit(1)


@push_group.command("work")
@click.option("--poll", type=click.FloatRange(0.1, 60), default=1.0, show_default=True,
              help="Seconds between looks at the outbox.")
def work_command(poll):
    """Run the push sender until stopped: new coverage to alerts, due alerts out."""
    click.echo("push worker running; Ctrl-C stops it", err=True)
    try:
        outbox.work(get_db(), current_app.config, poll=poll)
    except KeyboardInterrupt:
        pass


@push_group.command("status")
@click.argument("alert_id", type=int, required=False)
@click.option("--json", "as_json", is_flag=True)
def status_command(alert_id, as_json):
    """Delivery figures for one alert, or the latest alerts."""
    db = get_db()
    rows = [alert_store.get(db, alert_id)] if alert_id else alert_store.recent(db, 20)
    if alert_id and rows[0] is None:
        raise click.ClickException(f"no alert {alert_id}")
    for row in rows:
        _report(row["id"], alert_store.figures(db, row["id"]), row["state"], as_json)


def _report(alert_id, figures, note, as_json):
    if as_json:
        click.echo(json.dumps({"alert": alert_id, "state": note, **figures}))
    else:
        click.echo(f"alert {alert_id} {note}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
