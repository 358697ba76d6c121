"""Article HTML -> the small mobile vocabulary.

The output uses only the vocabulary (reader.vocabulary), no ids or styles, absolute links, and
images with alt, width, height and loading=lazy. Chrome that extractors tend to
leave behind (share bars, "Exit mobile version", newsletter boxes, link lists) is dropped.
The sanitiser still runs afterwards: this module shapes, `sanitize` guarantees.
Works on plain lxml.etree elements too (trafilatura's output), so no lxml.html-only methods.
"""
import re
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from .dom import absolute_url, has_text, image_source, link_density, remove, text_of, unwrap
from .vocabulary import TABLE_BOX, TAGS, URL_SCHEMES

# Whole subtrees that never belong in a story body.
DROP_TAGS = frozenset(
    "aside audio button canvas embed footer form head header iframe input link map menu meta nav "
    "noscript object option script select style svg template textarea title video".split()
)
RENAME_TAGS = {
    "article": "div", "cite": "i", "dd": "p", "del": None, "dfn": "i", "dt": "p", "h1": "h2",
    "h5": "h4", "h6": "h4", "ins": None, "kbd": "code", "mark": None, "s": None, "samp": "code",
    "small": None, "strike": None, "tfoot": "tbody", "tt": "code", "u": None, "var": "i",
}
BLOCK_TAGS = frozenset("blockquote figure h2 h3 h4 ol p pre table ul".split())
FIGURE_PARENTS = frozenset(("blockquote", "li", "td", "th"))
# Paragraph-sized chrome that survives extraction; matched against whole short blocks.
CHROME_TEXT = re.compile(
    r"^\W*(exit mobile version|share( this)?( article| story| post)?( on \w+)?|"
    r"(read|see) (also|more)(:.*)?|related( posts| articles| stories| coverage)?|advertisement|advert|"
    r"sign up for (our|the) newsletter.*|subscribe( to our newsletter)?|follow us( on .*)?|"
    r"accept( all)? cookies|we use cookies.*|print( this)?( article)?|tweet|email|comments?|"
    r"leave a (reply|comment)|click here to (subscribe|share).*|order reprints|"
    r"(like|enjoy(ed)?) this (story|article)\W+share it.*|thanks? (you )?for signing up.*|"
    r"there was an error processing your subscription.*|keep an eye on your inbox.*|"
    # teaser-block lead-ins; the link-only blocks after them go too (_drop_chrome)
    r"(you (may|might) (also )?like|don'?t miss|most (popular|read)( in .*)?|"
    r"(top|latest|more|popular|trending) (stories|news|articles)|more from .{1,40})|"
    # reprint, copyright and e-mail-this-story boxes (Dow Jones and other syndication templates)
    r"this copy is for your personal,? non-commercial use only.*|(copyright )?© ?.*|"
    r"an error has occurred.*|this article has been sent to.*|"
    r"thank you|write to \w.* at \S+@\S+|have a tip\?.*|get the latest updates.*inbox.*|"
    r"tell us what you think.*|\w+ [^\]]*\].*\[/\w+|"
    r"мобильная версия|поделиться|читайте также|реклама)\W*$",
    re.I,
)
# After a teaser lead-in ("Don't miss", "You may also like"), following blocks with at least
# this share of link text, or at most TEASER_TAG_CHARS characters ("[VIDEO]"), are its teasers.
TEASER_LINK_DENSITY = 0.5
TEASER_TAG_CHARS = 12
ICON_HINT = re.compile(r"(^|[/_.-])(icon|favicon|logo|sprite|avatar|pixel|spacer|blank|badge|emoji)", re.I)
MAX_CHROME_CHARS = 120
# A list is a link list (menu, "more stories") when at least LINK_LIST_MIN_ITEMS items are
# nearly all link text; 0.8 keeps story lists that merely cite sources in some items.
# Calibrated on the scrapinghub set: menus and teaser lists score 0.95-1.0, story lists < 0.6.
LINK_LIST_DENSITY = 0.8
LINK_LIST_MIN_ITEMS = 3
# Below this width (px) an image is an icon or tracking pixel, not a picture.
MIN_IMAGE_WIDTH = 48
DIMENSION = re.compile(r"\s*(\d{1,5})(px)?\s*$")


def normalize(html: str, base_url: str, *, captions: dict | None = None, sizes: dict | None = None) -> str:
    """Reshape an article body into the mobile vocabulary.

    Args:
        html: the article body as an HTML fragment (or a whole page).
        base_url: the page URL; relative links and image sources resolve against it.
        captions: optional {absolute image URL: caption} to wrap bare images in figures.
        sizes: optional {absolute image URL: (width, height)} for images that lost theirs.

    Returns:
        The normalised HTML as a string (may be empty).
    """
    if not html or not html.strip():
        return ""
    return normalize_element(_parse(html), base_url, captions=captions, sizes=sizes)


def normalize_element(root, base_url, *, captions=None, sizes=None):
    """Like normalize, for a parsed element (changed in place); returns the HTML string."""
    _walk(root, base_url, sizes or {})
    _figures(root, captions or {})
    _drop_chrome(root, base_url)
    _drop_link_lists(root)
    _drop_empty(root)
    return _serialize(root)


def _parse(html):
    try:
        doc = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return lxml.html.fragment_fromstring("<div></div>")
    body = doc.find("body")
    return body if body is not None else doc


def _walk(el, base_url, sizes):
    for child in list(el):
        if not isinstance(child.tag, str):  # comment or processing instruction
            remove(child)
            continue
        tag = child.tag.lower()
        if tag in DROP_TAGS or _hidden(child):
            remove(child)
            continue
        _walk(child, base_url, sizes)
        tag = RENAME_TAGS.get(tag, tag)
        if tag == "img":
            _image(child, base_url, sizes)
        elif tag == "a":
            _link(child, base_url)
        elif tag in TAGS:
            _strip_attributes(child, keep=("colspan", "rowspan") if tag in ("td", "th") else ())
            child.tag = tag
        else:
            unwrap(child)


def _hidden(el):
    style = (el.get("style") or "").replace(" ", "").lower()
    return el.get("hidden") is not None or el.get("aria-hidden") == "true" or "display:none" in style


def _strip_attributes(el, keep=()):
    if not keep:
        el.attrib.clear()
        return
    for name in list(el.attrib):
        if name not in keep:
            del el.attrib[name]


def _link(el, base_url):
    href = absolute_url(el.get("href"), base_url)
    _strip_attributes(el)
    el.tag = "a"
    if href is None:
        unwrap(el)
    else:
        el.set("href", href)


def _image(el, base_url, sizes):
    # A page read from a local file keeps its local images (ingest copies them into media).
    schemes = URL_SCHEMES | {"file"} if base_url.startswith("file:") else URL_SCHEMES
    src = absolute_url(image_source(el), base_url, schemes)
    width, height = sizes.get(src, (el.get("width"), el.get("height")))
    width, height = _dimension(width), _dimension(height)
    alt = " ".join((el.get("alt") or "").split())
    _strip_attributes(el)
    if src is None or ICON_HINT.search(urlsplit(src).path) or (width and width < MIN_IMAGE_WIDTH):
        remove(el)
        return
    el.tag = "img"
    el.set("src", src)
    el.set("alt", alt)
    if width and height:
        el.set("width", str(width))
        el.set("height", str(height))
    el.set("loading", "lazy")


def _dimension(value):
    match = DIMENSION.match(value or "")
    return int(match.group(1)) if match else None


def _figures(root, captions):
    """Give every image a figure, with its caption where the page had one."""
    for img in list(root.iter("img")):
        parent = img.getparent()
        if parent is not None and parent.tag == "figure":
            figure = parent
        else:
            figure = _wrap_in_figure(img, root)
        caption = captions.get(img.get("src"))
        if caption and figure.find("figcaption") is None:
            etree.SubElement(figure, "figcaption").text = caption
            _drop_repeated_caption(figure, caption)
    for figure in list(root.iter("figure")):
        if figure.find(".//img") is None:
            figure.tag = "p" if text_of(figure) else figure.tag


def _wrap_in_figure(img, root):
    figure = etree.Element("figure")
    anchor = _block_ancestor(img, root)
    if anchor is img:
        img.addprevious(figure)
        figure.tail, img.tail = img.tail, None
    else:  # a figure may not sit inside a paragraph: put it after the block
        remove(img)
        img.tail = None
        anchor.addnext(figure)
        figure.tail, anchor.tail = anchor.tail, None
    figure.append(img)
    return figure


def _drop_repeated_caption(figure, caption):
    """Extractors often keep the caption as a paragraph beside the image: drop that copy."""
    wanted = " ".join(caption.split())
    for sibling in (figure.getnext(), figure.getprevious()):
        if sibling is not None and sibling.tag in ("p", "div") and text_of(sibling) == wanted:
            remove(sibling)
            return


def _block_ancestor(el, root):
    """el itself if it may hold a figure in place, else the block to place one after."""
    node = el
    while node.getparent() is not None and node.getparent() is not root \
            and node.getparent().tag not in FIGURE_PARENTS:
        node = node.getparent()
    return node


def _drop_chrome(root, base_url):
    # print and e-mail templates spell out the page's own address as a line of its own
    own_url = base_url.split("#")[0].rstrip("/")
    for el in list(root.iter("p", "li", "h2", "h3", "h4", "blockquote")):
        text = text_of(el)
        if text.rstrip("/") == own_url:
            remove(el)
        elif text and len(text) <= MAX_CHROME_CHARS and CHROME_TEXT.match(text):
            _drop_teasers_after(el)
            remove(el)


def _drop_teasers_after(el):
    """Remove the run of link-only blocks that follows a chrome lead-in."""
    node = el.getnext()
    while node is not None and node.tag in BLOCK_TAGS and node.tag != "figure":
        text = text_of(node)
        if not text or not (len(text) <= TEASER_TAG_CHARS or link_density(node) >= TEASER_LINK_DENSITY):
            return
        node, doomed = node.getnext(), node
        remove(doomed)


def _drop_link_lists(root):
    for el in list(root.iter("ul", "ol")):
        items = el.findall("li")
        if len(items) >= LINK_LIST_MIN_ITEMS and link_density(el) >= LINK_LIST_DENSITY:
            remove(el)


def _drop_empty(root):
    for el in reversed(list(root.iter())):
        if el is root or el.tag in ("img", "br", "td", "th"):
            continue
        if not has_text(el) and el.find(".//img") is None:
            remove(el)


def _serialize(root):
    parts = [] if not (root.text and root.text.strip()) else [f"<p>{_escape(root.text.strip())}</p>"]
    for child in root:
        html = etree.tostring(child, encoding="unicode", method="html", with_tail=False)
        if child.tag == "table":
            html = f'<div class="{TABLE_BOX}">{html}</div>'
        parts.append(html if child.tag in BLOCK_TAGS else f"<p>{html}</p>")
        if child.tail and child.tail.strip():
            parts.append(f"<p>{_escape(child.tail.strip())}</p>")
    return "\n".join(parts)


def _escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
