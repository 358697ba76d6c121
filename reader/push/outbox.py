"""Alerts in: from the CLI, the editor desk and new coverage in auto-alert topics; out: the sender."""
import logging
import time
from datetime import datetime, timezone

from ..images import MEDIA_URL, smallest_variant
from ..slugs import story_path
from ..store import StoreUnavailable
from ..store import alerts as alert_store
from ..store import articles as article_store
from ..store import images as image_store
from ..store import senders as sender_store
from ..store import topics as topic_store
from ..store import transaction
from . import keys, payload
from .sender import Sender
from .vapid import Signer

log = logging.getLogger(__name__)
WORKER_BEAT = 5.0        # seconds between a sender's heartbeats
ALERT_BACKOFF = 2.0      # seconds before a failed alert is tried again, doubled per failure
ALERT_BACKOFF_MAX = 300.0
SUMMARY = 200           # characters of a story's text an alert's body suggests when it has no description


class UnknownTopic(payload.AlertError):
    """The alert names a topic the store does not hold."""


def check(db, *, title, body, topic, article_id=None, urgency="normal", ttl=payload.DEFAULT_TTL):
    """An alert's fields checked against the payload's rules and the store (the CLI's and the desk's).

    Returns:
        {"title", "body", "urgency", "ttl"} cleaned, "topic" and "article" (rows; article None
        for an alert with no story), "url" (the story's path or None) and "image" (or None).

    Raises:
        payload.AlertError: for a bad field or an unknown article; UnknownTopic (one) for a topic.
    """
    title, body, urgency, ttl = payload.check(title, body, urgency, ttl)
    found = topic_store.get(db, topic)
    if found is None:
        raise UnknownTopic(f"unknown topic {topic!r}")
    article = article_store.get(db, article_id) if article_id is not None else None
    if article_id is not None and article is None:
        raise payload.AlertError(f"no article with id {article_id}")
    return {"title": title, "body": body, "urgency": urgency, "ttl": ttl, "topic": found, "article": article,
            "url": article and story_path(article["slug"]), "image": lead_image_url(db, article)}


def queue(db, *, title, body, topic, article_id=None, urgency="normal", ttl=payload.DEFAULT_TTL,
          state="queued", send_at=None, created_by=None, source="cli"):
    """Validate and store an alert; returns its id (None for an automatic alert that exists already).

    Raises:
        payload.AlertError: for a bad field, an unknown topic or article, or a payload too big.
    """
    checked = check(db, title=title, body=body, topic=topic, article_id=article_id, urgency=urgency, ttl=ttl)
    alert = {"title": checked["title"], "body": checked["body"], "topic": topic, "article_id": article_id,
             "urgency": checked["urgency"], "ttl": checked["ttl"], "image": checked["image"], "state": state,
             "send_at": send_at, "created_by": created_by, "source": source, "id": 0}
    payload.build(alert, article_url=checked["url"])  # refuse what won't fit
    del alert["id"]
    return alert_store.create(db, alert)


def suggested_text(article):
    """The title and body a story suggests for its alert: its headline, and its description or
    the start of its text, each cut to what a payload carries."""
    summary = (article["description"] or article["body_text"][:SUMMARY]).strip()
    return article["title"][:payload.MAX_TITLE], summary[:payload.MAX_BODY]


def lead_image_url(db, article):
    """The smallest copy of the story's lead image (an alert's picture), or None."""
    if article is None or not article["lead_image_id"]:
        return None
    image = image_store.get(db, article["lead_image_id"])
    return MEDIA_URL + smallest_variant(image["variants"])["file"] if image else None


def from_events(db):
    """Turn new-coverage events into alerts: queued for auto topics, waiting for approval otherwise."""
    made = []
    for event in topic_store.pending_events(db):
        topic = topic_store.get(db, event["topic"])
        article = article_store.get(db, event["article_id"])
        with transaction(db):
            if topic and article and topic["alert_mode"] in ("auto", "approval"):
                state = "queued" if topic["alert_mode"] == "auto" else "pending_approval"
                title, body = suggested_text(article)
                alert_id = queue(db, title=title, body=body, topic=topic["slug"], article_id=article["id"], state=state, source="auto")
                if alert_id is None:
                    log.info("article %s in %s has its automatic alert already", article["id"], topic["slug"])
                else:
                    made.append(alert_id)
            topic_store.mark_handled(db, event["id"])
    return made


def make_sender(db, config, **options):
    """A Sender configured from the app's settings (options override, e.g. stop=)."""
    private_key = keys.ensure(config["DATA_DIR"], db)
    settings = {"hosts": config["PUSH_SERVICE_HOSTS"], "concurrency": config["PUSH_CONCURRENCY"],
                "per_origin": config["PUSH_PER_ORIGIN"], "timeout": config["PUSH_TIMEOUT"],
                "slow_after": config["PUSH_SLOW_AFTER"], "slow_concurrency": config["PUSH_SLOW_CONCURRENCY"],
                "lease": config["PUSH_LEASE"]}
    return Sender(db, Signer(private_key, config["PUSH_SUBJECT"]), **{**settings, **options})


def send_due(db, config, *, sender=None, now=None):
    """Take part in every alert that is due now; returns {alert_id: figures}.

    A failing alert is logged, counted and retried with backoff (its retry_at), so one bad
    alert never stops the others; the store's own unavailability is the caller's to wait out.
    """
    sender = sender or make_sender(db, config)
    now = sender.clock() if now is None else now
    results = {}
    for alert in alert_store.due(db, iso(now), now):
        if sender.stop.is_set():
            break
        try:
            results[alert["id"]] = sender.send_alert(alert["id"])
        except StoreUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - logged with its traceback, counted, retried later
            _failed(db, sender, alert["id"], exc)
        else:
            alert_store.clear_failures(db, alert["id"])
    return results


def _failed(db, sender, alert_id, exc):
    error = f"{type(exc).__name__}: {exc}"
    sender.last_error = f"alert {alert_id}: {error}"
    log.exception("alert %s: sending failed; it will be retried", alert_id)
    row = alert_store.get(db, alert_id)
    failures = (row["failures"] if row else 0) + 1
    alert_store.failed_attempt(db, alert_id, error,
                               sender.clock() + min(ALERT_BACKOFF_MAX, ALERT_BACKOFF * 2 ** (failures - 1)))


def senders_alive(db, *, now=None):
    """Senders that beat within three beats."""
    now = time.time() if now is None else now
    return sender_store.alive(db, now=now, within=3 * WORKER_BEAT)


def worker_running(db):
    return bool(senders_alive(db))


def iso(moment):
    return datetime.fromtimestamp(moment, timezone.utc).isoformat(timespec="seconds")
