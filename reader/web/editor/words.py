"""The desk's vocabulary in the editor's language: names of states, urgencies, TTLs, audit actions and
ingest results, which the store keeps as fixed English keys (pages show them through these)."""
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

STATES = {
    "draft": _l("draft"), "pending_approval": _l("pending approval"), "scheduled": _l("scheduled"),
    "queued": _l("queued"), "sending": _l("sending"), "sent": _l("sent"), "cancelled": _l("cancelled"),
}
URGENCIES = {"very-low": _l("very low"), "low": _l("low"), "normal": _l("normal"), "high": _l("high")}
MODES = {"off": _l("Off"), "auto": _l("Automatic"), "approval": _l("Needs approval")}
ACTIONS = {
    "queued": _l("queued"), "scheduled": _l("scheduled"), "approved": _l("approved"), "cancelled": _l("cancelled"),
    "topic": _l("changed a topic's alerts:"), "published": _l("published"), "discarded": _l("discarded"),
}
RESULTS = {
    "new": _l("new"), "updated": _l("updated"), "unchanged": _l("unchanged"), "held": _l("held"),
    "discarded": _l("discarded"), "error": _l("error"), "cut": _l("cut"),
}


def N_plural(one, many):
    """Marks a plural pair for extraction; ngettext translates it when it is shown."""
    return one, many


TTL_UNITS = ((7 * 86400, *N_plural("%(num)d week", "%(num)d weeks")), (86400, *N_plural("%(num)d day", "%(num)d days")),
             (3600, *N_plural("%(num)d hour", "%(num)d hours")), (60, *N_plural("%(num)d minute", "%(num)d minutes")))


def _word(table, key):
    return str(table.get(key, key))


def ttl_name(seconds):
    """"6 hours", "1 week", in the largest whole unit (seconds when none fits); a value that is not a
    number (a form sent back with its error) is shown as it came."""
    try:
        seconds = int(seconds)
    except (TypeError, ValueError):
        return str(seconds)
    for size, one, many in TTL_UNITS:
        if seconds and seconds % size == 0:
            return ngettext(one, many, seconds // size)
    return ngettext("%(num)d second", "%(num)d seconds", seconds)


def state_names():
    """Every state's name for editor.js, which updates a row's state while it sends: "key=name|…"."""
    return "|".join(f"{key}={name}" for key, name in STATES.items())


def init_app(app):
    app.jinja_env.globals.update(
        state_name=lambda key: _word(STATES, key), urgency_name=lambda key: _word(URGENCIES, key),
        audit_action=lambda key: _word(ACTIONS, key), result_name=lambda key: _word(RESULTS, key),
        ttl_name=ttl_name, state_names=state_names)
