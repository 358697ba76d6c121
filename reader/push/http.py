"""The sender's HTTP client: push requests over pooled HTTP/1.1 keep-alive connections.

A push request is one POST of a small body, and its answer a status, a few headers and mostly
no body. A general client (aiohttp) spent about 0.1 ms of CPU on each (request and response
objects, multidicts, URL objects, tracing and cookie hooks): as much as the message's encryption.
Here a request is one write of bytes built from a cached header block, and an answer is parsed
for what a sender needs (RFC 9112: the status line, the header fields, a body framed by
Content-Length, chunked coding or the connection's close), about a fifth of that CPU.

A request has until its timeout from being written to its answer's end (TimeoutError when it
passes); making a connection has a timeout of its own. A connection that failed, timed out,
was cancelled, carried a body over MAX_BODY or was not kept alive by the server is closed,
never reused. Redirects are answers like any other (never followed).
"""
import asyncio
import collections
import re
import ssl
import time
from urllib.parse import urlsplit

MAX_HEAD = 16 * 1024     # bytes of status line and header fields before an answer is refused
MAX_BODY = 64 * 1024     # body bytes kept; a longer body ends the connection after its first part
IDLE_MAX = 15.0          # seconds an idle connection is reused; older ones are closed (servers drop
                         # idle connections after 20-60 s, and a request must not race that close)
MAX_ORIGINS = 1000       # URL starts a PerOrigin keeps (push services are few; a bound all the same)
PLAIN = re.compile(r"[!-~]+")  # printable ASCII without space: nothing can break the request line
STATUS_LINE = re.compile(rb"HTTP/1\.([01]) (\d{3})(?: [^\r\n]*)?")
UNTIL_CLOSE = -1         # body framing: no length given, the body ends when the server closes
CHUNKED = -2


class BadResponse(ValueError):
    """The server's answer is not HTTP/1.1 as RFC 9112 frames it."""


class Answer(collections.namedtuple("Answer", "status headers body")):
    """status (int), headers (dict of lower-case names; the last of repeated fields), body (bytes,
    at most MAX_BODY)."""

    __slots__ = ()


class Pool:
    """Keep-alive connections to push services, at most `limit` open and `per_origin` to one.

    Args:
        limit: connections open at once (requests beyond it wait for one).
        per_origin: connections open to one origin (scheme, host, port).
        timeout: seconds one request may take, from waiting for a connection to its answer's end.
        ssl_context: for https origins (default: the system's CAs, host names checked).
    """

    def __init__(self, *, limit, per_origin, timeout, ssl_context=None):
        self.timeout = timeout
        self.ssl_context = ssl_context
        self._slots = _Slots(limit)
        self._per_origin = per_origin
        self._origins = {}   # scheme://netloc -> _Origin
        self._blocks = {}    # header items -> their encoded lines

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.close()

    def close(self):
        """Close every idle connection (requests still in flight close theirs when they end)."""
        for origin in self._origins.values():
            while origin.idle:
                origin.idle.pop().close()

    async def post(self, url, body, headers, *, ready=None):
        """POST body (bytes) with headers (a dict) to url; returns its Answer, or None when `ready`
        (an async callable) says no once the request has its connection slot: it is not sent.

        The timeout runs from the moment the request is written: a request timed out may have
        arrived and is sent again, so waits before it (for a slot, each holder giving its own
        back within the timeout; for a new connection, within a timeout of its own) must not
        use it up. An answer read by the deadline is the answer, however late the event loop
        gets to the request.

        Raises:
            TimeoutError: no complete answer within the timeout.
            OSError: the connection could not be made or broke.
            ValueError: a URL or header the request line cannot carry, or BadResponse.
        """
        origin, target = _split(url)
        place = self._origins.get(origin) or self._origin(origin)
        request = b"".join((b"POST ", target, b" HTTP/1.1\r\n", place.host_line, self._block(headers),
                            b"Content-Length: %d\r\n\r\n" % len(body), body))
        async with self._slots, place.slots:
            if ready is not None and not await ready():
                return None
            connection = place.take() or await self._connect(place)
            try:
                answer = await connection.exchange(request, asyncio.get_running_loop().time() + self.timeout)
            except BaseException:
                connection.close()
                raise
        place.give_back(connection)
        return answer

    def _origin(self, origin):
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {origin!r}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if parts.scheme == "https" and self.ssl_context is None:
            self.ssl_context = ssl.create_default_context()
        tls = self.ssl_context if parts.scheme == "https" else None
        place = self._origins[origin] = _Origin(parts.hostname, port, parts.netloc, tls, self._per_origin)
        return place

    def _block(self, headers):
        """The header lines of a dict, encoded once per distinct dict (an alert's are all alike)."""
        key = tuple(headers.items())
        block = self._blocks.get(key)
        if block is None:
            lines = []
            for name, value in key:
                value = str(value)
                if not PLAIN.fullmatch(name) or "\r" in value or "\n" in value:
                    raise ValueError(f"header {name!r} cannot be sent as given")
                lines.append(f"{name}: {value}\r\n")
            if len(self._blocks) >= 64:
                self._blocks.clear()
            block = self._blocks[key] = "".join(lines).encode("latin-1")
        return block

    async def _connect(self, place):
        """A new connection within the timeout (a wait of its own: nothing is sent before it is made)."""
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(self.timeout):
            _, connection = await loop.create_connection(
                _Connection, place.host, place.port, ssl=place.tls,
                server_hostname=place.host if place.tls else None)
        return connection


class _Origin:
    """One push service's connections: idle ones (most recent last) and its share of the pool."""

    __slots__ = ("host", "port", "tls", "host_line", "slots", "idle")

    def __init__(self, host, port, netloc, tls, per_origin):
        self.host, self.port, self.tls = host, port, tls
        self.host_line = f"Host: {netloc}\r\nUser-Agent: reader-push\r\n".encode("ascii")
        self.slots = _Slots(per_origin)
        self.idle = []

    def take(self):
        """The most recently used idle connection still open and fresh, or None."""
        while self.idle:
            connection = self.idle.pop()
            if connection.usable() and time.monotonic() - connection.idle_since < IDLE_MAX:
                return connection
            connection.close()
        return None

    def give_back(self, connection):
        if connection.usable():
            connection.idle_since = time.monotonic()
            self.idle.append(connection)
        else:
            connection.close()


class _Slots:
    """A counting semaphore whose acquire costs the same however many wait: asyncio's (Python
    3.11) looks at every waiter on each acquire, and with 256 requests queued for one push
    service that was a tenth of the sender's CPU."""

    __slots__ = ("free", "waiters")

    def __init__(self, count):
        self.free, self.waiters = count, collections.deque()

    async def __aenter__(self):
        if self.free > 0 and not self.waiters:
            self.free -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():  # given a slot as it was cancelled: pass it on
                self._release()
            raise

    async def __aexit__(self, *exc):
        self._release()

    def _release(self):
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.free += 1


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


def _split(url):
    """(origin_key, request target as bytes) of a plain http(s) URL."""
    if not PLAIN.fullmatch(url):
        raise ValueError("a URL with spaces or control characters cannot be requested")
    origin = origin_key(url)
    return origin, url[len(origin):].partition("#")[0].encode("ascii") or b"/"


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: one request at a time, its answer parsed as the bytes come."""

    def __init__(self):
        self.transport = None
        self.waiter = None         # the Future of the answer in flight
        self.buffer = bytearray()
        self.head = None           # (status, headers) once the answer's head is read
        self.framing = 0           # the body's: bytes still to come, CHUNKED or UNTIL_CLOSE
        self.body = bytearray()
        self.truncated = False     # the body went over MAX_BODY: the rest is never read
        self.keep_alive = True
        self.lost = False
        self.idle_since = 0.0

    # -- the sender's side
    def exchange(self, request, deadline):
        """Send the request; the returned Future gets its Answer, or TimeoutError at the deadline
        (loop time), whichever comes first."""
        loop = asyncio.get_running_loop()
        self.waiter = waiter = loop.create_future()
        timer = loop.call_at(deadline, self._expire, waiter)
        waiter.add_done_callback(lambda _: timer.cancel())
        self.transport.write(request)
        return waiter

    def _expire(self, waiter):
        if not waiter.done():
            waiter.set_exception(TimeoutError("no complete answer in time"))
            self.close()

    def usable(self):
        return self.keep_alive and not self.lost and not self.transport.is_closing()

    def close(self):
        self.keep_alive = False
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()

    # -- the event loop's side
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        if self.waiter is None or self.waiter.done():  # bytes nobody asked for: the stream is out of step
            self.close()
            return
        self.buffer += data
        try:
            self._parse()
        except BadResponse as error:
            self.close()
            self.waiter.set_exception(error)

    def eof_received(self):
        self._ended()
        return False  # close our side too

    def connection_lost(self, exc):
        self.lost = True
        self._ended(exc)

    def _ended(self, exc=None):
        self.keep_alive = False
        if self.waiter is None or self.waiter.done():
            return
        if self.head is not None and self.framing == UNTIL_CLOSE:
            self._answer()
        else:
            error = ConnectionResetError("the push service closed the connection before its answer ended")
            error.__cause__ = exc
            self.waiter.set_exception(error)

    # -- RFC 9112 framing
    def _parse(self):
        while not self.waiter.done():
            if self.head is None:
                if not self._parse_head():
                    return
            elif self.framing == CHUNKED:
                if not self._parse_chunk():
                    return
            else:
                self._parse_body()
                return

    def _parse_head(self):
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEAD:
                raise BadResponse("the answer's header is too long")
            return False
        lines = bytes(self.buffer[:end]).split(b"\r\n")
        del self.buffer[:end + 4]
        matched = STATUS_LINE.fullmatch(lines[0])
        if matched is None:
            raise BadResponse(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
        status = int(matched[2])
        headers = {}
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon or not name or name != name.strip():
                raise BadResponse(f"a malformed header line: {line[:80]!r}")
            headers[name.decode("latin-1").lower()] = value.strip().decode("latin-1")
        if status < 200:  # 1xx: an interim answer; the final one follows (RFC 9110 §15.2)
            return True
        connection = headers.get("connection", "").lower()
        self.keep_alive = "close" not in connection and (matched[1] == b"1" or "keep-alive" in connection)
        self.framing = self._framing(status, headers)
        self.head = (status, headers)
        return True

    def _framing(self, status, headers):
        """RFC 9112 §6.3: no body for 204 and 304; chunked wins over a length; no length, until close."""
        if status in (204, 304):
            return 0
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return CHUNKED
        length = headers.get("content-length")
        if length is None:
            self.keep_alive = False
            return UNTIL_CLOSE
        if not length.isdigit():
            raise BadResponse(f"Content-Length {length[:40]!r} is not a number")
        return int(length)

    def _parse_body(self):
        """A body of known length, or one that lasts until the server closes (answered then)."""
        if self.framing == UNTIL_CLOSE:
            self._keep(self.buffer)
            self.buffer.clear()
        else:
            part = self.buffer[:self.framing]
            del self.buffer[:self.framing]
            self.framing -= len(part)
            self._keep(part)
        if self.framing == 0 or self.truncated:
            self._answer()

    def _parse_chunk(self):
        """One chunk (RFC 9112 §7.1): size line, data, CRLF; size 0 then trailer lines end the body."""
        end = self.buffer.find(b"\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEAD:
                raise BadResponse("a chunk size line is too long")
            return False
        size_text = bytes(self.buffer[:end]).partition(b";")[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise BadResponse(f"chunk size {size_text[:20]!r} is not hexadecimal") from None
        if size == 0:  # the last chunk: then trailer lines, if any, and an empty line
            last = self.buffer.find(b"\r\n\r\n", end)
            if last < 0:
                if len(self.buffer) > MAX_HEAD:
                    raise BadResponse("the answer's trailer is too long")
                return False
            del self.buffer[:last + 4]
            self._answer()
            return False
        if len(self.body) + size > MAX_BODY:  # more than is kept: answered with what came
            self.truncated = True
            self._answer()
            return False
        if len(self.buffer) < end + 2 + size + 2:
            return False
        self._keep(self.buffer[end + 2:end + 2 + size])
        del self.buffer[:end + 2 + size + 2]
        return True

    def _keep(self, data):
        room = MAX_BODY - len(self.body)
        if len(data) > room:
            self.truncated = True
        self.body += data[:room]

    def _answer(self):
        status, headers = self.head
        body = bytes(self.body)
        if self.buffer or self.truncated:  # bytes past the answer, or a body left unread: out of step
            self.keep_alive = False
        self.head, self.body, self.truncated = None, bytearray(), False
        self.waiter.set_result(Answer(status, headers, body))
