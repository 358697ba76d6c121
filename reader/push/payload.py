"""What a push message carries: enough for the service worker to fetch the story and show it."""
import json
import re

from flask_babel import gettext

from ..text import clean_text
from .crypto import MAX_PAYLOAD

URGENCIES = ("very-low", "low", "normal", "high")   # RFC 8030 §5.3
DEFAULT_TTL = 6 * 3600   # hours, not pywebpush's 0, which drops alerts for phones briefly offline
MAX_TTL = 28 * 24 * 3600  # push services cap TTL at about four weeks
MAX_TITLE = 120
MAX_BODY = 400


class AlertError(ValueError):
    """An alert that cannot be sent as given."""


# What a click report must quote: the delivery's id and its token from the ledger. Alerts are
# measured with the longest one, so one that fits on the desk fits for every delivery.
CLICK_SAMPLE = f"{2**63 - 1}.{'0' * 32}"
CLICK = re.compile(r"[0-9]{1,19}\.[0-9a-f]{1,32}")  # what click_of makes: nothing JSON would escape


def click_of(delivery):
    """The "click" field for a ledger row (None for a row made before rows had tokens)."""
    return f"{delivery['id']}.{delivery['click_token']}" if delivery["click_token"] else None


def build(alert, *, article_url=None, click=CLICK_SAMPLE):
    """The JSON payload (as bytes) of an alert row or dict; `click` is the delivery's (click_of).

    Raises:
        AlertError: the payload would not fit in one push message.
    """
    alert = dict(alert)
    message = {
        "alert": alert["id"], "title": alert["title"], "body": alert["body"], "topic": alert["topic"],
        "url": article_url or "/", "tag": f"topic-{alert['topic']}",
    }
    if alert.get("image"):
        message["image"] = alert["image"]
    if click:
        message["click"] = click
    data = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
    if len(data) > MAX_PAYLOAD:
        raise AlertError(gettext("the alert is %(size)s bytes once encoded; a push message holds at most %(max)s: "
                                 "shorten the title or body by %(over)s bytes", size=len(data), max=MAX_PAYLOAD,
                                 over=len(data) - MAX_PAYLOAD))
    return data


def maker(alert, *, article_url=None):
    """A function of a delivery's click (click_of) giving that delivery's payload, as build() would.

    The JSON is built once with the longest click, which is its last field, and each delivery's
    click takes that one's place: a fan-out of 100,000 does not encode the alert 100,000 times.

    Raises:
        AlertError: the payload would not fit in one push message.
    """
    head, sample, tail = build(alert, article_url=article_url).rpartition(CLICK_SAMPLE.encode())

    def payload_for(click):
        if not sample or click is None or not CLICK.fullmatch(click):  # no place kept: built whole
            return build(alert, article_url=article_url, click=click)
        return b"".join((head, click.encode(), tail))
    return payload_for


def check(title, body, urgency, ttl):
    """Validate what an editor or the CLI typed; returns the cleaned values (no control
    characters: PostgreSQL cannot store a NUL, and an ESC is a terminal escape in `reader push`)."""
    title, body = clean_text(title or "").strip(), clean_text(body or "").strip()
    if not title:
        raise AlertError(gettext("an alert needs a title"))
    if len(title) > MAX_TITLE:
        raise AlertError(gettext("the title is %(length)s characters; at most %(max)s", length=len(title), max=MAX_TITLE))
    if len(body) > MAX_BODY:
        raise AlertError(gettext("the body is %(length)s characters; at most %(max)s", length=len(body), max=MAX_BODY))
    if urgency not in URGENCIES:
        raise AlertError(gettext("urgency must be one of %(choices)s", choices=", ".join(URGENCIES)))
    if not isinstance(ttl, int) or not 0 < ttl <= MAX_TTL:
        raise AlertError(gettext("TTL must be 1 to %(max)s seconds", max=MAX_TTL))
    return title, body, urgency, ttl


def topic_header(topic):
    """RFC 8030 §5.4 Topic: at most 32 base64url characters; a newer alert replaces an undelivered one."""
    cleaned = "".join(ch for ch in topic if ch.isascii() and (ch.isalnum() or ch in "-_"))
    return cleaned[:32] or "reader"
