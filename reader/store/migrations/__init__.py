"""Schema steps per engine, applied at start under a lock so two starting nodes never race.

sqlite.STEPS and postgresql.STEPS are append-only and step for step the same change; the
number of steps applied is kept in the database itself (SQLite's user_version, PostgreSQL's
reader_schema table).
"""
import logging
import sqlite3

from . import postgresql, sqlite

log = logging.getLogger(__name__)
PG_LOCK = 0x5245_4144  # "READ": the advisory lock every starting node takes to migrate


def _backfill_search(db):
    from .. import search

    search.backfill(db)


# Work a step needs done in Python (what SQL cannot compute), run after the step's SQL in the same
# transaction: step 8 made article_terms, whose stems only Python makes.
AFTER = {8: _backfill_search}


def statements(script):
    """Split a script into whole statements (a trigger's body keeps its semicolons)."""
    pending, out = "", []
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            out.append(pending.strip())
            pending = ""
    if pending.strip():
        out.append(pending.strip())
    return out


def apply_sqlite(db):
    """Apply SQLite's pending steps in one IMMEDIATE transaction; returns the count of steps.

    A store that is up to date is seen without taking the write lock (every request opens one).
    """
    if db.execute("PRAGMA user_version").fetchone()[0] == len(sqlite.STEPS):
        return len(sqlite.STEPS)
    with db.transaction():
        done = db.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(sqlite.STEPS[done:], start=done + 1):
            log.info("applying migration %d", number)
            for statement in statements(script):
                db.execute(statement)
            if number in AFTER:
                AFTER[number](db)
            db.execute(f"PRAGMA user_version={number}")
    return len(sqlite.STEPS)


def apply_postgresql(conn):
    """Apply PostgreSQL's pending steps on a raw psycopg connection, under an advisory lock."""
    conn.execute("SELECT pg_advisory_lock(%s)", (PG_LOCK,))
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS reader_schema (version INTEGER NOT NULL)")
        row = conn.execute("SELECT version FROM reader_schema").fetchone()
        done = row[0] if row else 0
        if row is None:
            conn.execute("INSERT INTO reader_schema (version) VALUES (0)")
        for number, script in enumerate(postgresql.STEPS[done:], start=done + 1):
            log.info("applying migration %d", number)
            with conn.transaction():
                conn.execute(script)
                if number in AFTER:
                    AFTER[number](_Direct(conn))
                conn.execute("UPDATE reader_schema SET version = %s", (number,))
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (PG_LOCK,))
    return len(postgresql.STEPS)


class _Direct:
    """The store's qmark SQL on the raw connection PostgreSQL's migrations run on (AFTER steps)."""

    dialect = "postgresql"

    def __init__(self, conn):
        self.conn = conn

    def execute(self, sql, params=()):
        return self.conn.execute(sql.replace("?", "%s"), params or None)


def version(db):
    """The number of steps the open database has applied."""
    if db.dialect == "sqlite":
        return db.execute("PRAGMA user_version").fetchone()[0]
    return db.execute("SELECT version FROM reader_schema").fetchone()[0]


def steps(dialect):
    return sqlite.STEPS if dialect == "sqlite" else postgresql.STEPS
