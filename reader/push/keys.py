"""The application server's VAPID key pair, kept in the data directory (owner-only), never in the repo."""
import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

PRIVATE_KEY_FILE = "vapid_private.pem"


class VapidKeyError(Exception):
    """The VAPID key is missing or unreadable."""


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def ensure(data_dir):
    """Create the key pair on first use; returns the private key."""
    path = Path(data_dir) / PRIVATE_KEY_FILE
    if not path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(pem)
    return load(data_dir)


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
