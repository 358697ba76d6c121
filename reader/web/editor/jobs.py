"""An ingest started from the desk: its state and each article's line, live while it runs."""
from flask import abort, current_app, jsonify, render_template
from flask_babel import gettext

from ... import ingest_jobs
from ...store import get_db
from ...store import jobs as job_store
from . import bp

REFRESH_SECONDS = 2  # how often a running job's page reloads itself (no script needed)


@bp.get("/jobs/<int:job_id>")
def job(job_id):
    row = _job(job_id)
    live = row["state"] in job_store.ACTIVE
    return render_template("editor/job.html", job=row, results=job_store.results(row), live=live,
                           refresh=REFRESH_SECONDS)


@bp.get("/jobs/<int:job_id>.json")
def job_json(job_id):
    row = _job(job_id)
    return jsonify(id=row["id"], url=row["url"], state=row["state"], total=row["total"],
                   done=row["done"], error=row["error"], results=job_store.results(row))


def _job(job_id):
    db = get_db()
    ingest_jobs.give_up_silent(db, current_app.config)
    row = job_store.get(db, job_id)
    if row is None:
        abort(404, gettext("No such ingest."))
    return row
