"""The editor desk at /editor/: log in, see new coverage, compose alerts, and see what happened.

Every route needs a logged-in editor (pages redirect to the login form, JSON answers 401);
every POST carries a CSRF token (Flask-WTF, checked only here: the reader's pages and JSON
API set no session and take no editor's cookie); nothing here is ever stored by a cache.
Sending never happens in a request: the desk only queues or schedules, the push worker sends.
"""
import time
from datetime import timedelta

from flask import Blueprint, current_app, g, jsonify, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

from ... import editors
from ...store import get_db

bp = Blueprint("editor", __name__, url_prefix="/editor")
csrf = CSRFProtect()
OPEN_ENDPOINTS = ("editor.login", "editor.login_post")                  # reachable without logging in
JSON_ENDPOINTS = ("editor.alerts_json", "editor.alert_json", "editor.alert_chart",  # 401, not a redirect
                  "editor.job_json")
COOKIE_PATH = "/editor"  # the session goes only to the desk, so readers' pages stay cookie-free


class EditorSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, scoped to the desk, Secure whenever the request is https."""

    def get_cookie_secure(self, app):
        # request.is_secure sees X-Forwarded-Proto when READER_PROXY_COUNT enables ProxyFix.
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    def get_cookie_path(self, app):
        return COOKIE_PATH


def init_app(app):
    """CSRF protection (checked in this blueprint only), the session cookie, the blueprint."""
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False        # protect() runs in _guard, for the desk only
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", int(app.config["EDITOR_SESSION_HOURS"] * 3600))
    app.config.update(SESSION_COOKIE_NAME="reader_editor", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax",
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=app.config["EDITOR_SESSION_HOURS"]))
    app.session_interface = EditorSessions()
    csrf.init_app(app)
    app.register_blueprint(bp)


@bp.before_request
def _guard():
    """Log-in first (so a stranger learns nothing more), then the CSRF token of any POST."""
    g.editor = _current_editor()
    if g.editor is None and request.endpoint not in OPEN_ENDPOINTS:
        if request.endpoint in JSON_ENDPOINTS:
            return jsonify(error="Unauthorized", message="Log in at /editor/login first."), 401
        target = request.full_path if request.method == "GET" else url_for("editor.index")
        return redirect(url_for("editor.login", next=target.rstrip("?")), code=303)
    if request.method == "POST":
        csrf.protect()   # a missing or wrong token is CSRFError, a 400
    return None


@bp.after_request
def _no_store(response):
    # The desk shows unsent alerts and the audit log: no browser or proxy cache may keep it.
    response.headers["Cache-Control"] = "no-store"
    return response


def _current_editor():
    """The editor whose session the cookie names, while the store keeps that session (logout, a
    new password or the account's removal end it, for every copy of the cookie)."""
    token = session.get("token")
    if token is None:
        return None
    editor = editors.session_editor(get_db(), token, now=clock())
    if editor is None:
        session.clear()
    return editor


def editor_name():
    return g.editor["name"]


def clock():
    """Now, as unix time; tests put their own clock in app.extensions["editor_clock"]."""
    return current_app.extensions.get("editor_clock", time.time)()


from . import auth, compose, desk, held, history, jobs  # noqa: E402,F401  (the routes register on bp)
