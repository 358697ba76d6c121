"""Logging in and out of the desk."""
import re

from flask import g, redirect, render_template, request, session, url_for

from ... import editors
from ...store import get_db
from . import bp, clock

DESK_PATH = re.compile(r"/editor/[A-Za-z0-9._~/?=&%+-]{0,500}")  # unreserved, "/", "?", "=", "&", "%", "+"


@bp.get("/login")
def login():
    if g.editor is not None:
        return redirect(_next_url(request.args.get("next")), code=303)
    return render_template("editor/login.html", next=_next_url(request.args.get("next")))


@bp.post("/login")
def login_post():
    """Check the name and password; wrong ones are counted, slowed down and locked out."""
    form = request.form
    target = _next_url(form.get("next"))
    try:
        editor = editors.log_in(get_db(), form.get("name", ""), form.get("password", ""), now=clock())
    except editors.LoginRefused as exc:
        page = render_template("editor/login.html", error=str(exc), next=target, name=form.get("name", ""))
        return page, 429, {"Retry-After": str(exc.seconds)}
    except editors.LoginFailed as exc:
        return render_template("editor/login.html", error=str(exc), next=target, name=form.get("name", "")), 403
    session.clear()  # a fresh session (and CSRF token) for the logged-in editor
    session.permanent = True
    session.update(editor_id=editor["id"], editor=editor["name"])
    return redirect(target, code=303)


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("editor.login"), code=303)


def _next_url(value):
    """Only a desk path of plain URL characters: never an open redirect to another site, never a
    character (CR, LF, a space) that cannot go into a Location header."""
    if value and DESK_PATH.fullmatch(value):
        return value
    return url_for("editor.index")
