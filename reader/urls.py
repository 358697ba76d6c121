"""What a URL taken from a page may be trusted for.

A page names URLs about itself (canonical link, og:url, JSON-LD url) and about its pictures.
Only http(s) URLs are kept: `javascript:` or `data:` in a stored URL field would run or load
wherever the field is rendered without a Content-Security-Policy (static exports, editions).
A page speaks for its own site only: a canonical URL on another site would let any page
overwrite the story stored under that URL.
"""
import functools
from urllib.parse import urlsplit

from tld import get_fld

WEB_SCHEMES = ("http", "https")


def web_url(url: str | None) -> str:
    """url when it is an absolute http(s) URL with a host, else ""."""
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return ""
    return (url or "").strip() if parts.scheme.lower() in WEB_SCHEMES and parts.hostname else ""


def same_site(url: str, other: str) -> bool:
    """Both URLs are on one site: the same host, or hosts under one registered domain
    (www.example.com and m.example.com; not bbc.co.uk and evil.co.uk, by the public suffix
    list). IP addresses and unlisted suffixes count only as the same host."""
    host, other_host = _host(url), _host(other)
    if not host or not other_host:
        return False
    if host == other_host:
        return True
    domain = registered_domain(host)
    return domain is not None and domain == registered_domain(other_host)


@functools.lru_cache(maxsize=4096)
def registered_domain(host):
    """The registered domain of host (example.co.uk for www.example.co.uk), or None (kept per host:
    tld takes about 2 ms a call, and a newsroom reads the same few sites all day)."""
    return get_fld(host, fix_protocol=True, fail_silently=True)


def _host(url):
    try:
        return (urlsplit(url or "").hostname or "").rstrip(".").lower()
    except ValueError:
        return ""
