"""Page -> Article: the story's main content out of the page chrome, plus its metadata.

CONTRACT (other modules rely on it):
    extract_article(html: str, url: str) -> Article      raises ExtractError
    article_text(html: str, url: str) -> str              plain text of the normalised body
Article.body_html is normalised AND sanitised; image src values are absolute publisher URLs
(ingest downloads them and rewrites them to Reader's own /media/ files).

The page is parsed once; metadata, captions and the body all read that one tree.
"""
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

import lxml.html
from lxml import etree

from . import limits
from .budget import Budget
from .errors import StageError
from .confidence import assess
from .content import captions, extract_body, image_sizes
from .metadata import extract_metadata
from .normalize import link_density, normalize_element
from .sanitize import sanitize
from .text import clean_text, html_text, reading_minutes, word_count

log = logging.getLogger(__name__)

# Comments are dropped at parse time: React's "<!-- -->" text separators otherwise make
# trafilatura lose the text that follows them (measured: -0.004 F1 on the benchmark).
PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True)
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# A page is binary, not HTML, when this share of its first SNIFF_CHARS characters are
# control characters or U+FFFD (decoding damage); real pages have well under 1%.
SNIFF_CHARS = 4096
MAX_BINARY_SHARE = 0.05
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\ufffd]")
BINARY_SIGNATURES = ("%PDF-", "\x89PNG", "GIF8", "PK\x03\x04", "\xff\xd8\xff")
HAS_TAG = re.compile(r"<\s*[a-zA-Z!]")
TEXT_FIELDS = ("title", "body_html", "text", "byline", "site_name", "description", "section", "lang")
# Fewer word characters than this is a menu label or a button, not a story (the shortest
# real news brief is a sentence or two).
MIN_TEXT_CHARS = 20


class ExtractError(StageError):
    """The page holds no article we can read."""


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
    confidence: float = 1.0  # 0-1: how far the extraction can be trusted (reader.confidence)
    reasons: list = field(default_factory=list)   # what lowered the confidence, worst first


def extract_article(html, url, *, budget=None):
    """Extract the story of a page.

    Args:
        html: the page source as text (bytes are decoded as UTF-8 with replacement).
        url: the page URL; relative links, images and the canonical URL resolve against it.
        budget: the source's Budget (reader.budget); by default one from the settings' defaults.

    Returns:
        An Article whose body_html is normalised and sanitised.

    Raises:
        ExtractError: the page is empty, not HTML, or holds no readable text.
        BudgetError: the page holds more than the budget allows (reader.limits), or time ran out.
    """
    budget = budget or Budget.start(url)
    html = page_source(html, url)
    limits.check_source(html, budget)
    tree = _parse(html, url)
    limits.check_tree(tree, budget)
    meta = extract_metadata(tree, url)
    page_captions, sizes = captions(tree, url), image_sizes(tree, url)
    body = extract_body(tree, html, url, title=meta.title,
                        description=meta.description, ld_body=meta.body_text)
    if body.element is None:
        raise ExtractError(url, "no readable text")
    limits.check_story(len("".join(body.element.itertext())), budget)
    budget.check_time()
    body_html = sanitize(normalize_element(body.element, url, captions=page_captions, sizes=sizes),
                         local_files=url.startswith("file:"))
    text = html_text(body_html)
    if len(re.findall(r"\w", text)) < MIN_TEXT_CHARS:
        raise ExtractError(url, "no readable text")
    count = word_count(text, meta.lang)
    trust = assess(text, link_share=link_density(body.element), description=meta.description,
                   ld_body=meta.body_text, page_prose=body.page_prose)
    return _cleaned(Article(
        url=meta.url or url, title=meta.title, body_html=body_html, text=text,
        byline=meta.byline, site_name=meta.site_name, description=meta.description,
        section=meta.section, tags=meta.tags, lang=meta.lang, dir=meta.dir,
        published=meta.published, modified=meta.modified,
        lead_image=_lead_image(meta, page_captions), word_count=count,
        reading_minutes=reading_minutes(count, meta.lang),
        confidence=trust.score, reasons=trust.reasons,
    ))


def article_text(html, url):
    """Plain text of the extracted body, "" when the page has none (never raises)."""
    try:
        return extract_article(html, url).text
    except StageError as error:
        log.info("no article: %s", error)
        return ""


def page_source(html, url):
    """The page as text fit to parse: decoded, checked, without control and invisible characters.

    Raises:
        ExtractError: the page is empty or not HTML.
    """
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not html or not html.strip():
        raise ExtractError(url, "empty page")
    _check_html(html, url)
    return clean_text(XML_DECLARATION.sub("", html, count=1))


def parse_page(html, url):
    """The page as an lxml.html document.

    Raises:
        ExtractError: the page is empty or not HTML.
    """
    return _parse(page_source(html, url), url)


def _parse(html, url):
    try:
        tree = lxml.html.document_fromstring(html, parser=PARSER)
    except (etree.ParserError, ValueError) as error:
        raise ExtractError(url, f"not HTML ({error})") from None
    if tree is None or tree.find("body") is None:
        raise ExtractError(url, "not HTML (no body)")
    return tree


def _check_html(html, url):
    head = html.lstrip()[:SNIFF_CHARS]
    if head.startswith(BINARY_SIGNATURES) or \
            len(CONTROL_CHARS.findall(head)) > MAX_BINARY_SHARE * len(head):
        raise ExtractError(url, "not HTML (binary content)")
    if not HAS_TAG.search(head):
        raise ExtractError(url, "not HTML (no markup)")


def _cleaned(article):
    """article with no control or invisible characters in any text field.

    The page source is cleaned before parsing, but character references (&#27;) and JSON-LD
    escapes (\\u001b) bring control characters back after it; none may be stored (issue 12.19).
    """
    for name in TEXT_FIELDS:
        setattr(article, name, clean_text(getattr(article, name)))
    article.tags = [clean_text(tag) for tag in article.tags]
    if article.lead_image:
        article.lead_image.alt = clean_text(article.lead_image.alt)
        article.lead_image.caption = clean_text(article.lead_image.caption)
    return article


def _lead_image(meta, page_captions):
    if not meta.image:
        return None
    return LeadImage(url=meta.image, alt=meta.image_alt, caption=page_captions.get(meta.image, ""))
