"""All SQL lives in this package: one module per noun, over one `Database` handle.

Two engines sit behind the same functions: the SQLite file in the data directory (the embedded
default) and PostgreSQL (`READER_DATABASE_URL=postgresql://...`) for a newsroom that outgrew one
machine. Nothing outside this package sees a driver connection or a driver's exception: callers
get a `Database` (execute, executemany, transaction, close) and the errors in `errors.py`.
"""
from datetime import datetime, timezone

from flask import current_app, g

from .errors import IntegrityError, StoreBusy, StoreCorrupt, StoreError, StoreUnavailable  # noqa: F401

MAX_ID = 2**63 - 1  # the largest id either engine stores (SQLite INTEGER, PostgreSQL BIGINT)


def utcnow():
    """Now in UTC as ISO 8601 with seconds, the format every stored time uses."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def connect(target):
    """Open (and create or migrate) the store.

    Args:
        target: an app's config (a mapping with DATA_DIR and DATABASE_URL) or a data directory;
            a data directory takes DATABASE_URL from READER_DATABASE_URL like the app does.

    Raises:
        StoreUnavailable: the database cannot be reached; StoreError: a bad URL.
    """
    from .. import config as config_module

    if not hasattr(target, "get"):
        target = config_module.load({"DATA_DIR": target})
    url = target.get("DATABASE_URL") or ""
    if url:
        from .postgres import PostgresDatabase

        return PostgresDatabase(url, pool_size=target.get("DATABASE_POOL_SIZE", 8))
    from .sqlite import SQLiteDatabase

    return SQLiteDatabase(target["DATA_DIR"])


def check(config):
    """Open and close the store once: a wrong or unreachable database fails here, with one line.

    Raises:
        StoreError: as connect() does.
    """
    connect(config).close()
    if config.get("DATABASE_URL"):
        from .postgres import close_pools

        close_pools()  # children start their own; none is inherited


def transaction(db):
    """`with transaction(db):` runs the block in one transaction (IMMEDIATE on SQLite)."""
    return db.transaction()


def get_db():
    """The request's (or command's) handle, opened on first use."""
    if "db" not in g:
        g.db = connect(current_app.config)
    return g.db


def close_db(_exc=None):
    db = g.pop("db", None)
    if db is not None:
        db.close()
