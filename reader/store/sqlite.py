"""The embedded engine: one SQLite file in the data directory, in WAL mode."""
import os
import sqlite3
from pathlib import Path

from . import migrations
from .engine import Database
from .errors import IntegrityError, StoreBusy, StoreCorrupt, StoreError, StoreUnavailable

DB_NAME = "reader.sqlite3"
BUSY_MS = 30000  # how long a writer waits for another's lock before StoreBusy
# The WAL grows while readers keep a checkpoint from starting it over (a burst of writes under
# constant reads); SQLite then reuses the file but never shrinks it. With this limit, the first
# checkpoint that starts it over truncates it back (the automatic checkpoint runs every 1000 pages).
WAL_LIMIT = 16 * 1024 * 1024


class SQLiteDatabase(Database):
    """A connection to DATA_DIR/reader.sqlite3, created (owner-only) and migrated on open."""

    dialect = "sqlite"

    def __init__(self, data_dir):
        super().__init__()
        self.path = Path(data_dir) / DB_NAME
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            self._conn = sqlite3.connect(self.path, timeout=BUSY_MS / 1000, isolation_level=None,
                                         check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(f"cannot open the database {self.path}: {exc}") from None
        self._conn.row_factory = sqlite3.Row
        with _translated():
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute(f"PRAGMA busy_timeout={BUSY_MS}")
            self._conn.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
            migrations.apply_sqlite(self)

    def execute(self, sql, params=()):
        with _translated():
            return self._conn.execute(sql, params)

    def executemany(self, sql, rows):
        with _translated():
            return self._conn.executemany(sql, rows)

    def script(self, sql):
        """Run several statements (no parameters); only migrations need this."""
        with _translated():
            self._conn.executescript(sql)

    def close(self):
        self._conn.close()

    def check_integrity(self):
        """Read every page once (PRAGMA quick_check).

        Raises:
            StoreCorrupt: the file is damaged, with SQLite's first finding.
        """
        found = [row[0] for row in self.execute("PRAGMA quick_check(5)").fetchall()]
        if found != ["ok"]:
            raise StoreCorrupt(f"the database file {self.path} is damaged ({'; '.join(found)})")

    def _begin(self):
        self.execute("BEGIN IMMEDIATE")

    def _commit(self):
        self.execute("COMMIT")

    def _rollback(self):
        if self._conn.in_transaction:
            self.execute("ROLLBACK")


class _translated:
    """Turns sqlite3's exceptions into the store's own, with one line for people."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None or not issubclass(exc_type, sqlite3.Error):
            return False
        message = str(exc)
        if issubclass(exc_type, sqlite3.IntegrityError):
            raise IntegrityError(message) from exc
        lowered = message.lower()
        if "locked" in lowered or "busy" in lowered:
            raise StoreBusy(f"the database stayed busy ({message})") from exc
        if "not a database" in lowered or "malformed" in lowered:
            raise StoreCorrupt(f"the database file is damaged ({message})") from exc
        if any(word in lowered for word in ("disk", "i/o", "readonly", "read-only", "unable to open")):
            raise StoreUnavailable(f"the database cannot be written or read now ({message})") from exc
        raise StoreError(message) from exc
