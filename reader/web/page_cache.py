"""Rendered pages cached by content version: each page is rendered once per version of what it shows.

`PageCache` is WSGI middleware around the Flask app (inside WhiteNoise and ProxyFix). A GET or
HEAD of a reader's page (`CACHED`, no query string) first reads the store's content version
(`store.changes.content_version`, one small query on this thread's own connection), then answers
from a copy kept under (version, page, host, the reader's display settings and language), or lets the app
render the page and keeps the copy. The version is read before rendering, so a copy is never
older than its key: a correction, a new story or a topic change gives a new key, and a different
theme, text size or low-data setting is another key. Because the version lives in the database,
a write by any process or machine sharing it reaches every cache; nothing is invalidated here.

Copies are compressed once per encoding at brotli 11 / gzip 9 (a few ms, paid once per version),
and a copy's ETag answers If-None-Match with a 304 without rendering.
"""
import gzip
import re
import threading
from collections import OrderedDict

import brotli
from werkzeug.http import (parse_accept_header, parse_cookie, parse_etags, remove_entity_headers,
                           unquote_etag)

from .. import i18n, store
from ..store.changes import content_version
from .render import preferences_from

CACHED = re.compile(r"^/(?:|articles/[^/]+/|topics/[^/]+/|archive/(?:\d+/)?|offline/|saved/|settings/)$")
BROTLI_QUALITY = 11
GZIP_LEVEL = 9
MIN_COMPRESS = 512  # as reader.web.compress: below one packet the headers cost more than the saving


class Copy:
    """One rendered page: its status line, headers without the body's own, and the body per encoding."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = [(k, v) for k, v in headers if k.lower() not in ("content-length", "content-encoding")]
        self.etag = next((v for k, v in self.headers if k.lower() == "etag"), None)
        self.bodies = {"identity": body}   # the other encodings are added on first use
        self.size = len(body)


def _compressed(plain, encoding):
    if encoding == "br":
        return brotli.compress(plain, quality=BROTLI_QUALITY)
    return gzip.compress(plain, compresslevel=GZIP_LEVEL, mtime=0)


class PageCache:
    """WSGI middleware keeping rendered pages per content version (see the module docstring)."""

    def __init__(self, app, *, config, max_bytes=32 * 1024 * 1024):
        self.app = app
        self.config = config            # the app's settings: which store to read the version from
        self.max_bytes = max_bytes      # per process; a copy is ~10-30 KB with its compressed twins
        self.hits = self.misses = 0
        self._copies = OrderedDict()    # least recently used first
        self._bytes = 0
        self._lock = threading.Lock()
        self._local = threading.local()  # one database connection per serving thread

    def __call__(self, environ, start_response):
        if (environ["REQUEST_METHOD"] not in ("GET", "HEAD") or environ.get("QUERY_STRING")
                or not CACHED.match(environ.get("PATH_INFO", ""))):
            return self.app(environ, start_response)
        try:
            key = self._key(environ)
        except (store.StoreUnavailable, store.StoreCorrupt):
            return self.app(environ, start_response)  # the app answers 503, saying why
        with self._lock:
            copy = self._copies.get(key)
            if copy is not None:
                self._copies.move_to_end(key)
                self.hits += 1
        if copy is None:
            copy = self._render(environ)
            if copy is None:
                return self.app(environ, start_response)  # not a page to keep: the app answers as usual
            self._keep(key, copy)
        return self._answer(environ, start_response, copy)

    def _key(self, environ):
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        prefs = preferences_from(cookies, environ.get("HTTP_SAVE_DATA", ""))
        language = i18n.locale_from(cookies, environ.get("HTTP_ACCEPT_LANGUAGE"), self.config["DEFAULT_LOCALE"])
        return (self._version(), environ["wsgi.url_scheme"], environ.get("HTTP_HOST", ""),
                environ.get("SCRIPT_NAME", ""), environ["PATH_INFO"], prefs["theme"], prefs["text"],
                prefs["lowdata"], language)

    def _version(self):
        """The content version, on this thread's own handle. A PostgreSQL handle gives its pooled
        connection back after each read; an SQLite one keeps its file open."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = store.connect(self.config)
        try:
            return content_version(db)
        finally:
            if db.dialect == "postgresql":
                db.close()

    def _render(self, environ):
        """The app's plain 200 answer as a Copy, or None when it is not one to keep."""
        inner = dict(environ, HTTP_ACCEPT_ENCODING="identity", REQUEST_METHOD="GET")
        inner.pop("HTTP_IF_NONE_MATCH", None)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)

        chunks = self.app(inner, capture)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        headers = captured.get("headers", [])
        names = {k.lower(): v for k, v in headers}
        if (not captured.get("status", "").startswith("200") or "set-cookie" in names
                or "no-store" in names.get("cache-control", "")):
            return None
        with self._lock:
            self.misses += 1
        return Copy(captured["status"], headers, body)

    def _keep(self, key, copy):
        with self._lock:
            if key not in self._copies:
                self._copies[key] = copy
                self._bytes += copy.size
            while self._bytes > self.max_bytes and len(self._copies) > 1:
                _, gone = self._copies.popitem(last=False)
                self._bytes -= gone.size

    def _answer(self, environ, start_response, copy):
        if copy.etag and parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains_weak(unquote_etag(copy.etag)[0]):
            headers = list(copy.headers)
            remove_entity_headers(headers)  # in place
            start_response("304 Not Modified", headers)
            return []
        encoding = _encoding(environ.get("HTTP_ACCEPT_ENCODING", ""), copy)
        body = copy.bodies.get(encoding)
        if body is None:  # compressed outside the lock; two threads may both do it once
            body = _compressed(copy.bodies["identity"], encoding)
            with self._lock:
                if encoding not in copy.bodies:
                    copy.bodies[encoding] = body
                    copy.size += len(body)
                    self._bytes += len(body)
        headers = list(copy.headers) + [("Content-Length", str(len(body)))]
        if encoding != "identity":
            headers.append(("Content-Encoding", encoding))
        start_response(copy.status, headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]


def _encoding(accept_encoding, copy):
    if len(copy.bodies["identity"]) < MIN_COMPRESS:
        return "identity"
    accepted = parse_accept_header(accept_encoding)
    for name in ("br", "gzip"):
        if accepted[name]:
            return name
    return "identity"
