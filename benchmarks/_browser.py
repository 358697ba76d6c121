"""Shared bits for benchmarks that drive Debian's Chromium: the launch settings and a loopback server.

The Chromium settings come from tests/browser/chromium.py (one home for tests and benchmarks);
the server here adds a byte count per response so a benchmark can say what the server really sent.
"""
import socket
import sys
import threading
import time
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "browser"))
from chromium import CHROMIUM, CHROMIUM_ARGS, LIST_KEPT, PHONE  # noqa: E402,F401  (one home for both)


class LiveServer:
    """A WSGI app on 127.0.0.1:<port> in a daemon thread, logging each response with its size.

    `log` holds one dict per finished response: method, path (with query), status, body bytes
    as sent (after compression) and an estimate of the status line and header bytes.
    """

    def __init__(self, app, *, name=""):
        self.app = app
        self.name = name                # shown in messages only
        self.port = free_port()
        self.log = []
        self._lock = threading.Lock()
        self._server = self._thread = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self._server = make_server("127.0.0.1", self.port, self._counted, threaded=True,
                                   request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"bench-server-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = self._thread = None

    def clear_log(self):
        with self._lock:
            self.log.clear()

    def entries(self):
        with self._lock:
            return list(self.log)

    def wait_quiet(self, quiet_s=0.6, limit_s=15):
        """Wait until no response has finished for quiet_s seconds (the page's background work is done)."""
        deadline = time.monotonic() + limit_s
        seen, since = -1, time.monotonic()
        while time.monotonic() < deadline:
            count = len(self.entries())
            if count != seen:
                seen, since = count, time.monotonic()
            elif time.monotonic() - since >= quiet_s:
                return
            time.sleep(0.05)
        raise TimeoutError(f"{self.name or self.url} still busy after {limit_s} s")

    def _counted(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        entry = {"method": environ["REQUEST_METHOD"], "path": path, "status": 0,
                 "header_bytes": 0, "body_bytes": 0}

        def counting_start(status, headers, exc_info=None):
            entry["status"] = int(status.split()[0])
            # "HTTP/1.1 <status>\r\n", "Name: value\r\n" each, the blank line
            entry["header_bytes"] = 11 + len(status) + sum(len(k) + len(v) + 4 for k, v in headers) + 2
            return start_response(status, headers, exc_info)

        body = self.app(environ, counting_start)
        try:
            for chunk in body:
                entry["body_bytes"] += len(chunk)
                yield chunk
        finally:
            if hasattr(body, "close"):
                body.close()
            with self._lock:
                self.log.append(entry)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args):
        pass  # the log is LiveServer.log


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def launch(playwright):
    """Headless Debian Chromium (never a downloaded browser)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
