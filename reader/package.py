"""Static export and single-file editions, rendered by the app itself (one renderer).

`export_site` asks the app's test client for every public URL and writes what it answers
under OUT_DIR, so any static host or CDN can serve the site: `/articles/<slug>/` becomes
`articles/<slug>/index.html`. Files are written only when their bytes changed, files no
longer produced are removed, and internal links are checked. `export_edition` writes one
self-contained HTML file of a topic's latest stories that opens from a phone's storage.
"""
import base64
import gzip
import hashlib
import json
import logging
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import brotli
import lxml.html
from flask import render_template

from . import SHARE, assets, create_app, images
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


def export_site(config, out_dir, *, base_url="http://localhost/", api_origin=None, locale=None):
    """Write the whole public site to out_dir; returns a Report.

    Raises:
        PackageError: when a page does not render.
    """
    app = export_app(config, api_origin=api_origin, base_url=base_url, locale=locale)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    writer = _Writer(out)
    client = app.test_client()
    with app.app_context():
        db = connect(app.config)
        urls = public_urls(db)
        db.close()
    for url in urls:
        writer.put(url_to_file(url), _render(client, url, base_url), twins=True)
    _copy_assets(app, out, writer)
    _copy_tree(Path(app.config["DATA_DIR"]) / images.MEDIA_DIR, out / "media", writer)
    # The worker last: its precache revisions are the exported files' own content hashes.
    app.config["EXPORT_REVISIONS"] = {url: writer.digest(url_to_file(url))
                                      for url in (*SHELL_PAGES, "/manifest.json")}
    writer.put("sw.js", _render(client, "/sw.js", base_url), twins=True)
    report = writer.finish()
    report.broken = broken_links(out)
    return report


def public_urls(db):
    """Every URL a reader's browser or the service worker may ask a static host for."""
    urls = ["/", *SHELL_PAGES, "/manifest.json"] + [f"/{name}" for name in FEEDS]
    pages = max(1, -(-article_store.count(db) // ARCHIVE_PAGE))
    urls += ["/archive/"] + [f"/archive/{number}/" for number in range(2, pages + 1)]
    for topic in topic_store.all(db):
        urls += [f"/topics/{topic['slug']}/"] + [f"/topics/{topic['slug']}/{name}" for name in FEEDS]
        urls.append(f"/api/editions/{topic['slug']}?limit={EDITION_LIMIT}")
    urls.append(f"/api/editions/front?limit={EDITION_LIMIT}")
    urls.append("/api/articles?limit=200")
    for row in article_store.latest(db, limit=1_000_000):
        urls += [f"/articles/{row['slug']}/", f"/api/articles/{row['id']}"]
    return urls


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


class _Writer:
    """Writes files whose bytes changed and remembers every file of this export."""

    def __init__(self, out):
        self.out = out
        self.report = Report()
        self.seen = {}
        self.twins = set()
        previous = out / MANIFEST_FILE
        self.previous = set(json.loads(previous.read_text())) if previous.exists() else set()

    def put(self, relative, data, *, twins=False):
        path = self.out / relative
        self.seen[relative] = hashlib.sha256(data).hexdigest()
        changed = not (path.exists() and path.read_bytes() == data)
        if changed:
            _write(path, data)
            self.report.written += 1
        else:
            self.report.unchanged += 1
        if twins:
            self._twins(relative, data, changed)

    def _twins(self, relative, data, changed):
        for suffix, encode in ((".gz", lambda d: gzip.compress(d, 6, mtime=0)),
                               (".br", lambda d: brotli.compress(d, quality=BROTLI_QUALITY))):
            twin = relative + suffix
            self.twins.add(twin)
            if changed or not (self.out / twin).exists():
                _write(self.out / twin, encode(data))

    def digest(self, relative):
        return self.seen[relative][:12]

    def finish(self):
        for relative in sorted(self.previous - set(self.seen) - self.twins):
            path = self.out / relative
            if path.is_file():
                path.unlink()
                self.report.removed += 1
        (self.out / MANIFEST_FILE).write_text(json.dumps(sorted(set(self.seen) | self.twins), indent=0))
        self.report.files = len(self.seen)
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
                writer.put(f"static/{entry['url_path']}{suffix}", path.read_bytes())


def _copy_tree(source, target, writer):
    if not source.is_dir():
        return
    for path in sorted(p for p in source.rglob("*") if p.is_file() and not p.name.endswith(".tmp")):
        writer.put(str(target.relative_to(writer.out) / path.relative_to(source)), path.read_bytes())


def broken_links(out):
    """(page, link) for every same-site link in the exported HTML whose file is missing."""
    broken = []
    for page in sorted(out.rglob("*.html")):
        root = lxml.html.fromstring(page.read_bytes())
        for tag, attribute in LINK_ATTRIBUTES:
            for element in root.iter(tag):
                link = element.get(attribute)
                if link and _internal(link) and not _exists(out, link):
                    broken.append((str(page.relative_to(out)), link))
        for img in root.iter("img"):
            for candidate in (img.get("srcset") or "").split(","):
                link = candidate.strip().split(" ")[0]
                if link and _internal(link) and not _exists(out, link):
                    broken.append((str(page.relative_to(out)), link))
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
    smallest = {}
    for image in image_store.for_article(db, row["id"]):
        for variant in image["variants"]:
            smallest[variant["file"]] = image["variants"][0]["file"]
    root = lxml.html.fragment_fromstring(row["body_html"] or "<p></p>", create_parent="div")
    for img in list(root.iter("img")):
        name = (img.get("src") or "").rsplit("/", 1)[-1]
        figure = img.getparent()
        if text_only or name not in smallest:
            (figure if figure is not None and figure.tag == "figure" else img).drop_tree()
            continue
        data = (media / smallest[name]).read_bytes()
        img.set("src", "data:image/webp;base64," + base64.b64encode(data).decode("ascii"))
        for attribute in ("srcset", "sizes", "width", "height"):
            img.attrib.pop(attribute, None)
    body = "".join(lxml.html.tostring(child, encoding="unicode") for child in root)
    return {"id": row["id"], "title": row["title"], "byline": row["byline"] or "",
            "published": render.parse_time(row["published"]), "lang": row["lang"] or "", "dir": row["dir"],
            "source_url": row["url"], "body_html": body}
