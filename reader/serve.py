"""`reader serve`: the app under gunicorn, built once in the master and forked into workers."""
import os

from gunicorn.app.base import BaseApplication


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


def serve(*, host, port, workers=None, threads=4):
    """Run until stopped. The app is created before forking, so static files are built once."""
    workers = workers or 2 * (os.cpu_count() or 1)
    _Server({
        "bind": f"{host}:{port}", "workers": workers, "threads": threads,
        "worker_class": "gthread", "preload_app": True, "timeout": 30,
        "accesslog": "-", "errorlog": "-", "loglevel": "info",
        # keep-alive lets phones reuse a connection for the page's CSS and JS
        "keepalive": 5,
    }).run()
