"""What one source may cost: a time limit, and counts of the things it is made of.

Ingest starts one Budget per source (a page, a feed) and hands it to every stage; a stage
that finds the budget spent raises BudgetError, and ingest fails that source with the
error's one line while the other sources go on. Time is checked between steps and bounds
every fetch (fetch/watchdog.py), so a step in progress cannot outlive it for long.
"""
import time
from dataclasses import dataclass, field, replace

from . import config as settings
from .errors import StageError

# Count limits: the name a stage checks -> the setting that holds its limit.
LIMIT_SETTINGS = {
    "feed entries": "FEED_MAX_ENTRIES",  # kept (the newest); a longer feed is cut, not failed
    "feed entries read": "FEED_MAX_ENTRIES_READ",  # parsed, from the top
    # a page's, checked by extraction (reader/extract/limits.py); a page past one fails
    "attributes on one element": "PAGE_MAX_ATTRIBUTES",
    "page elements": "PAGE_MAX_ELEMENTS",
    "page links": "PAGE_MAX_LINKS",
    "story characters": "PAGE_MAX_STORY_CHARS",
}


class BudgetError(StageError):
    """A source ran out of time, or holds more of something than it may."""


@dataclass(frozen=True)
class Deadline:
    """A moment on the monotonic clock, and the line that says it has passed."""
    at: float
    reason: str

    @classmethod
    def after(cls, seconds, reason):
        return cls(time.monotonic() + seconds, reason)

    def remaining(self):
        return self.at - time.monotonic()

    def earlier(self, other):
        """Whichever of two deadlines comes first (other may be None)."""
        return self if other is None or self.at <= other.at else other


@dataclass(frozen=True)
class Budget:
    """One source's budget: a deadline and the most of each counted thing.

    Args:
        url: the source, named in errors.
        seconds: the time from start to store.
        limits: {name: most allowed}, e.g. {"feed entries": 200}.
    """
    url: str
    seconds: float
    limits: dict = field(default_factory=dict)
    deadline: Deadline | None = None  # None: one from `seconds` (set in __post_init__)

    def __post_init__(self):
        if self.deadline is None:
            reason = f"ran out of time ({self.seconds:g}s for one source)"
            object.__setattr__(self, "deadline", Deadline.after(self.seconds, reason))

    @classmethod
    def start(cls, url, config=None, *, within=None):
        """A budget from the settings (config None: the defaults), starting now.

        Args:
            within: a Deadline the source must also meet (a desk job's), or None.
        """
        # a setting the config lacks (a partial mapping) takes its default
        value = (lambda name: config[name] if name in config else settings.default(name)) \
            if config is not None else settings.default
        budget = cls(url, value("SOURCE_SECONDS"),
                     {name: value(key) for name, key in LIMIT_SETTINGS.items()})
        deadline = budget.deadline.earlier(within)
        return budget if deadline is budget.deadline else replace(budget, deadline=deadline)

    def check_time(self):
        """Raise BudgetError once the deadline has passed."""
        if self.deadline.remaining() <= 0:
            raise BudgetError(self.url, self.deadline.reason)

    def limit(self, name):
        return self.limits[name]

    def check_count(self, name, count):
        """Raise BudgetError when `count` things called `name` are more than the limit."""
        if count > self.limits[name]:
            raise BudgetError(self.url, f"too many {name} ({count:,}; at most {self.limits[name]:,})")
