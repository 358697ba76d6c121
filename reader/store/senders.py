"""Push senders' heartbeats, and the VAPID public key readers' subscriptions were made for."""
from . import utcnow


def beat(db, name, *, host, pid, started_at, now, alert_id=None, sent=0, last_error=None):
    """Record a sender's sign of life (and what it is doing)."""
    db.execute(
        "INSERT INTO push_senders (name, host, pid, started_at, heartbeat, alert_id, sent, last_error)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET heartbeat = excluded.heartbeat,"
        " alert_id = excluded.alert_id, sent = excluded.sent, last_error = excluded.last_error",
        (name, host, pid, started_at, now, alert_id, sent, last_error))


def retire(db, name):
    db.execute("DELETE FROM push_senders WHERE name = ?", (name,))


def all(db):
    """Every sender that beat recently enough to be listed, newest beat first."""
    return db.execute("SELECT * FROM push_senders ORDER BY heartbeat DESC, name").fetchall()


def alive(db, *, now, within):
    """Senders that beat in the last `within` seconds."""
    return db.execute("SELECT * FROM push_senders WHERE heartbeat > ? ORDER BY name",
                      (now - within,)).fetchall()


def forget_dead(db, *, now, older_than):
    """Drop senders silent for longer than older_than seconds (they died without retiring)."""
    return db.execute("DELETE FROM push_senders WHERE heartbeat < ?", (now - older_than,)).rowcount


def recorded_key(db):
    """The VAPID public key subscriptions were made for, or None before the first."""
    row = db.execute("SELECT public_key FROM push_key WHERE id = 1").fetchone()
    return row[0] if row else None


def record_key(db, public_key):
    db.execute("INSERT INTO push_key (id, public_key, recorded_at) VALUES (1, ?, ?)"
               " ON CONFLICT (id) DO UPDATE SET public_key = excluded.public_key, recorded_at = excluded.recorded_at",
               (public_key, utcnow()))
