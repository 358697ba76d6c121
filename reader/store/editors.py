"""Editor accounts and the count of wrong passwords per name tried."""
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
    return db.execute("DELETE FROM editors WHERE name = ?", (name,)).rowcount


def set_password(db, name, password_hash):
    return db.execute("UPDATE editors SET password_hash = ? WHERE name = ?",
                      (password_hash, name)).rowcount


def failures(db, name):
    """(wrong attempts, unix time of the latest) for a name tried; (0, 0.0) when none."""
    row = db.execute("SELECT failures, last_at FROM login_failures WHERE name = ?", (name,)).fetchone()
    return (row["failures"], row["last_at"]) if row else (0, 0.0)


def record_failure(db, name, count, at):
    db.execute("INSERT INTO login_failures (name, failures, last_at) VALUES (?, ?, ?) ON CONFLICT(name)"
               " DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at", (name, count, at))


def clear_failures(db, name):
    db.execute("DELETE FROM login_failures WHERE name = ?", (name,))
