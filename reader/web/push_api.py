"""Push endpoints for readers' browsers: the public key, subscriptions and notification clicks.

They take JSON only (a cross-site form cannot send it without a CORS preflight) and carry no
session, so there is no ambient authority for a forged request to borrow.
"""
import json
import math
import re
import time

from flask import Blueprint, abort, current_app, jsonify, request
from flask_babel import gettext
from werkzeug.exceptions import TooManyRequests

from ..push import keys
from ..push.subscriptions import SubscriptionError, parse
from ..store import alerts as alert_store
from ..store import get_db, rate_limits
from ..store import subscriptions as subscription_store
from ..store import topics as topic_store
from ..store import transaction
from . import inputs
from .clients import client_address

bp = Blueprint("push_api", __name__, url_prefix="/api/push")
MAX_BODY = 8 * 1024
SUBSCRIBE_WINDOW = 600  # seconds over which READER_PUSH_SUBSCRIBE_PER_ADDRESS counts
CLICK_TOKEN = re.compile(r"[0-9a-f]{32}")  # as the ledger writes them (store/ledger.CLICK_TOKEN)


def _json():
    """The body as JSON: at most MAX_BODY bytes however it is sent (a chunked body has no
    Content-Length to check first), and no nesting deeper than the parser can walk."""
    if (request.content_length or 0) > MAX_BODY:
        abort(413, gettext("the request body is larger than %(max)s bytes", max=MAX_BODY))
    if not request.is_json:
        abort(415, gettext("send JSON (Content-Type: application/json)"))
    raw = request.stream.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        abort(413, gettext("the request body is larger than %(max)s bytes", max=MAX_BODY))
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        abort(400, gettext("the body is not valid JSON"))


@bp.get("/key")
def key():
    try:
        return jsonify(publicKey=keys.served_key(current_app.config["DATA_DIR"], get_db()))
    except keys.VapidKeyError as exc:
        current_app.logger.error("alerts are off: %s", exc)
        abort(503, gettext("alerts are unavailable on this server for now"))


@bp.get("/topics")
def topics():
    return jsonify(topics=[{"slug": t["slug"], "name": t["name"]} for t in topic_store.all(get_db())])


@bp.post("/subscriptions")
def subscribe():
    _throttle()
    db = get_db()
    known = [t["slug"] for t in topic_store.all(db)]
    try:
        endpoint, p256dh, auth, topics = parse(_json(), hosts=current_app.config["PUSH_SERVICE_HOSTS"],
                                               known_topics=known)
    except SubscriptionError as exc:
        abort(400, str(exc))
    with transaction(db):
        subscription_id, created = subscription_store.upsert(db, endpoint, p256dh, auth, topics)
    return jsonify(id=subscription_id, topics=topics), 201 if created else 200


@bp.delete("/subscriptions")
def unsubscribe():
    _throttle()
    endpoint = _endpoint_of(_json())
    if not endpoint:
        abort(400, gettext("give the subscription's endpoint"))
    with transaction(get_db()) as db:
        removed = subscription_store.remove(db, endpoint)
    if not removed:
        abort(404, gettext("no such subscription"))
    return "", 204


@bp.post("/subscriptions/lookup")
def lookup():
    """Which topics an endpoint follows (the settings page shows its toggles from this)."""
    endpoint = _endpoint_of(_json())
    row = subscription_store.get(get_db(), endpoint) if endpoint else None
    if row is None:
        abort(404, gettext("no such subscription"))
    return jsonify(topics=subscription_store.topics_of(get_db(), row["id"]))


def _throttle():
    """Subscription requests per client address: a few per reader, not thousands per script."""
    limit = current_app.config["PUSH_SUBSCRIBE_PER_ADDRESS"]
    hits, left = rate_limits.hit(get_db(), "subscribe:" + client_address(), now=time.time(),
                                 window=SUBSCRIBE_WINDOW)
    if hits > limit:
        raise TooManyRequests(gettext("at most %(limit)s subscription requests in %(minutes)s minutes from one "
                                      "address; try again later", limit=limit, minutes=SUBSCRIBE_WINDOW // 60),
                              retry_after=max(1, math.ceil(left)))


def _endpoint_of(data):
    """The endpoint from {"endpoint"} or {"subscription": {"endpoint"}}, or None."""
    if not isinstance(data, dict):
        return None
    nested = data.get("subscription")
    endpoint = data.get("endpoint") or (nested.get("endpoint") if isinstance(nested, dict) else None)
    return inputs.key(endpoint)


@bp.post("/clicks")
def click():
    """A tapped notification: counted once per delivery, and only with the token it carried."""
    data = _json()
    if not isinstance(data, dict):
        abort(400, gettext("send a JSON object with alert and click"))
    alert_id = inputs.record_id(data.get("alert"))
    if alert_id is None:
        abort(400, gettext("give the alert id as a number"))
    delivery_id, token = _click_of(data.get("click"))
    if delivery_id is None:
        abort(400, gettext("give the click token the notification carried"))
    if not alert_store.record_click(get_db(), alert_id, delivery_id, token):
        abort(404, gettext("no delivery of alert %(id)s carried this click token", id=alert_id))
    return "", 204


def _click_of(value):
    """(delivery id, token) from a payload's "click" field ("ID.TOKEN"), or (None, None)."""
    delivery, _, token = value.partition(".") if isinstance(value, str) else ("", "", "")
    delivery_id = inputs.record_id(delivery)
    if delivery_id is None or not CLICK_TOKEN.fullmatch(token):
        return None, None
    return delivery_id, token


# A static export served from another origin sends subscriptions and clicks here: answer CORS
# (Fetch standard) for the origins READER_CORS_ORIGINS lists, and no others. Flask answers the
# OPTIONS preflight of every route itself; this adds the headers.
CORS_MAX_AGE = 86400


@bp.after_request
def _cors(response):
    origin = request.headers.get("Origin")
    response.vary.add("Origin")
    if origin and origin in current_app.config["CORS_ORIGINS"]:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, DELETE"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = str(CORS_MAX_AGE)
    return response
