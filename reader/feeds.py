"""Feeds in: RSS, Atom (through feedparser) and JSON Feed, detected from the bytes.

A feed gives at most its newest `feed entries` (a setting), read from at most its first
`feed entries read`: feedparser's time grows with every entry, so a 50,000-entry feed is
cut to its top before parsing, and the Feed says what was left out.
"""
import calendar
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import feedparser

from .budget import Budget
from .errors import StageError
from .fetch import decode_text
from .text import clean_text

FEED_ROOT = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<(rss|feed|rdf:RDF)\b", re.S | re.I)
JSON_FEED_VERSION = "https://jsonfeed.org/version/"
UTF8_XML = {"content-type": "application/xml; charset=utf-8"}  # RFC 7303: the header wins
# An RSS <item> or Atom <entry>, with or without a namespace prefix (not <items>, RSS 1.0's index).
ENTRY_START = re.compile(rb"<(?:[a-z_][\w.-]*:)?(?:item|entry)[\s/>]", re.I)
ENTRY_END = re.compile(rb"</(?:[a-z_][\w.-]*:)?(?:item|entry)\s*>", re.I)


class FeedError(StageError):
    """A feed that cannot be read."""


@dataclass
class Entry:
    url: str
    title: str = ""
    summary: str = ""
    published: float | None = None  # POSIX seconds, when the feed dates the entry


@dataclass
class Feed:
    url: str
    title: str = ""
    entries: list[Entry] = field(default_factory=list)  # the newest first, when the feed has dates
    listed: int = 0  # entries the document lists, usable or not
    read: int = 0  # of those, how many were parsed (the first ones)
    usable: int = 0  # parsed entries with an http(s) link, each link once

    @property
    def note(self):
        """One line saying what was left out of a long feed, or None when nothing was."""
        if self.read < self.listed:
            return (f"the feed lists {self.listed:,} entries: the first {self.read:,} were read "
                    f"and the newest {len(self.entries):,} taken")
        if len(self.entries) < self.usable:
            return f"the feed lists {self.usable:,} entries: the newest {len(self.entries):,} taken"
        return None


def is_feed(body: bytes, content_type: str = "") -> bool:
    """True when the bytes are an RSS, Atom or JSON feed, whatever the URL says."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf")
    if FEED_ROOT.match(head):
        return True
    if head.lstrip().startswith(b"{") and b"jsonfeed.org/version" in body[:4096]:
        return True
    return False


def parse(body: bytes, url: str, budget: Budget | None = None) -> Feed:
    """Parse feed bytes into a Feed with absolute entry URLs, newest first, cut to the budget.

    Args:
        body: the feed's bytes.
        url: where it came from (relative links resolve against it).
        budget: the source's Budget (its "feed entries" and "feed entries read" limits);
            None: the settings' defaults.

    Raises:
        FeedError: the bytes are not a feed, or it lists no usable entry.
        BudgetError: the source ran out of time.
    """
    budget = budget or Budget.start(url)
    head = body[:2048].lstrip(b"\xef\xbb\xbf").lstrip()
    reader = _parse_json if head.startswith(b"{") else _parse_xml
    feed = reader(body, url, budget.limit("feed entries read"))
    budget.check_time()
    if not feed.entries:
        raise FeedError(url, "the feed lists no articles")
    usable = _newest_first(feed.entries)
    feed.usable, feed.entries = len(usable), usable[:budget.limit("feed entries")]
    return feed


def _parse_json(body, url, read):
    try:
        data = json.loads(body)
    except RecursionError:  # the C parser counts depth against the interpreter's limit
        raise FeedError(url, "broken JSON feed (nested too deeply)") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(url, f"broken JSON feed ({exc})") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(JSON_FEED_VERSION):
        raise FeedError(url, "not a JSON Feed (no jsonfeed.org version)")
    items = data.get("items")
    if not isinstance(items, list):
        items = []
    entries = [_entry(url, item.get("url") or item.get("external_url"), item.get("title"),
                      item.get("summary"), _json_date(item))
               for item in items[:read] if isinstance(item, dict)]
    return Feed(url, _text(data.get("title")), entries, listed=len(items), read=min(read, len(items)))


def _parse_xml(body, url, read):
    # Decoded here, by the rules pages follow: feedparser would take any Python codec the
    # XML declaration names ("undefined" raises) and guess differently from pages.
    text, _encoding = decode_text(body, None)
    document, listed = _first_entries(text.encode("utf-8"), read)
    parsed = feedparser.parse(document, sanitize_html=False, resolve_relative_uris=False,
                              response_headers=UTF8_XML)
    entries = [_entry(url, item.get("link") or _guid_link(item), item.get("title"),
                      item.get("summary"), _xml_date(item)) for item in parsed.entries]
    if not any(entries) and (parsed.get("bozo") or not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "not RSS or Atom"
        raise FeedError(url, f"broken feed ({str(reason).splitlines()[0]})")
    return Feed(url, _text(parsed.feed.get("title")), entries, listed=listed,
                read=min(read, listed))


def _first_entries(document, read):
    """The document with every entry after the first `read` cut out, and the entries it lists."""
    starts = [match.start() for match in ENTRY_START.finditer(document)]
    if len(starts) <= read:
        return document, len(starts)
    tail = starts[read]
    for match in ENTRY_END.finditer(document, tail):
        tail = match.end()
    return document[:starts[read]] + document[tail:], len(starts)


def _newest_first(entries):
    """The entries with a usable link, newest first, each link once (its newest entry).

    Dated entries come first; undated ones keep the feed's order after them (the sort is
    stable), so a feed without dates is taken from its top. Linear in the entries: a set
    remembers the links seen (a list scan made 20,000 entries take 100 s).
    """
    undated = float("-inf")
    ordered = sorted((e for e in entries if e is not None), reverse=True,
                     key=lambda e: undated if e.published is None else e.published)
    seen, unique = set(), []
    for entry in ordered:
        if entry.url not in seen:
            seen.add(entry.url)
            unique.append(entry)
    return unique


def _entry(base, link, title, summary, published):
    """An Entry for a usable http(s) link, else None."""
    if not isinstance(link, str) or not link.strip():
        return None
    absolute = urljoin(base, link.strip())
    if urlsplit(absolute).scheme not in ("http", "https"):
        return None
    return Entry(absolute, _text(title).strip(), _text(summary).strip(), published)


def _text(value):
    """A text field without control characters (the feed's title is stored with its source);
    anything but a string (an object, a list) counts as missing."""
    return clean_text(value) if isinstance(value, str) else ""


def _guid_link(item):
    guid = item.get("id") or ""
    return guid if guid.startswith(("http://", "https://")) else None


def _xml_date(item):
    """feedparser's parsed date (UTC struct_time) as POSIX seconds, or None."""
    moment = item.get("published_parsed") or item.get("updated_parsed")
    return calendar.timegm(moment) if moment else None


def _json_date(item):
    """A JSON Feed item's RFC 3339 date as POSIX seconds, or None."""
    value = item.get("date_published") or item.get("date_modified")
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)  # RFC 3339 requires an offset; assume UTC
    return moment.timestamp() if moment else None
