"""VAPID (RFC 8292): a signed JWT per push-service origin, reused until close to expiry."""
import json
import time
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from .http import PerOrigin
from .keys import b64url, public_key

LIFETIME = 12 * 3600      # RFC 8292 §2: exp no more than 24 h ahead; 12 h leaves room for clock skew
RENEW_BEFORE = 3600       # sign anew when less than an hour is left


def origin_of(endpoint):
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


class Signer:
    """Authorization headers for push requests, signed once per origin and cached.

    Args:
        private_key: the VAPID private key.
        subject: a mailto: or https: contact URL for the push service's operators (RFC 8292 §2.1).
    """

    def __init__(self, private_key, subject, *, clock=time.time):
        self.private_key = private_key
        self.subject = subject
        self.key = public_key(private_key)
        self.clock = clock
        self._cache = {}  # origin -> (expires, header)
        self._origins = PerOrigin(origin_of)  # endpoint -> its origin, without a urlsplit each time

    def header(self, endpoint):
        origin = self._origins.of(endpoint)
        now = self.clock()
        cached = self._cache.get(origin)
        if cached and cached[0] - now > RENEW_BEFORE:
            return cached[1]
        expires = int(now) + LIFETIME
        header = f"vapid t={self._jwt(origin, expires)}, k={self.key}"
        self._cache[origin] = (expires, header)
        return header

    def _jwt(self, audience, expires):
        head = b64url(json.dumps({"typ": "JWT", "alg": "ES256"}, separators=(",", ":")).encode())
        claims = {"aud": audience, "exp": expires, "sub": self.subject}
        body = b64url(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{head}.{body}".encode()
        der = self.private_key.sign(signing_input, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return f"{head}.{body}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
