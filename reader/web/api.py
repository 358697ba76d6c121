"""JSON API: stories for the service worker's edition downloads and for other clients."""
import json
from functools import lru_cache

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext

from ..images import MEDIA_URL, default_variant, smallest_variant
from ..store import articles as article_store
from ..store import get_db
from ..store import images as image_store
from ..store import topics as topic_store
from .. import i18n
from . import inputs, render

bp = Blueprint("api", __name__, url_prefix="/api")
MAX_LIMIT = 200
DEFAULT_LIMIT = 20


@bp.get("/articles")
def articles():
    db = get_db()
    asked = request.args.get("topic") or None
    topic = inputs.key(asked)
    if asked and (topic is None or topic_store.get(db, topic) is None):
        abort(400, gettext("unknown topic %(topic)r", topic=asked))
    since = _since(request.args.get("since"))
    limit = _limit(request.args.get("limit"))
    rows = article_store.latest(db, topic=topic, limit=limit, since=since)
    return jsonify(articles=summaries(db, rows))


@bp.get("/articles/<int:article_id>")
def article(article_id):
    db = get_db()
    row = article_store.get(db, article_id)
    if row is None:
        abort(404, gettext("no article with id %(id)s", id=article_id))
    [record] = summaries(db, [row])
    record.update(byline=row["byline"], description=row["description"], lang=row["lang"],
                  dir=row["dir"], published=row["published"], body_html=row["body_html"],
                  version=row["version"], tags=json.loads(row["tags"]))
    return jsonify(record)


@bp.get("/editions/<name>")
def edition(name):
    """What downloading an edition costs: the latest stories of the front page or a topic.

    `name` is "front" or a topic slug. Images are the low-data size, so the bytes are what
    the phone will store.
    """
    db = get_db()
    topic = None if name == "front" else topic_store.get(db, name)
    if name != "front" and topic is None:
        abort(404, gettext("no edition %(name)r: use 'front' or a topic", name=name))
    rows = article_store.latest(db, topic=topic and topic["slug"], limit=_limit(request.args.get("limit")))
    stories = [_edition_story(record) for record in summaries(db, rows)]
    return jsonify(edition=name, title=i18n.translated(topic["name"]) if topic else gettext("Front page"), stories=stories,
                   bytes=sum(s["page_bytes"] + s["image_bytes"] for s in stories))


def _edition_story(record):
    return {"id": record["id"], "url": record["url"], "title": record["title"],
            "revision": record["revision"], "page_bytes": record["page_bytes"],
            "images": record["images_low"], "image_bytes": record["image_bytes_low"]}


def summaries(db, rows):
    """Each row's summary, with the images and topics of all of them read in two queries."""
    ids = [row["id"] for row in rows]
    images, topics = image_store.for_articles(db, ids), topic_store.for_articles(db, ids)
    return [summary(row, images[row["id"]], topics[row["id"]]) for row in rows]


def summary(row, stored, topics):
    """id, URLs, title, update time, topics and the bytes a phone needs to keep the story."""
    return {
        "id": row["id"], "url": render.article_url(row), "source_url": row["url"],
        "title": row["title"], "updated": row["updated_at"], "revision": row["content_hash"][:16],
        "topics": topics,
        "page_bytes": page_bytes(row["id"], row["content_hash"]),
        "images": [MEDIA_URL + default_variant(i["variants"])["file"] for i in stored],
        "image_bytes": sum(default_variant(i["variants"])["bytes"] for i in stored),
        "images_low": [MEDIA_URL + smallest_variant(i["variants"])["file"] for i in stored],
        "image_bytes_low": sum(smallest_variant(i["variants"])["bytes"] for i in stored),
    }


def page_bytes(article_id, content_hash):
    """Size of the rendered article page (cached per content version)."""
    return _page_bytes(current_app._get_current_object(), article_id, content_hash)


@lru_cache(maxsize=4096)
def _page_bytes(app, article_id, _content_hash):
    row = article_store.get(get_db(), article_id)
    with app.test_request_context(url_for("pages.article", slug=row["slug"]), base_url=app.config["BASE_URL"]):
        view = render.article(get_db(), row)
        html = render_template("pages/article.html", article=view,
                               next_stories=render.next_stories(get_db(), row))
    return len(html.encode())


def _since(value):
    if not value:
        return None
    try:
        return inputs.utc_time(value).isoformat(timespec="seconds")
    except ValueError:
        abort(400, gettext("since must be an ISO 8601 time, e.g. 2025-12-20T09:00:00Z"))


def _limit(value):
    if value is None or value == "":
        return DEFAULT_LIMIT
    limit = inputs.whole_number(value, 1, MAX_LIMIT)
    if limit is None:
        abort(400, gettext("limit must be a whole number from 1 to %(max)s", max=MAX_LIMIT))
    return limit
