"""One deadline over a whole fetch: connect, TLS, status line, headers and body, every hop.

Socket timeouts bound each read only, so a server sending a byte a second never trips
them. The watchdog shuts the request's sockets down when the deadline passes, which wakes
whatever read is waiting; the client then reports the deadline, not what the cut left.
"""
import socket
import threading

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection


class Watchdog:
    """Shuts down every socket given to watch() once `deadline` (budget.Deadline) passes.

    Used as a context manager around one fetch; `fired` says whether it cut anything short.
    """

    def __init__(self, deadline):
        self.deadline = deadline
        self.fired = False
        self._sockets = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline.remaining()), self._fire)
        self._timer.daemon = True

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()

    def watch(self, sock):
        with self._lock:
            self._sockets.append(sock)
            if self.fired:
                _shut(sock)

    def _fire(self):
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


class _Watched:
    """A urllib3 connection that hands its socket to the watchdog before anything is sent.

    The hook is _new_conn() (the TCP socket, before TLS), so a trickled handshake is cut too.
    """

    def __init__(self, *args, watchdog, **kwargs):
        self.watchdog = watchdog
        super().__init__(*args, **kwargs)

    def _new_conn(self):
        sock = super()._new_conn()
        self.watchdog.watch(sock)
        return sock


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class HTTPPool(urllib3.HTTPConnectionPool):
    """A pool whose connections are watched; pass watchdog=Watchdog(...)."""
    ConnectionCls = _WatchedHTTPConnection


class HTTPSPool(urllib3.HTTPSConnectionPool):
    """A pool whose connections are watched; pass watchdog=Watchdog(...)."""
    ConnectionCls = _WatchedHTTPSConnection
