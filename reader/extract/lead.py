"""The lead: prose set apart between the page's header and the story's body, that the body
extractor left out.

Templates set the story's opening paragraph apart from the body (an intro, an excerpt, "teaser"
text in its own box above the body's container), and extractors read such names as page chrome,
losing the paragraph that says what the story is about. Between the headline and the body a page
holds little else that is prose: a byline, a date and a picture are short or not text. So the
prose blocks found there, when few and mostly not links, are put back at the top of the body.

The summary printed in the header beside the headline is not taken: it is the page's description
(Article.description), and the benchmark that grades whole bodies (scrapinghub) does not count it
as story text. Measured: trafilatura-dev 0.931 -> 0.937 (16 more must-have snippets found, no
more chrome), scrapinghub 0.976 -> 0.976 (0.9763 -> 0.9755: leads that set is graded without);
taking the header's summary too gave trafilatura-dev 0.938 but scrapinghub 0.972.
"""
import bisect
import itertools
import re

from lxml import etree

from ..dom import link_density, text_of
from .region import run_key

# A lead block holds a run of at least this many characters: a sentence or two, not a byline,
# a date or a label.
LEAD_CHARS = 80
# More prose blocks than this between the headline and the body are not a lead (a list of
# teasers, a table of contents above the story): then none is taken.
MAX_LEAD_BLOCKS = 2
# Prose blocks looked at before the body's start is found (a header, captions, the lead).
MAX_BEFORE_START = 8
MAX_LINK_DENSITY = 0.3
# Not a lead: text in links, lists and figures, and form parts (labels, comment fields).
NOT_LEAD_TAGS = ("a", "button", "figure", "label", "li", "select", "textarea")
# A lead is one block: an element holding blocks is a container (or markup left open).
BLOCK_TAGS = ("article", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ol", "p", "section", "table", "ul")
# The element's own text, whitespace collapsed (as the prose runs measure it), is long enough.
LEAD_LENGTH = etree.XPath(f"string-length(normalize-space(str:concat(text()))) >= {LEAD_CHARS}",
                          namespaces={"str": "http://exslt.org/strings"})
# lead_blocks reads no more candidates than this (the body's start among MAX_BEFORE_START + 1).
MAX_CANDIDATES = MAX_BEFORE_START + 2
# Class and id words of boxes whose prose is not the story's opening: picture captions and
# credits, sign-up and subscription boxes, comments, bios and rails.
NOT_LEAD_NAMES = re.compile(r"author|bio\b|caption|comment|credit|image|media|messenger|newsletter|"
                            r"photo|promo|rail|recommend|related|sidebar|sign-?up|subscri|video|"
                            r"widget", re.I)
# Those names count on the block and this many of its ancestors (a page's outer wrappers carry
# words like "media" for the whole site).
NAMED_LEVELS = 3


def after_headline(tree, same_as_title, runs):
    """(headline, the first prose blocks that follow it in page order), or (None, []).

    Read before the page is narrowed to the story: the headline may sit outside the region.
    same_as_title(text) says whether a heading's text is the story's title; runs lists the
    page's prose runs in page order (region.Runs), which hold every block a lead can be. The
    first run after the headline is found by bisection, and the search stops after the
    MAX_CANDIDATES that lead_blocks may read: a query for all the blocks after the headline went
    on to the end of the page, and cost as much as finding the runs.
    """
    headline = next((h for h in tree.iter("h1", "h2") if same_as_title(text_of(h))), None)
    if headline is None:
        return None, []
    after = bisect.bisect_right(runs, _page_position(headline), key=_page_position)
    found = (el for el in itertools.islice(runs, after, None)
             if headline not in el.iterancestors() and _may_lead(el))
    return headline, list(itertools.islice(found, MAX_CANDIDATES))


def _may_lead(el):
    """A prose run may be a lead block: LEAD_CHARS or more of its own text, outside links, lists,
    figures and form parts, and holding no block. The tests run from cheap to dear: the raw
    length of the text (never shorter than the collapsed one) first, the XPath last."""
    own_chars = len(el.text or "") + sum(len(child.tail or "") for child in el)
    return own_chars >= LEAD_CHARS and el.tag not in NOT_LEAD_TAGS and \
        next(el.iterancestors(*NOT_LEAD_TAGS), None) is None and \
        next(el.iterdescendants(*BLOCK_TAGS), None) is None and LEAD_LENGTH(el)


def _page_position(el):
    """el's place in page order: the child indexes from the root down (an ancestor's is a prefix
    of its descendants', so it sorts before them, as in XPath's document order)."""
    position = []
    for parent in el.iterancestors():
        position.append(parent.index(el))
        el = parent
    position.reverse()
    return position


def lead_blocks(headline, candidates, body_text):
    """The candidates between the header and the body's first block that body_text lacks.

    [] when the body's start is not among the candidates, or when more than MAX_LEAD_BLOCKS
    blocks are found, or when one of them is mostly links.
    """
    text = " ".join(body_text.split())
    before, start = [], None
    for el in candidates:
        if run_key(el) in text:
            start = el
            break
        before.append(el)
        if len(before) > MAX_BEFORE_START:
            return []
    if start is None:
        return []
    header = _header(headline, start)
    lead, seen = [], set()
    for el in before:
        words = text_of(el)
        if words in text or words in seen or header in el.iterancestors() or _not_lead(el):
            continue
        seen.add(words)
        lead.append(el)
    if len(lead) > MAX_LEAD_BLOCKS or any(link_density(el) > MAX_LINK_DENSITY for el in lead):
        return []
    return lead


def _header(headline, start):
    """The largest block holding the headline but not the body's start (the page header)."""
    holding_start = set(start.iterancestors())
    block = headline
    for parent in headline.iterancestors():
        if parent in holding_start:
            break
        block = parent
    return block


def _not_lead(el):
    for node in (el, *itertools.islice(el.iterancestors(), NAMED_LEVELS)):
        if NOT_LEAD_NAMES.search(f'{node.get("class") or ""} {node.get("id") or ""}'):
            return True
    return False
