"""The desk's front page (new coverage, alerts waiting, ingest now) and the topics page."""
import logging

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext

from ... import ingest_jobs
from ...ingest import is_url
from ...push import outbox, worker
from ...store import alerts as alert_store
from ...store import audit, ledger
from ...store import desk as desk_store
from ...store import held as held_store
from ...store import get_db, transaction
from ...store import jobs as job_store
from ...store import subscriptions as subscription_store
from ...store import topics as topic_store
from . import bp, editor_name, words

log = logging.getLogger(__name__)
DESK_JOBS = 5           # the latest ingests shown on the desk
DESK_STORIES = 30
DESK_HELD = 30          # stories waiting for a look, least trusted first
MAX_URL = 2000
MODE_LABELS = words.MODES   # shown in the editor's language
# What an editor may do to an alert in each state: the one home of the rule (the buttons, the
# JSON the alert page polls to take away a button that no longer applies, and the views).
ACTIONS = {"approve": ("pending_approval",),
           "cancel": ("draft", "pending_approval", "scheduled", "queued", "sending")}


@bp.get("/")
def index():
    return render_template("editor/desk.html", **desk_context())


def desk_context(**extra):
    db = get_db()
    stories = [{"row": row, "topics": topic_store.for_article(db, row["id"])}
               for row in desk_store.ingested(db, DESK_STORIES)]
    waiting = [alert_view(db, row) for row in desk_store.waiting(db)]
    ingest_jobs.give_up_silent(db, current_app.config)
    return {"stories": stories, "waiting": waiting, "activity": audit.entries(db, limit=15),
            "senders": senders_view(db),
            "held": held_store.waiting(db, DESK_HELD),
            "jobs": job_store.recent(db, DESK_JOBS),
            "topic_names": {t["slug"]: t["name"] for t in topic_store.all(db)}, **extra}


def senders_view(db):
    """How many push senders are alive, and each one's last beat (for _senders.html)."""
    rows = [{"name": name, "age": round(age), "alive": ok, "alert_id": row["alert_id"], "sent": row["sent"],
             "last_error": row["last_error"]}
            for name, age, ok, row in worker.alive_summary(db, within=3 * outbox.WORKER_BEAT)]
    return {"alive": sum(1 for row in rows if row["alive"]), "rows": rows}


def alert_view(db, row):
    """An alert with its topic's name, its audience and its delivery figures."""
    topic = topic_store.get(db, row["topic"])
    return {"row": row, "topic_name": topic["name"] if topic else row["topic"], **audience(db, row["topic"]),
            "figures": ledger.figures(db, row["id"]), "actions": actions(row)}


def actions(row):
    """The actions an editor can take on this alert now (["approve", "cancel"] or fewer)."""
    return [name for name, states in ACTIONS.items() if row["state"] in states]


def audience(db, topic):
    """{"audience": readers an alert on the topic would reach, "audience_new": of them, how many
    no alert has reached yet} (store.subscriptions.audience)."""
    total, new = subscription_store.audience(db, topic)
    return {"audience": total, "audience_new": new}


@bp.post("/ingest")
def ingest():
    """Start ingesting one URL (an article or a feed) in the background; show its job's page."""
    url = request.form.get("url", "").strip()
    if not is_url(url) or len(url) > MAX_URL:
        return _ingest_refused(gettext("Give an http:// or https:// address of an article or a feed."), url, 400)
    try:
        job_id = ingest_jobs.submit(get_db(), current_app.config, url, editor_name())
    except ingest_jobs.JobsBusy as exc:
        return _ingest_refused(str(exc), url, 429)
    return redirect(url_for("editor.job", job_id=job_id), code=303)


def _ingest_refused(message, url, status):
    return render_template("editor/desk.html", **desk_context(ingest_error=message, url=url)), status


@bp.post("/alerts/<int:alert_id>/approve")
def approve(alert_id):
    """An alert waiting for approval is queued; the push worker sends it."""
    return _change(alert_id, "queued", "approve", "approved")


@bp.post("/alerts/<int:alert_id>/cancel")
def cancel(alert_id):
    """A waiting alert is cancelled; one that is sending stops (senders take no more of its rows)."""
    return _change(alert_id, "cancelled", "cancel", "cancelled")


def _change(alert_id, state, action, done):
    db = get_db()
    if alert_store.get(db, alert_id) is None:
        abort(404, gettext("No such alert."))
    with transaction(db):
        changed = alert_store.set_state(db, alert_id, state, only_from=ACTIONS[action])
        if changed:
            audit.record(db, editor_name(), done, alert_id=alert_id)
    if not changed:  # it moved on since the page was shown: show where it is now, on the desk
        from .history import alert_page  # here: history imports this module

        now = words.STATES.get(alert_store.get(db, alert_id)["state"], "")
        return alert_page(alert_id, error=gettext("Alert %(id)s can no longer be %(action)s: it is %(state)s.",
                                                  id=alert_id, action=words.ACTIONS[done], state=now)), 409
    log.info("editor %s %s alert %s", editor_name(), done, alert_id)
    return redirect(_back(alert_id), code=303)


def _back(alert_id):
    """Back where the button was: the desk, or the alert's page."""
    target = request.form.get("back", "")
    return target if target in ("/editor/", f"/editor/alerts/{alert_id}") else url_for("editor.index")


@bp.get("/topics")
def topics():
    db = get_db()
    rows = [{**t, **audience(db, t["slug"])} for t in topic_store.all(db)]
    return render_template("editor/topics.html", topics=rows, modes=MODE_LABELS,
                           saved=request.args.get("saved"))


@bp.post("/topics")
def save_topics():
    """Set each topic's alerts: off, automatic, or waiting in the desk for approval."""
    db = get_db()
    known = {t["slug"]: t for t in topic_store.all(db)}
    wanted = {slug: request.form.get(f"mode-{slug}", t["alert_mode"]) for slug, t in known.items()}
    bad = sorted(slug for slug, mode in wanted.items() if mode not in topic_store.ALERT_MODES)
    if bad:
        abort(400, gettext("Alerts for %(topics)s must be one of: %(modes)s.", topics=", ".join(bad),
                           modes=", ".join(topic_store.ALERT_MODES)))
    with transaction(db):
        for slug, mode in wanted.items():
            if mode != known[slug]["alert_mode"]:
                topic_store.set_alert_mode(db, slug, mode)
                audit.record(db, editor_name(), "topic", detail=f"{slug}: {known[slug]['alert_mode']} → {mode}")
    return redirect(url_for("editor.topics", saved=1), code=303)
