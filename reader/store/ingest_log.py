"""The ingest log: one row per article attempt, failures included."""
from . import utcnow


def record(db, url, status, *, article_id=None, error=None):
    db.execute(
        "INSERT INTO ingest_log (url, article_id, status, error, at) VALUES (?, ?, ?, ?, ?)",
        (url, article_id, status, error, utcnow()),
    )


def recent(db, limit=50):
    return db.execute("SELECT * FROM ingest_log ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
