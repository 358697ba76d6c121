"""Which stories wait for an editor instead of being published, and how they are held.

A story whose extraction confidence is below READER_EXTRACT_MIN_CONFIDENCE is held: stored in
held_stories with the whole page's text beside the extracted text, shown on the desk under
"Needs a look", published only when an editor says so (and then with no automatic alert).
"""
import hashlib
from collections.abc import Mapping

from .extract.page import visible_text
from .store import held as held_store
from .store import transaction
from .story import Story

HELD = "held"            # waits on the desk
DISCARDED = "discarded"  # an editor discarded this very text before


def doubtful(story: Story, held, config: Mapping) -> bool:
    """story must wait for an editor: its confidence is too low and no editor approved it."""
    return story.confidence < config["EXTRACT_MIN_CONFIDENCE"] and not approved(held)


def approved(held) -> bool:
    """An editor published the held story from the desk: the next ingest publishes it."""
    return held is not None and held["state"] == "approved"


def hold(db, story: Story, page_url: str, html: str, held) -> str:
    """Hold story (or see that an editor discarded the same text); returns HELD or DISCARDED."""
    content_hash = content_hash_of(story.title, story.text)
    if held is not None and held["state"] == "discarded" and held["content_hash"] == content_hash:
        return DISCARDED
    record = {"url": story.url, "page_url": page_url, "title": story.title, "body_text": story.text,
              "page_text": visible_text(html, page_url), "content_hash": content_hash,
              "confidence": story.confidence, "reasons": story.reasons}
    with transaction(db):
        held_store.hold(db, record)
    return HELD


def content_hash_of(title: str, text: str) -> str:
    """What a correction changes: the words readers see (not markup or link targets)."""
    return hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()
