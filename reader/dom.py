"""Small lxml helpers the stages share: text, removal, links and pictures of elements.

They work on lxml.html and plain lxml.etree elements alike (trafilatura returns the latter).
"""
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from .vocabulary import URL_SCHEMES

# Addresses up to this long are remembered once resolved (absolute_url); real ones are shorter.
CACHED_URL_CHARS = 2048


def text_of(el):
    """Whitespace-collapsed text of el and its descendants."""
    return " ".join("".join(el.itertext()).split())


def has_text(el):
    """el or a descendant holds text that is not whitespace (text_of(el) is not empty); it stops
    at the first such piece."""
    return any(piece.strip() for piece in el.itertext())


def remove(el):
    """Remove el but keep its tail text."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail and el.tail.strip():
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def unwrap(el):
    """Replace el by its children and text (lxml.html's drop_tag, for any element)."""
    parent = el.getparent()
    if parent is None:
        return
    index = parent.index(el)
    previous = el.getprevious()
    if el.text:
        if previous is not None:
            previous.tail = (previous.tail or "") + el.text
        else:
            parent.text = (parent.text or "") + el.text
    children = list(el)
    if el.tail:
        if children:
            children[-1].tail = (children[-1].tail or "") + el.tail
        elif index > 0:
            parent[index - 1].tail = (parent[index - 1].tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent[index:index + 1] = children


def link_density(el):
    """Share of el's visible characters (whitespace aside) that sit inside links."""
    total = _visible_chars(el.itertext())
    if not total:
        return 0.0
    return sum(_visible_chars(a.itertext()) for a in el.iter("a")) / total


def _visible_chars(pieces):
    # str.split() drops the same characters as the regular expression \s (Unicode whitespace)
    # and runs in C without building the joined-up copy a substitution makes: a fifth of the
    # time; link_density runs on most blocks of every page.
    return sum(map(len, "".join(pieces).split()))


def absolute_url(url, base_url, schemes=URL_SCHEMES):
    """url resolved against base_url, or None when empty, a fragment or not one of schemes."""
    url = (url or "").strip()
    if not url or url.startswith("#"):
        return None
    full, scheme = (_joined if len(url) <= CACHED_URL_CHARS else _join)(url, base_url)
    return full if scheme in schemes else None


def _join(url, base_url):
    """(url resolved against base_url, its scheme), or (None, None) when it is malformed."""
    try:
        full = urljoin(base_url, url)
        return full, urlsplit(full).scheme.lower()
    except ValueError:
        return None, None


# Cached: a picture's address is resolved for its size, its caption and the normaliser, and
# urljoin is pure Python. Longer addresses (data: URLs in links) are not kept.
_joined = lru_cache(maxsize=4096)(_join)


def image_source(el):
    """The real picture URL of an <img>, looking past lazy-loading placeholders."""
    for name in ("data-src", "data-lazy-src", "data-original", "src"):
        value = el.get(name)
        if value and not value.startswith("data:"):
            return value
    srcset = el.get("srcset") or el.get("data-srcset")
    if srcset:
        return srcset.split(",")[-1].strip().split(" ")[0]
    return None
