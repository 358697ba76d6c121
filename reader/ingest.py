"""fetch -> extract -> normalize -> images -> sanitize -> store, one source at a time.

Each stage raises its own error; this module catches them per article, records the
failure and goes on, so one bad page never stops the others or half-stores a story.
"""
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import timezone
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html

from . import feeds, holding, images, topics
from .budget import Budget, Deadline
from .errors import StageError
from .extract import extract_article
from .fetch import FetchError, Fetcher, decode_text
from .sanitize import sanitize
from .story import Story, normalize_article
from .slugs import slugify, unique
from .store import articles as article_store
from .store import held as held_store
from .store import images as image_store
from .store import ingest_log
from .store import topics as topic_store
from .store import transaction
from .urls import web_url

log = logging.getLogger(__name__)


# Statuses of a Result whose article is in the store (held: waiting for an editor on the desk).
STORED = ("new", "updated", "unchanged", "held", "discarded")


@dataclass
class Result:
    """The outcome for one article (or for a source that yielded none)."""
    url: str
    status: str            # new | updated | unchanged | held | discarded | error | cut (a feed with entries left out)
    id: int | None = None
    title: str = ""
    error: str | None = None
    note: str | None = None  # for "cut": what was left out; for "held", "discarded": where it is
    confidence: float | None = None  # how far the extraction can be trusted, 0-1 (reader.extract.confidence)
    reasons: list | None = None      # what lowered it, worst first

    def as_json(self):
        return asdict(self)


@dataclass
class Item:
    """One article to ingest: its URL and, when already read, its page."""
    url: str
    html: str | None = None
    base_url: str | None = None
    topic: str | None = None
    local_dir: Path | None = None   # images of a local file resolve inside this directory
    budget: Budget | None = None    # the source's budget when its page was read while expanding


class Ingester:
    """Runs the pipeline against one database with one fetcher.

    Args:
        db: an open connection (reader.store.connect).
        config: the app's settings.
        fetcher: the Fetcher to use; by default one built from config.
        deadline: a budget.Deadline every source must also meet (a desk job's), or None.
        site_aliases: {origin served from: public origin it stands for} (the demo's loopback
            server is the demo publisher's site): canonical URLs on that site are trusted too.
    """

    def __init__(self, db, config: Mapping, *, fetcher: Fetcher | None = None, deadline: Deadline | None = None,
                 site_aliases: Mapping[str, str] | None = None):
        self.db = db
        self.config = config
        self.fetcher = fetcher or Fetcher.from_config(config)
        self.deadline = deadline
        self.site_aliases = dict(site_aliases or {})
        self.media_dir = Path(config["DATA_DIR"]) / images.MEDIA_DIR

    # -- sources -> items -------------------------------------------------
    def expand(self, source: str, topic: str | None = None) -> list[Item | Result]:
        """Turn a URL or file path into articles to ingest (a feed gives many).

        Returns a list of Item (after a "cut" Result when a long feed was cut), or of one
        error Result when the source itself failed.
        """
        budget = self._budget(source)
        try:
            if is_url(source):
                return self._expand_url(source, topic, budget)
            return self._expand_file(source, topic, budget)
        except (StageError, OSError) as exc:
            reason = getattr(exc, "reason", None) or _os_reason(exc)
            log.warning("source %s failed: %s", source, reason)
            ingest_log.record(self.db, source, "error", error=reason)
            return [Result(source, "error", error=reason)]

    def gather(self, sources: list[str], topic: str | None = None) -> tuple[list[Item], list[Result]]:
        """Expand every source: the articles to ingest, and the Results of sources that failed or
        were cut (in the order met)."""
        items: list[Item] = []
        results: list[Result] = []
        for source in sources:
            for entry in self.expand(source, topic):
                if isinstance(entry, Item):
                    items.append(entry)
                else:
                    results.append(entry)
        return items, results

    def _expand_url(self, url: str, topic: str | None, budget: Budget) -> list[Item | Result]:
        page = self.fetcher.get(url, kinds=("html", "feed"), budget=budget)
        if feeds.is_feed(page.body, page.content_type):
            return self._feed_items(url, feeds.parse(page.body, page.final_url, budget), topic)
        return [Item(url, html=page.text(), base_url=page.final_url, topic=topic, budget=budget)]

    def _feed_items(self, source: str, feed: feeds.Feed, topic: str | None) -> list[Item | Result]:
        items: list[Item | Result] = [Item(e.url, topic=topic) for e in feed.entries]
        if feed.note is None:
            return items
        log.warning("feed %s cut: %s", source, feed.note)
        ingest_log.record(self.db, source, "cut", error=feed.note)
        return [Result(source, "cut", title=feed.title, note=feed.note), *items]

    def _expand_file(self, path: str | Path, topic: str | None, budget: Budget) -> list[Item | Result]:
        path = Path(path).expanduser().resolve()
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
        if path.stat().st_size > self.config["FETCH_MAX_BYTES"]:
            raise OSError(f"{path} is larger than {self.config['FETCH_MAX_BYTES']} bytes")
        body = path.read_bytes()
        if feeds.is_feed(body):
            return self._feed_items(str(path), feeds.parse(body, path.as_uri(), budget), topic)
        text, _ = decode_text(body, None)
        return [Item(path.as_uri(), html=text, base_url=path.as_uri(), topic=topic,
                     local_dir=path.parent, budget=budget)]

    # -- one article -----------------------------------------------------
    def ingest(self, item: Item) -> Result:
        """Run one article through the pipeline and store it in one transaction."""
        try:
            result = self._ingest(item, item.budget or self._budget(item.url))
        except StageError as exc:
            log.warning("article %s failed: %s", item.url, exc.reason)
            result = Result(item.url, "error", error=exc.reason)
        ingest_log.record(self.db, item.url, result.status, article_id=result.id, error=result.error)
        return result

    def _budget(self, source: str) -> Budget:
        return Budget.start(source, self.config, within=self.deadline)

    def _ingest(self, item: Item, budget: Budget) -> Result:
        html, page_url = self._fetch(item, budget)                                     # fetch
        article = extract_article(html, page_url, budget=budget,                       # extract
                                  site_url=self.site_aliases.get(_origin(page_url)))
        story = normalize_article(article)                                             # normalize
        old = article_store.by_url(self.db, story.url) or article_store.by_url(self.db, page_url)
        content_hash = holding.content_hash_of(story.title, story.text)
        same_text = old is not None and old["content_hash"] == content_hash
        held = held_store.by_url(self.db, story.url, page_url)
        if not same_text and holding.doubtful(story, held, self.config):
            return self._hold(story, page_url, html, held)
        # Images a stored story lacks (a failed download or save) are tried again.
        kept = self._kept_images(old["id"]) if same_text else {}
        wanted = self._wanted_images(story)
        if same_text and wanted.keys() <= kept.keys():
            return self._unchanged(old, story, item.topic)
        stored_images = self._images(wanted, item.local_dir, budget, kept)             # images
        budget.check_time()  # an image cut by the deadline must not be stored as "no image"
        if same_text and stored_images.keys() <= kept.keys():  # what was missing still is
            return self._unchanged(old, story, item.topic)
        story.body_html = sanitize(_rewrite_images(story.body_html, stored_images))    # sanitize
        return self._store(old, story, page_url, stored_images, item.topic, same_text, held)  # store

    def _fetch(self, item: Item, budget: Budget) -> tuple[str, str]:
        """(page source, the URL it was read from after redirects)."""
        if item.html is not None:
            return item.html, item.base_url or item.url
        page = self.fetcher.get(item.url, kinds=("html",), budget=budget)
        return page.text(), page.final_url

    def _hold(self, story: Story, page_url: str, html: str, held) -> Result:
        """A doubtful story waits on the desk ("Needs a look") instead of being published."""
        status = holding.hold(self.db, story, page_url, html, held)
        log.info("article %s %s (confidence %.2f): %s", story.url, status, story.confidence, story.reasons)
        note = "waits on the desk (Needs a look)" if status == holding.HELD else "an editor discarded this text"
        return Result(story.url, status, None, story.title, note=note,
                      confidence=story.confidence, reasons=story.reasons)

    def _store(self, old, story: Story, page_url: str, stored_images: dict, topic: str | None, same_text: bool,
               held) -> Result:
        """Save the story, its images, lead image and topics in one transaction.

        A story an editor published from the desk is held no more, and records no topic event:
        it never triggers an automatic alert.
        """
        row = _row(story, page_url)
        with transaction(self.db):
            article_id, status = self._save(old, row, same_text)
            ids = image_store.replace_for_article(self.db, article_id, list(stored_images.values()))
            lead = story.lead_image and ids.get(story.lead_image.url)
            article_store.set_lead_image(self.db, article_id, lead or _first(ids))
            self._assign_topics(article_id, story, topic, events=not holding.approved(held))
            if held is not None:
                held_store.release(self.db, held["id"])
        log.info("article %s %s: %s", article_id, status, story.url)
        return Result(story.url, status, article_id, story.title,
                      confidence=story.confidence, reasons=story.reasons)

    def _save(self, old, row, same_text):
        if old is None:
            slug = unique(slugify(row["title"]), lambda s: article_store.slug_taken(self.db, s))
            return article_store.insert(self.db, slug, row), "new"
        if same_text:  # only images came back: no new version of the text
            article_store.replace_body(self.db, old["id"], row["body_html"])
        else:
            article_store.update(self.db, old, row)
        return old["id"], "updated"

    def _assign_topics(self, article_id, article, explicit, events=True):
        for topic in topics.for_article(self.db, article, explicit):
            if topic_store.get(self.db, topic) is None:
                topic_store.upsert(self.db, topic, topic)
            if topic_store.assign(self.db, article_id, [topic]) and events:
                topic_store.record_event(self.db, topic, article_id)

    def _unchanged(self, old, article: Story, explicit_topic: str | None) -> Result:
        """The stored story stands; it is marked checked and its topics refreshed."""
        with transaction(self.db):
            article_store.touch(self.db, old["id"])
            self._assign_topics(old["id"], article, explicit_topic)
        return Result(article.url, "unchanged", old["id"], old["title"],
                      confidence=article.confidence, reasons=article.reasons)

    # -- images ----------------------------------------------------------
    def _wanted_images(self, article: Story) -> dict:
        """{src: {"alt", "caption"}}: the lead image and the body's, up to the per-article limit."""
        return dict(list(_image_sources(article).items())[:self.config["IMAGES_PER_ARTICLE"]])

    def _kept_images(self, article_id):
        return {image["src_url"]: image for image in image_store.for_article(self.db, article_id)}

    def _images(self, wanted, local_dir, budget, kept):
        """Download and resize the images not kept already: {src_url: record}."""
        stored = {}
        for src, meta in wanted.items():
            record = kept.get(src) or self._image(src, local_dir, budget)
            if record is not None:
                stored[src] = {**record, **meta}
        return stored

    def _image(self, src, local_dir, budget):
        try:
            data = self._image_bytes(src, local_dir, budget)
            return images.process(data, src, self.media_dir, widths=self.config["IMAGE_WIDTHS"],
                                  max_pixels=self.config["IMAGE_MAX_PIXELS"])
        except (FetchError, images.ImageError, OSError) as exc:
            log.warning("image %s not stored (tried again next ingest): %s", src,
                        getattr(exc, "reason", exc))
            return None

    def _image_bytes(self, src, local_dir, budget):
        if src.startswith("file:"):
            return _local_image(src, local_dir, self.config["IMAGE_MAX_BYTES"])
        page = self.fetcher.get(src, kinds=("image",), max_bytes=self.config["IMAGE_MAX_BYTES"],
                                budget=budget)
        return page.body


def is_url(source: str) -> bool:
    """An absolute http(s) URL with a host: the only kind Reader fetches or stores (urls.web_url)."""
    return bool(web_url(source))


def _os_reason(exc):
    return str(exc.args[-1] if isinstance(exc, OSError) and exc.args else exc)


def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _first(ids):
    return next(iter(ids.values()), None)


def _local_image(src, local_dir, max_bytes):
    """An image next to an ingested local file; nothing outside its directory is read."""
    path = Path(urlsplit(src).path).resolve()
    if local_dir is None or not path.is_relative_to(local_dir):
        raise OSError(f"{src}: outside the ingested file's directory")
    if path.stat().st_size > max_bytes:
        raise OSError(f"{src}: larger than {max_bytes} bytes")
    return path.read_bytes()


def _image_sources(story: Story) -> dict:
    """{absolute src: {"alt", "caption"}} of the lead image and every body image, in order."""
    wanted = {}
    if story.lead_image:
        wanted[story.lead_image.url] = {"alt": story.lead_image.alt,
                                        "caption": story.lead_image.caption}
    if story.body_html:
        root = lxml.html.fragment_fromstring(story.body_html, create_parent="div")
        for img in root.iter("img"):
            caption = img.getparent().findtext("figcaption") if img.getparent() is not None else ""
            wanted.setdefault(img.get("src"), {"alt": img.get("alt") or "", "caption": caption or ""})
    wanted.pop(None, None)
    return wanted


def _rewrite_images(body_html, stored):
    """Point images at Reader's own resized copies; drop those that could not be stored."""
    if not body_html:
        return body_html
    root = lxml.html.fragment_fromstring(body_html, create_parent="div")
    for img in list(root.iter("img")):
        record = stored.get(img.get("src"))
        if record is None:
            _drop_image(img)
            continue
        main = images.default_variant(record["variants"])
        img.set("src", images.MEDIA_URL + main["file"])
        img.set("srcset", images.srcset(record["variants"]))
        img.set("sizes", "(max-width: 720px) 100vw, 720px")
        img.set("width", str(main["width"]))
        img.set("height", str(main["height"]))
    return "".join(lxml.html.tostring(child, encoding="unicode") for child in root)


def _drop_image(img):
    figure = img.getparent()
    if figure is not None and figure.tag == "figure":
        figure.getparent().remove(figure)
    elif figure is not None:
        img.drop_tree()


def _row(story: Story, fetched_url: str) -> dict:
    return {
        "url": story.url, "fetched_url": fetched_url, "title": story.title,
        "byline": story.byline, "site_name": story.site_name,
        "description": story.description, "section": story.section, "tags": story.tags,
        "lang": story.lang, "dir": story.dir,
        "published": _utc(story.published), "modified": _utc(story.modified),
        "body_html": story.body_html, "body_text": story.text,
        "content_hash": holding.content_hash_of(story.title, story.text),
        "word_count": story.word_count, "reading_minutes": story.reading_minutes,
        "confidence": story.confidence, "confidence_reasons": story.reasons,
    }


def _utc(moment):
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds") if moment else None
