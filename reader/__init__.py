"""Reader: an offline-first news reader. `create_app` is the only entry point."""
import secrets
import tempfile
from pathlib import Path

from flask import Flask, request

from . import config as config_module
from . import store

ROOT = Path(__file__).resolve().parent
# Top-level templates/ and static/ live beside the package in a checkout and inside it
# (reader/templates, reader/static) in a wheel; see pyproject.toml.
SHARE = ROOT if (ROOT / "templates").is_dir() else ROOT.parent


def create_app(config=None):
    """Build the application.

    Args:
        config: a mapping of settings applied after the defaults and READER_* variables.

    Raises:
        config.ConfigError: for a setting that cannot be used.
    """
    settings = config_module.load(config)
    app = _Reader(__name__, template_folder=str(SHARE / "templates"), static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024  # no form or JSON body Reader takes is bigger
    app.config.update(settings)
    _writable(app.config["DATA_DIR"])
    app.config["SECRET_KEY"] = settings["SECRET_KEY"] or _secret_key(app.config["DATA_DIR"])
    app.teardown_appcontext(store.close_db)
    from . import cli, web

    cli.init_app(app)
    web.init_app(app)
    return app


class _Reader(Flask):
    def log_exception(self, exc_info):
        """Every 500 in the "reader" log with its traceback and the request id its page shows."""
        from .web import request_id

        self.logger.error("request %s failed: %s %s", request_id(), request.method, request.full_path.rstrip("?"),
                          exc_info=exc_info)


def _writable(data_dir):
    """Make the data directory, and check it can be written: Reader keeps its database, images,
    keys and built assets there, so a read-only one fails here, with one line.

    Raises:
        config.ConfigError: the directory cannot be made or written.
    """
    try:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=data_dir).close()
    except OSError as exc:
        raise config_module.ConfigError(
            f"the data directory {data_dir} cannot be written ({exc.strerror or exc}): Reader keeps its "
            "database, images and keys there; give READER_DATA_DIR a writable directory") from None


def _secret_key(data_dir):
    """Read the data directory's secret key, creating it (owner-only) on first use."""
    path = Path(data_dir) / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()

