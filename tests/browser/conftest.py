"""Shared fixtures for tests that drive Debian's Chromium through Playwright.

Data:
    demo_data, demo_copy  (from tests/conftest.py) the demo newsroom, loaded once per session.

Servers:
    make_live_server    (function) factory: make_live_server(data_dir, start=True, wrap=None, **config)
                        -> LiveServer; wrap(app) may put a WSGI middleware around the app.
                        Every server it made is stopped at teardown.
    black_hole          (function) factory: black_hole(port) -> BlackHole, a loopback server on that port
                        that accepts connections and never answers (a captive portal, a dead mobile
                        link). Stopped at teardown.
    live_server         (function) a started LiveServer on demo_data.

    A LiveServer serves create_app({"DATA_DIR": ...}) with werkzeug on 127.0.0.1 in a daemon thread.
    It keeps its port across stop()/start(), so a page can see "server stopped" and "server back"
    at the same origin (the service worker's scope). stop() also closes kept-alive connections,
    so nothing is answered after it. `requests` logs every request as (method, path-with-query):
    `server.clear_log()`, do something, `assert server.requests == []` proves the server saw nothing.

Browser:
    browser             (session) headless Chromium at /usr/bin/chromium.
    context             (function) a fresh phone-sized context: 360x740 CSS px, device scale 2,
                        mobile, touch, service workers allowed. `context.set_offline(True)` cuts
                        the network for the page and its service worker alike.
    persistent_context  (function) factory: persistent_context(**overrides) -> a context with its own
                        temporary profile dir (launch_persistent_context). CDP's
                        Page.getInstallabilityErrors needs one; so does anything that must survive
                        a browser restart (call the factory again with the same user_data_dir).
    watch_page          (function) watch_page(page) -> PageProblems collecting console errors,
                        uncaught exceptions, failed requests (CSP blocks included) and 4xx/5xx responses.

Without Chromium or Playwright the browser tests are skipped; with CI set (any non-empty value) they
fail instead, so CI can never pass by skipping them. Every test under tests/browser/ is marked `browser`
(`pytest -m "not browser"` leaves them out).
"""
import os
import shutil
import socket
import tempfile
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from reader import create_app

from .chromium import CHROMIUM, CHROMIUM_ARGS, PHONE

BROWSER_DIR = Path(__file__).resolve().parent


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives real headless Chromium (tests/browser/)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if BROWSER_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


def require_browser():
    """Skip when Chromium or Playwright is missing; fail instead under CI."""
    missing = []
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[test]')")
    if missing:
        message = "browser tests need " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must run them, not skip them", pytrace=False)
        pytest.skip(message)


# ---- servers -------------------------------------------------------------------------------

class LiveServer:
    """The app on 127.0.0.1:<port> in a thread; stop() and start() again keep the port."""

    def __init__(self, app, port=0):
        self.app = app
        self.port = port or _free_port()
        self.requests = []          # (method, path with query), in arrival order
        self._lock = threading.Lock()
        self._connections = set()   # open sockets, closed by stop() so keep-alive ends too
        self._server = None
        self._thread = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self):
        return self._server is not None

    def clear_log(self):
        with self._lock:
            self.requests.clear()

    def start(self):
        if self.running:
            return self
        self._server = make_server("127.0.0.1", self.port, self._logged, threaded=True,
                                   request_handler=_handler_class(self))
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"live-server-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if not self.running:
            return
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the client
        self._thread.join(timeout=5)
        self._server = self._thread = None

    def _logged(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        with self._lock:
            self.requests.append((environ["REQUEST_METHOD"], path))
        return self.app(environ, start_response)

    def _track(self, connection, opened):
        with self._lock:
            (self._connections.add if opened else self._connections.discard)(connection)


def _handler_class(server):
    class Handler(WSGIRequestHandler):
        def setup(self):
            super().setup()
            server._track(self.connection, True)

        def finish(self):
            server._track(self.connection, False)
            try:
                super().finish()
            except OSError:
                pass  # stop() shut the socket while the client was still connected

        def log_request(self, *args):
            pass  # the request log is server.requests

    return Handler


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class BlackHole:
    """Accepts every connection on 127.0.0.1:<port>, reads what comes and never answers."""

    def __init__(self, port):
        self.port = port
        self.connections = []
        self._listener = socket.create_server(("127.0.0.1", port))
        self._listener.settimeout(0.1)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, name=f"black-hole-{port}", daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            self.connections.append(connection)  # held open, never read from or written to

    def stop(self):
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()
        for connection in self.connections:
            connection.close()


@pytest.fixture
def black_hole():
    """Factory: black_hole(port) -> BlackHole; every one made is stopped at teardown."""
    holes = []

    def make(port):
        holes.append(BlackHole(port))
        return holes[-1]

    yield make
    for hole in holes:
        hole.stop()


@pytest.fixture
def make_live_server():
    """Factory: make_live_server(data_dir, start=True, port=0, wrap=None, **config) -> LiveServer."""
    servers = []

    def make(data_dir, *, start=True, port=0, wrap=None, **config):
        app = create_app({"DATA_DIR": data_dir, **config})
        server = LiveServer(wrap(app) if wrap else app, port=port)
        servers.append(server)
        return server.start() if start else server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def live_server(make_live_server, demo_data):
    return make_live_server(demo_data)


# ---- browser -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def playwright_runtime():
    """The Playwright sync API, started once (skips or fails as require_browser() says)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    runtime = sync_playwright().start()
    yield runtime
    runtime.stop()


@pytest.fixture(scope="session")
def browser(playwright_runtime):
    browser = playwright_runtime.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(**PHONE)
    yield context
    context.close()


@pytest.fixture
def persistent_context(playwright_runtime):
    """Factory: persistent_context(user_data_dir=None, **overrides) -> a BrowserContext with a profile."""
    contexts, made_dirs = [], []

    def launch(user_data_dir=None, **overrides):
        if user_data_dir is None:
            user_data_dir = tempfile.mkdtemp(prefix="reader-chromium-")
            made_dirs.append(user_data_dir)
        context = playwright_runtime.chromium.launch_persistent_context(
            str(user_data_dir), executable_path=CHROMIUM, args=CHROMIUM_ARGS, **{**PHONE, **overrides})
        contexts.append(context)
        return context

    yield launch
    for context in contexts:
        context.close()
    for path in made_dirs:
        shutil.rmtree(path, ignore_errors=True)


class PageProblems:
    """What went wrong on a page, as human-readable strings."""

    def __init__(self, page):
        self.console_errors, self.page_errors, self.failed_requests, self.bad_responses = [], [], [], []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("requestfailed", lambda request: self.failed_requests.append(
            f"{request.method} {request.url}: {request.failure}"))
        page.on("response", self._response)

    def _console(self, message):
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def _response(self, response):
        if response.status >= 400:
            self.bad_responses.append(f"{response.status} {response.request.method} {response.url}")

    def all(self):
        return self.console_errors + self.page_errors + self.failed_requests + self.bad_responses


@pytest.fixture
def watch_page():
    """watch_page(page) -> PageProblems; attach before page.goto()."""
    return PageProblems
