"""What one page may hold before extraction gives up on it (issue 12.10).

Hostile pages make the parser and the extractor work for minutes or take gigabytes: one tag with
200,000 attributes (libxml2 compares each new attribute with all the earlier ones), 100,000
paragraphs, 9 MB of text, 100,000 links. Each is counted before the costly step it would slow
down, against the source's Budget, and the page fails with one line (BudgetError) when it holds
more. The limits are settings (PAGE_MAX_*); real pages stay far below them (on the 652 pages of
both evaluation sets: at most 10,106 elements, 64 attributes on one element, 2,215 links and
94,000 characters of story).
"""
import re

from lxml import etree

# Only tags at least this long can hold more than a few hundred attributes; shorter ones are
# not looked at, so the check costs one regular-expression pass over the page.
LONG_TAG_CHARS = 4000
LONG_TAG = re.compile(r"<[a-zA-Z][^<>]{%d,}" % LONG_TAG_CHARS)
QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
ASSIGNMENT = re.compile(r"\s*=\s*")
COUNT_ELEMENTS = etree.XPath("count(//*)")
COUNT_LINKS = etree.XPath("count(//a)")


def check_source(html, budget):
    """Before parsing: no tag holds more attributes than the budget allows.

    Raises:
        BudgetError: a tag holds too many attributes.
    """
    for match in LONG_TAG.finditer(html):
        budget.check_count("attributes on one element", _attributes(match.group()))


def check_tree(tree, budget):
    """After parsing: the page holds no more elements and links than the budget allows.

    Raises:
        BudgetError: too many elements or links.
    """
    budget.check_count("page elements", int(COUNT_ELEMENTS(tree)))
    budget.check_count("page links", int(COUNT_LINKS(tree)))


def check_story(chars, budget):
    """Before normalising and sanitising: the story's text is not longer than the budget allows.

    Raises:
        BudgetError: too many characters.
    """
    budget.check_count("story characters", chars)


def _attributes(tag):
    """About how many attributes a tag's text names: its words once quoted values are gone."""
    return max(0, len(ASSIGNMENT.sub("=", QUOTED.sub("v", tag)).split()) - 1)
