"""Push subscribers and the topics each follows."""
from datetime import datetime, timedelta, timezone

from . import utcnow

RECENT_DAYS = 30  # a subscription counts in an alert's audience when it accepted a delivery this recently


def upsert(db, endpoint, p256dh, auth, topics):
    """Store a subscription (the same endpoint is the same subscriber); returns (id, created)."""
    now = utcnow()
    row = db.execute("SELECT id FROM subscriptions WHERE endpoint = ?", (endpoint,)).fetchone()
    if row is None:
        subscription_id = db.execute(
            "INSERT INTO subscriptions (endpoint, p256dh, auth, created_at, updated_at) VALUES (?, ?, ?, ?, ?)"
            " RETURNING id", (endpoint, p256dh, auth, now, now)).fetchone()[0]
    else:
        subscription_id = row["id"]
        db.execute("UPDATE subscriptions SET p256dh = ?, auth = ?, updated_at = ? WHERE id = ?",
                   (p256dh, auth, now, subscription_id))
    db.execute("DELETE FROM subscription_topics WHERE subscription_id = ?", (subscription_id,))
    db.executemany("INSERT INTO subscription_topics (subscription_id, topic) VALUES (?, ?)",
                   [(subscription_id, topic) for topic in topics])
    return subscription_id, row is None


def remove(db, endpoint):
    return db.execute("DELETE FROM subscriptions WHERE endpoint = ?", (endpoint,)).rowcount


def remove_all(db):
    return db.execute("DELETE FROM subscriptions").rowcount


def remove_by_id(db, subscription_id):
    db.execute("DELETE FROM subscriptions WHERE id = ?", (subscription_id,))


def get(db, endpoint):
    return db.execute("SELECT * FROM subscriptions WHERE endpoint = ?", (endpoint,)).fetchone()


def topics_of(db, subscription_id):
    rows = db.execute("SELECT topic FROM subscription_topics WHERE subscription_id = ? ORDER BY topic",
                      (subscription_id,)).fetchall()
    return [row[0] for row in rows]


def following(db, topic):
    """Subscriptions that follow a topic."""
    return db.execute(
        "SELECT s.* FROM subscriptions s JOIN subscription_topics t ON t.subscription_id = s.id"
        " WHERE t.topic = ? ORDER BY s.id", (topic,)).fetchall()


def count_following(db, topic):
    return db.execute("SELECT COUNT(*) FROM subscription_topics WHERE topic = ?", (topic,)).fetchone()[0]


def audience(db, topic, *, days=RECENT_DAYS):
    """(readers, new) an alert on this topic would reach, as editors are told: followers that
    accepted a delivery in the last `days`, plus those made in that time that no delivery has
    reached yet (`new`). Subscriptions nothing has reached for longer are not counted: they may
    be gone, or never have been phones (anyone can post a subscription)."""
    since = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds")
    reached, new = db.execute(
        "SELECT COUNT(CASE WHEN s.delivered_at >= ? THEN 1 END),"
        " COUNT(CASE WHEN s.delivered_at IS NULL AND s.created_at >= ? THEN 1 END)"
        " FROM subscription_topics t JOIN subscriptions s ON s.id = t.subscription_id WHERE t.topic = ?",
        (since, since, topic)).fetchone()
    return reached + new, new


def count(db):
    return db.execute("SELECT COUNT(*) FROM subscriptions").fetchone()[0]
