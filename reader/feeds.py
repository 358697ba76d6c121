"""Feeds in: RSS, Atom (through feedparser) and JSON Feed, detected from the bytes."""
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import feedparser

from .errors import StageError
from .fetch import decode_text

FEED_ROOT = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<(rss|feed|rdf:RDF)\b", re.S | re.I)
JSON_FEED_VERSION = "https://jsonfeed.org/version/"
MAX_ENTRIES = 200
UTF8_XML = {"content-type": "application/xml; charset=utf-8"}  # RFC 7303: the header wins


class FeedError(StageError):
    """A feed that cannot be read."""


@dataclass
class Entry:
    url: str
    title: str = ""
    summary: str = ""


@dataclass
class Feed:
    url: str
    title: str = ""
    entries: list = field(default_factory=list)


def is_feed(body, content_type=""):
    """True when the bytes are an RSS, Atom or JSON feed, whatever the URL says."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf")
    if FEED_ROOT.match(head):
        return True
    if head.lstrip().startswith(b"{") and b"jsonfeed.org/version" in body[:4096]:
        return True
    return False


def parse(body, url):
    """Parse feed bytes into a Feed with absolute entry URLs.

    Raises:
        FeedError: the bytes are not a feed, or it lists no usable entry.
    """
    head = body[:2048].lstrip(b"\xef\xbb\xbf").lstrip()
    feed = _parse_json(body, url) if head.startswith(b"{") else _parse_xml(body, url)
    if not feed.entries:
        raise FeedError(url, "the feed lists no articles")
    return feed


def _parse_json(body, url):
    try:
        data = json.loads(body)
    except RecursionError:  # the C parser counts depth against the interpreter's limit
        raise FeedError(url, "broken JSON feed (nested too deeply)") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(url, f"broken JSON feed ({exc})") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(JSON_FEED_VERSION):
        raise FeedError(url, "not a JSON Feed (no jsonfeed.org version)")
    entries = []
    for item in data.get("items") or []:
        if isinstance(item, dict):
            _add(entries, url, item.get("url") or item.get("external_url"), _text(item.get("title")),
                 _text(item.get("summary")))
    return Feed(url, _text(data.get("title")), entries[:MAX_ENTRIES])


def _parse_xml(body, url):
    # Decoded here, by the rules pages follow: feedparser would take any Python codec the
    # XML declaration names ("undefined" raises) and guess differently from pages.
    text, _encoding = decode_text(body, None)
    parsed = feedparser.parse(text.encode("utf-8"), sanitize_html=False,
                              resolve_relative_uris=False, response_headers=UTF8_XML)
    entries = []
    for item in parsed.entries:
        _add(entries, url, item.get("link") or _guid_link(item), item.get("title"), item.get("summary"))
    if not entries and (parsed.get("bozo") or not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "not RSS or Atom"
        raise FeedError(url, f"broken feed ({str(reason).splitlines()[0]})")
    return Feed(url, parsed.feed.get("title", ""), entries[:MAX_ENTRIES])


def _text(value):
    """A JSON Feed's text field; anything but a string (an object, a list) counts as missing."""
    return value if isinstance(value, str) else ""


def _guid_link(item):
    guid = item.get("id") or ""
    return guid if guid.startswith(("http://", "https://")) else None


def _add(entries, base, link, title, summary):
    if not isinstance(link, str) or not link.strip():
        return
    absolute = urljoin(base, link.strip())
    if urlsplit(absolute).scheme not in ("http", "https"):
        return
    if any(e.url == absolute for e in entries):
        return
    entries.append(Entry(absolute, str(title or "").strip(), str(summary or "").strip()))
