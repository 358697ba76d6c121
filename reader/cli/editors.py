"""`reader editor ...`: editor accounts for the desk at /editor/."""
import sys

import click
from flask.cli import AppGroup

from ..editors import EditorError, add, clean_name, set_password
from ..store import editors as editor_store
from ..store import get_db


@click.group("editor", cls=AppGroup)
def editor_group():
    """Editor accounts for the desk at /editor/."""


@editor_group.command("add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def add_command(name, password_stdin):
    """Create an editor (the password is asked for, or read from stdin)."""
    try:
        add(get_db(), name, _read_password(password_stdin))
    except EditorError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"editor {clean_name(name)} added; log in at /editor/login")


@editor_group.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def password_command(name, password_stdin):
    """Give an editor a new password; every session they have ends."""
    try:
        ended = set_password(get_db(), name, _read_password(password_stdin))
    except EditorError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"password of {clean_name(name)} changed; {ended} session{'s' if ended != 1 else ''} ended")


@editor_group.command("list")
def list_command():
    """List the editors."""
    for row in editor_store.all(get_db()):
        click.echo(f"{row['name']}  since {row['created_at']}")


def _read_password(from_stdin):
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@editor_group.command("remove")
@click.argument("name")
def remove_command(name):
    """Remove an editor: their sessions end at once (their audit entries stay)."""
    if not editor_store.remove(get_db(), name.strip().lower()):
        raise click.ClickException(f"no editor named {name!r}")
    click.echo(f"editor {name.strip().lower()} removed")
