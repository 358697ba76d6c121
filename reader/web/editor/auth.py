"""Logging in and out of the desk."""
import re

from flask import current_app, g, redirect, render_template, request, session, url_for
from itsdangerous import BadData, URLSafeTimedSerializer

from ... import editors
from ...store import get_db
from ..clients import client_address
from . import COOKIE_PATH, bp, clock

DEVICE_COOKIE = "reader_editor_device"  # "this browser has logged in as NAME": skips the name's throttle
DEVICE_DAYS = 365

DESK_PATH = re.compile(r"/editor/[A-Za-z0-9._~/?=&%+-]{0,500}")  # unreserved, "/", "?", "=", "&", "%", "+"


@bp.get("/login")
def login():
    if g.editor is not None:
        return redirect(_next_url(request.args.get("next")), code=303)
    return render_template("editor/login.html", next=_next_url(request.args.get("next")))


@bp.post("/login")
def login_post():
    """Check the name and password; wrong ones are counted per address and per name and slowed down."""
    form = request.form
    target, name = _next_url(form.get("next")), form.get("name", "")
    try:
        editor = editors.log_in(get_db(), name, form.get("password", ""), address=client_address(),
                                trusted=_trusted_device(name), now=clock())
    except editors.LoginRefused as exc:
        page = render_template("editor/login.html", error=str(exc), next=target, name=name)
        return page, 429, {"Retry-After": str(exc.seconds)}
    except editors.LoginFailed as exc:
        return render_template("editor/login.html", error=str(exc), next=target, name=name), 403
    token = editors.open_session(get_db(), editor["id"], now=clock(), hours=current_app.config["EDITOR_SESSION_HOURS"])
    session.clear()  # a fresh session (and CSRF token) for the logged-in editor
    session.permanent = True
    session.update(token=token)
    response = redirect(target, code=303)
    response.set_cookie(DEVICE_COOKIE, _devices().dumps(editor["name"]), max_age=DEVICE_DAYS * 86400,
                        path=COOKIE_PATH, secure=request.is_secure, httponly=True, samesite="Lax")
    return response


@bp.post("/logout")
def logout():
    """End the session on the server too: a copy of the cookie stops working with it."""
    editors.end_session(get_db(), session.get("token"))
    session.clear()
    return redirect(url_for("editor.login"), code=303)


def _devices():
    return URLSafeTimedSerializer(current_app.secret_key, salt="reader-editor-device")


def _trusted_device(name):
    """True when this browser logged in as `name` before (its signed device cookie says so):
    wrong passwords others typed for the name do not slow it down."""
    try:
        remembered = _devices().loads(request.cookies.get(DEVICE_COOKIE, ""), max_age=DEVICE_DAYS * 86400)
    except BadData:
        return False
    return remembered == (name or "").strip().lower()


def _next_url(value):
    """Only a desk path of plain URL characters: never an open redirect to another site, never a
    character (CR, LF, a space) that cannot go into a Location header."""
    if value and DESK_PATH.fullmatch(value):
        return value
    return url_for("editor.index")
