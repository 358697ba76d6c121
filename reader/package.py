"""Static export and single-file editions, rendered by the app itself (one renderer).

`export_site` asks the app's test client for every public URL and writes what it answers
under OUT_DIR, so any static host or CDN can serve the site: `/articles/<slug>/` becomes
`articles/<slug>/index.html`. Files are written only when their bytes changed, files no
longer produced are removed, and internal links are checked. `export_edition` writes one
self-contained HTML file of a topic's latest stories that opens from a phone's storage.
"""
import base64
import functools
import gzip
import hashlib
import json
import logging
import multiprocessing
import os
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import brotli
import lxml.html
from flask import render_template

from . import SHARE, assets, create_app, i18n, images, pagekeys
from .lifeline import die_with_parent
from .store import articles as article_store
from .store import connect
from .store import images as image_store
from .store import topics as topic_store
from .web import EDITION_STORIES, render
from .web.pages import ARCHIVE_PAGE
from .web.worker import SHELL_PAGES

log = logging.getLogger(__name__)

MANIFEST_FILE = ".reader-export.json"   # what the last export wrote, to remove what went away
FEEDS = ("feed.xml", "feed.json")
EDITION_LIMIT = EDITION_STORIES  # the live site's edition downloads, exported as files
SHELL = (*SHELL_PAGES, "/manifest.json")  # pages that show nothing from the store
LINK_ATTRIBUTES = (("a", "href"), ("link", "href"), ("img", "src"), ("script", "src"))
# Rendered pages get .gz and .br twins for servers that send precompressed files (nginx's
# gzip_static, most CDNs); hashed static files bring theirs from the build. Brotli 5 (as the
# live server uses) costs about a millisecond a page; 11 would triple the export time.
BROTLI_QUALITY = 5


class PackageError(Exception):
    """The export cannot be made as asked."""


@dataclass
class Report:
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    files: int = 0
    broken: list = field(default_factory=list)   # (page, link) pairs


def export_app(config, *, api_origin=None, base_url=None, locale=None):
    """The app configured to render for a static host (at base_url: its feeds' absolute links), in
    one language (default: the site's)."""
    settings = {k: v for k, v in config.items() if k.isupper()}
    settings.update({"EXPORT": True, "API_ORIGIN": (api_origin or "").rstrip("/"),
                     "BASE_URL": base_url or config["BASE_URL"],
                     "PUSH_DISABLED": not api_origin, "EXPORT_REVISIONS": {},
                     "EXPORT_LOCALE": locale or config["DEFAULT_LOCALE"]})
    return create_app(settings)


def export_site(config, out_dir, *, base_url="http://localhost/", api_origin=None, workers=None, locale=None):
    """Write the public site to out_dir; returns a Report.

    Only pages whose key (reader.pagekeys: what they show, read from the store) changed since the
    last export are rendered, unless the build changed (templates, static files, settings,
    topics); many pages are rendered in parallel, one process per core. Files whose bytes did
    not change are not rewritten; files of stories that went away are removed.

    Raises:
        PackageError: when a page does not render.
    """
    app = export_app(config, api_origin=api_origin, base_url=base_url, locale=locale)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    app.extensions["export_out"] = str(out)
    writer = _Writer(out)
    with app.app_context():
        db = connect(app.config)
        urls = _plan(db)
        build = pagekeys.build_key(_build_parts(app, base_url), topic_store.all(db))
        db.close()
    if writer.build != build:
        writer.forget_keys()  # another build: every page is rendered again
    todo = [(url, key) for url, key in urls if not writer.current(url_to_file(url), key)]
    key_of = {url_to_file(url): key for url, key in todo}
    for relative, digest, written, links in _render_all(app, todo, base_url, workers):
        writer.record(relative, digest, written, links, key_of[relative])
    for url, key in urls:
        writer.keep(url_to_file(url), key)
    _copy_assets(app, out, writer)
    _copy_tree(Path(app.config["DATA_DIR"]) / images.MEDIA_DIR, out / "media", writer)
    # The worker last: its precache revisions are the exported files' own content hashes.
    app.config["EXPORT_REVISIONS"] = {url: writer.digest(url_to_file(url))
                                      for url in SHELL}
    writer.put("sw.js", _render(app.test_client(), "/sw.js", base_url), twins=True)
    report = writer.finish(build)
    report.broken = writer.broken_links()
    return report


def public_urls(db):
    """Every URL a reader's browser or the service worker may ask a static host for."""
    return [url for url, _ in _plan(db)]


def _plan(db):
    """[(url, key)] of every page the export holds (pagekeys.plan with the site's own numbers)."""
    return pagekeys.plan(db, archive_page=ARCHIVE_PAGE, edition_limit=EDITION_LIMIT, feeds=FEEDS, shell=SHELL)


def _build_parts(app, base_url):
    """Everything outside the store that every page depends on."""
    templates = sorted((str(p.relative_to(SHARE / "templates")), hashlib.sha256(p.read_bytes()).hexdigest())
                       for p in (SHARE / "templates").rglob("*") if p.is_file())
    settings = {k: v for k, v in app.config.items() if k.isupper() and k not in ("SECRET_KEY", "EXPORT_REVISIONS")}
    assets_seen = {name: entry["url_path"] for name, entry in app.extensions["assets"].items()}
    catalogs = sorted((str(p.relative_to(i18n.TRANSLATIONS)), hashlib.sha256(p.read_bytes()).hexdigest())
                      for p in i18n.TRANSLATIONS.rglob("*.mo"))   # a changed translation changes pages
    return {"base_url": base_url, "templates": templates, "assets": assets_seen, "settings": settings,
            "catalogs": catalogs}


@functools.lru_cache(maxsize=65536)
def url_to_file(url):
    """`/a/b/` -> `a/b/index.html`; API answers get `.json`; the query string is dropped."""
    path = urlsplit(url).path
    if path.endswith("/"):
        return path.lstrip("/") + "index.html"
    if path.startswith("/api/"):
        return path.lstrip("/") + ".json"
    return path.lstrip("/")


def _render(client, url, base_url):
    response = client.get(url, base_url=base_url.rstrip("/"), headers={"Accept-Encoding": "identity"})
    if response.status_code != 200:
        raise PackageError(f"{url} answered {response.status_code}")
    return response.get_data()


PARALLEL_FROM = 200  # pages worth starting a process per core for (each one builds its own app)


def _render_all(app, todo, base_url, workers):
    """Render and write the pages: here for a few, in one process per core for many."""
    workers = workers or os.cpu_count() or 1
    if len(todo) < PARALLEL_FROM or workers < 2:
        yield from _render_chunk(app, [url for url, _ in todo], base_url, app.extensions["export_out"])
        return
    settings = {k: v for k, v in app.config.items() if k.isupper()}
    chunks = [[url for url, _ in todo[n::workers]] for n in range(workers)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_start,
                             initargs=(settings, app.extensions["export_out"])) as pool:
        for done in pool.map(_worker_render, chunks, [base_url] * len(chunks)):
            yield from done


_worker_app = None


def _worker_start(settings, out):
    global _worker_app
    die_with_parent()
    _worker_app = create_app(settings)
    _worker_app.extensions["export_out"] = out


def _worker_render(urls, base_url):
    return list(_render_chunk(_worker_app, urls, base_url, _worker_app.extensions["export_out"]))


def _render_chunk(app, urls, base_url, out):
    """(file, digest, written?, internal links) for each URL rendered and written under out."""
    client = app.test_client()
    for url in urls:
        relative = url_to_file(url)
        data = _render(client, url, base_url)
        path = Path(out) / relative
        written = not (path.exists() and path.read_bytes() == data)
        if written:
            _write(path, data)
        _write_twins(path, data, written)
        links = page_links(data) if relative.endswith(".html") else []
        yield relative, hashlib.sha256(data).hexdigest(), written, links


def _write_twins(path, data, changed):
    for suffix, encode in ((".gz", lambda d: gzip.compress(d, 6, mtime=0)),
                           (".br", lambda d: brotli.compress(d, quality=BROTLI_QUALITY))):
        twin = path.with_name(path.name + suffix)
        if changed or not twin.exists():
            _write(twin, encode(data))


class _Writer:
    """What this export wrote and keeps; the manifest remembers each file's digest, key and links."""

    def __init__(self, out):
        self.out = out
        self.report = Report()
        manifest = out / MANIFEST_FILE
        saved = json.loads(manifest.read_text()) if manifest.exists() else {}
        if not isinstance(saved, dict):  # an export made before keys were kept: start afresh
            saved = {}
        self.build = saved.get("build")
        self.previous = saved.get("files", {})
        self.files = {}       # relative -> {"digest", "key", "links"}
        self.twins = set()

    def forget_keys(self):
        for entry in self.previous.values():
            entry["key"] = None

    def current(self, relative, key):
        """True when the file is there and shows what the store says it should."""
        entry = self.previous.get(relative)
        return entry is not None and entry.get("key") == key and (self.out / relative).is_file()

    def record(self, relative, digest, written, links, key):
        self.files[relative] = {"digest": digest, "key": key, "links": links}
        self.twins.update((relative + ".gz", relative + ".br"))
        if written:
            self.report.written += 1
        else:
            self.report.unchanged += 1

    def keep(self, relative, key):
        """A page not rendered this time: kept as the last export wrote it."""
        if relative not in self.files:
            self.files[relative] = {**self.previous[relative], "key": key}
            self.twins.update((relative + ".gz", relative + ".br"))
            self.report.unchanged += 1

    def put(self, relative, data, *, twins=False):
        path = self.out / relative
        changed = not (path.exists() and path.read_bytes() == data)
        if changed:
            _write(path, data)
        if twins:
            _write_twins(path, data, changed)
            self.twins.update((relative + ".gz", relative + ".br"))
        self.record(relative, hashlib.sha256(data).hexdigest(), changed, [], None)

    def put_file(self, relative, source):
        """A file copied as it is (media, static files): skipped when one of the same size is
        there (both are named by their content's hash)."""
        path = self.out / relative
        size = source.stat().st_size
        changed = not (path.is_file() and path.stat().st_size == size)
        if changed:
            _write(path, source.read_bytes())
        self.files[relative] = {"digest": None, "key": None, "links": []}
        self.report.written += changed
        self.report.unchanged += not changed

    def digest(self, relative):
        return self.files[relative]["digest"][:12]

    def broken_links(self):
        """(page, link) for every same-site link in the exported HTML whose file is missing: a
        link to a file this export holds is good without asking the disk (pages link to the same
        few hundred files thousands of times); any other is looked for on disk."""
        held = set(self.files)
        return [(relative, link) for relative, entry in sorted(self.files.items())
                for link in entry.get("links", []) if url_to_file(link) not in held and not _exists(self.out, link)]

    def finish(self, build):
        kept = set(self.files) | self.twins
        for relative in sorted(set(self.previous) - kept):
            for name in (relative, relative + ".gz", relative + ".br"):
                path = self.out / name
                if path.is_file():
                    path.unlink()
                    self.report.removed += name == relative
        (self.out / MANIFEST_FILE).write_text(json.dumps({"build": build, "files": self.files}, indent=0))
        self.report.files = len(self.files)
        return self.report


def _write(path, data):
    """Write through a temporary name, so a server never sends half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(data)
    temporary.replace(path)


def _copy_assets(app, out, writer):
    """The current hashed static files and their compressed twins (not older builds' files)."""
    build = assets.build_dir(app.config["DATA_DIR"])
    for entry in app.extensions["assets"].values():
        for suffix in ("", ".br", ".gz"):
            path = build / (entry["url_path"] + suffix)
            if path.is_file():
                writer.put_file(f"static/{entry['url_path']}{suffix}", path)


def _copy_tree(source, target, writer):
    if not source.is_dir():
        return
    for path in sorted(p for p in source.rglob("*") if p.is_file() and not p.name.endswith(".tmp")):
        writer.put_file(str(target.relative_to(writer.out) / path.relative_to(source)), path)


def page_links(data):
    """Same-site links (a, link, img, script and srcset) of one HTML page."""
    root = lxml.html.fromstring(data)
    found = []
    for tag, attribute in LINK_ATTRIBUTES:
        for element in root.iter(tag):
            link = element.get(attribute)
            if link and _internal(link):
                found.append(link)
    for img in root.iter("img"):
        for candidate in (img.get("srcset") or "").split(","):
            link = candidate.strip().split(" ")[0]
            if link and _internal(link):
                found.append(link)
    return sorted(set(found))


def broken_links(out):
    """(page, link) for every same-site link in the exported HTML whose file is missing."""
    broken = []
    for page in sorted(out.rglob("*.html")):
        broken += [(str(page.relative_to(out)), link) for link in page_links(page.read_bytes())
                   if not _exists(out, link)]
    return broken


def _internal(link):
    parts = urlsplit(link)
    return not parts.scheme and not parts.netloc and parts.path.startswith("/")


def _exists(out, link):
    return (out / url_to_file(link)).is_file()


def zip_export(out_dir, zip_path):
    """A deterministic zip of the export (sorted names, fixed times)."""
    out = Path(out_dir)
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in out.rglob("*") if p.is_file() and p.name != MANIFEST_FILE):
            info = zipfile.ZipInfo(str(path.relative_to(out)), date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())


# ---------------------------------------------------------------------------- one-file editions

def export_edition(config, topic, out_file, *, text_only=False, limit=EDITION_LIMIT, locale=None):
    """Write one self-contained HTML file of a topic's latest stories; returns its SHA-256.

    Images become small inline WebP data URIs (or are left out with text_only), the CSS is
    inline, and nothing is fetched when the file is opened.

    Raises:
        PackageError: for an unknown topic or one with no stories.
    """
    app = export_app(config, locale=locale)
    with app.test_request_context("/", base_url=app.config["BASE_URL"]):
        db = connect(app.config)
        found = topic_store.get(db, topic)
        if found is None:
            raise PackageError(f"unknown topic {topic!r}")
        rows = article_store.latest(db, topic=topic, limit=limit)
        if not rows:
            raise PackageError(f"topic {topic!r} has no stories yet")
        media = Path(app.config["DATA_DIR"]) / images.MEDIA_DIR
        stories = [_edition_story(db, row, media, text_only) for row in rows]
        css = (SHARE / "static" / "css" / "app.css").read_text(encoding="utf-8")
        html = render_template("edition/single.html", topic=found, stories=stories, css=css,
                               text_only=text_only)
        db.close()
    data = html.encode("utf-8")
    Path(out_file).write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _edition_story(db, row, media, text_only):
    """The web's view of the story (render.article, as its page shows it), with each image its
    smallest copy inlined as a data URI, or left out with text_only."""
    view = render.article(db, row)
    smallest = render.smallest_variants(image_store.for_article(db, row["id"]))
    root = lxml.html.fragment_fromstring(view["body_html"] or "<p></p>", create_parent="div")
    for img in list(root.iter("img")):
        name = (img.get("src") or "").rsplit("/", 1)[-1]
        figure = img.getparent()
        if text_only or name not in smallest:
            (figure if figure is not None and figure.tag == "figure" else img).drop_tree()
            continue
        data = (media / smallest[name]["file"]).read_bytes()
        img.set("src", "data:image/webp;base64," + base64.b64encode(data).decode("ascii"))
        for attribute in ("srcset", "sizes", "width", "height", "fetchpriority"):
            img.attrib.pop(attribute, None)
    view["body_html"] = "".join(lxml.html.tostring(child, encoding="unicode") for child in root)
    return view
