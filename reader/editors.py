"""Editor accounts: passwords (scrypt), and wrong passwords that slow down, then lock out a name.

Every name tried has a failure count, known or not, and an unknown name costs the same
password check as a wrong password, so neither timing nor answers tell which names exist.
"""
import logging
import re
import sys
import time

from functools import cache

import click
from flask.cli import AppGroup
from werkzeug.security import check_password_hash, generate_password_hash

from .store import editors as editor_store
from .store import IntegrityError, get_db, transaction

log = logging.getLogger(__name__)

FREE_TRIES = 3          # wrong passwords allowed at full speed (typos happen)
FIRST_DELAY = 2         # seconds to wait after the 4th wrong password, doubled after each more
LOCK_AFTER = 8          # wrong passwords that lock the name (2+4+8+16+32 s of waits come first)
LOCK_SECONDS = 15 * 60  # how long a lock lasts; a quiet spell this long also forgets failures
MIN_PASSWORD = 10       # characters; a desk that sends to every reader's phone deserves more than 8
NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")
HASH_METHOD = "scrypt"  # werkzeug's default: memory-hard (n=2**15, r=8, p=1)


class EditorError(ValueError):
    """A name or password that cannot be used."""


class LoginRefused(Exception):
    """Too many wrong passwords for this name: wait `seconds` before trying again."""

    def __init__(self, seconds, locked):
        self.seconds = max(1, int(seconds + 0.999))
        self.locked = locked
        wait = _duration(self.seconds)
        reason = "This name is locked after too many wrong passwords" if locked else "Too many wrong passwords"
        super().__init__(f"{reason}. Try again in {wait}.")


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
    if len(password) < MIN_PASSWORD:
        raise EditorError(f"a password needs at least {MIN_PASSWORD} characters")
    try:
        return editor_store.create(db, name, generate_password_hash(password, method=HASH_METHOD))
    except IntegrityError:
        raise EditorError(f"an editor named {name!r} exists already") from None


def wait_needed(failures, last_at, now):
    """Seconds before this name may try again (0: now), and whether it is a lock-out."""
    if failures >= LOCK_AFTER:
        return max(0.0, last_at + LOCK_SECONDS - now), True
    if failures < FREE_TRIES:
        return 0.0, False
    return max(0.0, last_at + FIRST_DELAY * 2 ** (failures - FREE_TRIES) - now), False


def log_in(db, name, password, *, now=None):
    """The editor row for a right name and password.

    Raises:
        LoginRefused: the name must wait (nothing is checked, nothing counted).
        LoginFailed: a wrong name or password (counted against the name).
    """
    now = time.time() if now is None else now
    name = (name or "").strip().lower()[:64]
    with transaction(db):
        failures, last_at = editor_store.failures(db, name)
        if failures and now - last_at >= LOCK_SECONDS:
            failures = 0  # a quiet spell (or a lock served out) forgets earlier failures
        seconds, locked = wait_needed(failures, last_at, now)
        if seconds > 0:
            raise LoginRefused(seconds, locked)
        # Counted as wrong before the (slow) check, so parallel tries cannot slip past the wait,
        # and without holding the database's write lock while scrypt runs.
        editor_store.record_failure(db, name, failures + 1, now)
        editor = editor_store.get(db, name)
    if editor is not None and check_password_hash(editor["password_hash"], password or ""):
        editor_store.clear_failures(db, name)
        return editor
    if editor is None:
        check_password_hash(_dummy_hash(), password or "")
    log.warning("editor login failed for %r (%d wrong in a row)", name, failures + 1)
    raise LoginFailed("Wrong name or password.")


@cache
def _dummy_hash():
    """Checked against when the name is unknown, so a wrong name costs what a wrong password does."""
    return generate_password_hash("reader-no-such-editor", method=HASH_METHOD)


def _duration(seconds):
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = (seconds + 59) // 60
    return f"{minutes} minutes"


# ---- `reader editor ...` -------------------------------------------------------------------

@click.group("editor", cls=AppGroup)
def editor_group():
    """Editor accounts for the desk at /editor/."""


@editor_group.command("add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def add_command(name, password_stdin):
    """Create an editor (the password is asked for, or read from stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        add(get_db(), name, password)
    except EditorError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"editor {clean_name(name)} added; log in at /editor/login")


@editor_group.command("list")
def list_command():
    """List the editors."""
    for row in editor_store.all(get_db()):
        click.echo(f"{row['name']}  since {row['created_at']}")


@editor_group.command("remove")
@click.argument("name")
def remove_command(name):
    """Remove an editor (their audit entries stay)."""
    if not editor_store.remove(get_db(), name.strip().lower()):
        raise click.ClickException(f"no editor named {name!r}")
    click.echo(f"editor {name.strip().lower()} removed")
