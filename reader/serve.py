"""`reader serve`: the app under gunicorn, built once in the master and forked into workers.

The push sender runs beside it in its own process: sending never happens inside a web request.
"""
import logging
import multiprocessing
import os

from gunicorn.app.base import BaseApplication

log = logging.getLogger(__name__)


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


def _push_worker():
    from . import create_app
    from .push import outbox
    from .store import connect

    app = create_app()
    try:
        outbox.work(connect(app.config["DATA_DIR"]), app.config)
    except KeyboardInterrupt:
        pass


def serve(*, host, port, workers=None, threads=4, push_worker=True):
    """Run until stopped. The app is created before forking, so static files are built once."""
    workers = workers or 2 * (os.cpu_count() or 1)
    sender = None
    if push_worker:
        sender = multiprocessing.get_context("spawn").Process(target=_push_worker, name="reader-push",
                                                              daemon=True)
        sender.start()
    try:
        _Server({
            "bind": f"{host}:{port}", "workers": workers, "threads": threads,
            "worker_class": "gthread", "preload_app": True, "timeout": 30,
            "accesslog": "-", "errorlog": "-", "loglevel": "info",
            # keep-alive lets phones reuse a connection for the page's CSS and JS
            "keepalive": 5,
        }).run()
    finally:
        if sender is not None:
            sender.terminate()
            sender.join(timeout=5)
