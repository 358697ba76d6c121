"""The HTTP client: one GET with limits and timeouts, redirects followed hop by hop.

Every hop is checked again by the guard (scheme, port, resolved addresses) and the
connection goes to the address that was checked.
"""
import logging
import re
import socket
import threading
import time
from collections.abc import Mapping
from urllib.parse import urljoin

import certifi
import urllib3
from urllib3.exceptions import (ConnectTimeoutError, HTTPError, NewConnectionError, SSLError,
                                TimeoutError as Urllib3Timeout)

from .. import config
from ..budget import Budget, Deadline
from . import guard
from .body import read_body
from .page import FetchError, Page
from .sniff import accepted_type, parse_content_type
from .watchdog import HTTPPool, HTTPSPool, Watchdog

log = logging.getLogger(__name__)

ACCEPT = ("text/html, application/xhtml+xml, application/rss+xml, application/atom+xml, "
          "application/feed+json, application/xml;q=0.9, image/*;q=0.8, */*;q=0.5")
ACCEPT_ENCODING = "gzip, deflate"  # both decoded under the size cap (body.py); br/zstd are not
DEADLINE_FACTOR = 8  # a whole fetch may take 8 x timeout (slow links), never forever
MAX_ADDRESSES_TRIED = 3  # e.g. "localhost" -> ::1 then 127.0.0.1
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
USER_AGENT = config.default("USER_AGENT")  # the one default lives in reader/config.py


class Fetcher:
    """Fetches pages, feeds and images from the public web, politely and safely."""

    def __init__(self, *, timeout=15.0, max_bytes=10 * 1024 * 1024, max_redirects=5,
                 allow_private=False, allowed_origins=(), user_agent=USER_AGENT,
                 host_delay=0.0, ca_certs=None):
        self.timeout = timeout  # seconds to connect, and between two reads
        self.total_timeout = timeout * DEADLINE_FACTOR  # connect, headers and body, all hops
        self.max_bytes = max_bytes  # body cap, before and after gzip/deflate decoding
        self.max_redirects = max_redirects  # hops followed before giving up
        self.allow_private = allow_private  # True only for tests and local demos
        # origins ("http://127.0.0.1:8000") reachable even when private: `reader demo`
        self.allowed_origins = frozenset(guard.origin_of(o) for o in allowed_origins)
        self.user_agent = user_agent  # says who we are; sent on every request
        self.host_delay = host_delay  # minimum seconds between two requests to one host
        self.ca_certs = ca_certs or certifi.where()  # the CA bundle TLS certificates chain to
        self._lock = threading.Lock()
        self._next_slot = {}  # host -> monotonic time of its next allowed request
        self._sleep = time.sleep

    @classmethod
    def from_config(cls, config: Mapping, **overrides) -> "Fetcher":
        """Build a Fetcher from settings (reader.config names).

        Args:
            config: a mapping with FETCH_TIMEOUT, FETCH_MAX_BYTES, FETCH_MAX_REDIRECTS,
                FETCH_ALLOW_PRIVATE and USER_AGENT; missing keys keep the defaults.
            **overrides: constructor arguments that win, e.g. host_delay=2.0 for polling.

        Returns:
            Fetcher
        """
        names = {"FETCH_TIMEOUT": "timeout", "FETCH_MAX_BYTES": "max_bytes",
                 "FETCH_MAX_REDIRECTS": "max_redirects", "FETCH_ALLOW_PRIVATE": "allow_private",
                 "USER_AGENT": "user_agent"}
        kwargs = {arg: config[key] for key, arg in names.items() if config.get(key) is not None}
        kwargs.update(overrides)
        return cls(**kwargs)

    def get(self, url: str, *, kinds: tuple[str, ...] = ("html", "feed"), etag: str | None = None,
            last_modified: str | None = None, max_bytes: int | None = None,
            budget: Budget | None = None) -> Page:
        """GET a URL, following redirects, within the limits.

        Args:
            url: an http or https URL.
            kinds: acceptable content: "html", "feed", "image" or "any".
            etag: the ETag from the last fetch, sent as If-None-Match (RFC 9110 §13.1.2).
            last_modified: the Last-Modified from the last fetch, sent as If-Modified-Since.
            max_bytes: a smaller (or larger) body cap for this call.
            budget: the source's Budget (reader.budget); its deadline also ends the fetch.

        Returns:
            Page, with status 304 and an empty body when nothing changed.

        Raises:
            FetchError: for every failure, with a one-line reason.
        """
        limit = self.max_bytes if max_bytes is None else max_bytes
        headers = self._headers(etag, last_modified)
        try:
            with Watchdog(self._deadline(budget)) as watchdog:
                page = self._follow(url, headers, limit, watchdog)
            if not page.not_modified:
                page.content_type = _check_kind(page, kinds)
        except FetchError as exc:
            log.info("fetch %s failed: %s", url, exc.reason)
            raise
        log.info("fetched %s -> %s (%d, %d bytes)", url, page.final_url, page.status, len(page.body))
        return page

    def _deadline(self, budget):
        reason = f"timed out after {self.total_timeout:g}s in total (connect, headers and body)"
        own = Deadline.after(self.total_timeout, reason)
        return own.earlier(budget.deadline if budget is not None else None)

    def _headers(self, etag, last_modified):
        headers = {"User-Agent": self.user_agent, "Accept": ACCEPT,
                   "Accept-Encoding": ACCEPT_ENCODING}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return headers

    def _follow(self, url, headers, limit, watchdog):
        """Request url and each redirect target in turn; return the last answer."""
        seen = set()
        current = url
        for _hop in range(self.max_redirects + 1):
            target = self._check(url, current)
            if target.url in seen:
                raise FetchError(url, "redirect loop")
            seen.add(target.url)
            status, response_headers, location, body = self._request(url, target, headers, limit,
                                                                     watchdog)
            if location is None:
                return _page(url, target.url, status, response_headers, body)
            current = urljoin(target.url, location)
            log.debug("redirect %s -> %s (%d)", target.url, current, status)
        raise FetchError(url, f"too many redirects (more than {self.max_redirects})")

    def _check(self, url, current):
        """Parse one hop's URL and refuse what must not be fetched."""
        target = guard.target(url, current)
        if target.origin not in self.allowed_origins:
            guard.check_port(url, target)
        return target

    def _addresses(self, url, target):
        """Resolve the host and return addresses that may be connected to."""
        addresses = self._resolve(url, target.host, target.port)
        if not (self.allow_private or target.origin in self.allowed_origins):
            guard.check_addresses(url, addresses)
        return addresses

    def _resolve(self, url, host, port):
        """Every address the host name resolves to (a method, so tests can stub DNS)."""
        return guard.resolve(url, host, port)

    def _request(self, url, target, headers, limit, watchdog):
        """One GET over a connection pinned to a checked address."""
        addresses = self._addresses(url, target)
        self._wait_turn(target.host)
        error = None
        for address in addresses[:MAX_ADDRESSES_TRIED]:
            try:
                answer = self._request_at(url, target, address, headers, limit, watchdog)
            except ConnectTimeoutError as exc:  # and NewConnectionError: try the next address
                error = exc
            except (HTTPError, OSError) as exc:
                raise FetchError(url, self._failure(exc, watchdog)) from None
            except ValueError as exc:  # http.client refuses a header value (CR/LF, non-Latin-1)
                raise FetchError(url, f"invalid request: {_last_words(exc)}") from None
            else:
                if watchdog.fired:  # a body cut short reads like a complete one
                    raise FetchError(url, watchdog.deadline.reason)
                return answer
        raise FetchError(url, self._failure(error, watchdog)) from None

    def _failure(self, exc, watchdog):
        """The reason for a network error: the deadline when the watchdog caused it."""
        return watchdog.deadline.reason if watchdog.fired else network_reason(exc, self.timeout)

    def _request_at(self, url, target, address, headers, limit, watchdog):
        if watchdog.deadline.remaining() <= 0:
            raise FetchError(url, watchdog.deadline.reason)
        pool = self._pool(target, address, watchdog)
        try:
            response = pool.urlopen(
                "GET", target.path, headers={**headers, "Host": target.host_header},
                redirect=False, retries=False, preload_content=False, decode_content=False,
                assert_same_host=False)
            try:
                return self._answer(url, response, limit)
            finally:
                response.close()  # never reused: drop the socket, unread bytes and all
        finally:
            pool.close()

    def _pool(self, target, address, watchdog):
        connect = max(0.01, min(self.timeout, watchdog.deadline.remaining()))
        timeout = urllib3.Timeout(connect=connect, read=self.timeout)
        if target.scheme == "http":
            return HTTPPool(address, target.port, timeout=timeout, maxsize=1, retries=False,
                            watchdog=watchdog)
        # Connect to the checked address but verify the certificate for the real name.
        return HTTPSPool(
            address, target.port, timeout=timeout, maxsize=1, retries=False,
            cert_reqs="CERT_REQUIRED", ca_certs=self.ca_certs,
            server_hostname=target.host, assert_hostname=target.host, watchdog=watchdog)

    def _answer(self, url, response, limit):
        """Turn one response into (status, headers, redirect location or None, body)."""
        status = response.status
        headers = {name.lower(): response.headers.get(name) for name in response.headers}
        if status in REDIRECT_STATUSES:
            if not headers.get("location"):
                raise FetchError(url, f"HTTP {status} redirect without a Location")
            return status, headers, headers["location"], b""
        if status == 304:
            return status, headers, None, b""
        if status >= 300 or status < 200:
            raise FetchError(url, f"HTTP {status}")
        body = read_body(url, response, headers, limit)
        return status, headers, None, body

    def _wait_turn(self, host):
        """Sleep until `host_delay` has passed since the last request to this host."""
        if self.host_delay <= 0:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_slot.get(host, now))
            self._next_slot[host] = slot + self.host_delay
        if slot > now:
            log.debug("waiting %.2fs before the next request to %s", slot - now, host)
            self._sleep(slot - now)


def network_reason(exc, timeout):
    """One line for a urllib3 or socket error.

    Args:
        exc: the exception urllib3 or the socket raised.
        timeout: the timeout in force, to name in the message.

    Returns:
        str: e.g. "timed out after 15s", "cannot connect: Connection refused".
    """
    if isinstance(exc, NewConnectionError):  # before timeouts: urllib3 subclasses it
        return "cannot connect: " + _last_words(exc)
    if isinstance(exc, (Urllib3Timeout, socket.timeout)):
        return f"timed out after {timeout:g}s"
    if isinstance(exc, SSLError):
        return "TLS error: " + _last_words(exc)
    return "connection failed: " + _last_words(exc)


def _last_words(exc):
    """The innermost message of a wrapped exception, on one line."""
    while getattr(exc, "reason", None) is not None and isinstance(exc.reason, BaseException):
        exc = exc.reason
    cause = exc.__cause__ if isinstance(exc, NewConnectionError) else None
    text = getattr(cause, "strerror", None) or str(exc)
    text = re.sub(r"\[SSL: \w+\] | \(_ssl\.c:\d+\)", "", text)
    return " ".join(text.split())[:200] or type(exc).__name__


def _page(url: str, final_url: str, status: int, headers: dict, body: bytes) -> Page:
    media_type, _params = parse_content_type(headers.get("content-type"))
    return Page(url=url, final_url=final_url, status=status, headers=headers,
                content_type=media_type, body=body)


def _check_kind(page: Page, kinds: tuple[str, ...]) -> str:
    """The page's media type (sniffed when unlabelled) if `kinds` accepts it."""
    media_type, refusal = accepted_type(page.content_type, page.body, kinds)
    if refusal:
        raise FetchError(page.url, refusal)
    return media_type
