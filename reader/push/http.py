"""The sender's HTTP: push requests over one aiohttp session of keep-alive connections.

A request has until its timeout from waiting for a connection to its answer's end (TimeoutError);
the network's faults and broken answers are ConnectionError; a URL the request line cannot carry
is refused (ValueError) before anything is sent. Redirects are answers like any other (never
followed), and an answer's body is read up to MAX_BODY.

A hand-written HTTP/1.1 client took a fifth of aiohttp's CPU per request (0.03 against 0.11 ms),
but with 4 senders on a loaded machine some of its answers went unread until their timeout and
those deliveries were sent twice (65-684 of 100,000; none with aiohttp in the same setup), so the
sender stays on aiohttp until that is understood (BENCHMARKS.md, issue 10).
"""
import collections
import re

import aiohttp

MAX_BODY = 64 * 1024     # answer body bytes read (only an error's first 200 characters are kept)
MAX_ORIGINS = 1000       # URL starts a PerOrigin keeps (push services are few; a bound all the same)
PLAIN = re.compile(r"[!-~]+")  # printable ASCII without space: nothing can break the request line


class Answer(collections.namedtuple("Answer", "status headers body")):
    """status (int), headers (dict of lower-case names), body (bytes, at most MAX_BODY)."""

    __slots__ = ()


class Pool:
    """An aiohttp session with at most `limit` connections open and `per_origin` to one push service.

    Args:
        limit: connections open at once (requests beyond it wait for one).
        per_origin: connections open to one origin (scheme, host, port).
        timeout: seconds one request may take, from waiting for a connection to its answer's end.
    """

    def __init__(self, *, limit, per_origin, timeout):
        self.limit, self.per_origin, self.timeout = limit, per_origin, timeout
        self.session = None

    async def __aenter__(self):
        connector = aiohttp.TCPConnector(limit=self.limit, limit_per_host=self.per_origin, keepalive_timeout=30,
                                         ttl_dns_cache=300)
        self.session = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self

    async def __aexit__(self, *exc):
        await self.session.close()

    async def post(self, url, body, headers, *, ready=None):
        """POST body (bytes) with headers (a dict) to url; returns its Answer, or None when `ready`
        (an async callable, asked last before the request) says no: then nothing is sent.

        Raises:
            TimeoutError: no complete answer within the timeout.
            ConnectionError: the connection could not be made or broke, or the answer is not HTTP.
            ValueError: a URL or header the request cannot carry.
        """
        if not PLAIN.fullmatch(url) or not url.startswith(("http://", "https://")):
            raise ValueError("only a plain http(s) URL, without spaces or control characters, can be requested")
        if any("\r" in str(value) or "\n" in str(value) for value in headers.values()):
            raise ValueError("a header value with a line break cannot be sent")
        if ready is not None and not await ready():
            return None
        try:
            async with self.session.post(url, data=body, headers=headers, allow_redirects=False) as response:
                data = await response.content.read(MAX_BODY)
                return Answer(response.status, {k.lower(): v for k, v in response.headers.items()}, data)
        except aiohttp.ClientError as exc:
            raise ConnectionError(f"{type(exc).__name__}: {exc}") from exc


def origin_key(url):
    """The part of a URL up to its path, as written: all that decides where it goes (a cache key)."""
    start = url.find("://")
    slash = url.find("/", start + 3) if start > 0 else -1
    return url if slash < 0 else url[:slash]


class PerOrigin(dict):
    """What a function of a URL gives, computed once per origin_key (a function of the URL's
    scheme and host only, such as whether a push service is allowed); at most MAX_ORIGINS kept."""

    def __init__(self, compute):
        super().__init__()
        self.compute = compute

    def of(self, url):
        key = origin_key(url)
        value = self.get(key)
        if value is None:
            if len(self) >= MAX_ORIGINS:
                self.clear()
            value = self[key] = self.compute(url)
        return value
