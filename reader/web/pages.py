"""Reader's HTML pages: thin views over the store and render."""
import json
from pathlib import Path

from flask import (Blueprint, abort, current_app, redirect, render_template, request,
                   send_from_directory, url_for)
from flask_babel import gettext

from .. import SHARE, i18n, search_terms
from ..images import MEDIA_DIR
from ..push import keys
from ..store import articles as article_store
from ..store import get_db
from ..store import topics as topic_store
from . import EDITION_STORIES, asset_url, render
from .responses import revalidated

bp = Blueprint("pages", __name__)
FRONT_PAGE_STORIES = EDITION_STORIES   # what the front page shows is what its edition download keeps
MAX_QUERY = 200
MEDIA_MAX_AGE = 31536000  # media files are named by their content hash
SETTINGS_MAX_AGE = 400 * 24 * 3600  # the longest cookie lifetime browsers keep (RFC 6265bis)


@bp.get("/")
def front():
    db = get_db()
    rows = article_store.latest(db, limit=FRONT_PAGE_STORIES)
    sections = render.front_sections(db, rows, topic_store.all(db))
    return revalidated(render_template("pages/front.html", sections=sections))


@bp.get("/articles/<slug>/")
def article(slug):
    db = get_db()
    row = article_store.by_slug(db, slug)
    if row is None:
        abort(404, gettext("No story with this address."))
    prefs = render.preferences()
    view = render.article(db, row, lowdata=prefs["lowdata"])
    html = render_template("pages/article.html", article=view, next_stories=render.next_stories(db, row))
    response = revalidated(html, vary=("Save-Data", "Cookie"))
    # The service worker files kept stories by these (a correction changes the revision).
    response.headers["X-Reader-Article"] = str(row["id"])
    response.headers["X-Reader-Revision"] = row["content_hash"][:16]
    return response


@bp.get("/topics/<slug>/")
def topic(slug):
    db = get_db()
    found = topic_store.get(db, slug)
    if found is None:
        abort(404, gettext("No such topic."))
    stories = render.stories(db, article_store.latest(db, topic=slug, limit=50))
    return revalidated(render_template("pages/topic.html", topic=found, stories=stories))


@bp.get("/search")
def search():
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    db = get_db()
    results = render.stories(db, article_store.search(db, query))
    return revalidated(render_template("pages/search.html", query=query, results=results,
                                       searchable=bool(search_terms.parse(query))))


ARCHIVE_PAGE = 100
MAX_PAGE = 10**9  # far past any archive, and its offset far inside the store's integers


@bp.get("/archive/")
@bp.get(f"/archive/<int(max={MAX_PAGE}):number>/")
def archive(number=1):
    """Every story, newest first, a hundred a page: nothing is reachable only by search."""
    db = get_db()
    total = article_store.count(db)
    pages = article_store.page_count(total, per_page=ARCHIVE_PAGE)
    if not 1 <= number <= pages:
        abort(404, gettext("No such archive page."))
    stories = render.stories(db, article_store.page(db, number, per_page=ARCHIVE_PAGE))
    return revalidated(render_template("pages/archive.html", stories=stories, number=number, pages=pages))


@bp.get("/offline/")
def offline():
    return revalidated(render_template("pages/offline.html"))


@bp.get("/saved/")
def saved():
    return revalidated(render_template("pages/saved.html"))


@bp.get("/settings/")
def settings():
    return revalidated(render_template("pages/settings.html", **settings_context()))


def settings_context():
    """The settings page's choices, and the alert toggles when push can work."""
    config = current_app.config
    api_origin = config.get("API_ORIGIN", "")
    try:
        push_key = None if config.get("PUSH_DISABLED") else keys.served_key(config["DATA_DIR"], get_db())
    except keys.VapidKeyError as exc:  # no alert toggles rather than a key no subscription can use
        current_app.logger.error("alerts are off: %s", exc)
        push_key = None
    return {"themes": render.THEMES, "sizes": render.TEXT_SIZES, "topics": topic_store.all(get_db()),
            "push_key": push_key, "api_origin": api_origin}


@bp.post("/settings/")
def save_settings():
    """Store display settings as cookies (works without JavaScript)."""
    form = request.form
    if form.get("theme") not in render.THEMES or form.get("text") not in render.TEXT_SIZES:
        abort(400, gettext("Choose a theme and a text size from the lists."))
    if form.get("lang", "") not in ("", *i18n.LOCALES):
        abort(400, gettext("Choose a language from the list."))
    response = redirect(url_for("pages.settings", saved=1), code=303)
    for name, value in (("theme", form["theme"]), ("text", form["text"]),
                        (render.LOW_DATA_COOKIE, "1" if form.get("lowdata") else "0")):
        response.set_cookie(name, value, max_age=SETTINGS_MAX_AGE, samesite="Lax",
                            secure=request.is_secure)
    if form.get("lang"):
        response.set_cookie(i18n.COOKIE, form["lang"], max_age=SETTINGS_MAX_AGE, samesite="Lax",
                            secure=request.is_secure)
    else:  # the browser's language again
        response.delete_cookie(i18n.COOKIE, samesite="Lax", secure=request.is_secure)
    return response


@bp.get("/manifest.json")
def manifest():
    return revalidated(manifest_text(), mimetype="application/manifest+json")


def manifest_text():
    """manifest.json with hashed icon URLs, its name and description in the interface language."""
    data = json.loads((SHARE / "manifest.json").read_text(encoding="utf-8"))
    for icon in data.get("icons", []):
        icon["src"] = asset_url(icon["src"])
    data.update(name=gettext("Reader: Central Asia news, offline"), lang=i18n.current(),
                description=gettext("News from Central Asia that stays readable with no signal."))
    return json.dumps(data, ensure_ascii=False, indent=1)


@bp.get("/media/<path:name>")
def media(name):
    response = send_from_directory(Path(current_app.config["DATA_DIR"]) / MEDIA_DIR, name,
                                   max_age=MEDIA_MAX_AGE)
    response.headers["Cache-Control"] = f"public, max-age={MEDIA_MAX_AGE}, immutable"
    return response


@bp.get("/favicon.ico")
def favicon():
    return redirect(asset_url("icons/icon-192.png"), code=301)
