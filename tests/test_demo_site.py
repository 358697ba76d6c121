"""The bundled demo publisher, fetched over real loopback HTTP."""
import json
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup

from reader.demo import ARTICLE_PATHS, PUBLIC_ORIGIN, SUMMIT_PATHS, DemoSite, load_topics
from reader.topics import matches

RUSSIAN_PATH = next(p for p in ARTICLE_PATHS if p.endswith(".cp1251.html"))
BODY_SELECTORS = ".entry-content, .story__body"   # the two themes' article containers


@pytest.fixture(scope="module")
def site():
    with DemoSite() as site:
        yield site


def get(url):
    """(status, headers, body bytes); HTTP errors are answers here, not exceptions."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def page(site, path):
    status, headers, body = get(site.url(path))
    assert status == 200, path
    return BeautifulSoup(body, "html.parser", from_encoding=headers.get_content_charset())


def news_article(soup):
    blocks = [json.loads(s.string) for s in soup.find_all("script", type="application/ld+json")]
    nodes = [n for b in blocks for n in b.get("@graph", [b])]
    return next(n for n in nodes if n.get("@type") == "NewsArticle")


@pytest.mark.parametrize("path", ARTICLE_PATHS)
def test_article_page_has_metadata_and_h1(site, path):
    soup = page(site, path)
    article = news_article(soup)
    assert soup.h1.get_text(strip=True) == article["headline"]
    assert article["datePublished"].endswith("+05:00")
    assert soup.find("link", rel="canonical")["href"] == PUBLIC_ORIGIN + path  # stable across ports
    assert soup.find("meta", property="og:image")["content"].startswith(site.origin + "/images/")
    assert soup.find("img", alt="Site icon")
    assert soup.find(string="Exit mobile version")
    assert soup.select_one(BODY_SELECTORS).find("p")


def test_russian_page_is_windows_1251(site):
    status, headers, body = get(site.url(RUSSIAN_PATH))
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=windows-1251"
    text = body.decode("cp1251")
    assert '<meta charset="windows-1251">' in text
    assert "Токтогульское водохранилище" in text
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


def test_feed_lists_every_article_with_the_servers_origin(site):
    status, headers, body = get(site.feed_url)
    assert status == 200
    assert headers.get_content_type() == "application/rss+xml"
    items = ET.fromstring(body).findall("./channel/item")
    assert [i.findtext("link") for i in items] == site.article_urls
    assert all(i.findtext("pubDate") and i.findtext("guid") and i.find("category") is not None for i in items)
    assert b"{{ORIGIN}}" not in body


@pytest.mark.parametrize("name, ctype, magic", [
    ("summit-tokyo.jpg", "image/jpeg", b"\xff\xd8\xff"),
    ("essay-aktau-port.jpg", "image/jpeg", b"\xff\xd8\xff"),
    ("site-icon.png", "image/png", b"\x89PNG"),
])
def test_images_are_served_with_their_type(site, name, ctype, magic):
    status, headers, body = get(site.url("/images/" + name))
    assert (status, headers["Content-Type"], body[:len(magic)]) == (200, ctype, magic)


def test_every_image_a_page_names_exists(site):
    for path in ARTICLE_PATHS:
        soup = page(site, path)
        sources = {img.get("data-src") or img["src"] for img in soup.find_all("img")}
        for src in sorted(s for s in sources if s.startswith("/images/")):
            status, headers, _ = get(site.url(src))
            assert (status, headers.get_content_maintype()) == (200, "image"), (path, src)


@pytest.mark.parametrize("path", [
    "/../pyproject.toml", "/%2e%2e/pyproject.toml", "/images/%2E%2E/%2e%2e/__init__.py",
    "/images/", "/images", "/missing.html", "/../../etc/passwd", "/%00.html",
])
def test_missing_and_escaping_paths_are_404(site, path):
    assert get(site.origin + path)[0] == 404


def test_conditional_get_answers_304(site):
    _, headers, _ = get(site.feed_url)
    request = urllib.request.Request(site.feed_url, headers={"If-None-Match": headers["ETag"]})
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(request, timeout=5)
    assert exc.value.code == 304


def test_summit_topic_matches_the_summit_stories_only(site):
    topics = {t["slug"]: t for t in load_topics()}
    matched = set()
    for path in ARTICLE_PATHS:
        soup = page(site, path)
        story = dict(title=soup.h1.get_text(), text=soup.select_one(BODY_SELECTORS).get_text(" "),
                     description=soup.find("meta", attrs={"name": "description"})["content"],
                     section=soup.find("meta", property="article:section")["content"],
                     tags=[m["content"] for m in soup.find_all("meta", property="article:tag")])
        if matches(topics["summit"], **story):
            matched.add(path)
        story["tags"] = []      # keywords alone must find them too
        assert matches(topics["summit"], **story) == (path in SUMMIT_PATHS), path
    assert matched == set(SUMMIT_PATHS)


def test_server_is_closed_after_the_with_block():
    with DemoSite() as site:
        assert get(site.feed_url)[0] == 200
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(site.feed_url, timeout=2)
