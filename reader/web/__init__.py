"""The web app: blueprints, static files through WhiteNoise, security and caching headers."""
import secrets
from datetime import timezone
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from flask import current_app, g, jsonify, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException, ServiceUnavailable
from werkzeug.middleware.proxy_fix import ProxyFix
from whitenoise import WhiteNoise

from .. import SHARE, assets, i18n
from ..store import StoreCorrupt, StoreUnavailable
from . import inputs

STATIC_MAX_AGE = 31536000  # a year: every static URL carries its content hash
RETRY_AFTER = 5  # seconds a client is asked to wait when the database is out of reach
EDITION_STORIES = 20       # stories an edition download keeps (the front page shows as many)
CSP_DIRECTIVES = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self'"),
    ("img-src", "'self' data:"),
    ("connect-src", "'self'"),
    ("manifest-src", "'self'"),
    ("worker-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'none'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
)
CSP = "; ".join(f"{name} {value}" for name, value in CSP_DIRECTIVES)
# A one-file edition opens from a phone's storage with no server and no headers: nothing may load
# or run, only its own inline styles and inline (data:) images show.
EDITION_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
               "form-action 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def init_app(app):
    # here, not at the top: the blueprints import asset_url and other names from this module
    from . import api, compress, editor, page_cache, pages, push_api, render, syndication, worker

    app.url_map.converters["int"] = inputs.IdConverter  # before any route: every <int:> is bounded
    for name, converter in (("default", inputs.TextConverter), ("string", inputs.TextConverter),
                            ("path", inputs.PathTextConverter)):
        app.url_map.converters[name] = converter  # and no <name> or <path:> holds a control character
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    build_dir = assets.build_dir(app.config["DATA_DIR"])
    app.extensions["assets"] = assets.build(SHARE / "static", build_dir)
    # Outside in: ProxyFix (below), WhiteNoise for static files, rendered pages by content version.
    app.wsgi_app = page_cache.PageCache(app.wsgi_app, config=app.config)
    app.extensions["page_cache"] = app.wsgi_app
    app.wsgi_app = _StaticFiles(app.wsgi_app, root=str(build_dir), prefix="static/",
                              max_age=STATIC_MAX_AGE, immutable_file_test=lambda path, url: True)
    app.jinja_env.globals["asset_url"] = asset_url
    app.jinja_env.globals["edition_url"] = edition_url
    app.jinja_env.globals["search_url"] = search_url
    app.jinja_env.globals["public_url"] = public_url
    app.jinja_env.globals.update(export_csp=export_csp, edition_csp=EDITION_CSP)
    app.jinja_env.filters["timetag"] = timetag
    i18n.init_app(app)   # the reader's language: catalogs, Babel's dates and numbers
    app.context_processor(lambda: {"prefs": render.preferences()})
    for blueprint in (pages.bp, api.bp, push_api.bp, syndication.bp, worker.bp):
        app.register_blueprint(blueprint)
    editor.init_app(app)  # the desk's blueprint, its session cookie and CSRF checks
    if app.config["PROXY_COUNT"]:  # trust X-Forwarded-* from that many proxies (https, client address)
        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    app.after_request(_headers)
    app.after_request(compress.compress)
    app.register_error_handler(HTTPException, _error)
    app.register_error_handler(StoreUnavailable, _unavailable)
    app.register_error_handler(StoreCorrupt, _damaged)


class _StaticFiles(WhiteNoise):
    # A year, the longest max-age RFC 9111 §5.2.2.1 guidance and browsers honour in practice;
    # WhiteNoise's own default for immutable files is ten.
    FOREVER = STATIC_MAX_AGE


def export_csp():
    """The site's CSP for an exported page, to carry in a <meta http-equiv> (a static host sends
    no headers): the back office's origin may take push requests and searches, and
    frame-ancestors, which a meta element cannot carry (CSP Level 3 ignores it there), is left out."""
    origin = current_app.config.get("API_ORIGIN")
    extra = {"connect-src": origin, "form-action": origin} if origin else {}
    return "; ".join(f"{name} {value} {extra[name]}" if name in extra else f"{name} {value}"
                     for name, value in CSP_DIRECTIVES if name != "frame-ancestors")


def trusted_hosts(config):
    """Host names a request may name (Flask refuses any other with 400): READER_BASE_URL's host and
    READER_ALLOWED_HOSTS. Nothing Reader writes takes the Host header, but a shared cache may key on it."""
    return [urlsplit(config["BASE_URL"]).hostname, *config["ALLOWED_HOSTS"]]


def public_url(path):
    """An absolute link to one of Reader's paths, on READER_BASE_URL (never the request's Host)."""
    return current_app.config["BASE_URL"] + path


def asset_url(logical):
    """The hashed URL of a static file, e.g. asset_url("css/app.css")."""
    return "/static/" + current_app.extensions["assets"][logical]["url_path"]


def edition_url(name):
    """Where the page finds an edition's manifest: the API, or a file in a static export."""
    if current_app.config.get("EXPORT"):
        return f"/api/editions/{name}.json"
    return f"/api/editions/{name}?limit={EDITION_STORIES}"


def search_url():
    """Search needs the server: an export links to the back office's, or shows none."""
    if not current_app.config.get("EXPORT"):
        return "/search"
    origin = current_app.config.get("API_ORIGIN")
    return f"{origin}/search" if origin else None


def timetag(moment):
    """A <time> element in UTC, written the interface language's way; app.js rewrites it into the
    reader's own time zone with the same pattern (<html data-time>)."""
    utc = moment.astimezone(timezone.utc)
    text = escape(i18n.datetime_text(utc)) + " UTC"
    return Markup(f'<time datetime="{utc.isoformat()}" data-local>{text}</time>')


def request_id():
    """This request's id: in the log beside any error, and shown on the error page to quote."""
    if "request_id" not in g:
        g.request_id = secrets.token_hex(8)
    return g.request_id


def _headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _unavailable(exc):
    """The database is out of reach (a restart, a network cut): 503 with a hint to retry soon;
    the next request borrows a fresh connection, so the site heals by itself."""
    current_app.logger.warning("store unavailable for %s: %s", request.path, exc)
    error = ServiceUnavailable(gettext("Reader cannot reach its database for a moment. Please try again shortly."))
    response = _error(error)
    response = current_app.make_response(response)
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def _damaged(exc):
    """The database file is damaged: every reader gets a clear 503, the log names it once per request."""
    current_app.logger.critical("request %s: %s", request_id(), exc)
    return _error(ServiceUnavailable("Reader's database is damaged and must be restored by its operators."))


def _error(exc):
    """Every HTTP error is a clear page (or JSON under /api/) with its own status and the request
    id to quote, never a trace; the desk's errors stay on the desk, with its way back."""
    headers = {"X-Request-Id": request_id()}
    if getattr(exc, "retry_after", None):
        headers["Retry-After"] = str(exc.retry_after)
    if request.path.startswith("/api/"):
        return jsonify(error=exc.name, message=i18n.error_text(exc), request_id=request_id()), exc.code, headers
    template = "editor/error.html" if request.blueprint == "editor" else "error.html"
    return render_template(template, error=exc, request_id=request_id()), exc.code, headers
