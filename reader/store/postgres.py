"""The engine for more than one machine: PostgreSQL 15+ through psycopg 3 and a connection pool.

Each process keeps one pool per database URL (made after a fork, never inherited). A handle
borrows one connection on first use and gives it back on close, so a web request or a command
holds at most one. A connection that breaks (a restart, a network cut) is dropped and the
error becomes StoreUnavailable; the next use borrows a fresh one, so the app recovers by itself.
"""
import functools
import logging
import os
import threading

import psycopg
import psycopg_pool
from psycopg import errors as pg_errors

from . import migrations
from .engine import Database, row_class
from .errors import IntegrityError, StoreBusy, StoreError, StoreUnavailable

log = logging.getLogger(__name__)
CONNECT_TIMEOUT = 5     # seconds to reach the server before it counts as unreachable
POOL_WAIT = 3.0         # seconds a handle waits for a free connection before StoreUnavailable
LOCK_TIMEOUT = "30s"    # longest wait for another transaction's row lock, like SQLite's busy wait
# A session that stops in the middle of a transaction (its process frozen, stopped or stuck) is
# ended by the server after this long, so the row locks it holds are released: others waiting
# on them (up to LOCK_TIMEOUT) go on. Reader's transactions are all a few statements long.
IDLE_IN_TRANSACTION = "10s"

_pools: dict = {}
_pools_lock = threading.Lock()


class PostgresDatabase(Database):
    """A handle on a PostgreSQL database, borrowing from this process's pool for `url`."""

    dialect = "postgresql"

    def __init__(self, url, *, pool_size=8):
        super().__init__()
        self.url = url
        self._pool = pool_for(url, pool_size)
        self._conn = None
        self._tx = None

    def execute(self, sql, params=()):
        conn = self._connection()
        with self._translated():
            return conn.execute(_native(sql), params if params else None)

    def executemany(self, sql, rows):
        conn = self._connection()
        with self._translated():
            cursor = conn.cursor()
            cursor.executemany(_native(sql), list(rows))
            return cursor

    def copy_rows(self, table, columns, rows):
        """COPY rows into a table (the fast path `reader db copy` uses)."""
        conn = self._connection()
        with self._translated():
            with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def close(self):
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                self._pool.putconn(conn)
            except psycopg_pool.PoolClosed:
                conn.close()

    def _connection(self):
        if self._conn is None:
            try:
                self._conn = self._pool.getconn(timeout=POOL_WAIT)
            except psycopg_pool.PoolTimeout:
                raise StoreUnavailable(f"no connection to PostgreSQL within {POOL_WAIT:g}s"
                                       " (the server is down or every connection is busy)") from None
        return self._conn

    def _begin(self):
        self._tx = self._connection().transaction()
        with self._translated():
            self._tx.__enter__()

    def _commit(self):
        tx, self._tx = self._tx, None
        with self._translated():
            tx.__exit__(None, None, None)

    def _rollback(self):
        tx, self._tx = self._tx, None
        if tx is not None and self._conn is not None:
            try:
                tx.__exit__(StoreError, StoreError("rolled back"), None)
            except psycopg.Error:
                self._drop()

    def _drop(self):
        """Give back a broken connection; the pool sees it is closed and replaces it."""
        conn, self._conn, self._tx = self._conn, None, None
        if conn is not None:
            try:
                conn.close()
            finally:
                self._pool.putconn(conn)

    def _translated(self):
        return _Translated(self)


class _Translated:
    def __init__(self, db):
        self.db = db

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None or not issubclass(exc_type, psycopg.Error):
            return False
        message = (str(exc).strip().splitlines() or [exc_type.__name__])[0]
        if issubclass(exc_type, psycopg.IntegrityError):
            raise IntegrityError(message) from exc
        if issubclass(exc_type, (pg_errors.LockNotAvailable, pg_errors.DeadlockDetected,
                                 pg_errors.SerializationFailure)):
            raise StoreBusy(f"the database stayed busy ({message})") from exc
        if issubclass(exc_type, psycopg.OperationalError) or self.db._conn is None or self.db._conn.closed:
            self.db._drop()
            raise StoreUnavailable(f"PostgreSQL is unavailable ({message})") from exc
        if issubclass(exc_type, psycopg.DataError):
            raise StoreError(f"a value the database cannot hold ({message})") from exc
        raise StoreError(message) from exc


def pool_for(url, size):
    """This process's pool for url, made (and the schema migrated) on first use."""
    key = (url, os.getpid())
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            _migrate(url)
            pool = psycopg_pool.ConnectionPool(
                url, min_size=1, max_size=max(1, size), open=True, timeout=POOL_WAIT, name="reader",
                kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT},
                configure=_configure, check=psycopg_pool.ConnectionPool.check_connection)
            _pools[key] = pool
    return pool


def close_pools(url=None):
    """Close this process's pools (all, or those for url); tests and shutdown call it."""
    with _pools_lock:
        for key in [k for k in _pools if url is None or k[0] == url]:
            pool = _pools.pop(key)
            if key[1] == os.getpid():
                pool.close(timeout=2)


def _migrate(url):
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
            migrations.apply_postgresql(conn)
    except psycopg.OperationalError as exc:
        reason = (str(exc).strip().splitlines() or ["unreachable"])[0].removeprefix("connection failed: ")
        raise StoreUnavailable(f"cannot reach PostgreSQL at {_safe(url)}: {reason}") from None
    except psycopg.ProgrammingError as exc:
        raise StoreError(f"READER_DATABASE_URL is not a usable PostgreSQL URL: {exc}") from None


def _configure(conn):
    conn.row_factory = _rows
    conn.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
    conn.execute(f"SET idle_in_transaction_session_timeout = '{IDLE_IN_TRANSACTION}'")


def _rows(cursor):
    return row_class(tuple(column.name for column in cursor.description or ()))


@functools.lru_cache(maxsize=1024)
def _native(sql):
    """The store's SQL (qmark placeholders) in psycopg's style: ? -> %s, a literal % -> %%."""
    out, quote = [], None
    for char in sql:
        if quote:
            out.append("%%" if char == "%" else char)
            if char == quote:
                quote = None
        elif char in ("'", '"'):
            quote = char
            out.append(char)
        elif char == "?":
            out.append("%s")
        elif char == "%":
            out.append("%%")
        else:
            out.append(char)
    return "".join(out)


def _safe(url):
    """The URL without its password, for messages."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "the configured URL"
    host = info.get("host", "localhost")
    return f"{host}:{info.get('port', 5432)}/{info.get('dbname', '')}"
