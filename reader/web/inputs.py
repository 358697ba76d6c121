"""Numbers and times from URLs, query strings, forms and JSON, bounded to what the store can hold.

One rule for every view: a value that is malformed or out of range is "not given" (None), and
the view answers 404 (a page) or 400 (JSON) with a message. Nothing out of range ever reaches
the store, where it would be an OverflowError or a driver's error, and so a 500.
"""
import builtins
import re
from datetime import datetime, timezone

from werkzeug.routing import IntegerConverter, PathConverter, UnicodeConverter

from ..store import MAX_ID

DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII only: str.isdigit() also passes "²" and "①"
# No name, slug, file or address Reader stores holds a control character, and PostgreSQL's text
# cannot even be asked about a NUL (the driver refuses the query): such a value names nothing.
CONTROLS = r"\x00-\x1f\x7f"
CONTROL = re.compile(f"[{CONTROLS}]")


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: ASCII digits from 1 up to the store's largest id, else a 404."""

    regex = r"[0-9]{1,19}"

    def __init__(self, url_map, fixed_digits=0, min=1, max=MAX_ID, signed=False):  # noqa: A002 (werkzeug's names)
        bounded = MAX_ID if max is None else builtins.min(max, MAX_ID)
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=bounded, signed=signed)


class TextConverter(UnicodeConverter):
    """`<name>` and `<string:name>` in every route: one path segment with no control character,
    else no route matches (a 404)."""

    def __init__(self, url_map, minlength=1, maxlength=None, length=None):
        super().__init__(url_map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", f"[^/{CONTROLS}]", 1)


class PathTextConverter(PathConverter):
    """`<path:name>`: slashes allowed, control characters not (a 404)."""

    regex = f"[^/{CONTROLS}][^{CONTROLS}]*?"


def key(value):
    """A name, slug or address to look up from a query string, a form or JSON: None when it is
    not a non-empty str or holds a control character (nothing stored has one)."""
    if not isinstance(value, str) or not value or CONTROL.search(value):
        return None
    return value


def whole_number(value, low=1, high=MAX_ID):
    """An int from ASCII digits (a str) or a JSON number (an int, not a bool) within [low, high], else None."""
    if isinstance(value, str) and DIGITS.fullmatch(value):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return value if low <= value <= high else None


def record_id(value):
    """A stored row's id from a form, a query string or JSON; None when it cannot be one."""
    return whole_number(value, 1, MAX_ID)


def utc_time(value):
    """An ISO 8601 time as an aware UTC datetime (no zone given: UTC).

    Raises:
        ValueError: not a time, or one that does not fit in years 1-9999 once in UTC.
    """
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError(f"{value!r} is out of range") from None
