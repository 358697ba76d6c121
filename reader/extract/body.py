"""Page tree -> the story's body element, out of the page chrome.

trafilatura finds the body (best F1 of the open extractors on the scrapinghub set); it runs
in fast mode because its slow fallbacks (readability, justext on every page) cost a third
of the time for no gain there. Our own cheaper fallbacks engage only when it comes back
short: the page's JSON-LD articleBody, then readability-lxml.
"""
import logging
import re
from copy import deepcopy
from dataclasses import dataclass

import lxml.html
from lxml import etree
from readability import Document
from trafilatura import bare_extraction
from trafilatura.htmlprocessing import convert_to_html
from trafilatura.settings import Extractor

from ..dom import absolute_url, has_text, image_source, link_density, remove, text_of
from .confidence import assess
from .lead import after_headline, lead_blocks
from .region import Runs
from .tail import drop_tail
from .teasers import drop_inline_teasers
from .sites import prune, site_rule
from ..text import element_text

log = logging.getLogger(__name__)


def _trafilatura_options(*, fast):
    # Any format but "python" spares trafilatura a plain-text copy of the body we never read.
    return Extractor(output_format="xml", fast=fast, comments=False, formatting=True, images=True,
                     links=True, tables=True)


# Built once: trafilatura otherwise builds its settings for every call, reading each number
# from its configuration file's parser (a hundredth of our time). It copies them before any
# change.
FAST = _trafilatura_options(fast=True)
FULL_CASCADE = _trafilatura_options(fast=False)
# Below this many characters of prose trafilatura has probably missed the story (a short
# news item is 500+); then the fallbacks run and the candidate with the most prose wins.
MIN_PROSE_CHARS = 250
# When trafilatura finds no story it returns the page's text nodes joined by newlines in one
# paragraph (menus included); a real paragraph has no raw newlines between dozens of lines.
PAGE_DUMP_LINES = 20
# Prose is text in lines of at least this many characters: menus and tag clouds are many short
# lines. 40 keeps CJK sentences (about 30-50 characters) and drops 2-5 word link labels.
PROSE_LINE_CHARS = 40
# An <article> that holds this many paragraphs and this share of the page's is the story's
# container. Measured on the scrapinghub set: 0.8 keeps F1 unchanged; lower shares let in
# teaser <article>s holding a few of the page's paragraphs.
MIN_ARTICLE_PARAGRAPHS = 3
ARTICLE_PARAGRAPH_SHARE = 0.8
OUTER_ARTICLES = etree.XPath("/descendant::article[not(ancestor::article)]")
COUNT_PARAGRAPHS = etree.XPath("count(.//p)")
COUNT_PAGE_PARAGRAPHS = etree.XPath("count(/descendant::p)")
# Caption containers: <figure>, and WordPress's classic div.wp-caption (p.wp-caption-text).
CAPTION_TEXT = etree.XPath('.//figcaption|.//*[contains(@class, "caption-text")]')
CAPTION_BOX_TAGS = ("div", "p", "span")
CAPTION_BOX_CLASS = "wp-caption"
# A leading heading repeats the title or standfirst when this share of the shorter one's words
# (2+ characters) are in both: sites rephrase their own headline ("Stock Falls After Earnings
# Report" / "Stock Is Falling After Its Earnings Release"). On the scrapinghub set every leading
# heading at 0.6 or above is a headline or standfirst.
SAME_WORDS_SHARE = 0.6
# A heading with more than this many times the title's words is not the headline again, even
# when it holds most of the title's words: it is a standfirst that retells the headline.
# Measured on both sets: 2 keeps every headline dropped before (longer ones carry a kicker or
# the site's name) and keeps three standfirsts of trafilatura-dev (F1 0.940 -> 0.941).
HEADLINE_LENGTH_RATIO = 2
# Blocks shorter than this at the top of the body are labels (section, kicker, date) when a
# headline follows them: no sentence is that short, few section names are longer.
LABEL_CHARS = 40
# When the body holds less than this share of the prose runs of the page's densest block (the
# element whose children hold the most prose), the body is a teaser or something beside the
# story; the block's own extraction then completes or replaces it. On the scrapinghub set no
# correct body falls below 0.5; on trafilatura-dev (tuning half) 0.3-0.5 catch the same pages.
MIN_COVERAGE = 0.5
# A body whose confidence (reader.extract.confidence) is below this is extracted again with
# trafilatura's full cascade. Measured: 0.5 lifts trafilatura-dev (tuning half 0.923 -> 0.926,
# held-out 0.934 -> 0.934) and leaves scrapinghub unchanged; 0.8 cost scrapinghub 0.002.
RESCUE_BELOW = 0.5
# A body this share of whose text is sentences, and less than LEAD_LINK_SHARE of it links, is
# taken for a lead too (the description may not say what the lead says). Measured: lifted
# trafilatura-dev 0.941 -> 0.943 (the rest of an interview, a story after its first two
# paragraphs); without the link test a rail of linked teasers counted as a lead on scrapinghub.
LEAD_SENTENCE_SHARE = 0.6
LEAD_LINK_SHARE = 0.5
SENTENCE_END = re.compile(r"[.!?…。！？\"'”»)]$")
HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
PUNCTUATION = re.compile(r"[\W_]+")


@dataclass
class Body:
    element: etree._Element | None   # the story body, not yet normalised; None: no story found
    page_prose: int = 0              # characters of prose runs on the whole page


def extract_body(tree, html, url, *, title="", description="", ld_body=""):
    """The story body of a parsed page (not yet normalised).

    Args:
        tree: the page as an lxml.html document; pruned in place, so read metadata first.
        html: the page source, for the readability fallback.
        url: the page URL.
        title: the story title; a leading heading repeating it is dropped.
        description: the page's summary; a leading heading repeating it (a standfirst) becomes a
            paragraph, and it tells a teaser from a sidebar.
        ld_body: the JSON-LD articleBody, a fallback when the markup yields too little.

    Returns:
        A Body; its element is None when the page holds no readable text.
    """
    _drop_head(tree)
    prune(tree, url)
    runs = Runs(tree)
    headline, leads = None, []
    if not site_rule(url).body:
        # before isolate(): the headline may sit outside the story region
        title_words = _words(title)
        headline, leads = after_headline(tree, lambda text: _overlap(_words(text), title_words),
                                         runs.elements())
        runs.isolate()
    # From here on the page is only read (trafilatura works on a copy of its own): the copies
    # it needs (the densest block, the tables) are made when they are needed.
    densest = runs.densest()
    body = _merge(_story_bodies(tree, url))
    if _page_dump(body):
        body = None
    text = _body_text(body)
    if densest is not None and runs.coverage(densest, text) < MIN_COVERAGE:
        body = _with_densest(body, _trafilatura(_page_of([densest]), url), description)
        text = _body_text(body)
    if _text_prose(text) < MIN_PROSE_CHARS:
        body = max((body, _from_text(ld_body), _readability(html, url)), key=_prose)
        text = _body_text(body)
    rescued = _rescued(body, text, tree, description, ld_body, runs.page_prose)
    if rescued is not body:
        body, text = rescued, _body_text(rescued)
    if body is not None:
        if headline is not None:
            _put_back_lead(body, lead_blocks(headline, leads, text))
        _drop_headline(body, title, description)
        drop_inline_teasers(body)
        drop_tail(body)
        _restore_tables(body, tree)
    return Body(body if body is not None and has_text(body) else None, runs.page_prose)


def _restore_tables(body, tree):
    """Replace, in place, each table of body by a copy of the page's own innermost table with
    the same cells: trafilatura turns a caption into a row of empty cells and folds the header
    rows into the body."""
    tables = list(body.iter("table"))
    originals = [table for table in tree.iter("table") if table.find(".//table") is None] if tables else []
    by_cells = {_cells(original): original for original in reversed(originals)}
    for table in tables:
        original = by_cells.pop(_cells(table), None)
        if original is not None:
            copy = deepcopy(original)
            copy.tail = table.tail
            table.getparent().replace(table, copy)


def _cells(table):
    """The non-empty texts of a table's caption and cells (None when it has none)."""
    return frozenset(text for text in map(text_of, table.iter("caption", "th", "td")) if text) or None


def _with_densest(body, densest, description):
    """body corrected by the extraction of the page's densest block of prose.

    The body was a lead or teaser (it says what the description says, or without one it is
    sentences): the block is the rest of the story (paywall, "read more" and tab markup). Else
    the body was something beside the story (a sidebar, a list of funds or recipes): the block
    replaces it. A block that gives less prose than the body, or a page dump, changes nothing.
    """
    if densest is None or _page_dump(densest) or _prose(densest) < _prose(body):
        return body
    if body is None:
        return densest
    lead = (_words(description) and _says(element_text(body), description)) or \
        (_sentence_share(body) >= LEAD_SENTENCE_SHARE and link_density(body) < LEAD_LINK_SHARE)
    return _merge((body, densest)) if lead else densest


def _put_back_lead(body, lead):
    """Insert, at the top of body, one paragraph per lead block (reader.extract.lead)."""
    for el in reversed(lead):
        paragraph = etree.Element("p")
        paragraph.text = text_of(el)
        body.insert(0, paragraph)


def _drop_head(tree):
    """The metadata is read: the rest of the work needs no <head> (scripts, styles, JSON-LD),
    and trafilatura copies the whole page twice, so a smaller page costs less."""
    head = tree.find("head")
    if head is not None:
        tree.remove(head)


def _body_text(body):
    return element_text(body) if body is not None else ""


def _page_of(parts):
    """A small page holding deep copies of parts in one <article>."""
    page = lxml.html.Element("html")
    article = etree.SubElement(etree.SubElement(page, "body"), "article")
    for part in parts:
        article.append(deepcopy(part))
    return page


def _story_bodies(tree, url):
    """trafilatura's bodies of the story containers that the site rule names, each on a small
    page of its own (given them together, trafilatura keeps one); else of the page's story
    <article> alone; else of the whole page."""
    selector = site_rule(url).body
    parts = tree.xpath(selector) if selector else []
    if parts:
        return [_trafilatura(_page_of([part]), url) for part in parts]
    article = _story_article(tree)
    return [_trafilatura(tree, url) if article is None else _trafilatura_alone(article, url)]


def _story_article(tree):
    """The page's one <article> when it holds nearly all paragraphs, else None.

    trafilatura's cost grows with the page; handing it only the story's own container
    halves the time on the many templates that mark the story up this way.
    """
    articles = OUTER_ARTICLES(tree)
    if len(articles) != 1:
        return None
    inside, total = COUNT_PARAGRAPHS(articles[0]), COUNT_PAGE_PARAGRAPHS(tree)
    if inside >= MIN_ARTICLE_PARAGRAPHS and inside >= ARTICLE_PARAGRAPH_SHARE * total:
        return articles[0]
    return None


def _trafilatura_alone(part, url):
    """trafilatura's body of part, lent (not copied) to a small page of its own and put back
    where it was: trafilatura copies what it is given, a second copy would be wasted."""
    parent = part.getparent()
    index = parent.index(part)
    page = lxml.html.Element("html")
    etree.SubElement(etree.SubElement(page, "body"), "article").append(part)   # its tail goes along
    try:
        return _trafilatura(page, url)
    finally:
        parent.insert(index, part)


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
    document = bare_extraction(tree, options=FAST)
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


def _rescued(body, text, tree, description, ld_body, page_prose):
    """body, or trafilatura's full cascade's when body is doubtful and that one is trusted more.

    The fast extraction is kept when its confidence is RESCUE_BELOW or more (nearly every page);
    else trafilatura runs again with its readability and justext comparisons (the cost the fast
    mode spares), and the body with the higher confidence wins.
    """
    score = _trust(body, description, ld_body, page_prose, text)
    if score >= RESCUE_BELOW:
        return body
    document = bare_extraction(tree, options=FULL_CASCADE)
    other = None if document is None or document.body is None else convert_to_html(document.body).find("body")
    if other is not None and not _page_dump(other) and _trust(other, description, ld_body, page_prose) > score:
        return other
    return body


def _trust(body, description, ld_body, page_prose, text=None):
    if body is None:
        return 0.0
    return assess(_body_text(body) if text is None else text, link_share=link_density(body),
                  description=description, ld_body=ld_body, page_prose=page_prose).score


def _prose(body):
    """Characters of body text in prose-length lines."""
    return _text_prose(_body_text(body))


def _text_prose(text):
    return sum(len(line) for line in text.splitlines() if len(line) >= PROSE_LINE_CHARS)


def _drop_headline(body, title, description):
    """Drop the headline above the story and the labels above it; keep the standfirst.

    The reader's page shows the title itself, so a heading or short block at the top that
    shares most of its words with the title is the headline again; section labels, kickers and
    dates above it (short blocks, WordPress's category link) go with it. A standfirst set as a
    heading (it repeats the description) stays as the first paragraph: the page shows no
    description, so it would otherwise be lost.
    """
    lead = []
    for el in body:
        text = text_of(el)
        if el.tag not in HEADING_TAGS and len(text) >= LABEL_CHARS:
            break
        lead.append(el)
    repeats = [i for i, el in enumerate(lead) if _is_headline(text_of(el), title)]
    for el in lead[:repeats[-1] + 1] if repeats else ():
        remove(el)
    for el in lead[repeats[-1] + 1 if repeats else 0:]:
        if el.tag in HEADING_TAGS and _repeats(text_of(el), description):
            el.tag = "p"


def _sentence_share(body):
    """Share of body's text in lines that end a sentence."""
    lines = element_text(body).splitlines()
    total = sum(len(line) for line in lines)
    return sum(len(line) for line in lines if SENTENCE_END.search(line)) / total if total else 0.0


def _says(text, summary):
    """Most of summary's words are in text (a lead or teaser that the summary describes)."""
    wanted = _words(summary)
    return bool(wanted) and len(wanted & _words(text)) >= SAME_WORDS_SHARE * len(wanted)


def _is_headline(text, title):
    """text is the title again: most of the shorter one's words are in both, and text is not
    much longer than the title (a heading that holds the title's words among many more is a
    standfirst, not the headline)."""
    words, theirs = _words(text), _words(title)
    return bool(words and theirs) and len(words) <= HEADLINE_LENGTH_RATIO * len(theirs) and \
        len(words & theirs) >= SAME_WORDS_SHARE * min(len(words), len(theirs))


def _repeats(text, *others):
    """text says what one of others says: most of its words are that one's, or the reverse."""
    words = _words(text)
    return any(_overlap(words, _words(other)) for other in others)


def _overlap(words, theirs):
    """Most of the words of the shorter of two word sets are in both."""
    return bool(words and theirs) and len(words & theirs) >= SAME_WORDS_SHARE * min(len(words), len(theirs))


def _words(text):
    return {word for word in PUNCTUATION.sub(" ", text or "").lower().split() if len(word) > 1}


def captions(tree, base_url):
    """{absolute image URL: caption} for the captioned pictures of the original page."""
    found = {}
    for container in _caption_containers(tree):
        caption = next(iter(CAPTION_TEXT(container)), None)
        text = text_of(caption) if caption is not None else ""
        for img in container.iter("img") if text else ():
            src = absolute_url(image_source(img), base_url)
            if src:
                found.setdefault(src, text)
    return found


def _caption_containers(tree):
    """<figure>s and caption boxes, in page order (a walk: a third faster than the XPath)."""
    for el in tree.iter("figure", *CAPTION_BOX_TAGS):
        if el.tag == "figure" or CAPTION_BOX_CLASS in (el.get("class") or ""):
            yield el


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
