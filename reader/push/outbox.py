"""Alerts in: from the CLI, the editor desk and new coverage in auto-alert topics; out: the sender."""
import logging
import os
import time
from datetime import datetime, timezone

from ..images import MEDIA_URL
from ..store import alerts as alert_store
from ..store import articles as article_store
from ..store import images as image_store
from ..store import topics as topic_store
from ..store import transaction
from . import keys, payload
from .sender import AlertBusy, Sender
from .vapid import Signer

log = logging.getLogger(__name__)
WORKER_BEAT = 5.0   # seconds between a worker's heartbeats


def queue(db, *, title, body, topic, article_id=None, urgency="normal", ttl=payload.DEFAULT_TTL,
          state="queued", send_at=None, created_by=None, source="cli"):
    """Validate and store an alert; returns its id.

    Raises:
        payload.AlertError: for a bad field, an unknown topic or article, or a payload too big.
    """
    title, body, urgency, ttl = payload.check(title, body, urgency, ttl)
    if topic_store.get(db, topic) is None:
        raise payload.AlertError(f"unknown topic {topic!r}")
    article = article_store.get(db, article_id) if article_id is not None else None
    if article_id is not None and article is None:
        raise payload.AlertError(f"no article with id {article_id}")
    alert = {"title": title, "body": body, "topic": topic, "article_id": article_id, "urgency": urgency,
             "ttl": ttl, "image": _image(db, article), "state": state, "send_at": send_at,
             "created_by": created_by, "source": source, "id": 0}
    payload.build(alert, article_url=article and f"/articles/{article['slug']}/")  # refuse what won't fit
    del alert["id"]
    return alert_store.create(db, alert)


def _image(db, article):
    if article is None or not article["lead_image_id"]:
        return None
    image = image_store.get(db, article["lead_image_id"])
    return MEDIA_URL + image["variants"][0]["file"] if image else None


def from_events(db):
    """Turn new-coverage events into alerts: queued for auto topics, waiting for approval otherwise."""
    made = []
    for event in topic_store.pending_events(db):
        topic = topic_store.get(db, event["topic"])
        article = article_store.get(db, event["article_id"])
        with transaction(db):
            if topic and article and topic["alert_mode"] in ("auto", "approval"):
                state = "queued" if topic["alert_mode"] == "auto" else "pending_approval"
                summary = (article["description"] or article["body_text"][:200]).strip()
                made.append(queue(db, title=article["title"][:payload.MAX_TITLE],
                                  body=summary[:payload.MAX_BODY], topic=topic["slug"],
                                  article_id=article["id"], state=state, source="auto"))
            topic_store.mark_handled(db, event["id"])
    return made


def make_sender(db, config):
    private_key = keys.ensure(config["DATA_DIR"])
    return Sender(db, Signer(private_key, config["PUSH_SUBJECT"]), hosts=config["PUSH_SERVICE_HOSTS"],
                  concurrency=config["PUSH_CONCURRENCY"], per_origin=config["PUSH_PER_ORIGIN"],
                  timeout=config["PUSH_TIMEOUT"])


def send_due(db, config, *, sender=None):
    """Send every alert that is due now; returns {alert_id: figures}."""
    sender = sender or make_sender(db, config)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    results = {}
    for alert in alert_store.due(db, now):
        try:
            results[alert["id"]] = sender.send_alert(alert["id"])
        except AlertBusy as exc:
            log.info("%s; leaving it to that sender", exc)
    return results


def work(db, config, *, poll=1.0, stop=lambda: False):
    """The sending worker: new coverage to alerts, due alerts out, a heartbeat, until stop()."""
    name, sender = f"{os.uname().nodename}:{os.getpid()}", make_sender(db, config)
    try:
        while not stop():
            alert_store.heartbeat(db, name, os.getpid())
            from_events(db)
            send_due(db, config, sender=sender)
            time.sleep(poll)
    finally:
        alert_store.retire_worker(db, name)


def worker_running(db):
    return alert_store.live_worker(db, within=3 * WORKER_BEAT) is not None
