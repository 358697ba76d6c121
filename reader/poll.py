"""Polite feed polling: conditional GET, a per-host delay, new entries only."""
import logging
from collections.abc import Iterator, Mapping

from . import feeds
from .budget import Budget
from .errors import StageError
from .fetch import Fetcher
from .ingest import Ingester, Item, Result
from .store import articles as article_store
from .store import sources as source_store

log = logging.getLogger(__name__)


def poll_all(db, config: Mapping, *, fetcher: Fetcher | None = None) -> Iterator[Result]:
    """Poll every source once; yields a Result per article ingested or per failed feed."""
    fetcher = fetcher or Fetcher.from_config(config, host_delay=config["POLL_HOST_DELAY"])
    ingester = Ingester(db, config, fetcher=fetcher)
    for source in source_store.all(db):
        yield from poll_source(db, ingester, source)


def poll_source(db, ingester: Ingester, source) -> Iterator[Result]:
    """Fetch one feed if it changed and ingest the entries not stored yet."""
    url = source["url"]
    budget = Budget.start(url, ingester.config)
    try:
        page = ingester.fetcher.get(url, kinds=("feed",), etag=source["etag"],
                                    last_modified=source["last_modified"], budget=budget)
        if page.not_modified:
            source_store.record_poll(db, url, status="not modified")
            return
        feed = feeds.parse(page.body, page.final_url, budget)
    except StageError as exc:
        log.warning("feed %s failed: %s", url, exc.reason)
        source_store.record_poll(db, url, status="error", error=exc.reason)
        yield Result(url, "error", error=exc.reason)
        return
    fresh = [e for e in feed.entries if article_store.by_url(db, e.url) is None]
    source_store.record_poll(db, url, status=f"{len(fresh)} new", etag=page.headers.get("etag"),
                             last_modified=page.headers.get("last-modified"), title=feed.title)
    if feed.note:
        log.warning("feed %s cut: %s", url, feed.note)
        yield Result(url, "cut", title=feed.title, note=feed.note)
    for entry in fresh:
        yield ingester.ingest(Item(entry.url, topic=source["topic"]))
