"""HTTP in: one GET with limits, timeouts, an SSRF guard and charset detection -> Page.

Redirects are followed here, hop by hop, so that every hop is checked again: scheme,
port, resolved addresses. The connection goes to the address that was checked (the
Host header and TLS SNI carry the name), so DNS cannot change the answer in between.
"""
import codecs
import ipaddress
import logging
import re
import socket
import threading
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit

import urllib3
from urllib3.exceptions import (ConnectTimeoutError, HTTPError, NewConnectionError, SSLError,
                                TimeoutError as Urllib3Timeout)

from .errors import StageError

try:
    import certifi
except ImportError:  # pragma: no cover - certifi comes with requests
    certifi = None

try:
    import charset_normalizer
except ImportError:  # pragma: no cover - a declared dependency
    charset_normalizer = None

log = logging.getLogger(__name__)

ACCEPT = ("text/html, application/xhtml+xml, application/rss+xml, application/atom+xml, "
          "application/feed+json, application/xml;q=0.9, image/*;q=0.8, */*;q=0.5")
ACCEPT_ENCODING = "gzip, deflate"  # both decoded here under the size cap; br/zstd are not
CHUNK_SIZE = 64 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}
DEADLINE_FACTOR = 8  # a whole response may take 8 x timeout (slow links), never forever
DEFAULT_USER_AGENT = "ReaderBot/0.1 (+https://github.com/reader-news/reader; offline news reader)"
MAX_ADDRESSES_TRIED = 3  # e.g. "localhost" -> ::1 then 127.0.0.1
PRESCAN_BYTES = 4096  # WHATWG prescans 1024 bytes; long <head> scripts push <meta> further
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
SCHEMES = ("http", "https")

# WHATWG Fetch "bad ports": refused for any host, because a GET to them can talk to
# another protocol (SMTP, IRC, ...) and smuggle commands. Any other port is allowed.
BAD_PORTS = frozenset({
    0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95,
    101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161,
    179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563,
    587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
    6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
})

# Media types per `kinds` value; "image" also takes any image/* and "any" takes everything.
KIND_TYPES = {
    "feed": frozenset({
        "application/atom+xml", "application/feed+json", "application/json",
        "application/rdf+xml", "application/rss+xml", "application/x-rss+xml",
        "application/xml", "text/xml",
    }),
    "html": frozenset({"application/xhtml+xml", "text/html"}),
    "image": frozenset({"image/*"}),
}
KIND_NAMES = {"any": "anything", "feed": "a feed", "html": "HTML", "image": "an image"}

# Labels that say nothing about the body: sniff it instead (WHATWG MIME Sniffing §7.1).
UNKNOWN_TYPES = frozenset({
    "", "application/octet-stream", "application/unknown", "binary/octet-stream",
    "text/plain", "unknown/unknown",
})

# Sniffing: (leading bytes, media type), checked in order after leading whitespace.
MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"<!doctype html", "text/html"),
    (b"<html", "text/html"),
    (b"<head", "text/html"),
    (b"<body", "text/html"),
    (b"<rss", "application/rss+xml"),
    (b"<feed", "application/atom+xml"),
    (b"<rdf:rdf", "application/rdf+xml"),
    (b"{", "application/json"),
)

# Labels decoded as browsers do (WHATWG Encoding §4.2): latin-1 and ascii mean windows-1252.
LABEL_ALIASES = {
    "ascii": "cp1252", "big5": "big5hkscs", "gb2312": "gb18030", "gbk": "gb18030",
    "iso-8859-1": "cp1252", "iso-8859-9": "cp1254", "iso8859-1": "cp1252", "latin-1": "cp1252",
    "latin1": "cp1252", "ks_c_5601-1987": "cp949", "euc-kr": "cp949", "shift_jis": "cp932",
    "tis-620": "cp874", "us-ascii": "cp1252", "windows-874": "cp874", "x-sjis": "cp932",
}
# Encodings the detector may answer: the WHATWG Encoding Standard's legacy ones minus the
# Mac and DOS pages. Unrestricted, charset-normalizer reads a short undeclared windows-1251
# headline as mac-cyrillic (they differ in capitals) and short Latin text as cp1006.
DETECT_ENCODINGS = (
    "big5", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257",
    "cp1258", "cp874", "euc_jp", "euc_kr", "gb18030", "iso2022_jp", "iso8859_2", "iso8859_5",
    "iso8859_7", "iso8859_15", "koi8_r", "koi8_u", "shift_jis",
)
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (codecs.BOM_UTF16_LE, "utf-16"),
)
META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([a-z0-9_:.+-]+)", re.I)
XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([a-z0-9_.:-]+)[\"']", re.I)
CGNAT = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598 shared address space
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the low 32 bits are IPv4


class FetchError(StageError):
    """A URL could not be fetched; `reason` is one line for people."""


@dataclass
class Page:
    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int  # 200, or 304 when a conditional GET found nothing new (body b"")
    headers: dict = field(repr=False)  # lower-case names
    content_type: str  # media type only, lower-case; sniffed when the label said nothing
    body: bytes = field(repr=False)

    @property
    def not_modified(self):
        """True for a 304 answer to a conditional GET."""
        return self.status == 304

    @property
    def etag(self):
        """The validator to send back as `etag=` next time, or None."""
        return self.headers.get("etag")

    @property
    def last_modified(self):
        """The date to send back as `last_modified=` next time, or None."""
        return self.headers.get("last-modified")

    def text(self):
        """The body decoded with decode_text()."""
        return decode_text(self.body, self.headers.get("content-type"))[0]


@dataclass(frozen=True)
class _Target:
    """One request target: a checked URL split into what the connection needs."""
    url: str
    scheme: str
    host: str  # ASCII (IDNA) host name or IP literal, no brackets
    port: int
    path: str

    @property
    def origin(self):
        return (self.scheme, self.host, self.port)

    @property
    def host_header(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


class Fetcher:
    """Fetches pages, feeds and images from the public web, politely and safely."""

    def __init__(self, *, timeout=15.0, max_bytes=10 * 1024 * 1024, max_redirects=5,
                 allow_private=False, allowed_origins=(), user_agent=DEFAULT_USER_AGENT,
                 host_delay=0.0, ca_certs=None):
        self.timeout = timeout  # seconds to connect, and between two reads
        self.max_bytes = max_bytes  # body cap, before and after gzip/deflate decoding
        self.max_redirects = max_redirects  # hops followed before giving up
        self.allow_private = allow_private  # True only for tests and local demos
        # origins ("http://127.0.0.1:8000") reachable even when private: `reader demo`
        self.allowed_origins = frozenset(_origin_of(o) for o in allowed_origins)
        self.user_agent = user_agent  # says who we are; sent on every request
        self.host_delay = host_delay  # minimum seconds between two requests to one host
        self.ca_certs = ca_certs or (certifi.where() if certifi else None)  # None: system
        self._lock = threading.Lock()
        self._next_slot = {}  # host -> monotonic time of its next allowed request
        self._sleep = time.sleep

    @classmethod
    def from_config(cls, config, **overrides):
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

    def get(self, url, *, kinds=("html", "feed"), etag=None, last_modified=None, max_bytes=None):
        """GET a URL, following redirects, within the limits.

        Args:
            url: an http or https URL.
            kinds: acceptable content: "html", "feed", "image" or "any".
            etag: the ETag from the last fetch, sent as If-None-Match (RFC 9110 §13.1.2).
            last_modified: the Last-Modified from the last fetch, sent as If-Modified-Since.
            max_bytes: a smaller (or larger) body cap for this call.

        Returns:
            Page, with status 304 and an empty body when nothing changed.

        Raises:
            FetchError: for every failure, with a one-line reason.
        """
        limit = self.max_bytes if max_bytes is None else max_bytes
        headers = self._headers(etag, last_modified)
        try:
            page = self._follow(url, headers, limit)
            if not page.not_modified:
                page.content_type = _check_kind(page, kinds)
        except FetchError as exc:
            log.info("fetch %s failed: %s", url, exc.reason)
            raise
        log.info("fetched %s -> %s (%d, %d bytes)", url, page.final_url, page.status, len(page.body))
        return page

    def _headers(self, etag, last_modified):
        headers = {"User-Agent": self.user_agent, "Accept": ACCEPT,
                   "Accept-Encoding": ACCEPT_ENCODING}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return headers

    def _follow(self, url, headers, limit):
        """Request url and each redirect target in turn; return the last answer."""
        seen = set()
        current = url
        for _hop in range(self.max_redirects + 1):
            target = self._check(url, current)
            if target.url in seen:
                raise FetchError(url, "redirect loop")
            seen.add(target.url)
            status, response_headers, location, body = self._request(url, target, headers, limit)
            if location is None:
                return _page(url, target.url, status, response_headers, body)
            current = urljoin(target.url, location)
            log.debug("redirect %s -> %s (%d)", target.url, current, status)
        raise FetchError(url, f"too many redirects (more than {self.max_redirects})")

    def _check(self, url, current):
        """Parse one hop's URL and refuse what must not be fetched."""
        target = _target(url, current)
        if target.origin in self.allowed_origins:
            return target
        if target.port in BAD_PORTS:
            raise FetchError(url, f"blocked: port {target.port} is not for the web")
        return target

    def _addresses(self, url, target):
        """Resolve the host and return addresses that may be connected to."""
        addresses = self._resolve(url, target.host, target.port)
        if self.allow_private or target.origin in self.allowed_origins:
            return addresses
        for address in addresses:
            kind = blocked_kind(address)
            if kind:
                raise FetchError(url, f"blocked: {address} is a {kind} address")
        return addresses

    def _resolve(self, url, host, port):
        """Every address the host name resolves to, in resolver order."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, OSError):
            raise FetchError(url, f"cannot resolve host {host}") from None
        addresses = []
        for info in infos:
            address = info[4][0].split("%")[0]  # drop an IPv6 zone id
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise FetchError(url, f"cannot resolve host {host}")
        return addresses

    def _request(self, url, target, headers, limit):
        """One GET over a connection pinned to a checked address."""
        addresses = self._addresses(url, target)
        self._wait_turn(target.host)
        error = None
        for address in addresses[:MAX_ADDRESSES_TRIED]:
            try:
                return self._request_at(url, target, address, headers, limit)
            except ConnectTimeoutError as exc:  # and NewConnectionError: try the next address
                error = exc
            except (HTTPError, OSError) as exc:
                raise FetchError(url, network_reason(exc, self.timeout)) from None
            except ValueError as exc:  # http.client refuses a header value (CR/LF, non-Latin-1)
                raise FetchError(url, f"invalid request: {_last_words(exc)}") from None
        raise FetchError(url, network_reason(error, self.timeout)) from None

    def _request_at(self, url, target, address, headers, limit):
        pool = self._pool(target, address)
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

    def _pool(self, target, address):
        timeout = urllib3.Timeout(connect=self.timeout, read=self.timeout)
        if target.scheme == "http":
            return urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, maxsize=1,
                                              retries=False)
        # Connect to the checked address but verify the certificate for the real name.
        return urllib3.HTTPSConnectionPool(
            address, target.port, timeout=timeout, maxsize=1, retries=False,
            cert_reqs="CERT_REQUIRED", ca_certs=self.ca_certs,
            server_hostname=target.host, assert_hostname=target.host)

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
        body = _read_body(url, response, headers, limit, self.timeout * DEADLINE_FACTOR)
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


def blocked_kind(address):
    """Why an IP address must not be fetched ("private", "loopback", ...), or None.

    Args:
        address: an IPv4 or IPv6 address as text.

    Returns:
        str or None: None for a public unicast address.
    """
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo and ip.teredo[1])
        if ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded:
            return blocked_kind(str(embedded))
    checks = (("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback),
              ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
              ("shared (CGNAT)", ip.version == 4 and ip in CGNAT),
              ("private", ip.is_private), ("reserved", ip.is_reserved),
              ("non-global", not ip.is_global))
    return next((kind for kind, hit in checks if hit), None)


def _origin_of(origin):
    """("http", "host", 80) for an allowed origin such as "http://127.0.0.1:8000"."""
    parts = urlsplit(origin)
    scheme = parts.scheme.lower()
    return (scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme, 0))


def _target(url, current):
    """Split and check one URL; FetchError for anything but a plain http(s) URL."""
    if any(ord(ch) <= 32 or ord(ch) == 127 for ch in current.strip()):
        raise FetchError(url, "malformed URL (control character or space)")
    try:
        parts = urlsplit(current.strip())
        port = parts.port
    except ValueError:
        raise FetchError(url, "malformed URL (invalid port)") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise FetchError(url, f"blocked: scheme {scheme or 'missing'}: is not http or https")
    if not parts.hostname:
        raise FetchError(url, "malformed URL (no host)")
    host = _ascii_host(url, parts.hostname)
    port = port or DEFAULT_PORTS[scheme]
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/?%:@!$&'()*+,;=-._~")
    bracketed = f"[{host}]" if ":" in host else host
    netloc = bracketed if port == DEFAULT_PORTS[scheme] else f"{bracketed}:{port}"
    return _Target(f"{scheme}://{netloc}{path}", scheme, host, port, path)


def _ascii_host(url, hostname):
    """The host in ASCII: IDNA for international names (RFC 5891)."""
    try:
        host = hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise FetchError(url, "malformed URL (bad host name)") from None
    if not host.rstrip("."):
        raise FetchError(url, "malformed URL (no host)")
    return host.rstrip(".").lower()


def _read_body(url, response, headers, limit, deadline):
    """Stream the body, decoding gzip/deflate, never holding more than `limit` bytes."""
    length = headers.get("content-length", "")
    if length.strip().isdigit() and int(length) > limit:
        raise FetchError(url, f"larger than {_size(limit)}")
    decoder = _Decoder(url, headers.get("content-encoding", ""), limit)
    raw_total = 0
    stop_at = time.monotonic() + deadline
    while True:
        chunk = response.read1(CHUNK_SIZE, decode_content=False)
        if not chunk:
            return decoder.finish()
        raw_total += len(chunk)
        if raw_total > limit:
            raise FetchError(url, f"larger than {_size(limit)}")
        decoder.feed(chunk)
        if time.monotonic() > stop_at:
            raise FetchError(url, f"timed out after {deadline:g}s in total")


class _Decoder:
    """Content-Encoding decoding with the size cap on the decoded bytes (bomb guard)."""

    def __init__(self, url, encoding, limit):
        self.url = url
        self.encoding = encoding.strip().lower()
        if self.encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise FetchError(url, f"unsupported content-encoding {self.encoding}")
        self.limit = limit
        self.parts = []
        self.size = 0
        self.zlib = None

    def feed(self, data):
        if self.encoding in ("", "identity"):
            return self._keep(data)
        if self.zlib is None:
            self.zlib = zlib.decompressobj(self._wbits(data))
        try:
            # max_length bounds the memory one small compressed chunk can expand to.
            self._keep(self.zlib.decompress(data, self.limit - self.size + 1))
            while self.zlib.eof and self.zlib.unused_data:  # concatenated gzip members
                rest, self.zlib = self.zlib.unused_data, zlib.decompressobj(self._wbits(b""))
                self._keep(self.zlib.decompress(rest, self.limit - self.size + 1))
        except zlib.error:
            raise FetchError(self.url, f"corrupt {self.encoding} body") from None

    def _wbits(self, data):
        if self.encoding != "deflate":
            return 16 + zlib.MAX_WBITS
        # RFC 9110 §8.4.1.2 says zlib format; some servers send raw deflate instead.
        zlib_header = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
        return zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS

    def _keep(self, data):
        self.size += len(data)
        if self.size > self.limit:
            raise FetchError(self.url, f"larger than {_size(self.limit)}")
        self.parts.append(data)

    def finish(self):
        if self.zlib is not None:
            try:
                self._keep(self.zlib.flush())  # a truncated stream keeps what it had
            except zlib.error:
                raise FetchError(self.url, f"corrupt {self.encoding} body") from None
        return b"".join(self.parts)


def _size(n):
    """A byte count for people: "10 MB", "512 KB", "100 bytes"."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:g} {unit}"
    return f"{n} bytes"


def _page(url, final_url, status, headers, body):
    media_type, _params = parse_content_type(headers.get("content-type"))
    return Page(url=url, final_url=final_url, status=status, headers=headers,
                content_type=media_type, body=body)


def _check_kind(page, kinds):
    """The page's media type (sniffed when unlabelled) if `kinds` accepts it."""
    media_type = page.content_type
    if media_type in UNKNOWN_TYPES:
        media_type = sniff(page.body) or media_type
    if "any" in kinds or any(_is_kind(media_type, kind) for kind in kinds):
        return media_type
    wanted = " or ".join(KIND_NAMES.get(kind, kind) for kind in kinds)
    raise FetchError(page.url, f"not {wanted} (content-type {media_type or 'missing'})")


def _is_kind(media_type, kind):
    if kind == "image":
        return media_type.startswith("image/")
    return media_type in KIND_TYPES.get(kind, ())


def sniff(body):
    """Guess a media type from the first bytes (WHATWG MIME Sniffing §7.1), or None."""
    head = body[:PRESCAN_BYTES]
    for magic, media_type in MAGIC[:4]:
        if head.startswith(magic):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    text = head.lstrip(codecs.BOM_UTF8).lstrip().lower()
    if text.startswith(b"<?xml"):
        text = re.sub(rb"^<\?xml.*?\?>\s*(<!--.*?-->\s*|<\?.*?\?>\s*)*", b"", text, flags=re.S)
        return next((t for m, t in MAGIC[4:] if text.startswith(m)), "application/xml")
    return next((t for m, t in MAGIC[4:] if text.startswith(m)), None)


def parse_content_type(value):
    """("text/html", {"charset": "utf-8"}) from a Content-Type header (RFC 9110 §8.3.1)."""
    if not value:
        return "", {}
    media_type, *pieces = value.split(";")
    params = {}
    for piece in pieces:
        name, _, param = piece.partition("=")
        params[name.strip().lower()] = param.strip().strip('"').strip()
    return media_type.strip().lower(), params


def decode_text(body, content_type_header):
    """Decode a body as browsers would.

    Order: byte-order mark (which wins over the header, as in WHATWG Encoding §6 "decode"),
    the header's charset, <meta charset> or the XML declaration in the first bytes, strict
    UTF-8, then charset-normalizer's guess, then windows-1252.

    Args:
        body: the bytes.
        content_type_header: the raw Content-Type header, or None.

    Returns:
        (text, encoding): encoding is the Python codec name used, e.g. "utf-8", "cp1251".
    """
    encoding = (_bom_encoding(body) or _label(parse_content_type(content_type_header)[1]
                                                 .get("charset")) or _declared_encoding(body))
    if encoding:
        return body.decode(encoding, errors="replace"), encoding
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    encoding = _guess_encoding(body) or "cp1252"
    return body.decode(encoding, errors="replace"), encoding


def _bom_encoding(body):
    return next((name for bom, name in BOMS if body.startswith(bom)), None)


def _label(label):
    """The Python codec for a charset label, mapped as browsers map it, or None."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = LABEL_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _declared_encoding(body):
    """The encoding a document declares in its first bytes, or None."""
    head = body[:PRESCAN_BYTES]
    match = XML_ENCODING.search(head) or META_CHARSET.search(head)
    if not match:
        return None
    encoding = _label(match.group(1).decode("ascii"))
    # A document readable as ASCII cannot be UTF-16; WHATWG §13.2.3.3 says use UTF-8.
    return "utf-8" if encoding and encoding.startswith("utf-16") else encoding


def _guess_encoding(body):
    """charset-normalizer's best guess for undeclared, non-UTF-8 bytes, or None."""
    if charset_normalizer is None:
        return None
    sample = body[:256 * 1024]
    best = charset_normalizer.from_bytes(sample, cp_isolation=list(DETECT_ENCODINGS)).best()
    return _label(best.encoding) if best else None
