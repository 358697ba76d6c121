"""Compose an alert, confirm it with its audience, then queue or schedule it (never send it here)."""
import logging
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext

from ...push import outbox, payload
from ...push.crypto import MAX_PAYLOAD
from ...slugs import story_path
from ...store import articles as article_store
from ...store import audit
from ...store import desk as desk_store
from ...store import get_db, transaction
from ...store import subscriptions as subscription_store
from ...store import topics as topic_store
from ... import i18n
from .. import inputs
from . import bp, clock, editor_name
from .desk import audience

log = logging.getLogger(__name__)
TTL_CHOICES = ((900, "15 minutes"), (3600, "1 hour"), (payload.DEFAULT_TTL, "6 hours"), (86400, "1 day"),
               (3 * 86400, "3 days"), (7 * 86400, "1 week"), (payload.MAX_TTL, "4 weeks"))
MAX_ZONE = 64   # characters of a time zone name (the longest IANA name has 32)


@bp.get("/compose")
def compose():
    """The form, blank or prefilled from a story (?article=ID)."""
    db = get_db()
    values = {"urgency": "normal", "ttl": str(payload.DEFAULT_TTL), "when": "now", "tz": "UTC"}
    article = _article(db, request.args.get("article"))
    if request.args.get("article") and article is None:
        abort(404, gettext("No such story: it may have been removed."))
    if article is not None:
        title, body = outbox.suggested_text(article)
        values.update(title=title, body=body, topic=_best_topic(db, article["id"]), article_id=str(article["id"]))
    return _form(db, values)


@bp.post("/compose")
def review():
    """Check the alert and show the confirm step: preview, size, audience and when."""
    db = get_db()
    values = request.form.to_dict()
    if values.get("step") == "edit":
        return _form(db, values)
    try:
        draft = read_draft(db, values, now=clock())
    except payload.AlertError as exc:
        return _form(db, values, error=str(exc)), 400
    return render_template("editor/confirm.html", draft=draft, values=values, max_payload=MAX_PAYLOAD,
                           ttl_label=dict(TTL_CHOICES).get(draft["ttl"], f"{draft['ttl']:,} seconds"))


@bp.post("/alerts")
def create():
    """Queue the confirmed alert (or schedule it); the push worker sends it."""
    db = get_db()
    values = request.form.to_dict()
    try:
        draft = read_draft(db, values, now=clock())
        with transaction(db):
            alert_id = outbox.queue(
                db, title=draft["title"], body=draft["body"], topic=draft["topic"],
                article_id=draft["article_id"], urgency=draft["urgency"], ttl=draft["ttl"],
                state="scheduled" if draft["send_at"] else "queued", send_at=draft["send_at"],
                created_by=editor_name(), source="editor")
            audit.record(db, editor_name(), "scheduled" if draft["send_at"] else "queued", alert_id=alert_id,
                         detail=f"for {draft['local_time']}" if draft["send_at"] else "")
    except payload.AlertError as exc:
        return _form(db, values, error=str(exc)), 400
    log.info("editor %s %s alert %s", editor_name(), "scheduled" if draft["send_at"] else "queued", alert_id)
    return redirect(url_for("editor.alert", alert_id=alert_id), code=303)


def read_draft(db, values, *, now):
    """The cleaned alert from the form's strings.

    Raises:
        payload.AlertError: with a message for the editor.
    """
    try:
        ttl = int(values.get("ttl", ""))
    except ValueError:
        raise payload.AlertError(gettext("TTL must be a whole number of seconds")) from None
    article = _article(db, values.get("article_id"))
    if values.get("article_id") and article is None:
        raise payload.AlertError(gettext("the story for this alert no longer exists"))
    try:
        alert = outbox.check(db, title=values.get("title"), body=values.get("body"),
                             topic=inputs.key(values.get("topic")) or "", article_id=article and article["id"],
                             urgency=values.get("urgency"), ttl=ttl)
    except outbox.UnknownTopic:
        raise payload.AlertError(gettext("choose a topic from the list")) from None
    topic = alert["topic"]
    draft = {**alert, "topic": topic["slug"], "topic_name": topic["name"], "article_id": article and article["id"],
             **audience(db, topic["slug"])}
    draft.update(_when(values, now))
    draft["bytes"] = len(payload.build({**draft, "id": desk_store.next_alert_id(db)}, article_url=draft["url"]))
    return draft


def _when(values, now):
    """{"send_at": UTC ISO or None, "local_time", "utc_time"} from the form's time and zone."""
    zone_name = values.get("tz") or "UTC"
    zone = _zone(zone_name)
    if values.get("when", "now") == "now":
        return {"send_at": None, "local_time": "now", "utc_time": "", "tz": zone_name}
    try:
        wall = datetime.fromisoformat(values.get("send_at", ""))
    except ValueError:
        raise payload.AlertError(gettext("give the date and time to send at")) from None
    moment = wall.replace(tzinfo=zone, second=0, microsecond=0)
    try:
        utc = moment.astimezone(timezone.utc)
        exists = utc.astimezone(zone).replace(tzinfo=None) == moment.replace(tzinfo=None)
    except OverflowError:  # the first or last day a datetime holds, moved into another zone
        raise payload.AlertError(gettext("%(day)s is out of range; choose a nearer date", day=wall.date().isoformat())) from None
    if not exists:
        raise payload.AlertError(gettext("%(time)s does not exist on %(day)s in %(zone)s (clocks go forward)",
                                          time=wall.strftime("%H:%M"), day=wall.date().isoformat(), zone=zone_name))
    if utc.timestamp() <= now:
        raise payload.AlertError(gettext("%(when)s in %(zone)s has passed; choose a later time",
                                          when=wall.strftime("%Y-%m-%d %H:%M"), zone=zone_name))
    return {"send_at": utc.isoformat(timespec="seconds"), "tz": zone_name,
            "local_time": f"{i18n.datetime_text(moment, zone=zone, weekday=True)} ({zone_name})", "utc_time": f"{utc:%H:%M} UTC"}


def _zone(name):
    """The editor's time zone by its IANA name.

    Raises:
        payload.AlertError: an unknown (or absurdly long) name.
    """
    try:
        if len(name) <= MAX_ZONE:
            return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    raise payload.AlertError(gettext("unknown time zone %(zone)r", zone=name[:MAX_ZONE]))


def _form(db, values, error=None):
    """The compose form with the editor's values (and the error that sent them back)."""
    topics = [{**t, **audience(db, t["slug"])} for t in topic_store.all(db)]
    article = _article(db, values.get("article_id"))
    preview = {"url": story_path(article["slug"]) if article else "/", "image": outbox.lead_image_url(db, article)}
    next_id = desk_store.next_alert_id(db)
    return render_template("editor/compose.html", values=values, error=error, topics=topics, article=article,
                           preview=preview, urgencies=payload.URGENCIES, ttls=TTL_CHOICES,
                           max_payload=MAX_PAYLOAD, next_id=next_id, bytes=_size(values, preview, next_id),
                           click_sample=payload.CLICK_SAMPLE,
                           limits={"title": payload.MAX_TITLE, "body": payload.MAX_BODY})


def _size(values, preview, next_id):
    """Bytes of the payload as typed so far (None when it would not fit at all)."""
    alert = {"id": next_id, "title": (values.get("title") or "").strip(), "topic": values.get("topic") or "",
             "body": (values.get("body") or "").strip(), "image": preview["image"]}
    try:
        return len(payload.build(alert, article_url=preview["url"]))
    except payload.AlertError:
        return None


def _article(db, value):
    article_id = inputs.record_id(value)
    return article_store.get(db, article_id) if article_id else None


def _best_topic(db, article_id):
    """Of the story's topics, the one most readers follow (ties: the desk's topic order)."""
    order = {t["slug"]: n for n, t in enumerate(topic_store.all(db))}
    slugs = topic_store.for_article(db, article_id)
    ranked = sorted(slugs, key=lambda s: (-subscription_store.count_following(db, s), order.get(s, 0)))
    return ranked[0] if ranked else ""
