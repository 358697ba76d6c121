"""The application server's VAPID key pair, kept in the data directory (owner-only), never in the repo."""
import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ..store import senders as sender_store
from ..store import subscriptions as subscription_store

PRIVATE_KEY_FILE = "vapid_private.pem"


class VapidKeyError(Exception):
    """The VAPID key is missing or unreadable."""


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def ensure(data_dir, db):
    """The VAPID private key, created on first use and checked against the store.

    The store records the public key that readers' subscriptions were made for. A missing key
    file is never silently replaced while subscriptions exist (every one of them would then fail
    with 403), and a node whose key differs from the recorded one refuses to run.

    Raises:
        VapidKeyError: the key file is missing or differs, with what to do about it.
    """
    path = Path(data_dir) / PRIVATE_KEY_FILE
    recorded = sender_store.recorded_key(db)
    if not path.exists():
        waiting = subscription_store.count(db)
        if recorded and waiting:
            raise VapidKeyError(
                f"the VAPID key file {path} is missing, and {waiting} subscriptions were made for the key "
                f"{recorded[:16]}...: restore the file from a backup (every node needs the same file), "
                "or run `reader push reset-key` to start over with a new key and drop those subscriptions")
        _create(path)
    key = load(data_dir)
    mine = public_key(key)
    if recorded != mine:
        if recorded and subscription_store.count(db):
            raise VapidKeyError(
                f"the VAPID key in {path} ({mine[:16]}...) is not the key subscriptions were made for "
                f"({recorded[:16]}...): copy the right {PRIVATE_KEY_FILE} to this node")
        sender_store.record_key(db, mine)
    return key


_served: dict = {}


def served_key(data_dir, db):
    """The public key the site hands to browsers (checked against the store once per process).

    Raises:
        VapidKeyError: as ensure() does; the site then offers no alerts rather than a wrong key.
    """
    if data_dir not in _served:
        _served[data_dir] = public_key(ensure(data_dir, db))
    return _served[data_dir]


def reset(data_dir, db):
    """Start over: a new key pair, and the subscriptions made for the old one removed."""
    path = Path(data_dir) / PRIVATE_KEY_FILE
    with db.transaction():
        removed = subscription_store.remove_all(db)
        if path.exists():
            path.unlink()
        _create(path)
        key = load(data_dir)
        sender_store.record_key(db, public_key(key))
    _served.pop(data_dir, None)
    return key, removed


def _create(path):
    if not path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(pem)


def load(data_dir):
    path = Path(data_dir) / PRIVATE_KEY_FILE
    try:
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise VapidKeyError(f"cannot read the VAPID key {path} ({exc}); run `reader init`") from None


def public_key(private_key):
    """The application server key as browsers take it: an uncompressed P-256 point, base64url."""
    point = private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                   serialization.PublicFormat.UncompressedPoint)
    return b64url(point)
