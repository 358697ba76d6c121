"""Ingest jobs started from the desk: their state, progress, results and heartbeat.

States: queued -> running -> done | failed. A job is only moved on while it is still
queued or running, so a late write from a runner that was given up on changes nothing.
Times that runners compare are unix seconds (REAL); times people read are ISO 8601.
"""
import json

from . import utcnow

ACTIVE = ("queued", "running")


def create(db, url, editor, *, now, deadline):
    """Record a queued job; returns its id."""
    cursor = db.execute(
        "INSERT INTO ingest_jobs (url, editor, state, created_at, heartbeat, deadline)"
        " VALUES (?, ?, 'queued', ?, ?, ?) RETURNING id", (url, editor, utcnow(), now, deadline))
    return cursor.fetchone()[0]


def get(db, job_id):
    return db.execute("SELECT * FROM ingest_jobs WHERE id = ?", (job_id,)).fetchone()


def recent(db, limit):
    return db.execute("SELECT * FROM ingest_jobs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()


def active_count(db):
    return db.execute("SELECT COUNT(*) FROM ingest_jobs WHERE state IN (?, ?)", ACTIVE).fetchone()[0]


def start(db, job_id, *, now):
    """queued -> running; False when the job was given up on before it started."""
    cursor = db.execute("UPDATE ingest_jobs SET state = 'running', heartbeat = ? WHERE id = ?"
                        " AND state = 'queued'", (now, job_id))
    return cursor.rowcount == 1


def progress(db, job_id, *, now, results, total=None):
    """Record the results so far (a list of dicts) and a heartbeat; False once given up on."""
    cursor = db.execute(
        "UPDATE ingest_jobs SET heartbeat = ?, results = ?, done = ?, total = COALESCE(?, total)"
        " WHERE id = ? AND state = 'running'",
        (now, json.dumps(results, ensure_ascii=False), len(results), total, job_id))
    return cursor.rowcount == 1


def finish(db, job_id, state, *, now, error=None):
    """running (or queued) -> done | failed, with the job's own error line if any."""
    db.execute("UPDATE ingest_jobs SET state = ?, error = ?, heartbeat = ?, finished_at = ?"
               " WHERE id = ? AND state IN (?, ?)", (state, error, now, utcnow(), job_id, *ACTIVE))


def give_up_silent(db, *, heartbeat_before, error):
    """Fail every active job whose runner has not been heard from since `heartbeat_before`."""
    cursor = db.execute("UPDATE ingest_jobs SET state = 'failed', error = ?, finished_at = ?"
                        " WHERE state IN (?, ?) AND heartbeat < ?",
                        (error, utcnow(), *ACTIVE, heartbeat_before))
    return cursor.rowcount


def results(row):
    """A job row's results as a list of dicts."""
    return json.loads(row["results"])
