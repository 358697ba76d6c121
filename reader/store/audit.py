"""The audit log: which editor queued, scheduled, approved or cancelled which alert, published or
discarded which held story, and when.

"sent" entries are not written here: the sender stamps alerts.finished_at, and entries()
reads it back as a "sent" line by the push worker, so the log needs no hook in the sender.
"""
from . import utcnow

ACTIONS = ("queued", "scheduled", "approved", "cancelled", "topic", "published", "discarded")


def record(db, editor, action, *, alert_id=None, detail=""):
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    db.execute("INSERT INTO audit_log (at, editor, action, alert_id, detail) VALUES (?, ?, ?, ?, ?)",
               (utcnow(), editor, action, alert_id, detail))


def entries(db, *, alert_id=None, limit=50):
    """Newest first: the log's rows and one "sent" row per finished alert."""
    where, params = ("", []) if alert_id is None else (" WHERE alert_id = ?", [alert_id])
    sent_where = "" if alert_id is None else " AND id = ?"
    return db.execute(
        "SELECT at, editor, action, alert_id, detail FROM ("
        f" SELECT id AS seq, at, editor, action, alert_id, detail FROM audit_log{where}"
        " UNION ALL SELECT 0 AS seq, finished_at AS at, 'push worker' AS editor, 'sent' AS action,"
        " id AS alert_id, '' AS detail FROM alerts WHERE state = 'sent' AND finished_at IS NOT NULL"
        f"{sent_where}) AS entries ORDER BY at DESC, action = 'sent' DESC, seq DESC LIMIT ?",
        [*params, *([] if alert_id is None else [alert_id]), limit]).fetchall()
