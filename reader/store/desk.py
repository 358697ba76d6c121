"""What the editor desk reads across nouns: stories in the order Reader stored them."""


def ingested(db, limit=30):
    """The latest stories by the time Reader first stored them, newest first."""
    return db.execute("SELECT * FROM articles ORDER BY created_at DESC, id DESC LIMIT ?",
                      (limit,)).fetchall()


def next_alert_id(db):
    """The id the next alert will most likely get (its payload carries it, so its size does too)."""
    return db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM alerts").fetchone()[0]


def waiting(db):
    """Alerts waiting for an editor's approval or for their time, soonest first."""
    return db.execute("SELECT * FROM alerts WHERE state IN ('pending_approval', 'scheduled')"
                      " ORDER BY state = 'scheduled', COALESCE(send_at, created_at), id").fetchall()
