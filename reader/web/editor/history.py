"""Every alert with its state and figures, updated while it sends (editor.js polls the JSON)."""
from datetime import datetime

from flask import abort, jsonify, render_template
from flask_babel import gettext

from ...store import alerts as alert_store
from ...store import audit, get_db, ledger, timeline
from . import bp, chart, clock
from .desk import actions, alert_view, senders_view

HISTORY = 100       # alerts listed
LIVE = ("queued", "scheduled", "sending", "pending_approval")   # states whose figures still move
CLICKS_LIVE = 24 * 3600   # seconds after an alert finished during which its page still follows clicks


@bp.get("/alerts")
def alerts():
    db = get_db()
    views = [alert_view(db, row) for row in alert_store.recent(db, HISTORY)]
    return render_template("editor/alerts.html", alerts=views, senders=senders_view(db))


@bp.get("/alerts.json")
def alerts_json():
    db = get_db()
    return jsonify(alerts=[_status(db, row) for row in alert_store.recent(db, HISTORY)])


@bp.get("/alerts/<int:alert_id>")
def alert(alert_id):
    return alert_page(alert_id)


def alert_page(alert_id, error=None):
    """An alert's page: figures (updated live), its buttons, chart and log, and an error if one."""
    db = get_db()
    row = _alert(db, alert_id)
    figures = timeline.per_minute(db, alert_id)
    return render_template("editor/alert.html", alert=alert_view(db, row), live=is_live(row, clock()),
                           chart=chart.render(figures, alert_id=alert_id), summary=chart.summary(figures),
                           log=audit.entries(db, alert_id=alert_id), senders=senders_view(db), error=error)


@bp.get("/alerts/<int:alert_id>.json")
def alert_json(alert_id):
    db = get_db()
    return jsonify(_status(db, _alert(db, alert_id)))


@bp.get("/alerts/<int:alert_id>/chart.svg")
def alert_chart(alert_id):
    db = get_db()
    _alert(db, alert_id)
    svg = chart.render(timeline.per_minute(db, alert_id), alert_id=alert_id)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + str(svg), 200, {"Content-Type": "image/svg+xml; charset=utf-8"}


def _alert(db, alert_id):
    row = alert_store.get(db, alert_id)
    if row is None:
        abort(404, gettext("No such alert."))
    return row


def _status(db, row):
    return {"id": row["id"], "state": row["state"], "live": is_live(row, clock()), "actions": actions(row),
            "figures": ledger.figures(db, row["id"])}


def is_live(row, now):
    """Whether the alert's figures can still move: while it waits or sends, and for CLICKS_LIVE
    after it finished (readers go on tapping it for hours)."""
    if row["state"] in LIVE:
        return True
    ended = row["finished_at"] or row["started_at"]
    return bool(ended) and now - datetime.fromisoformat(ended).timestamp() < CLICKS_LIVE
