"""Where the story sits on a page, measured by its prose runs.

A prose run is an element's own text (its text nodes: its text and its children's tails) of
RUN_CHARS or more characters; link text never is one. Runs are found with one XPath (EXSLT
str:concat joins an element's text nodes), so the cost is a C pass over the page, not a Python
walk over every element.

- `Runs.isolate()` narrows the page, in place, to the element holding REGION_SHARE of the runs,
  keeping lead pictures and standfirsts before it: sidebars, teaser rails and comment threads
  leave before the body extractor runs, and it runs on less.
- `Runs.densest()` is the element whose children hold the most runs (readability's candidate),
  and `Runs.coverage(text)` says how much of it a body holds: a body that holds little of it is a
  teaser or something beside the story.
"""
import itertools
import re

from lxml import etree

from ..dom import link_density

# A run is at least this long: a sentence or a caption, not a label or a menu entry.
RUN_CHARS = 40
# The story region holds this share of the page's runs. Found by descending from <body> while
# one child holds that share of its parent's. Measured on both evaluation sets (scrapinghub and
# the tuning half of trafilatura-dev): 0.9 drops sidebars, teaser rails and comment threads
# without losing story parts; 0.8 cut stories split across sibling containers.
REGION_SHARE = 0.9
# Blocks before the story region that hold a picture or a run of LEAD_RUN_CHARS+ and are
# mostly not links (the lead image, a standfirst, an intro above the body container) stay.
LEAD_RUN_CHARS = 80
LEAD_LINK_DENSITY = 0.5
# Class and id words of page parts beside the story, never the densest block of a story
# (readability's negative hints, narrowed to the parts that are prose: comments, bios, rails).
NOT_STORY_NAMES = re.compile(
    r"author|bio\b|comment|discuss|footer|profile|promo|rail|recommend|related|reply|sidebar|"
    r"teaser|widget", re.I)
PAGE_TAGS = frozenset(("body", "html"))
# Characters of a run matched against a body's text: enough to tell paragraphs apart, short
# enough to survive an extractor's changes inside a paragraph.
RUN_KEY_CHARS = 40
NO_PROSE = "self::a or self::script or self::style or self::template or self::noscript"


def _runs_xpath(axis, chars):
    """XPath: the elements on axis whose own text, whitespace collapsed, is chars or longer.

    The predicates go from cheap to dear: the raw length first (it is never shorter than the
    collapsed one) leaves a seventh of the elements for the five name tests of NO_PROSE, which
    libxml2 makes a node-set for each; a third less time than the tests in the other order.
    """
    return etree.XPath(
        f"{axis}::*[string-length(str:concat(text())) >= {chars}][not({NO_PROSE})]"
        f"[string-length(normalize-space(str:concat(text()))) >= {chars}]",
        namespaces={"str": "http://exslt.org/strings"})


RUNS_XPATH = _runs_xpath("/descendant::body/descendant", RUN_CHARS)
LEAD_RUN_XPATH = _runs_xpath("descendant-or-self", LEAD_RUN_CHARS)


class Runs:
    """The prose runs of a parsed page."""

    def __init__(self, tree):
        self.body = tree.find("body")
        self.runs = [(el, len(own_text(el))) for el in RUNS_XPATH(tree)]
        self.page_prose = sum(size for _, size in self.runs)   # before isolate()

    def elements(self):
        """The elements that hold a run, in page order."""
        return [el for el, _ in self.runs]

    def isolate(self):
        """Remove, in place, what lies outside the story region (lead-like blocks before it stay)."""
        node, gone = self._region(), set()
        while node is not None and node is not self.body:
            parent, before = node.getparent(), True
            for sibling in list(parent):
                if sibling is node:
                    before = False
                elif isinstance(sibling.tag, str) and not (before and lead_like(sibling)):
                    parent.remove(sibling)
                    gone.add(sibling)
            node = parent
        if gone:
            self.runs = [(el, size) for el, size in self.runs if gone.isdisjoint(el.iterancestors())]

    def _region(self):
        weights = {}
        for el, size in self.runs:
            for node in itertools.chain((el,), el.iterancestors()):
                weights[node] = weights.get(node, 0) + size
                if node is self.body:
                    break
        node = self.body
        while node is not None:
            heaviest = max((child for child in node if child in weights), key=weights.get, default=None)
            if heaviest is None or weights[heaviest] < REGION_SHARE * weights[node]:
                return node
            node = heaviest
        return None

    def densest(self):
        """The element whose children hold the most runs, or None; not one named as comments,
        a bio or a rail (NOT_STORY_NAMES)."""
        weights = {}
        for el, size in self.runs:
            parent = el.getparent()
            if parent is not None:
                weights[parent] = weights.get(parent, 0) + size
        candidates = sorted(weights, key=weights.get, reverse=True)
        return next((el for el in candidates if not _not_story(el)), None)

    def coverage(self, block, text):
        """Share of the runs inside block (by characters) whose opening words are in text."""
        inside = [(el, size) for el, size in self.runs if el is block or block in el.iterancestors()]
        total = sum(size for _, size in inside)
        if not total:
            return 1.0
        text = " ".join(text.split())
        return sum(size for el, size in inside if run_key(el) in text) / total


def own_text(el):
    """el's own text (its text and its children's tails), stripped."""
    return ((el.text or "") + "".join(child.tail or "" for child in el)).strip()


def lead_like(el):
    """el is a lead picture, or holds a run of LEAD_RUN_CHARS+ (a standfirst, an intro), and is
    mostly not links."""
    lead = el.tag == "img" or el.find(".//img") is not None or bool(LEAD_RUN_XPATH(el))
    return lead and link_density(el) < LEAD_LINK_DENSITY


def _not_story(el):
    """el or an ancestor is named as something beside the story (comments, a bio, a rail).

    <body> and <html> are not looked at: their names describe the whole page (WordPress themes
    set "no-sidebar" or "comments-open" there), not a part of it.
    """
    return any(NOT_STORY_NAMES.search(f'{node.get("class") or ""} {node.get("id") or ""}')
               for node in itertools.chain((el,), el.iterancestors()) if node.tag not in PAGE_TAGS)


def run_key(el):
    """The opening of el's longest own text piece, whitespace collapsed."""
    pieces = [el.text or ""] + [child.tail or "" for child in el]
    return " ".join(max(pieces, key=len).split())[:RUN_KEY_CHARS]

