"""Validating what a browser sends when a reader subscribes: nothing unchecked reaches the store."""
import re
from urllib.parse import urlsplit

from .crypto import CryptoError, user_agent_key
from .keys import b64url_decode

MAX_ENDPOINT = 1024
PLAIN_URL = re.compile(r"[!-~]+")  # printable ASCII only (RFC 3986): no space, tab, CR/LF or other control
MAX_TOPICS = 20


class SubscriptionError(ValueError):
    """A subscription request that cannot be accepted; the message says why."""


def allowed(endpoint, hosts):
    """True when the endpoint is https on a listed host, or exactly a listed http(s) origin
    (host names compared in lower case, as DNS does)."""
    origin = _origin(endpoint)
    if origin is None:
        return False
    scheme, host, port = origin
    for entry in hosts:
        if "://" in entry:
            if origin == _origin(entry):
                return True
        elif scheme == "https" and port == 443 and _host_matches(host, entry.lower()):
            return True
    return False


def _origin(url):
    """(scheme, host in lower case, port) of a URL, or None when it has no usable host or port."""
    parts = urlsplit(url)
    try:
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    except ValueError:  # a port that is not a number or is out of range
        return None
    return (parts.scheme, parts.hostname, port) if parts.hostname else None


def _host_matches(host, pattern):
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and host != pattern[2:]
    return host == pattern


def parse(data, *, hosts, known_topics):
    """Check a subscription request body; returns (endpoint, p256dh, auth, topics).

    Raises:
        SubscriptionError: with a message that names the problem.
    """
    if not isinstance(data, dict):
        raise SubscriptionError("send a JSON object with subscription and topics")
    subscription = data.get("subscription")
    if not isinstance(subscription, dict):
        raise SubscriptionError("subscription must be an object with endpoint and keys")
    endpoint = _endpoint(subscription.get("endpoint"), hosts)
    keys = subscription.get("keys")
    if not isinstance(keys, dict):
        raise SubscriptionError("subscription.keys must hold p256dh and auth")
    p256dh, auth = _p256dh(keys.get("p256dh")), _auth(keys.get("auth"))
    return endpoint, p256dh, auth, _topics(data.get("topics"), known_topics)


def _endpoint(endpoint, hosts):
    if not isinstance(endpoint, str) or not endpoint:
        raise SubscriptionError("subscription.endpoint is missing")
    if len(endpoint) > MAX_ENDPOINT:
        raise SubscriptionError(f"subscription.endpoint is longer than {MAX_ENDPOINT} characters")
    if not PLAIN_URL.fullmatch(endpoint):
        raise SubscriptionError("subscription.endpoint must be a plain URL: no spaces or control characters")
    parts = urlsplit(endpoint)
    if parts.username or parts.password or parts.fragment:
        raise SubscriptionError("subscription.endpoint must not carry credentials or a fragment")
    if not allowed(endpoint, hosts):
        raise SubscriptionError("subscription.endpoint is not on a known push service")
    return endpoint


def _p256dh(value):
    if not isinstance(value, str) or len(value) > 200:
        raise SubscriptionError("keys.p256dh must be a base64url string")
    try:
        user_agent_key(value)
    except CryptoError:
        raise SubscriptionError("keys.p256dh is not a valid P-256 public key") from None
    return value


def _auth(value):
    if not isinstance(value, str) or len(value) > 64:
        raise SubscriptionError("keys.auth must be a base64url string")
    try:
        raw = b64url_decode(value)
    except ValueError:
        raise SubscriptionError("keys.auth is not base64url") from None
    if len(raw) != 16:
        raise SubscriptionError(f"keys.auth must be 16 bytes, not {len(raw)}")
    return value


def _topics(topics, known):
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise SubscriptionError("topics must be a list of topic names")
    if len(topics) > MAX_TOPICS:
        raise SubscriptionError(f"at most {MAX_TOPICS} topics")
    unknown = sorted(set(topics) - set(known))
    if unknown:
        raise SubscriptionError(f"unknown topics: {', '.join(unknown)}")
    return sorted(set(topics))
