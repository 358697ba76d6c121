"""Per-site rules: page parts to prune before body detection, for publishers whose chrome
fools the general algorithm. Keyed by registered domain; a rule applies to its subdomains.

Each selector is an XPath 1.0 expression run on a private copy of the page. Keep rules to
what is true of the site's template, never of one article.
"""
from dataclasses import dataclass
from urllib.parse import urlsplit


def _class(name):
    """XPath predicate: the class attribute holds the token name."""
    return f'contains(concat(" ", normalize-space(@class), " "), " {name} ")'


# Chrome that many templates share; pruned on every page.
COMMON_PRUNE = (
    # Captions: the normaliser puts them back from the original page, beside their image;
    # left in, extractors keep them as loose paragraphs away from the picture.
    '//figcaption',
    '//*[(contains(@class, "caption") or contains(@class, "credit")) and not(.//img)]',
    f'//*[{_class("newsletter")} or {_class("newsletter-signup")} or {_class("related-posts")}]',
    f'//*[{_class("share-bar")} or {_class("social-share")} or {_class("sharedaddy")}]',
    '//*[@id="cookie-notice" or @id="cookie-banner" or @id="onetrust-consent-sdk"]',
)


@dataclass(frozen=True)
class SiteRule:
    prune: tuple = ()        # XPath of page parts that are never the story
    body: str = ""           # XPath of the story's container(s); all matches, in page order


# Sorted by domain. Each entry names what the template does wrong for the general algorithm.
SITE_RULES = {
    # related-story teasers after the story are marked up like the story itself
    "cbssports.com": SiteRule(prune=(f'//*[{_class("article-list-stack")}]',
                                     f'//*[{_class("NewsletterSignup")} or {_class("newsletter-signup")}]')),
    # the sidebar "guide" box outscores a story set as <br>-separated text
    "macrumors.com": SiteRule(prune=('//*[@id="right"]', '//*[@id="guide-products"]')),
    # hover cards for people named in the story repeat their name and latest headlines
    "thehill.com": SiteRule(prune=(f'//*[{_class("rollover-block")}]',)),
    # the story is split into several chunks around ad slots; trafilatura keeps only the first
    "wired.com": SiteRule(body=f'//*[{_class("article__chunks")}]'),
}


def site_rule(url):
    """The SiteRule for url's host (or a parent domain), or an empty rule."""
    host = (urlsplit(url).hostname or "").lower() if url else ""
    while host:
        if host in SITE_RULES:
            return SITE_RULES[host]
        host = host.partition(".")[2]
    return SiteRule()


def prune_xpaths(url):
    """All XPath expressions to prune for url: the common ones, then the site's own."""
    return list(COMMON_PRUNE) + list(site_rule(url).prune)
