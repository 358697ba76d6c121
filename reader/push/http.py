"""The sender's HTTP: push requests through libcurl's multi interface, driven by the event loop.

A push request is one POST of a small body; its answer a status, a few headers and mostly no
body. libcurl (through pycurl) does the HTTP in C: connection reuse, framing (Content-Length,
chunked, interim 1xx answers), TLS with the system's CAs. Measured against the loopback push
service it takes 0.039 ms of the sender's CPU per request where aiohttp took 0.090 (request and
response objects, multidicts, URL objects and hooks in Python); the fan-out's throughput on one
sender is bounded by that CPU (BENCHMARKS.md, issue 10). This module is the glue only: libcurl
tells which sockets to watch and when to wake it, the event loop calls it back, and each
finished transfer resolves its future.

A request waits for a slot (at most `limit` in flight, `per_origin` to one push service) at a
constant cost, then `ready` is asked, then the request goes to libcurl: its timeout runs from
then (connecting included) to its answer's end (TimeoutError). The network's faults and answers
that are not HTTP/1.x are ConnectionError; a URL or header the request cannot carry is refused
(ValueError) before anything is sent. Redirects are answers like any other (never followed), no
proxy from the environment is used, and an answer's body is read up to MAX_BODY (the connection
is then dropped).
"""
import asyncio
import collections
import os
import re
import ssl

import certifi
import pycurl

MAX_BODY = 64 * 1024     # answer body bytes read (only an error's first 200 characters are kept)
MAX_ORIGINS = 1000       # URL starts a PerOrigin keeps (push services are few; a bound all the same)
MAX_HEADER_SETS = 64     # distinct header dicts whose libcurl lines are kept (an alert's are alike)
PLAIN = re.compile(r"[!-~]+")  # printable ASCII without space: nothing can break the request line
STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3})(?: |\r?\n)")
TIMED_OUT = pycurl.E_OPERATION_TIMEDOUT
# libcurl adds these unless told not to: a push service needs neither, and Expect would make it
# wait for a 100 Continue before a body over 1 KB.
QUIET = ("Expect:", "Accept:")


class Answer(collections.namedtuple("Answer", "status headers body")):
    """status (int), headers (dict of lower-case names; the last of repeated fields), body (bytes,
    at most MAX_BODY)."""

    __slots__ = ()


class Pool:
    """Requests to push services over libcurl's kept-alive connections.

    Args:
        limit: requests in flight at once (others wait for a slot).
        per_origin: requests in flight to one origin (scheme, host, port), so connections to it.
        timeout: seconds one request may take, from having its slot to its answer's end.
    """

    def __init__(self, *, limit, per_origin, timeout):
        self.limit, self.per_origin, self.timeout = limit, per_origin, timeout
        self._slots = Slots(limit)
        self._origin_slots = PerOrigin(lambda url: Slots(per_origin))
        self._header_sets = {}
        self._multi = self._loop = self._timer = self._cas = None
        self._free = []          # idle easy handles (their options set once)
        self._running = set()    # handles libcurl works on
        self._watched = {}       # socket -> the events the loop watches for libcurl

    async def __aenter__(self):
        self._loop = asyncio.get_running_loop()
        self._cas = trusted_cas()  # looked up once per pool, not per connection handle
        self._multi = pycurl.CurlMulti()
        self._multi.setopt(pycurl.M_SOCKETFUNCTION, self._on_socket)
        self._multi.setopt(pycurl.M_TIMERFUNCTION, self._on_timer)
        self._multi.setopt(pycurl.M_MAX_TOTAL_CONNECTIONS, self.limit)
        self._multi.setopt(pycurl.M_MAX_HOST_CONNECTIONS, self.per_origin)
        self._multi.setopt(pycurl.M_MAXCONNECTS, self.limit)
        return self

    async def __aexit__(self, *exc):
        self.close()

    def close(self):
        """Abandon transfers in flight (their awaiters get ConnectionError) and close every connection."""
        if self._multi is None:
            return
        for handle in list(self._running):
            self._abandon(handle, ConnectionError("the pool was closed"))
        for handle in self._free:
            handle.close()
        self._free.clear()
        if self._timer is not None:
            self._timer.cancel()
        for sock in list(self._watched):
            self._unwatch(sock)
        self._multi.close()
        self._multi = None

    async def post(self, url, body, headers, *, ready=None):
        """POST body (bytes) with headers (a dict) to url; returns its Answer, or None when `ready`
        (an async callable, asked once the request has its slot, last before it is sent) says
        no: then nothing is sent.

        Raises:
            TimeoutError: no complete answer within the timeout.
            ConnectionError: the connection could not be made or broke, or the answer is not HTTP/1.x.
            ValueError: a URL or header the request cannot carry.
        """
        if not PLAIN.fullmatch(url) or not url.startswith(("http://", "https://")):
            raise ValueError("only a plain http(s) URL, without spaces or control characters, can be requested")
        lines = self._lines(headers)
        async with self._slots, self._origin_slots.of(url):
            if ready is not None and not await ready():
                return None
            handle = self._free.pop() if self._free else self._new_handle()
            transfer = handle.transfer = _Transfer(self._loop.create_future())
            handle.setopt(pycurl.URL, url)
            handle.setopt(pycurl.POSTFIELDS, body)
            handle.setopt(pycurl.HTTPHEADER, lines)
            handle.setopt(pycurl.HEADERFUNCTION, transfer.header)
            handle.setopt(pycurl.WRITEFUNCTION, transfer.write)
            try:
                self._multi.add_handle(handle)
            except pycurl.error as exc:
                handle.transfer = None
                self._free.append(handle)
                raise ConnectionError(f"libcurl refused the request: {exc}") from None
            self._running.add(handle)
            try:
                return await transfer.future
            except asyncio.CancelledError:
                if handle in self._running:
                    self._abandon(handle, None)
                raise

    # -- libcurl's side --------------------------------------------------------------------------
    def _new_handle(self):
        handle = pycurl.Curl()
        handle.setopt(pycurl.NOSIGNAL, 1)
        handle.setopt(pycurl.TIMEOUT_MS, max(1, int(self.timeout * 1000)))
        handle.setopt(pycurl.PROXY, "")                  # no proxy from the environment
        handle.setopt(pycurl.FOLLOWLOCATION, 0)
        handle.setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
        handle.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1)
        cafile, capath = self._cas
        handle.setopt(pycurl.CAINFO, cafile)
        if capath:
            handle.setopt(pycurl.CAPATH, capath)
        return handle

    def _lines(self, headers):
        """libcurl's header lines for a dict, made once per distinct dict (checked for line breaks)."""
        key = tuple(headers.items())
        lines = self._header_sets.get(key)
        if lines is None:
            lines = []
            for name, value in key:
                value = str(value)
                if not PLAIN.fullmatch(name) or "\r" in value or "\n" in value:
                    raise ValueError(f"header {name!r} cannot be sent as given (a line break or a bad name)")
                lines.append(f"{name}: {value}")
            lines += QUIET
            if len(self._header_sets) >= MAX_HEADER_SETS:
                self._header_sets.clear()
            self._header_sets[key] = lines
        return lines

    def _on_socket(self, what, sock, multi, data):
        """libcurl says which events of a socket it waits for (or that it is done with it)."""
        if what == pycurl.POLL_REMOVE:
            self._unwatch(sock)
            return
        self._unwatch(sock)
        if what & pycurl.POLL_IN:
            self._loop.add_reader(sock, self._act, sock, pycurl.CSELECT_IN)
        if what & pycurl.POLL_OUT:
            self._loop.add_writer(sock, self._act, sock, pycurl.CSELECT_OUT)
        self._watched[sock] = what

    def _unwatch(self, sock):
        what = self._watched.pop(sock, 0)
        if what & pycurl.POLL_IN:
            self._loop.remove_reader(sock)
        if what & pycurl.POLL_OUT:
            self._loop.remove_writer(sock)

    def _on_timer(self, milliseconds):
        """libcurl wants to be woken in this many ms (-1: no timer)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if milliseconds >= 0:
            self._timer = self._loop.call_later(milliseconds / 1000, self._act, pycurl.SOCKET_TIMEOUT, 0)

    def _act(self, sock, events):
        if self._multi is None:
            return
        self._multi.socket_action(sock, events)
        while True:
            queued, done, failed = self._multi.info_read()
            for handle in done:
                self._finish(handle, None, "")
            for handle, code, message in failed:
                self._finish(handle, code, message)
            if not queued:
                break

    def _finish(self, handle, code, message):
        self._multi.remove_handle(handle)
        self._running.discard(handle)
        transfer, handle.transfer = handle.transfer, None
        if transfer.bad:
            outcome = ConnectionError(transfer.bad)
        elif code is None or transfer.cut:
            outcome = transfer.answer()
        elif code == TIMED_OUT:
            outcome = TimeoutError(f"no complete answer within {self.timeout:g}s")
        else:
            outcome = ConnectionError(f"libcurl error {code}: {message}")
        if transfer.status is None and not isinstance(outcome, Exception):
            outcome = ConnectionError("the answer had no status line")
        if not transfer.future.done():
            if isinstance(outcome, Exception):
                transfer.future.set_exception(outcome)
            else:
                transfer.future.set_result(outcome)
        self._free.append(handle)

    def _abandon(self, handle, error):
        """Take a transfer away from libcurl (its connection is closed); the handle is closed."""
        self._multi.remove_handle(handle)
        self._running.discard(handle)
        transfer, handle.transfer = handle.transfer, None
        if error is not None and transfer is not None and not transfer.future.done():
            transfer.future.set_exception(error)
        handle.close()


def trusted_cas():
    """(CA file, CA directory or None) for TLS: those Python's ssl module trusts (the system's, or
    SSL_CERT_FILE / SSL_CERT_DIR), else certifi's bundle; libcurl's own default path may not exist
    on this system (pycurl's wheel carries its own libcurl)."""
    paths = ssl.get_default_verify_paths()
    cafile = paths.cafile if paths.cafile and os.path.isfile(paths.cafile) else certifi.where()
    return cafile, paths.capath if paths.capath and os.path.isdir(paths.capath) else None


class _Transfer:
    """One request's answer as libcurl hands it over: header lines, then body bytes."""

    __slots__ = ("future", "status", "headers", "body", "size", "cut", "bad")

    def __init__(self, future):
        self.future = future
        self.status, self.headers, self.body, self.size = None, {}, [], 0
        self.cut = False   # the body passed MAX_BODY: the rest was not read
        self.bad = None    # why the answer is not HTTP/1.x

    def header(self, line):
        if self.bad:
            return -1
        if self.status is None or line[:5] == b"HTTP/":  # a status line (again after a 1xx answer)
            match = STATUS_LINE.match(line)
            if match is None:
                self.bad = f"not an HTTP/1.x status line: {line[:60]!r}"
                return -1
            self.status, self.headers = int(match[1]), {}
        elif line not in (b"\r\n", b"\n"):
            name, colon, value = line.partition(b":")
            if not colon or not name or name[:1] in b" \t":
                self.bad = f"not a header field: {line[:60]!r}"
                return -1
            self.headers[name.decode("latin-1").strip().lower()] = value.decode("latin-1").strip()
        return None

    def write(self, data):
        room = MAX_BODY - self.size
        if len(data) > room:
            self.body.append(data[:room])
            self.size, self.cut = MAX_BODY, True
            return -1  # stop reading: libcurl ends the transfer and drops the connection
        self.body.append(data)
        self.size += len(data)
        return None

    def answer(self):
        return Answer(self.status, self.headers, b"".join(self.body))


class Slots:
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
