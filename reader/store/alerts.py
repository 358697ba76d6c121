"""Alerts (the outbox) and the clicks they bring; their deliveries are in ledger.py."""
import hmac

from . import utcnow

FIELDS = ("title", "body", "article_id", "topic", "urgency", "ttl", "image", "state", "send_at",
          "created_by", "source")


def create(db, alert):
    """Insert an alert from a dict of FIELDS; returns its id.

    An automatic alert (source "auto") is made once per story and topic: when one exists already
    (another process handled the same new coverage at the same time), nothing is written and the
    answer is None. The unique index alerts_auto_once keeps the rule, not the timing of callers.
    """
    columns = [f for f in FIELDS if f in alert]
    once = " ON CONFLICT (article_id, topic) WHERE source = 'auto' DO NOTHING" if alert.get("source") == "auto" else ""
    row = db.execute(
        f"INSERT INTO alerts ({', '.join(columns)}, created_at) VALUES ({', '.join('?' for _ in columns)}, ?)"
        f"{once} RETURNING id", [*(alert[c] for c in columns), utcnow()]).fetchone()
    return row[0] if row else None


def get(db, alert_id):
    return db.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()


def set_state(db, alert_id, state, *, only_from=None):
    """Change an alert's state (optionally only from given states); True when it changed."""
    sql = "UPDATE alerts SET state = ?"
    params = [state]
    if state == "sending":
        sql += ", started_at = COALESCE(started_at, ?)"
        params.append(utcnow())
    if state == "sent":
        sql += ", finished_at = ?"
        params.append(utcnow())
    sql += " WHERE id = ?"
    params.append(alert_id)
    if only_from:
        sql += f" AND state IN ({', '.join('?' for _ in only_from)})"
        params.extend(only_from)
    return db.execute(sql, params).rowcount == 1


def due(db, now_iso, now=None):
    """Alerts ready to send: queued or sending, or scheduled with their time come; an alert that
    failed waits out its backoff (retry_at)."""
    return db.execute(
        "SELECT * FROM alerts WHERE (state IN ('queued', 'sending') OR (state = 'scheduled' AND send_at <= ?))"
        " AND (retry_at IS NULL OR retry_at <= ?) ORDER BY id", (now_iso, now or 0)).fetchall()


def failed_attempt(db, alert_id, error, retry_at):
    """Count a failed try at sending an alert; it is due again at retry_at."""
    db.execute("UPDATE alerts SET failures = failures + 1, last_error = ?, retry_at = ? WHERE id = ?",
               (error[:300], retry_at, alert_id))


def clear_failures(db, alert_id):
    db.execute("UPDATE alerts SET failures = 0, last_error = NULL, retry_at = NULL WHERE id = ? AND failures > 0",
               (alert_id,))


def finish(db, alert_id):
    """Mark a sending alert sent once nothing is pending; True when this call finished it."""
    with db.transaction():
        if db.execute("SELECT 1 FROM deliveries WHERE alert_id = ? AND state = 'pending' LIMIT 1",
                      (alert_id,)).fetchone() is not None:
            return False
        return set_state(db, alert_id, "sent", only_from=("sending",))


def recent(db, limit=50):
    return db.execute("SELECT * FROM alerts ORDER BY id DESC LIMIT ?", (limit,)).fetchall()


def record_click(db, alert_id, delivery_id, token):
    """Count a click on an alert once per delivery, when `token` is the one that delivery carried.

    Returns True when the click is counted now or was counted before (a report sent twice),
    False when no delivery of this alert has that id and token.
    """
    row = db.execute("SELECT click_token FROM deliveries WHERE id = ? AND alert_id = ?",
                     (delivery_id, alert_id)).fetchone()
    if row is None or not row[0] or not hmac.compare_digest(row[0], token):
        return False
    db.execute("INSERT INTO clicks (alert_id, delivery_id, at) VALUES (?, ?, ?) ON CONFLICT (delivery_id) DO NOTHING",
               (alert_id, delivery_id, utcnow()))
    return True
