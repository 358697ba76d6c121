"""The response body, read as a stream and gzip/deflate-decoded, never past the size cap."""
import zlib

from .page import FetchError

CHUNK_SIZE = 64 * 1024
ENCODINGS = ("", "identity", "gzip", "x-gzip", "deflate")  # br/zstd are not asked for


def read_body(url, response, headers, limit):
    """Stream the body, decoding gzip/deflate, never holding more than `limit` bytes.

    Args:
        url: named in errors.
        response: a urllib3 response opened with preload_content=False.
        headers: its headers, lower-case names.
        limit: the most bytes accepted, before and after decoding.

    Returns:
        bytes: the decoded body.
    """
    length = headers.get("content-length", "")
    if length.strip().isdigit() and int(length) > limit:
        raise FetchError(url, f"larger than {size_text(limit)}")
    decoder = Decoder(url, headers.get("content-encoding", ""), limit)
    raw_total = 0
    while True:  # the fetch's watchdog ends a body that trickles on past its deadline
        chunk = response.read1(CHUNK_SIZE, decode_content=False)
        if not chunk:
            return decoder.finish()
        raw_total += len(chunk)
        if raw_total > limit:
            raise FetchError(url, f"larger than {size_text(limit)}")
        decoder.feed(chunk)


class Decoder:
    """Content-Encoding decoding with the size cap on the decoded bytes (bomb guard)."""

    def __init__(self, url, encoding, limit):
        self.url = url
        self.encoding = encoding.strip().lower()
        if self.encoding not in ENCODINGS:
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
            raise FetchError(self.url, f"larger than {size_text(self.limit)}")
        self.parts.append(data)

    def finish(self):
        if self.zlib is not None:
            try:
                self._keep(self.zlib.flush())  # a truncated stream keeps what it had
            except zlib.error:
                raise FetchError(self.url, f"corrupt {self.encoding} body") from None
        return b"".join(self.parts)


def size_text(n):
    """A byte count for people: "10 MB", "512 KB", "100 bytes"."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:g} {unit}"
    return f"{n} bytes"
