"""All SQL lives in this package: one module per noun, sharing one connection."""
import logging
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app, g

from .migrations import MIGRATIONS

log = logging.getLogger(__name__)
DB_NAME = "reader.sqlite3"


def utcnow():
    """Now in UTC as ISO 8601 with seconds, the format every stored time uses."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def connect(data_dir):
    """Open (and create or migrate) the database in data_dir."""
    path = Path(data_dir) / DB_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=30000")
    migrate(db)
    return db


def migrate(db):
    """Apply the migrations not yet applied, each in its own transaction."""
    done = db.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[done:], start=done + 1):
        log.info("applying migration %d", number)
        db.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version={number};\nCOMMIT;")
    return len(MIGRATIONS)


class transaction:
    """`with transaction(db):` runs the block in one IMMEDIATE transaction."""

    def __init__(self, db):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        return False


def get_db():
    """The request's (or command's) connection, opened on first use."""
    if "db" not in g:
        g.db = connect(current_app.config["DATA_DIR"])
    return g.db


def close_db(_exc=None):
    db = g.pop("db", None)
    if db is not None:
        db.close()
