"""JSON API and feeds: shapes, validation, errors as JSON 4xx."""
import json
import re
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup

from reader import create_app

from test_web_pages import demo_app  # noqa: F401  (module-scoped demo data)


@pytest.fixture
def web(demo_app):  # noqa: F811
    return demo_app.test_client()


def test_article_list_has_what_an_edition_download_needs(web):
    articles = web.get("/api/articles?limit=50").get_json()["articles"]
    assert len(articles) == 10
    first = articles[0]
    assert set(first) >= {"id", "url", "title", "updated", "topics", "page_bytes", "image_bytes",
                          "image_bytes_low", "images", "images_low", "revision"}
    page = web.get(first["url"])
    assert first["page_bytes"] == len(page.data)
    assert all(a["image_bytes_low"] <= a["image_bytes"] for a in articles)


def test_topic_and_limit_filter(web):
    summit = web.get("/api/articles?topic=summit").get_json()["articles"]
    assert len(summit) == 4 and all("summit" in a["topics"] for a in summit)
    assert len(web.get("/api/articles?limit=2").get_json()["articles"]) == 2
    assert web.get("/api/articles?since=2999-01-01T00:00:00Z").get_json()["articles"] == []


@pytest.mark.parametrize("query, message", [
    ("limit=0", "limit"), ("limit=abc", "limit"), ("limit=100000", "limit"),
    ("since=yesterday", "since"), ("topic=nope", "unknown topic"),
])
def test_bad_queries_are_json_400s(web, query, message):
    response = web.get("/api/articles?" + query)
    assert response.status_code == 400 and response.is_json
    assert message in response.get_json()["message"]


def test_one_article_and_missing_ones(web):
    first = web.get("/api/articles?limit=1").get_json()["articles"][0]
    record = web.get(f"/api/articles/{first['id']}").get_json()
    assert record["title"] == first["title"] and "<p>" in record["body_html"]
    missing = web.get("/api/articles/999999")
    assert missing.status_code == 404 and missing.get_json()["error"] == "Not Found"
    assert web.get("/api/articles/abc").status_code == 404


def test_atom_feeds_parse_and_link_to_articles(web):
    for path in ("/feed.xml", "/topics/summit/feed.xml"):
        response = web.get(path)
        assert response.mimetype == "application/atom+xml"
        root = ET.fromstring(response.data)
        ns = {"a": "http://www.w3.org/2005/Atom"}
        entries = root.findall("a:entry", ns)
        assert entries and all(e.find("a:link", ns).get("href").startswith("http://127.0.0.1:8000/articles/")
                               for e in entries)
    assert len(ET.fromstring(web.get("/topics/summit/feed.xml").data).findall(
        "{http://www.w3.org/2005/Atom}entry")) == 4


def test_json_feeds_follow_version_1_1(web):
    feed = json.loads(web.get("/feed.json").data)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["items"] and all({"id", "url", "title", "content_html"} <= set(i) for i in feed["items"])
    assert len(json.loads(web.get("/topics/summit/feed.json").data)["items"]) == 4


# ---- the Host header is not trusted (issue 12.3) -------------------------------------------------

FORGED = "127.0.0.2:9"


def _links(response):
    """Every absolute link a feed or page gives out."""
    text = response.get_data(as_text=True)
    return sorted(set(re.findall(r"https?://[^\s\"'<>]+?(?=/|[\s\"'<>])", text)))


@pytest.mark.parametrize("path", ["/", "/feed.xml", "/feed.json", "/topics/summit/feed.xml", "/api/articles",
                                  "/archive/", "/search?q=summit", "/editor/login", "/nowhere"])
def test_a_request_for_an_unknown_host_is_a_400(web, path):
    response = web.get(path, headers={"Host": FORGED})
    assert response.status_code == 400
    assert not [link for link in _links(response) if "127.0.0.2" in link]


def test_absolute_links_come_from_the_base_url_whatever_the_host(demo_data):
    app = create_app({"DATA_DIR": demo_data, "TESTING": True, "BASE_URL": "https://News.Example:8443/",
                      "ALLOWED_HOSTS": [".example.org"]})
    client = app.test_client()
    article = client.get("/api/articles?limit=1", headers={"Host": "news.example"}).get_json()["articles"][0]["url"]
    for host in ("news.example:8443", "news.example", "cdn.example.org"):
        pages = [client.get(path, headers={"Host": host}) for path in ("/feed.xml", "/feed.json", article)]
        assert [p.status_code for p in pages] == [200, 200, 200], host
        for page in pages:
            assert {link for link in _links(page) if "news.example" in link.lower() or "example.org" in link} \
                == {"https://news.example:8443"}, host
        canonical = BeautifulSoup(pages[2].data, "html.parser").select_one("link[rel=canonical]")["href"]
        assert canonical == "https://news.example:8443" + article
        atom = ET.fromstring(pages[0].data)
        assert atom.find("{http://www.w3.org/2005/Atom}link[@rel='self']").get("href") == \
            "https://news.example:8443/feed.xml"
    for host in ("localhost", "localhost.evil", "example.org.evil", "news.example.evil", FORGED):
        assert client.get("/feed.xml", headers={"Host": host}).status_code == 400, host


def test_the_default_base_url_is_what_make_run_serves():
    from reader import config

    values = config.load(environ={})
    assert values["BASE_URL"] == "http://127.0.0.1:8000"
    assert {"localhost", "127.0.0.1"} <= set(values["ALLOWED_HOSTS"])


@pytest.mark.parametrize("value", ["ftp://news.example", "https://", "https://news.example/reader/",
                                   "https://news.example/?a=1", "https://u:p@news.example", "news.example"])
def test_a_base_url_that_is_not_an_origin_is_refused(value):
    from reader import config

    with pytest.raises(config.ConfigError, match="READER_BASE_URL"):
        config.load(environ={"READER_BASE_URL": value})
