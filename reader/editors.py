"""Editor accounts: passwords (scrypt), sessions kept on the server, and wrong passwords that slow
down the client address and the name they came from.

Two throttles, so a stranger cannot keep the newsroom off its own desk: wrong passwords from one
client address slow it down and then lock that address out (the stranger's, not the editor's);
wrong passwords for one name slow that name down, never longer than NAME_MAX_WAIT, and not at all
from a browser the editor has logged in from before (its device cookie, see web/editor/auth.py).
Every attempt is counted before the password is checked, so no check (and no scrypt for an
unknown name) runs outside both throttles; an unknown name costs what a wrong password does, so
neither timing nor answers tell which names exist.
"""
import hashlib
import logging
import re
import secrets
import time

from functools import cache

from flask_babel import gettext, ngettext
from werkzeug.security import check_password_hash, generate_password_hash

from .store import editors as editor_store
from .store import IntegrityError, transaction

log = logging.getLogger(__name__)

FREE_TRIES = 3          # wrong passwords allowed at full speed (typos happen)
FIRST_DELAY = 2         # seconds to wait after the 4th wrong password, doubled after each more
LOCK_AFTER = 8          # wrong passwords that lock a client address (2+4+8+16+32 s of waits come first)
LOCK_SECONDS = 15 * 60  # how long a lock lasts; a quiet spell this long also forgets failures
NAME_MAX_WAIT = 30      # the longest a name waits between tries, whoever typed the wrong passwords
MIN_PASSWORD = 10       # characters; a desk that sends to every reader's phone deserves more than 8
NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")
HASH_METHOD = "scrypt"  # werkzeug's default: memory-hard (n=2**15, r=8, p=1)


class EditorError(ValueError):
    """A name or password that cannot be used."""


class LoginRefused(Exception):
    """Too many wrong passwords from this address or for this name: wait `seconds` first."""

    def __init__(self, seconds, locked):
        self.seconds = max(1, int(seconds + 0.999))
        self.locked = locked
        wait = _duration(self.seconds)
        if locked:
            message = gettext("This address is locked out after too many wrong passwords. Try again in %(wait)s.",
                              wait=wait)
        else:
            message = gettext("Too many wrong passwords. Try again in %(wait)s.", wait=wait)
        super().__init__(message)


class LoginFailed(Exception):
    """The name and password do not match an editor."""


def clean_name(name):
    name = (name or "").strip().lower()
    if not NAME.match(name):
        raise EditorError("a name is 1 to 64 letters, digits or . _ @ - (starting with a letter or digit)")
    return name


def add(db, name, password):
    """Create an editor; returns the id.

    Raises:
        EditorError: a bad name, a short password or a name already taken.
    """
    name = clean_name(name)
    _check_password(password)
    try:
        return editor_store.create(db, name, generate_password_hash(password, method=HASH_METHOD))
    except IntegrityError:
        raise EditorError(f"an editor named {name!r} exists already") from None


def set_password(db, name, password):
    """Give an editor a new password and end every session they have (a copied cookie included).

    Raises:
        EditorError: no such editor, or a short password.
    """
    name = clean_name(name)
    _check_password(password)
    with transaction(db):
        editor = editor_store.get(db, name)
        if editor is None:
            raise EditorError(f"no editor named {name!r}")
        editor_store.set_password(db, name, generate_password_hash(password, method=HASH_METHOD))
        return editor_store.end_sessions(db, editor["id"])


def _check_password(password):
    if len(password) < MIN_PASSWORD:
        raise EditorError(f"a password needs at least {MIN_PASSWORD} characters")


def wait_needed(failures, last_at, now, *, lock=True):
    """Seconds before another try (0: now), and whether it is a lock-out. `lock=False` (a name)
    never locks and never waits longer than NAME_MAX_WAIT."""
    if failures >= LOCK_AFTER and lock:
        return max(0.0, last_at + LOCK_SECONDS - now), True
    if failures < FREE_TRIES:
        return 0.0, False
    delay = FIRST_DELAY * 2 ** min(failures - FREE_TRIES, 16)
    return max(0.0, last_at + (delay if lock else min(delay, NAME_MAX_WAIT)) - now), False


def log_in(db, name, password, *, address, trusted=False, now=None):
    """The editor row for a right name and password.

    Args:
        address: the client's address, throttled on its own (web/clients.client_address).
        trusted: the browser proved it logged in as this name before: the name's throttle is skipped.

    Raises:
        LoginRefused: the address or the name must wait (nothing is checked, nothing counted).
        LoginFailed: a wrong name or password (counted against the address and the name).
    """
    now = time.time() if now is None else now
    name = (name or "").strip().lower()[:64]
    counters = {f"addr:{address}": True} | ({} if trusted else {f"name:{name}": False})  # key: can lock?
    with transaction(db):
        counts = {key: _failures(db, key, now) for key in counters}
        for key, (failures, last_at) in counts.items():
            seconds, locked = wait_needed(failures, last_at, now, lock=counters[key])
            if seconds > 0:
                raise LoginRefused(seconds, locked)
        # Counted as wrong before the (slow) check, so parallel tries cannot slip past the wait,
        # and without holding the database's write lock while scrypt runs.
        for key, (failures, _) in counts.items():
            editor_store.record_failure(db, key, failures + 1, now)
        editor = editor_store.get(db, name)
    if editor is not None and check_password_hash(editor["password_hash"], password or ""):
        for key in (f"addr:{address}", f"name:{name}"):
            editor_store.clear_failures(db, key)
        return editor
    if editor is None:
        check_password_hash(_dummy_hash(), password or "")
    log.warning("editor login failed for %r from %s", name, address)
    raise LoginFailed(gettext("Wrong name or password."))


def _failures(db, key, now):
    """(wrong attempts, time of the latest) for a counter; a quiet spell (or a lock served out)
    forgets earlier failures."""
    failures, last_at = editor_store.failures(db, key)
    return (0, 0.0) if failures and now - last_at >= LOCK_SECONDS else (failures, last_at)


# ---- sessions: a random token in the signed cookie, its hash in the store -------------------------

def open_session(db, editor_id, *, now, hours):
    """A new session for the editor; returns the token for the cookie (the store keeps its hash)."""
    token = secrets.token_urlsafe(32)
    with transaction(db):
        editor_store.forget_expired_sessions(db, now)
        editor_store.open_session(db, _token_hash(token), editor_id, now, now + hours * 3600)
    return token


def session_editor(db, token, *, now):
    """The editor whose live session this token is, or None (ended, expired, or never one)."""
    return editor_store.session_editor(db, _token_hash(token), now) if isinstance(token, str) else None


def end_session(db, token):
    if isinstance(token, str):
        editor_store.end_session(db, _token_hash(token))


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


@cache
def _dummy_hash():
    """Checked against when the name is unknown, so a wrong name costs what a wrong password does."""
    return generate_password_hash("reader-no-such-editor", method=HASH_METHOD)


def _duration(seconds):
    if seconds < 90:
        return ngettext("%(num)d second", "%(num)d seconds", seconds)
    return ngettext("%(num)d minute", "%(num)d minutes", (seconds + 59) // 60)
