"""The bundled demo publisher: "Steppe Dispatch", served over loopback HTTP.

`reader demo` and the tests ingest it exactly like a real site: pages carry the
usual publisher chrome (cookie banner, share bar, ads, comments), one page is
windows-1251, and every absolute URL is built from the server's own origin.

    with DemoSite() as site:
        fetch(site.feed_url)

Files under site/ write absolute URLs as ``{{ORIGIN}}/path``; the server puts
its own ``http://127.0.0.1:PORT`` there when it serves a text file, because the
port is only known once the socket is bound.
"""
import hashlib
import json
import logging
import posixpath
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

SITE_DIR = Path(__file__).parent / "site"
TOPICS_PATH = Path(__file__).parent / "topics.json"
ORIGIN_PLACEHOLDER = b"{{ORIGIN}}"
# Canonical URLs name the publisher's stable public address, not the random loopback port,
# so running the demo twice updates the same stories instead of duplicating them.
PUBLIC_PLACEHOLDER = b"{{PUBLIC}}"
PUBLIC_ORIGIN = "https://steppe-dispatch.example"
FEED_PATH = "/feed.xml"

# Every article page, newest first, in the feed's order.
ARTICLE_PATHS = (
    "/economy/2025/12/22/uzbekistan-export-growth.html",
    "/news/2025/12/22/kyrgyzstan-earthquake-osh.html",
    "/politics/2025/12/21/astana-tashkent-react-tokyo-summit.html",
    "/business/2025/12/21/middle-corridor-titr-after-tokyo.html",
    "/business/2025/12/21/japan-critical-minerals-supply-chains.html",
    "/news/2025/12/20/japan-central-asia-summit-tokyo.html",
    "/ru/2025/12/19/kyrgyzstan-zima-energetika.cp1251.html",
    "/features/2025/12/18/trans-caspian-route-photo-essay.html",
    "/kk/2025/12/17/qazaqstan-astyq-eksporty.html",
    "/news/2025/12/16/tajikistan-rogun-dam-turbine.html",
)

# Article pages about the Japan-Central Asia summit: the "summit" topic must match these and no others.
SUMMIT_PATHS = (
    "/business/2025/12/21/japan-critical-minerals-supply-chains.html",
    "/politics/2025/12/21/astana-tashkent-react-tokyo-summit.html",
    "/business/2025/12/21/middle-corridor-titr-after-tokyo.html",
    "/news/2025/12/20/japan-central-asia-summit-tokyo.html",
)

# Longest suffix wins, so "x.cp1251.html" is windows-1251 and not UTF-8.
CONTENT_TYPES = (
    (".cp1251.html", "text/html; charset=windows-1251"),
    (".html", "text/html; charset=utf-8"),
    (".xml", "application/rss+xml; charset=utf-8"),
    (".css", "text/css; charset=utf-8"),
    (".js", "text/javascript; charset=utf-8"),
    (".jpg", "image/jpeg"),
    (".png", "image/png"),
    (".txt", "text/plain; charset=utf-8"),
)
TEXT_TYPES = ("text/", "application/rss+xml")


def load_topics():
    """The topic rules the demo configures, as a list of dicts (see topics.json)."""
    return json.loads(TOPICS_PATH.read_text(encoding="utf-8"))


def content_type(name):
    """The Content-Type for a file name, or None when the demo does not serve that kind."""
    for suffix, ctype in CONTENT_TYPES:
        if name.endswith(suffix):
            return ctype
    return None


def resolve(root, url_path):
    """Map a request path to a file under root, or None (missing, a directory, or outside root)."""
    path = unquote(urlsplit(url_path).path)
    if "\x00" in path or ".." in path.split("/") or "\\" in path:
        return None
    if path.endswith("/"):
        path += "index.html"
    file = (root / posixpath.normpath(path).lstrip("/")).resolve()
    if not file.is_relative_to(root.resolve()) or not file.is_file():
        return None
    return file


class _Handler(BaseHTTPRequestHandler):
    """GET and HEAD for files under the site directory; no listings, no uploads."""

    server_version = "SteppeDispatch/1.0"
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self._serve(body=True)

    def do_HEAD(self):
        self._serve(body=False)

    def _serve(self, body):
        file = resolve(self.server.root, self.path)
        ctype = file and content_type(file.name)
        if not ctype:
            return self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"Not found\n", body)
        data = file.read_bytes()
        if ctype.startswith(TEXT_TYPES):
            data = data.replace(ORIGIN_PLACEHOLDER, self.server.origin.encode("ascii"))
            data = data.replace(PUBLIC_PLACEHOLDER, PUBLIC_ORIGIN.encode("ascii"))
        etag = '"%s"' % hashlib.sha256(data).hexdigest()[:16]
        if self.headers.get("If-None-Match") == etag:
            return self._send(HTTPStatus.NOT_MODIFIED, ctype, b"", False, etag)
        self._send(HTTPStatus.OK, ctype, data, body, etag)

    def _send(self, status, ctype, data, body, etag=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)) if status != HTTPStatus.NOT_MODIFIED else "0")
        if etag:
            self.send_header("ETag", etag)
            self.send_header("Cache-Control", "max-age=60")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def log_message(self, format, *args):
        logger.debug("demo site %s: " + format, self.server.origin, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root, host, port):
        super().__init__((host, port), _Handler)
        self.root = root
        self.origin = f"http://{host}:{self.server_address[1]}"


class DemoSite:
    """The demo publisher on a loopback port, serving in a daemon thread until close().

    Args:
        root: directory to serve; the bundled site by default.
        host: address to bind; loopback so nothing outside the machine can reach it.
        port: 0 lets the OS pick a free port (read it back from `origin`).
    """

    def __init__(self, *, root=SITE_DIR, host="127.0.0.1", port=0):
        self._server = _Server(Path(root), host, port)
        self.origin = self._server.origin
        self.feed_url = self.origin + FEED_PATH
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-site", daemon=True)
        self._thread.start()
        logger.info("demo site serving %s at %s", root, self.origin)

    def url(self, path):
        """The absolute URL of a site path such as one of ARTICLE_PATHS."""
        return self.origin + path

    @property
    def article_urls(self):
        return [self.url(path) for path in ARTICLE_PATHS]

    def close(self):
        """Stop serving and release the port; safe to call twice."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
