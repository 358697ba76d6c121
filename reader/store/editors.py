"""Editor accounts, their sessions, and the count of wrong passwords per name or address tried."""
from . import utcnow


def create(db, name, password_hash):
    """Insert an editor; returns the id (store.IntegrityError when the name is taken)."""
    return db.execute("INSERT INTO editors (name, password_hash, created_at) VALUES (?, ?, ?) RETURNING id",
                      (name, password_hash, utcnow())).fetchone()[0]


def get(db, name):
    return db.execute("SELECT * FROM editors WHERE name = ?", (name,)).fetchone()


def by_id(db, editor_id):
    return db.execute("SELECT * FROM editors WHERE id = ?", (editor_id,)).fetchone()


def all(db):
    return db.execute("SELECT id, name, created_at FROM editors ORDER BY name").fetchall()


def remove(db, name):
    """Remove an editor; their sessions go with them (ON DELETE CASCADE)."""
    return db.execute("DELETE FROM editors WHERE name = ?", (name,)).rowcount


def set_password(db, name, password_hash):
    return db.execute("UPDATE editors SET password_hash = ? WHERE name = ?",
                      (password_hash, name)).rowcount


def failures(db, name):
    """(wrong attempts, unix time of the latest) for a counter ("name:..." or "addr:..."); (0, 0.0) when none."""
    row = db.execute("SELECT failures, last_at FROM login_failures WHERE name = ?", (name,)).fetchone()
    return (row["failures"], row["last_at"]) if row else (0, 0.0)


def record_failure(db, name, count, at):
    db.execute("INSERT INTO login_failures (name, failures, last_at) VALUES (?, ?, ?) ON CONFLICT(name)"
               " DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at", (name, count, at))


def clear_failures(db, name):
    db.execute("DELETE FROM login_failures WHERE name = ?", (name,))


def open_session(db, token_hash, editor_id, now, expires_at):
    db.execute("INSERT INTO editor_sessions (token_hash, editor_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
               (token_hash, editor_id, now, expires_at))


def session_editor(db, token_hash, now):
    """The editor row of a live session, or None."""
    return db.execute("SELECT e.* FROM editor_sessions s JOIN editors e ON e.id = s.editor_id"
                      " WHERE s.token_hash = ? AND s.expires_at > ?", (token_hash, now)).fetchone()


def end_session(db, token_hash):
    db.execute("DELETE FROM editor_sessions WHERE token_hash = ?", (token_hash,))


def end_sessions(db, editor_id):
    """End every session of one editor; returns how many there were."""
    return db.execute("DELETE FROM editor_sessions WHERE editor_id = ?", (editor_id,)).rowcount


def forget_expired_sessions(db, now):
    db.execute("DELETE FROM editor_sessions WHERE expires_at <= ?", (now,))
