"""Atom and JSON Feed 1.1 of the latest stories, for the site and per topic."""
import json

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext

from ..store import articles as article_store
from ..store import get_db
from ..store import topics as topic_store
from . import public_url, render
from .responses import revalidated

bp = Blueprint("syndication", __name__)
FEED_STORIES = 30
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


def _stories(topic=None):
    db = get_db()
    if topic and topic_store.get(db, topic) is None:
        abort(404, gettext("No such topic."))
    rows = article_store.latest(db, topic=topic, limit=FEED_STORIES)
    return [dict(card, body_html=r["body_html"], byline=r["byline"] or "")
            for r, card in zip(rows, render.stories(db, rows), strict=True)]


@bp.get("/feed.xml")
@bp.get("/topics/<topic>/feed.xml")
def atom(topic=None):
    stories = _stories(topic)
    xml = render_template("feeds/atom.xml", stories=stories, topic=topic, root=public_url("/"),
                          self_url=public_url(request.path))
    return revalidated(xml, mimetype="application/atom+xml")


@bp.get("/feed.json")
@bp.get("/topics/<topic>/feed.json")
def json_feed(topic=None):
    root = public_url("")
    stories = _stories(topic)
    home = url_for("pages.topic", slug=topic) if topic else "/"
    feed = {
        "version": JSON_FEED_VERSION,
        "title": "Reader" + (f": {topic}" if topic else ""),
        "home_page_url": root + home,
        "feed_url": root + request.path,
        "language": "en",
        "items": [_item(root, s) for s in stories],
    }

    return revalidated(json.dumps(feed, ensure_ascii=False, indent=1), mimetype="application/feed+json")


def _item(root, story):
    item = {"id": root + story["url"], "url": root + story["url"], "title": story["title"],
            "content_html": story["body_html"], "summary": story["description"],
            "date_published": story["published"].isoformat() if story["published"] else None,
            "date_modified": story["updated"].isoformat() if story["updated"] else None,
            "language": story["lang"] or None}
    if story["byline"]:
        item["authors"] = [{"name": story["byline"]}]
    return {k: v for k, v in item.items() if v}
