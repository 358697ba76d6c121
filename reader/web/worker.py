"""The service worker: static/sw/sw.js with its precache list and settings put in at serve time.

sw.js loads its parts (static/sw/*.js, one job each) with importScripts from their hashed URLs.
Precache entries are {url, revision} (Workbox's shape): hashed static URLs carry their hash,
shell pages carry a hash of their rendered HTML. The worker's version is a hash of the
script, its parts and every entry, so a deploy that changes any of them installs a new worker,
and one that changes nothing does not.
"""
import hashlib
import json

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext

from .. import SHARE
from . import asset_url
from .pages import settings_context
from .responses import revalidated

bp = Blueprint("worker", __name__)
CONFIG_MARKER = "/*! READER_CONFIG */ {}"
# The pages the worker precaches, with the template each renders (reader.package exports them too).
SHELL_PAGES = {"/offline/": "pages/offline.html", "/saved/": "pages/saved.html",
               "/settings/": "pages/settings.html"}
# The worker's parts in the order importScripts loads them (static/sw/sw.js says what each does).
PARTS = ("sw/records.js", "sw/strategies.js", "sw/keeping.js", "sw/messages.js", "sw/push.js", "sw/clicks.js")
SHELL_ASSETS = ("css/app.css", "js/app.js", "js/export.js", "js/offline.js", "js/push.js", "icons/icon-192.png",
                "icons/icon-512.png", "icons/apple-touch-icon.png", "icons/badge-96.png")


@bp.get("/sw.js")
def service_worker():
    source = (SHARE / "static" / "sw" / "sw.js").read_text(encoding="utf-8")
    body = source.replace(CONFIG_MARKER, json.dumps(config(source), indent=1), 1)
    response = revalidated(body, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return response


def config(source=""):
    """What sw.js needs from the server, with the version derived from it."""
    entries = precache_entries()
    settings = current_app.config
    assets = current_app.extensions["assets"]
    digest = hashlib.sha256(source.encode())
    for entry in entries:
        digest.update(f"{entry['url']} {entry['revision']}\n".encode())
    for name in PARTS:
        digest.update(f"{name} {assets[name]['hash']}\n".encode())
    digest.update(str(settings["RELEASE"]).encode())
    return {
        "version": digest.hexdigest()[:12],
        "precache": entries,
        "maxStories": settings["OFFLINE_MAX_STORIES"],
        "maxBytes": settings["OFFLINE_MAX_MB"] * 1024 * 1024,
        "networkTimeoutMs": settings["OFFLINE_NETWORK_TIMEOUT_MS"],
        "networkLimitMs": settings["OFFLINE_NETWORK_LIMIT_MS"],
        "parts": [asset_url(name) for name in PARTS],
        "smallWidth": min(settings["IMAGE_WIDTHS"]),  # the low-data image size
        "icon": asset_url("icons/icon-192.png"),
        "badge": asset_url("icons/badge-96.png"),
        "apiOrigin": settings.get("API_ORIGIN", ""),  # set by the packager for static exports
        "texts": texts(),
    }


def texts():
    """What the worker itself says, in the interface language of the reader it was served to."""
    return {
        "offlineTitle": gettext("You are offline"),
        "offlineBody": gettext("This page is not kept on this device."),
        "imageNotKept": gettext("Image not kept offline"),
        "notificationTitle": gettext("Reader: news"),
        "cannotFetch": gettext("This story cannot be fetched now."),
        "networkLimit": gettext("no answer from the network within {seconds} s"),
    }


def precache_entries():
    assets = current_app.extensions["assets"]
    entries = [{"url": asset_url(name), "revision": assets[name]["hash"]} for name in SHELL_ASSETS]
    entries.append({"url": "/manifest.json", "revision": _manifest_revision()})
    for path in SHELL_PAGES:
        entries.append({"url": path, "revision": _page_revision(path)})
    # A static export names its files' own content hashes (reader.package sets these).
    exported = current_app.config.get("EXPORT_REVISIONS") or {}
    return [dict(entry, revision=exported.get(entry["url"], entry["revision"])) for entry in entries]


def _manifest_revision():
    from .pages import manifest_text

    return hashlib.sha256(manifest_text().encode()).hexdigest()[:12]


def _page_revision(path):
    """The shell page as this reader gets it (their language and settings come with their cookies),
    so a reader who changes language gets a worker whose shell speaks it."""
    headers = {name: request.headers[name] for name in ("Cookie", "Accept-Language") if name in request.headers}
    with current_app.test_request_context(path, base_url=current_app.config["BASE_URL"], headers=headers):
        html = render_template(SHELL_PAGES[path], **settings_context())
    return hashlib.sha256(html.encode()).hexdigest()[:12]
