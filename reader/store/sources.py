"""Feeds that `reader poll` reads, with what the last poll learned."""
from . import utcnow


def add(db, url, topic=None):
    """Add a feed or update its topic; returns its row."""
    db.execute(
        "INSERT INTO sources (url, topic, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT(url) DO UPDATE SET topic = excluded.topic",
        (url, topic, utcnow()),
    )
    return get(db, url)


def get(db, url):
    return db.execute("SELECT * FROM sources WHERE url = ?", (url,)).fetchone()


def all(db):
    return db.execute("SELECT * FROM sources ORDER BY id").fetchall()


def remove(db, url):
    return db.execute("DELETE FROM sources WHERE url = ?", (url,)).rowcount


def record_poll(db, url, *, status, error=None, etag=None, last_modified=None, title=None):
    """Store the outcome of a poll; validators are kept when the reply gave none."""
    db.execute(
        "UPDATE sources SET polled_at = ?, status = ?, error = ?, etag = COALESCE(?, etag),"
        " last_modified = COALESCE(?, last_modified), title = COALESCE(?, title) WHERE url = ?",
        (utcnow(), status, error, etag, last_modified, title, url),
    )
