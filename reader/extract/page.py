"""Page source -> parsed tree: decoded, checked for being HTML at all, cleaned, parsed once."""
import re

import lxml.html
from lxml import etree

from ..dom import remove
from ..errors import StageError
from ..text import clean_text, element_text

# Comments are dropped at parse time: React's "<!-- -->" text separators otherwise make
# trafilatura lose the text that follows them (measured: -0.004 F1 on the benchmark).
# Nothing looks elements up by id: no table of them is built (a twentieth of the parse).
PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
# Every element an lxml.html parser hands out goes through a lookup written in Python (to give
# <form> and <input> their own classes), once per element touched: a million calls over the
# 471 pages of trafilatura-dev. Nothing here uses those classes; this lookup runs in C.
PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# A page is binary, not HTML, when this share of its first SNIFF_CHARS characters are
# control characters or U+FFFD (decoding damage); real pages have well under 1%.
SNIFF_CHARS = 4096
MAX_BINARY_SHARE = 0.05
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\ufffd]")
BINARY_SIGNATURES = ("%PDF-", "\x89PNG", "GIF8", "PK\x03\x04", "\xff\xd8\xff")
HAS_TAG = re.compile(r"<\s*[a-zA-Z!]")
INVISIBLE_XPATH = etree.XPath("//head | //script | //style | //noscript | //template")
# The whole page's text is kept to compare with the extraction; a longer page is cut here.
MAX_PAGE_TEXT = 200_000


class ExtractError(StageError):
    """The page holds no article we can read."""


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
    # NFC is left to the extracted fields (reader.story, extract.article): a fraction of the text
    return clean_text(XML_DECLARATION.sub("", html, count=1), nfc=False)


def parse(source, url):
    """The cleaned page source (page_source) as an lxml.html document.

    Raises:
        ExtractError: the page is not HTML.
    """
    try:
        tree = lxml.html.document_fromstring(source, parser=PARSER)
    except (etree.ParserError, ValueError) as error:
        raise ExtractError(url, f"not HTML ({error})") from None
    if tree is None or tree.find("body") is None:
        raise ExtractError(url, "not HTML (no body)")
    return tree


def visible_text(html, url):
    """The text a reader sees on the whole page, one block per line (at most MAX_PAGE_TEXT
    characters): what an editor compares an extraction with.

    Raises:
        ExtractError: the page is empty or not HTML.
    """
    tree = parse(page_source(html, url), url)
    for el in INVISIBLE_XPATH(tree):
        remove(el)
    return clean_text(element_text(tree.find("body"))[:MAX_PAGE_TEXT])


def _check_html(html, url):
    head = html.lstrip()[:SNIFF_CHARS]
    if head.startswith(BINARY_SIGNATURES) or \
            len(CONTROL_CHARS.findall(head)) > MAX_BINARY_SHARE * len(head):
        raise ExtractError(url, "not HTML (binary content)")
    if not HAS_TAG.search(head):
        raise ExtractError(url, "not HTML (no markup)")
