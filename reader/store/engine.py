"""What both engines share: the handle's shape and nested transactions."""
import functools
from contextlib import contextmanager


class Database:
    """One open handle on the store, used by one thread at a time.

    Subclasses set `dialect` ("sqlite" or "postgresql") and implement execute, executemany,
    close, and the _begin/_commit/_rollback steps of a transaction. Rows read back support
    row["column"], row[0] and dict(row) on both engines.
    """

    dialect = ""

    def __init__(self):
        self._depth = 0

    @contextmanager
    def transaction(self):
        """One transaction for the block; a nested block joins the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._begin()
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            self._rollback()
            raise
        self._depth = 0
        self._commit()

    def check_integrity(self):
        """Raise StoreCorrupt when the store's files are damaged (an embedded engine checks its
        file; a server such as PostgreSQL looks after its own)."""

    @property
    def in_transaction(self):
        return self._depth > 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class Row(tuple):
    """A result row readable by position, by column name, and as a mapping (like sqlite3.Row)."""

    __slots__ = ()
    _index: dict[str, int] = {}

    def __getitem__(self, key):
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self):
        return list(self._index)

    def get(self, key, default=None):
        return self[key] if key in self._index else default


@functools.lru_cache(maxsize=512)
def row_class(names):
    """A Row subclass for one result shape (a tuple of column names), made once and kept."""
    return type("Row", (Row,), {"__slots__": (), "_index": {name: i for i, name in enumerate(names)}})
