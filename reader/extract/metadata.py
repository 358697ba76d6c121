"""Page tree -> metadata: JSON-LD first, then OpenGraph and meta tags, then the HTML itself.

Publishers disagree with themselves (a JSON-LD headline and an og:title that differ by a site
suffix); the order here is the order of trust: structured data, social tags, markup.
"""
import html
import itertools
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from lxml import etree

from ..urls import same_site, web_url

log = logging.getLogger(__name__)

# schema.org types that describe a story (https://schema.org/Article and its subtypes).
ARTICLE_TYPES = frozenset(
    "AdvertiserContentArticle AnalysisNewsArticle Article AskPublicNewsArticle BackgroundNewsArticle "
    "BlogPosting LiveBlogPosting NewsArticle OpinionNewsArticle Report ReportageNewsArticle "
    "ReviewNewsArticle SatiricalArticle ScholarlyArticle SocialMediaPosting TechArticle "
    "WebPage".split()
)
# Containers whose members are walked for typed objects.
LD_NESTING_KEYS = ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement")
# Deeper than this, nothing in a JSON-LD document describes the page's story (real documents
# nest a handful of levels: a @graph, a list, an object).
LD_MAX_DEPTH = 32
# First meta tag present wins; keys are <meta property|name|itemprop> values, lower-cased.
META_FIELDS = {
    "title": ("og:title", "twitter:title", "parsely-title", "dc.title", "headline"),
    "byline": ("author", "article:author", "parsely-author", "dc.creator", "byl", "sailthru.author"),
    "published": ("article:published_time", "datepublished", "parsely-pub-date", "pubdate",
                  "publishdate", "date", "dc.date", "dc.date.issued", "sailthru.date", "og:published_time"),
    "modified": ("article:modified_time", "og:updated_time", "datemodified", "last-modified",
                 "dc.date.modified"),
    "site_name": ("og:site_name", "application-name", "twitter:site"),
    "description": ("og:description", "description", "twitter:description", "dc.description"),
    "section": ("article:section", "parsely-section", "section", "category"),
    "image": ("og:image:secure_url", "og:image", "og:image:url", "twitter:image", "twitter:image:src"),
    "image_alt": ("og:image:alt", "twitter:image:alt"),
    "url": ("og:url", "twitter:url"),
    "lang": ("og:locale", "content-language", "language", "dc.language"),
}
TAG_META = ("article:tag", "keywords", "news_keywords", "parsely-tags")
# Byline candidates, in order of trust: an author's itemprop name, the author itemprop, a
# rel=author link, class byline, class author. One pass over the page finds them all: a walk
# in Python, half the time of the XPath with the same tests (libxml2 copies the class attribute
# for each contains()).
BYLINE_ITEMPROPS = ("author", "name")
BYLINE_CLASS = re.compile("author|byline")
# Primary language subtags written right to left (ISO 639-1/-3 codes).
RTL_LANGUAGES = frozenset("ar arc ckb dv fa he iw ps sd syr ug ur yi".split())
BYLINE_PREFIX = re.compile(r"^\s*(by|von|par|por|di|door|av)\s+", re.I)
TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·»]\s+")
MAX_BYLINE_CHARS = 100


@dataclass
class Metadata:
    title: str = ""
    byline: str = ""
    published: datetime | None = None
    modified: datetime | None = None
    site_name: str = ""
    description: str = ""
    section: str = ""
    tags: list = field(default_factory=list)
    url: str = ""
    lang: str = ""
    dir: str = "ltr"
    image: str = ""
    image_alt: str = ""
    body_text: str = ""      # JSON-LD articleBody, a fallback for the body


def extract_metadata(tree, url, site_url=None):
    """Read the metadata of a parsed page.

    Args:
        tree: the page as an lxml.html document (not modified).
        url: the page URL, used to resolve relative URLs.
        site_url: the public address of the site when the page is served from elsewhere (the
            demo's loopback server): canonical URLs on that site are trusted too.

    Returns:
        A Metadata; fields the page does not name are left empty.
    """
    ld = _json_ld_article(tree)
    meta = _meta_tags(tree)
    found = Metadata()
    found.title = _clean(_ld_text(ld.get("headline") or ld.get("name")) or _first(meta, "title")
                         or _html_title(tree))
    found.byline = _ld_names(ld.get("author")) or _first(meta, "byline") or _html_byline(tree)
    found.byline = _clean_byline(found.byline)
    found.published = parse_datetime(ld.get("datePublished")) or parse_datetime(_first(meta, "published")) \
        or _html_time(tree)
    found.modified = parse_datetime(ld.get("dateModified")) or parse_datetime(_first(meta, "modified"))
    found.site_name = _clean(_ld_names(ld.get("publisher")) or _first(meta, "site_name"))
    found.title = _strip_site_name(found.title, found.site_name)
    found.description = _clean(_ld_text(ld.get("description")) or _first(meta, "description"))
    found.section = _clean(_ld_text(ld.get("articleSection")) or _first(meta, "section"))
    found.tags = _tags(ld.get("keywords"), meta)
    found.url = _canonical(tree, meta, ld, url, site_url)
    found.lang = _language(tree, ld, meta)
    found.dir = _direction(tree, found.lang)
    found.image = _image_url(_absolute(_ld_image(ld.get("image")) or _first(meta, "image"), url), url)
    found.image_alt = _clean(_first(meta, "image_alt"))
    found.body_text = ld.get("articleBody") if isinstance(ld.get("articleBody"), str) else ""
    return found


# --- JSON-LD -------------------------------------------------------------------------------

def _json_ld_article(tree):
    """The first story-typed JSON-LD object on the page, or {}."""
    fallback = {}
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        for obj in _walk_ld(_load_json(script.text)):
            types = obj.get("@type")
            types = {types} if isinstance(types, str) else \
                {t for t in types if isinstance(t, str)} if isinstance(types, list) else set()
            if types & ARTICLE_TYPES - {"WebPage"}:
                return obj
            if "WebPage" in types and not fallback:
                fallback = obj
    return fallback


def _load_json(text):
    text = (text or "").strip().removeprefix("<!--").removesuffix("-->").strip()
    try:
        return json.loads(text, strict=False)
    except ValueError:
        return None
    except RecursionError:  # the C parser counts nesting against the interpreter's limit
        log.info("JSON-LD nested too deeply: ignored")
        return None


def _walk_ld(document):
    """Every dict in a JSON-LD document, outer first, through lists and @graph, to LD_MAX_DEPTH.

    Iterative: a document nested thousands of levels deep must not exhaust the call stack.
    """
    stack = [(document, 0)]
    while stack:
        obj, depth = stack.pop()
        if depth > LD_MAX_DEPTH:
            continue
        if isinstance(obj, list):
            stack.extend((item, depth + 1) for item in reversed(obj))
        elif isinstance(obj, dict):
            yield obj
            nested = [obj[key] for key in LD_NESTING_KEYS if isinstance(obj.get(key), (list, dict))]
            stack.extend((value, depth + 1) for value in reversed(nested))


LD_TEXT_KEYS = ("@value", "name")
LD_IMAGE_KEYS = ("url", "contentUrl")


def _ld_value(value, keys):
    """A JSON-LD value as a string: the first of a list, and from an object its first given key."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = next((value[key] for key in keys if value.get(key)), "")
    return value if isinstance(value, str) else ""


def _ld_text(value):
    return _ld_value(value, LD_TEXT_KEYS)


def _ld_names(value):
    """'A, B' from an author/publisher that is a string, an object or a list of either."""
    values = value if isinstance(value, list) else [value]
    names = [_clean(_ld_text(item)) for item in values]
    return ", ".join(dict.fromkeys(name for name in names if name))


def _ld_image(value):
    return _ld_value(value, LD_IMAGE_KEYS)


# --- meta tags and markup ------------------------------------------------------------------

def _meta_tags(tree):
    """{lower-cased property/name/itemprop: [content, ...]} of the page's meta tags."""
    found = {}
    for el in tree.iterfind(".//meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
        content = el.get("content")
        if key and content and content.strip():
            found.setdefault(key.strip().lower(), []).append(content.strip())
    return found


def _first(meta, name):
    for key in META_FIELDS[name]:
        if key in meta:
            return meta[key][0]
    return ""


def _tags(keywords, meta):
    if isinstance(keywords, str):
        keywords = keywords.split(",")
    tags = [k for k in keywords or () if isinstance(k, str)]
    if not tags:
        for key in TAG_META:
            for value in meta.get(key, ()):
                tags.extend(value.split(",") if key != "article:tag" else [value])
            if tags:
                break
    return list(dict.fromkeys(_clean(tag) for tag in tags if _clean(tag)))


def _html_title(tree):
    h1 = tree.find(".//h1")
    if h1 is not None and h1.text_content().strip():
        return h1.text_content()
    title = tree.findtext(".//title") or ""
    return TITLE_SEPARATORS.split(title.strip())[0] if title.strip() else ""


def _strip_site_name(title, site_name):
    """'Story - Site' -> 'Story' when the suffix (or prefix) is the site's name."""
    parts = TITLE_SEPARATORS.split(title)
    if len(parts) > 1 and site_name:
        site = site_name.lower()
        if parts[-1].lower() == site:
            return title[: title.lower().rindex(parts[-1].lower())].rstrip(" |-–—:·»")
        if parts[0].lower() == site:
            return title[len(parts[0]):].lstrip(" |-–—:·»")
    return title


def _html_byline(tree):
    ranked = sorted((rank, n, el) for n, el in enumerate(_byline_candidates(tree))
                    if (rank := _byline_rank(el)) is not None)
    for _, _, el in ranked:
        text = _clean(el.text_content())
        if text and len(text) <= MAX_BYLINE_CHARS:
            return text
    return ""


def _byline_candidates(tree):
    """The elements of tree, in page order, that may hold the byline (to rank by _byline_rank)."""
    for el in tree.iter(etree.Element):
        classes = el.get("class")
        if classes and BYLINE_CLASS.search(classes) or \
                el.get("itemprop") in BYLINE_ITEMPROPS or (el.tag == "a" and el.get("rel") == "author"):
            yield el


def _byline_rank(el):
    """0-4, the trust order of the byline candidates, or None for an element that is none of them."""
    if el.get("itemprop") == "name":
        return 0 if any(a.get("itemprop") == "author" for a in el.iterancestors()) else None
    if el.get("itemprop") == "author":
        return 1
    if el.tag == "a" and el.get("rel") == "author":
        return 2
    classes = (el.get("class") or "").split()
    return 3 if "byline" in classes else 4 if "author" in classes else None


def _clean_byline(text):
    text = BYLINE_PREFIX.sub("", _clean(text))
    return "" if text.startswith(("http://", "https://")) else text


def _html_time(tree):
    """The first readable <time datetime> inside an <article>, else on the page, or None."""
    times = [el for el in tree.iter("time") if el.get("datetime") is not None]
    in_article = [el for el in times if next(el.iterancestors("article"), None) is not None]
    for el in itertools.chain(in_article, times):
        when = parse_datetime(el.get("datetime"))
        if when:
            return when
    return None


def _canonical(tree, meta, ld, url, site_url=None):
    """The first canonical link, og:url or JSON-LD url that is http(s) and on the same site as
    url (the page's address after redirects) or site_url, else url: a page speaks for its own
    site only."""
    links = [link.get("href") for link in tree.iterfind(".//link[@rel]")
             if "canonical" in link.get("rel").lower().split()]
    candidates = [*links, *(value for key in META_FIELDS["url"] for value in meta.get(key, ())),
                  ld.get("url") if isinstance(ld.get("url"), str) else ""]
    for candidate in candidates:
        candidate = web_url(_absolute(candidate, url))
        if candidate and (same_site(candidate, url) or same_site(candidate, site_url)):
            return candidate
    return url


def _image_url(image, page_url):
    """image when http(s) (or file: for a page read from a local file, whose images ingest copies)."""
    if page_url.startswith("file:") and image.startswith("file:"):
        return image
    return web_url(image)


def _language(tree, ld, meta):
    root = tree.getroottree().getroot()
    value = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") \
        or _ld_text(ld.get("inLanguage")) or _first(meta, "lang")
    return bcp47(value)


def bcp47(value):
    """'en_us' -> 'en-US', 'zh-hant-tw' -> 'zh-Hant-TW'; '' when not a language tag."""
    parts = [p for p in re.split(r"[-_]", (value or "").strip()) if p]
    if not parts or not re.fullmatch(r"[A-Za-z]{2,3}", parts[0]):
        return ""
    out = [parts[0].lower()]
    for part in parts[1:]:
        if not part.isalnum():
            break
        out.append(part.title() if len(part) == 4 and part.isalpha() else
                   part.upper() if len(part) == 2 else part.lower())
    return "-".join(out)


def _direction(tree, lang):
    root = tree.getroottree().getroot()
    body = root.find("body")
    for el in (root, body):
        if el is not None and (el.get("dir") or "").lower() in ("rtl", "ltr"):
            return el.get("dir").lower()
    return "rtl" if lang.split("-")[0] in RTL_LANGUAGES else "ltr"


# --- values --------------------------------------------------------------------------------

def parse_datetime(value):
    """A timezone-aware datetime from ISO 8601 or RFC 2822 text; naive times are taken as UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    when = _iso(text) or _rfc2822(text)
    if when is None:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _iso(text):
    text = re.sub(r"\s*Z$", "+00:00", text)
    text = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text)   # +0100 -> +01:00
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _rfc2822(text):
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _absolute(value, base_url):
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return urljoin(base_url, value)
    except ValueError:
        return ""


def _clean(text):
    """Whitespace-collapsed text; entities decoded, since CMSs often escape JSON-LD and meta
    values twice ("&amp;#8217;" in the markup, "&#8217;" after parsing)."""
    return " ".join(html.unescape(text).split()) if isinstance(text, str) else ""
