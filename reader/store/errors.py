"""The store's own errors: callers catch these, never a driver's."""


class StoreError(Exception):
    """The store could not do what was asked; the message is one line for people."""


class IntegrityError(StoreError):
    """A uniqueness or reference rule refused a write (nothing was written)."""


class StoreUnavailable(StoreError):
    """The database cannot be used right now (unreachable, restarting, disk full); try again later."""


class StoreBusy(StoreUnavailable):
    """Another writer held the database longer than the wait allows."""


class StoreCorrupt(StoreError):
    """The database file is damaged or is not a database."""
