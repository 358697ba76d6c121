"""The base of every stage's named error: which URL, and one line saying why."""


class StageError(Exception):
    """A stage could not do its work on one URL; `reason` is one line for people."""

    def __init__(self, url, reason):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
