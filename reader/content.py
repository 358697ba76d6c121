"""Page tree -> the story's body element, out of the page chrome.

trafilatura finds the body (best F1 of the open extractors on the scrapinghub set); it runs
in fast mode because its slow fallbacks (readability, justext on every page) cost a third
of the time for no gain there. Our own cheaper fallbacks engage only when it comes back
short: the page's JSON-LD articleBody, then readability-lxml.
"""
import logging
import re
from copy import deepcopy

import lxml.html
from lxml import etree
from readability import Document
from trafilatura import bare_extraction
from trafilatura.htmlprocessing import convert_to_html

from .normalize import absolute_url, image_source, remove, text_of
from .sites import prune, site_rule
from .text import element_text

log = logging.getLogger(__name__)

TRAFILATURA_OPTIONS = {
    "fast": True,
    "include_comments": False,
    "include_formatting": True,
    "include_images": True,
    "include_links": True,
    "include_tables": True,
    # Any format but "python" spares trafilatura a plain-text copy of the body we never read.
    "output_format": "xml",
}
# Below this many characters of prose trafilatura has probably missed the story (a short
# news item is 500+); then the fallbacks run and the candidate with the most prose wins.
MIN_PROSE_CHARS = 250
# When trafilatura finds no story it returns the page's text nodes joined by newlines in one
# paragraph (menus included); a real paragraph has no raw newlines between dozens of lines.
PAGE_DUMP_LINES = 20
# Prose is text in lines of at least this many characters: menus and tag clouds are many short
# lines. 40 keeps CJK sentences (about 30-50 characters) and drops 2-5 word link labels.
PROSE_LINE_CHARS = 40
# Caption containers: <figure>, and WordPress's classic div.wp-caption (p.wp-caption-text).
# An <article> that holds this many paragraphs and this share of the page's is the story's
# container. Measured on the scrapinghub set: 0.8 keeps F1 unchanged; lower shares let in
# teaser <article>s holding a few of the page's paragraphs.
MIN_ARTICLE_PARAGRAPHS = 3
ARTICLE_PARAGRAPH_SHARE = 0.8
CAPTION_TEXT_XPATH = './/figcaption|.//*[contains(@class, "caption-text")]'
# A leading heading repeats the title or standfirst when this share of the shorter one's words
# (2+ characters) are in both: sites rephrase their own headline ("Stock Falls After Earnings
# Report" / "Stock Is Falling After Its Earnings Release"). On the scrapinghub set every leading
# heading at 0.6 or above is a headline or standfirst the gold body leaves out.
SAME_WORDS_SHARE = 0.6
HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
PUNCTUATION = re.compile(r"[\W_]+")


def extract_body(tree, html, url, *, title="", description="", ld_body=""):
    """The story body of a parsed page as an element (not yet normalised), or None.

    Args:
        tree: the page as an lxml.html document; pruned in place, so read metadata first.
        html: the page source, for the readability fallback.
        url: the page URL.
        title: the story title; a leading heading repeating it is dropped.
        description: the page's summary; a leading heading repeating it (a standfirst) is dropped.
        ld_body: the JSON-LD articleBody, a fallback when the markup yields too little.
    """
    prune(tree, url)
    body = _merge(_trafilatura(page, url) for page in _site_pages(tree, url))
    if _page_dump(body):
        body = None
    if _prose(body) < MIN_PROSE_CHARS:
        body = max((body, _from_text(ld_body), _readability(html, url)), key=_prose)
    if body is not None:
        _drop_lead_headings(body, title, description)
    return body if _length(body) else None


def _site_pages(tree, url):
    """[the page], or one small page per story container that the site rule names.

    Each container is extracted on its own: given them together, trafilatura keeps one.
    """
    selector = site_rule(url).body
    parts = tree.xpath(selector) if selector else _story_article(tree)
    if not parts:
        return [tree]
    pages = []
    for part in parts:
        page = lxml.html.Element("html")
        etree.SubElement(etree.SubElement(page, "body"), "article").append(deepcopy(part))
        pages.append(page)
    return pages


def _story_article(tree):
    """[the page's one <article>] when it holds nearly all paragraphs, else [].

    trafilatura's cost grows with the page; handing it only the story's own container
    halves the time on the many templates that mark the story up this way.
    """
    articles = tree.xpath("//article[not(ancestor::article)]")
    if len(articles) != 1:
        return []
    inside, total = articles[0].xpath("count(.//p)"), tree.xpath("count(//p)")
    if inside >= MIN_ARTICLE_PARAGRAPHS and inside >= ARTICLE_PARAGRAPH_SHARE * total:
        return articles
    return []


def _merge(bodies):
    """One body element holding the blocks of all bodies, in order (None when all are None)."""
    merged = None
    for body in bodies:
        if body is None:
            continue
        if merged is None:
            merged = body
        else:
            merged.extend(list(body))
    return merged


def _trafilatura(tree, url):
    # No url: trafilatura would resolve every link through courlan (a tenth of the time);
    # the normaliser resolves the few links that survive.
    document = bare_extraction(tree, **TRAFILATURA_OPTIONS)
    if document is None or document.body is None:
        return None
    return convert_to_html(document.body).find("body")


def _page_dump(body):
    """trafilatura's last resort: the whole page's text, one line per text node, in one <p>."""
    if body is None or len(body) != 1 or body[0].tag != "p":
        return False
    return (body[0].text or "").count("\n") >= PAGE_DUMP_LINES


def _from_text(text):
    """A body element from plain text (JSON-LD articleBody): one paragraph per line."""
    body = etree.Element("body")
    for line in (text or "").splitlines():
        if line.strip():
            etree.SubElement(body, "p").text = line.strip()
    return body


def _readability(html, url):
    try:
        summary = Document(html, url=url).summary(html_partial=True)
        return lxml.html.fragment_fromstring(summary, create_parent="div")
    except (etree.ParserError, ValueError, TypeError) as error:
        log.info("readability failed on %s: %s", url, error)
        return None


def _length(body):
    return len(text_of(body)) if body is not None else 0


def _prose(body):
    """Characters of body text in prose-length lines."""
    if body is None:
        return 0
    return sum(len(line) for line in element_text(body).splitlines() if len(line) >= PROSE_LINE_CHARS)


def _drop_lead_headings(body, title, description):
    """Drop the headline, standfirst and kicker headings above the story's first paragraph.

    The reader shows title and description itself. A heading there that shares most of its
    words with the title or the description is one of them; headings before it (section
    kickers, promos) go with it.
    """
    lead = []
    for el in body:
        if el.tag not in HEADING_TAGS:
            if text_of(el):
                break
            continue
        lead.append(el)
    repeats = [i for i, el in enumerate(lead) if _repeats(text_of(el), title, description)]
    for el in lead[:repeats[-1] + 1] if repeats else ():
        remove(el)


def _repeats(text, *others):
    """text says what one of others says: most of its words are that one's, or the reverse."""
    words = _words(text)
    for other in others:
        theirs = _words(other)
        if words and theirs and len(words & theirs) >= SAME_WORDS_SHARE * min(len(words), len(theirs)):
            return True
    return False


def _words(text):
    return {word for word in PUNCTUATION.sub(" ", text or "").lower().split() if len(word) > 1}


def captions(tree, base_url):
    """{absolute image URL: caption} for the captioned pictures of the original page."""
    found = {}
    for container in tree.iter("figure", "div", "p", "span"):
        if container.tag != "figure" and "wp-caption" not in (container.get("class") or ""):
            continue
        caption = next(iter(container.xpath(CAPTION_TEXT_XPATH)), None)
        text = text_of(caption) if caption is not None else ""
        for img in container.iter("img") if text else ():
            src = absolute_url(image_source(img), base_url)
            if src:
                found.setdefault(src, text)
    return found


def image_sizes(tree, base_url):
    """{absolute image URL: (width, height)} from the original page (extractors drop them)."""
    found = {}
    for img in tree.iter("img"):
        width, height = img.get("width"), img.get("height")
        if width and height:
            src = absolute_url(image_source(img), base_url)
            if src:
                found.setdefault(src, (width, height))
    return found
