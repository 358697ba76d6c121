"""Stories held back for a look: extracted with too little confidence to publish alone.

The page shows the extracted text beside the original page's text. Publish approves the story
and ingests it again in the background (the approval lets it through, with no automatic alert);
Re-extract ingests it again as it is now; Discard drops it (the same text is not held again).
"""
import logging

from flask import abort, current_app, redirect, render_template, url_for
from flask_babel import gettext

from ... import ingest_jobs
from ...store import audit, get_db, transaction
from ...store import held as held_store
from . import bp, editor_name
from .desk import desk_context

log = logging.getLogger(__name__)


@bp.get("/held/<int:held_id>")
def held(held_id):
    row = _held(held_id)
    return render_template("editor/held.html", story=row, reasons=held_store.reasons(row))


@bp.post("/held/<int:held_id>/publish")
def publish(held_id):
    """Approve the story and ingest it again; the approval lets it through."""
    row = _decide(held_id, "approved", "published")
    return _ingest_again(row)


@bp.post("/held/<int:held_id>/reextract")
def reextract(held_id):
    """Ingest the story again, through the extraction as it is now."""
    return _ingest_again(_held(held_id))


@bp.post("/held/<int:held_id>/discard")
def discard(held_id):
    _decide(held_id, "discarded", "discarded")
    return redirect(url_for("editor.index"), code=303)


def _held(held_id):
    row = held_store.get(get_db(), held_id)
    if row is None or row["state"] == "discarded":
        abort(404, gettext("No such story waits for a look."))
    return row


def _decide(held_id, state, action):
    db = get_db()
    row = _held(held_id)
    with transaction(db):
        changed = held_store.decide(db, held_id, state, editor_name())
        if changed:
            audit.record(db, editor_name(), action, detail=row["url"])
    if not changed:
        abort(409, gettext("This story has moved on since the page was shown (another editor decided)."))
    log.info("editor %s %s held story %s: %s", editor_name(), action, held_id, row["url"])
    return row


def _ingest_again(row):
    try:
        job_id = ingest_jobs.submit(get_db(), current_app.config, row["page_url"], editor_name())
    except ingest_jobs.JobsBusy as exc:
        return render_template("editor/desk.html", **desk_context(ingest_error=str(exc))), 429
    return redirect(url_for("editor.job", job_id=job_id), code=303)
