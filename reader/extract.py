"""Page -> Article: the story's main content out of the page chrome, plus its metadata.

CONTRACT (other modules rely on it):
    extract_article(html: str, url: str) -> Article      raises ExtractError
    article_text(html: str, url: str) -> str              plain text of the normalised body
Article.body_html is normalised AND sanitised; image src values are absolute publisher URLs
(ingest downloads them and rewrites them to Reader's own /media/ files).
"""
from dataclasses import dataclass, field
from datetime import datetime


class ExtractError(Exception):
    """The page holds no article we can read."""

    def __init__(self, url, reason):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass
class LeadImage:
    url: str                 # absolute
    alt: str = ""
    caption: str = ""


@dataclass
class Article:
    url: str                 # canonical URL when the page names one, else the page URL
    title: str
    body_html: str           # normalised + sanitised
    text: str                # plain text of body_html, blocks separated by newlines
    byline: str = ""
    site_name: str = ""
    description: str = ""
    section: str = ""
    tags: list = field(default_factory=list)
    lang: str = ""           # BCP 47, e.g. "en", "ru", "kk"
    dir: str = "ltr"         # "ltr" or "rtl"
    published: datetime | None = None   # timezone-aware
    modified: datetime | None = None    # timezone-aware
    lead_image: LeadImage | None = None
    word_count: int = 0      # words, or characters for CJK text
    reading_minutes: int = 1


def extract_article(html, url):
    raise NotImplementedError


def article_text(html, url):
    return extract_article(html, url).text
