"""Stories held back for an editor: extracted with too little confidence to publish alone.

States: waiting -> approved (an editor's Publish; the next ingest of the URL publishes it)
              -> discarded (an editor's Discard; the same text is not held again).
A held story is not in `articles`: no page, feed, search or export shows it, and no topic event
(so no automatic alert) is recorded for it. Publishing it removes its row.
"""
import json

from . import utcnow

STATES = ("waiting", "approved", "discarded")


def hold(db, record):
    """Hold a story (insert, or replace what the same URL held); returns its id.

    Args:
        record: url, page_url, title, body_text, page_text, content_hash, confidence, reasons.
    """
    reasons = json.dumps(record["reasons"], ensure_ascii=False)
    return db.execute(
        "INSERT INTO held_stories (url, page_url, title, body_text, page_text, content_hash,"
        " confidence, reasons, state, held_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?)"
        " ON CONFLICT (url) DO UPDATE SET page_url = excluded.page_url, title = excluded.title,"
        " body_text = excluded.body_text, page_text = excluded.page_text,"
        " content_hash = excluded.content_hash, confidence = excluded.confidence,"
        " reasons = excluded.reasons, state = 'waiting', held_at = excluded.held_at,"
        " decided_by = NULL, decided_at = NULL RETURNING id",
        (record["url"], record["page_url"], record["title"], record["body_text"], record["page_text"],
         record["content_hash"], record["confidence"], reasons, utcnow())).fetchone()[0]


def get(db, held_id):
    return db.execute("SELECT * FROM held_stories WHERE id = ?", (held_id,)).fetchone()


def by_url(db, *urls):
    """The held story under the first of urls that has one, or None."""
    for url in urls:
        row = db.execute("SELECT * FROM held_stories WHERE url = ?", (url,)).fetchone()
        if row is not None:
            return row
    return None


def waiting(db, limit=50):
    """Stories waiting for an editor, least trusted first."""
    return db.execute("SELECT * FROM held_stories WHERE state = 'waiting'"
                      " ORDER BY confidence, held_at DESC, id LIMIT ?", (limit,)).fetchall()


def decide(db, held_id, state, editor):
    """waiting -> approved | discarded; False when the story was no longer waiting."""
    cursor = db.execute("UPDATE held_stories SET state = ?, decided_by = ?, decided_at = ?"
                        " WHERE id = ? AND state = 'waiting'", (state, editor, utcnow(), held_id))
    return cursor.rowcount == 1


def release(db, held_id):
    """The story is published: it is held no more."""
    db.execute("DELETE FROM held_stories WHERE id = ?", (held_id,))


def reasons(row):
    return json.loads(row["reasons"])
