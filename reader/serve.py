"""`reader serve`: a small supervisor over gunicorn (the site) and one push sender.

Both run as children of this process, which gunicorn never forks, so its clean-up runs once;
they die with it even when it is killed outright (reader/lifeline.py).
A child that exits while the server should be running is logged and started again, after a
pause that grows while it keeps failing (a crash loop never spins). SIGTERM, SIGINT (Ctrl-C)
stop both children (SIGTERM, then SIGKILL past STOP_LIMIT) and return; SIGHUP is passed to
gunicorn, which reloads its workers.
"""
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time

from gunicorn.app.base import BaseApplication

from .lifeline import die_with_parent

log = logging.getLogger(__name__)
STOP_LIMIT = 30.0         # seconds a child may take to stop before it is killed
RESTART_FIRST = 1.0       # seconds before a child that exited is started again ...
RESTART_MAX = 60.0        # ... doubling while it keeps exiting, up to this
HEALTHY_AFTER = 60.0      # a child that ran this long is healthy: its next restart is quick again


class _Server(BaseApplication):
    def __init__(self, options):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from . import create_app

        return create_app()


def _web(options):
    die_with_parent()
    _Server(options).run()


def _push():
    from . import create_app
    from .push import worker

    die_with_parent()
    logging.basicConfig(level=logging.INFO, format="[push] %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    worker.stop_on_signals(stop)
    worker.run(create_app().config, stop=stop)


class _Child:
    """One supervised child process and its restart pause."""

    def __init__(self, name, target, args=()):
        self.name, self.target, self.args = name, target, args
        self.process, self.failures, self.started, self.due = None, 0, 0.0, 0.0

    def start(self):
        self.process = multiprocessing.get_context("spawn").Process(target=self.target, args=self.args,
                                                                    name=f"reader-{self.name}")
        self.process.start()
        self.started = time.monotonic()
        log.info("%s started (pid %s)", self.name, self.process.pid)

    def exited(self):
        """Note an unexpected exit and plan the restart."""
        ran = time.monotonic() - self.started
        self.failures = 1 if ran > HEALTHY_AFTER else self.failures + 1
        pause = min(RESTART_MAX, RESTART_FIRST * 2 ** (self.failures - 1))
        self.due = time.monotonic() + pause
        log.error("%s (pid %s) exited with code %s after %.0fs; starting it again in %.0fs",
                  self.name, self.process.pid, self.process.exitcode, ran, pause)
        self.process = None

    def stop(self):
        if self.process is None or not self.process.is_alive():
            return
        self.process.terminate()
        self.process.join(STOP_LIMIT)
        if self.process.is_alive():
            log.error("%s did not stop within %.0fs; killing it", self.name, STOP_LIMIT)
            self.process.kill()
            self.process.join(5)


def serve(*, host, port, workers=None, threads=4, push_worker=True, stop=None):
    """Run until stopped. A wrong database setting fails here, before anything starts."""
    from . import create_app
    from .store import check

    check(create_app().config)
    logging.getLogger("reader").setLevel(logging.INFO)  # starts, exits and restarts are worth a line
    options = {
        "bind": f"{host}:{port}", "workers": workers or 2 * (os.cpu_count() or 1), "threads": threads,
        "worker_class": "gthread", "preload_app": True, "timeout": 30, "graceful_timeout": 20,
        "accesslog": "-", "errorlog": "-", "loglevel": "info",
        "keepalive": 5,  # keep-alive lets phones reuse a connection for the page's CSS and JS
    }
    children = [_Child("web", _web, (options,))] + ([_Child("push sender", _push)] if push_worker else [])
    stop = stop or threading.Event()
    _stop_on_signals(stop, children[0])
    for child in children:
        child.start()
    try:
        _supervise(children, stop)
    finally:
        for child in reversed(children):
            child.stop()
        log.info("stopped")


def _supervise(children, stop):
    while not stop.is_set():
        running = [c.process.sentinel for c in children if c.process is not None]
        multiprocessing.connection.wait(running, timeout=1.0)
        for child in children:
            if child.process is not None and not child.process.is_alive() and not stop.is_set():
                child.exited()
            if child.process is None and not stop.is_set() and time.monotonic() >= child.due:
                child.start()


def _stop_on_signals(stop, web):
    if threading.current_thread() is not threading.main_thread():
        return
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, lambda *_: web.process and os.kill(web.process.pid, signal.SIGHUP))
