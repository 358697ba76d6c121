"""Page -> Article: the story's body out of the page chrome, and its metadata.

The page is parsed once; metadata, captions and the body all read that one tree. The body is
returned as found (an element, not yet normalised): the normaliser and the sanitiser are the
next stages (reader.story runs them).
"""
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from ..budget import Budget
from ..text import clean_text
from . import limits
from .body import captions, extract_body, image_sizes
from .metadata import extract_metadata
from .page import ExtractError, page_source, parse

# Metadata fields of an Article that are text: none may keep a control or invisible character.
TEXT_FIELDS = ("title", "byline", "site_name", "description", "section", "lang", "ld_body")


@dataclass
class LeadImage:
    url: str                 # absolute
    alt: str = ""
    caption: str = ""


@dataclass
class Article:
    url: str                 # canonical URL when the page names one on its own site, else page_url
    page_url: str            # the address the page was read from (after redirects)
    title: str
    body: etree._Element     # the story body as found on the page, not yet normalised
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
    captions: dict = field(default_factory=dict)   # {absolute image URL: caption} from the page
    sizes: dict = field(default_factory=dict)      # {absolute image URL: (width, height)}
    ld_body: str = ""        # the page's JSON-LD articleBody
    page_prose: int = 0      # characters of prose on the whole page


def extract_article(html: str | bytes, url: str, *, budget: Budget | None = None,
                    site_url: str | None = None) -> Article:
    """Extract the story of a page.

    Args:
        html: the page source as text (bytes are decoded as UTF-8 with replacement).
        url: the page URL; relative links, images and the canonical URL resolve against it.
        budget: the source's Budget (reader.budget); by default one from the settings' defaults.
        site_url: the public address of the site when the page is served from elsewhere (the
            demo's loopback server): canonical URLs on that site are trusted too.

    Returns:
        An Article; its body is not yet normalised.

    Raises:
        ExtractError: the page is empty, not HTML, or holds no readable text.
        BudgetError: the page holds more than the budget allows (reader.extract.limits), or time ran out.
    """
    budget = budget or Budget.start(url)
    source = page_source(html, url)
    limits.check_source(source, budget)
    tree = parse(source, url)
    limits.check_tree(tree, budget)
    meta = extract_metadata(tree, url, site_url)
    page_captions, sizes = captions(tree, url), image_sizes(tree, url)
    body = extract_body(tree, source, url, title=meta.title,
                        description=meta.description, ld_body=meta.body_text)
    if body.element is None:
        raise ExtractError(url, "no readable text")
    limits.check_story(len("".join(body.element.itertext())), budget)
    budget.check_time()
    return _cleaned(Article(
        url=meta.url or url, page_url=url, title=meta.title, body=body.element,
        byline=meta.byline, site_name=meta.site_name, description=meta.description,
        section=meta.section, tags=meta.tags, lang=meta.lang, dir=meta.dir,
        published=meta.published, modified=meta.modified,
        lead_image=_lead_image(meta, page_captions), captions=page_captions, sizes=sizes,
        ld_body=meta.body_text, page_prose=body.page_prose,
    ))


def _cleaned(article):
    """article with no control or invisible characters in its metadata.

    The page source is cleaned before parsing, but character references (&#27;) and JSON-LD
    escapes (\\u001b) bring control characters back after it; none may be stored (issue 12.19).
    The body's text is cleaned with its HTML after normalising (reader.story).
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
