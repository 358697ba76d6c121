"""Alerts (the outbox), their deliveries (the ledger) and clicks."""
import time

from . import utcnow

FIELDS = ("title", "body", "article_id", "topic", "urgency", "ttl", "image", "state", "send_at",
          "created_by", "source")


def create(db, alert):
    """Insert an alert from a dict of FIELDS; returns its id."""
    columns = [f for f in FIELDS if f in alert]
    return db.execute(
        f"INSERT INTO alerts ({', '.join(columns)}, created_at) VALUES ({', '.join('?' for _ in columns)}, ?)"
        " RETURNING id", [*(alert[c] for c in columns), utcnow()]).fetchone()[0]


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


def due(db, now_iso):
    """Alerts ready to send: queued or sending, or scheduled with their time come."""
    return db.execute(
        "SELECT * FROM alerts WHERE state IN ('queued', 'sending')"
        " OR (state = 'scheduled' AND send_at <= ?) ORDER BY id", (now_iso,)).fetchall()


def take_lease(db, alert_id, owner, seconds, *, force=False):
    """Claim (or renew) the right to send an alert; False while another live sender holds it."""
    now = time.time()
    if force:  # the holder is known to be dead
        return db.execute("UPDATE alerts SET lease_owner = ?, lease_until = ? WHERE id = ?",
                          (owner, now + seconds, alert_id)).rowcount == 1
    return db.execute(
        "UPDATE alerts SET lease_owner = ?, lease_until = ? WHERE id = ?"
        " AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)",
        (owner, now + seconds, alert_id, owner, now)).rowcount == 1


def release_lease(db, alert_id, owner):
    db.execute("UPDATE alerts SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
               (alert_id, owner))


def recent(db, limit=50):
    return db.execute("SELECT * FROM alerts ORDER BY id DESC LIMIT ?", (limit,)).fetchall()


def fan_out(db, alert_id, topic):
    """Create one pending delivery per subscriber of the topic (idempotent); returns how many exist."""
    db.execute(
        "INSERT INTO deliveries (alert_id, subscription_id, endpoint)"
        " SELECT ?, s.id, s.endpoint FROM subscriptions s"
        " JOIN subscription_topics t ON t.subscription_id = s.id WHERE t.topic = ? ON CONFLICT DO NOTHING",
        (alert_id, topic))
    return db.execute("SELECT COUNT(*) FROM deliveries WHERE alert_id = ?", (alert_id,)).fetchone()[0]


def pending(db, alert_id, *, limit, now=None):
    """Deliveries due now, with the keys needed to encrypt them."""
    return db.execute(
        "SELECT d.id, d.endpoint, d.attempts, d.subscription_id, s.p256dh, s.auth FROM deliveries d"
        " JOIN subscriptions s ON s.id = d.subscription_id"
        " WHERE d.alert_id = ? AND d.state = 'pending' AND d.next_attempt_at <= ? ORDER BY d.id LIMIT ?",
        (alert_id, now if now is not None else time.time(), limit)).fetchall()


def orphaned(db, alert_id):
    """Pending deliveries whose subscriber was removed meanwhile: nothing to send."""
    return db.execute(
        "UPDATE deliveries SET state = 'expired', error = 'unsubscribed' WHERE alert_id = ?"
        " AND state = 'pending' AND subscription_id IS NULL", (alert_id,)).rowcount


def next_attempt(db, alert_id):
    """The earliest time a pending delivery may be tried, or None when none is pending."""
    return db.execute("SELECT MIN(next_attempt_at) FROM deliveries WHERE alert_id = ? AND state = 'pending'",
                      (alert_id,)).fetchone()[0]


def record_outcomes(db, outcomes):
    """Store a batch of (delivery_id, state, status, error, next_attempt_at) in one statement each."""
    now = utcnow()
    db.executemany(
        "UPDATE deliveries SET state = ?, status = ?, error = ?, next_attempt_at = ?, attempts = attempts + 1,"
        " sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE id = ?",
        [(state, status, error, retry_at or 0, state, now, delivery_id)
         for delivery_id, state, status, error, retry_at in outcomes])


def figures(db, alert_id):
    """Delivery figures: queued, sent, failed, expired (removed), clicked."""
    counts = dict(db.execute("SELECT state, COUNT(*) FROM deliveries WHERE alert_id = ? GROUP BY state",
                             (alert_id,)).fetchall())
    clicked = db.execute("SELECT COUNT(*) FROM clicks WHERE alert_id = ?", (alert_id,)).fetchone()[0]
    return {"queued": sum(counts.values()), "pending": counts.get("pending", 0),
            "sent": counts.get("sent", 0), "failed": counts.get("failed", 0),
            "expired": counts.get("expired", 0), "clicked": clicked}


def record_click(db, alert_id):
    db.execute("INSERT INTO clicks (alert_id, at) VALUES (?, ?)", (alert_id, utcnow()))


def heartbeat(db, name, pid):
    db.execute("INSERT INTO push_workers (name, pid, heartbeat) VALUES (?, ?, ?) ON CONFLICT(name)"
               " DO UPDATE SET pid = excluded.pid, heartbeat = excluded.heartbeat", (name, pid, time.time()))


def live_worker(db, within=15.0):
    """A sender that showed life in the last `within` seconds, or None."""
    return db.execute("SELECT * FROM push_workers WHERE heartbeat > ?", (time.time() - within,)).fetchone()


def retire_worker(db, name):
    db.execute("DELETE FROM push_workers WHERE name = ?", (name,))
