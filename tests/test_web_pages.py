"""Pages through the Flask test client: structure, headers, revalidation."""
import pytest
from bs4 import BeautifulSoup

from reader import create_app


@pytest.fixture(scope="module")
def demo_app(demo_data):
    return create_app({"DATA_DIR": demo_data, "TESTING": True})


@pytest.fixture
def web(demo_app):
    return demo_app.test_client()


def _soup(response):
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.data, "html.parser")


def _article_paths(web):
    return [a["url"] for a in web.get("/api/articles?limit=50").get_json()["articles"]]


def test_front_page_shows_each_story_once_in_its_most_specific_section(web):
    soup = _soup(web.get("/"))
    assert len(soup.select("h1")) == 1
    links = [a["href"] for a in soup.select("main li.story h3 a")]
    assert sorted(links) == sorted(_article_paths(web)) and len(links) == 10  # each story once
    sections = {s.h2.get_text(strip=True): [a.get_text() for a in s.select("li.story h3 a")]
                for s in soup.select("main section")}
    summit = {a["title"] for a in web.get("/api/articles?topic=summit&limit=50").get_json()["articles"]}
    assert set(sections["Summit coverage"]) == summit  # the event, not the countries it also names
    assert "Breaking news" in sections and "Turkmenistan" not in sections
    box = soup.select_one("main [data-edition=front]")
    assert box is not None and box.find_next("section") is soup.select_one("main section")
    first = soup.select_one("li.story")
    assert first.select_one("h3 a")["href"].startswith("/articles/")
    assert first.select_one("time[datetime]") is not None
    assert "min read" in first.select_one(".meta").get_text()


def test_every_article_page_has_the_story_structure(web):
    paths = _article_paths(web)
    assert len(paths) == 10
    for path in paths:
        soup = _soup(web.get(path))
        article = soup.select_one("article.story-page")
        assert len(soup.select("h1")) == 1
        assert article["lang"] and article["dir"] in ("ltr", "rtl")
        assert soup.select_one(".meta time[datetime]") is not None
        assert soup.select_one(".source a")["href"].startswith("https://steppe-dispatch.example/")
        for img in article.select("img"):
            assert img.has_attr("alt") and img["src"].startswith("/media/")
            assert img.has_attr("width") and img.has_attr("height")
        assert soup.select("section[aria-labelledby=next] li.story")


def test_lead_image_has_srcset_and_caption(web):
    path = next(p for p in _article_paths(web) if "3-trillion-yen" in p)
    soup = _soup(web.get(path))
    lead = soup.select_one("figure.lead img") or soup.select_one(".body figure img")
    assert "360w" in lead["srcset"] and "720w" in lead["srcset"]


def test_russian_and_kazakh_pages_carry_their_language(web):
    langs = set()
    for path in _article_paths(web):
        langs.add(_soup(web.get(path)).select_one("article")["lang"])
    assert {"ru", "kk", "en"} <= langs


def test_html_is_revalidated_with_etag_and_304(web):
    first = web.get("/")
    assert first.headers["Cache-Control"] == "no-cache"
    again = web.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_compressed_pages_keep_one_validator(web):
    plain = web.get("/")
    brotli = web.get("/", headers={"Accept-Encoding": "br"})
    assert brotli.headers["Content-Encoding"] == "br"
    assert brotli.headers["ETag"] == plain.headers["ETag"]
    assert "Accept-Encoding" in brotli.headers["Vary"]
    assert web.get("/", headers={"Accept-Encoding": "br", "If-None-Match": plain.headers["ETag"]}
                   ).status_code == 304


@pytest.mark.parametrize("path", ["/", "/offline/", "/search?q=x", "/nope"])
def test_security_headers(web, path):
    headers = web.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"]


def test_no_inline_script_or_style(web):
    for path in ["/", _article_paths(web)[0], "/settings/", "/saved/"]:
        soup = _soup(web.get(path))
        assert all(s.has_attr("src") for s in soup.find_all("script"))
        assert not soup.find_all("style") and not soup.select("[style]")
        assert not [a for a in soup.find_all(True) if any(k.startswith("on") for k in a.attrs)]


def test_topic_search_offline_saved_settings(web):
    topic = _soup(web.get("/topics/summit/"))
    assert topic.h1.get_text() == "Summit coverage" and len(topic.select("li.story")) == 4
    found = _soup(web.get("/search?q=uranium"))
    assert found.select("li.story")
    assert _soup(web.get("/search?q=" + "x" * 5000)).select_one("input[name=q]")["value"] == "x" * 200
    assert _soup(web.get("/search?q=%22%20OR%20*")).find(role="status")
    assert _soup(web.get("/offline/")).select_one("[data-kept-list]") is not None
    assert _soup(web.get("/saved/")).select_one("[data-kept-list]") is not None
    form = _soup(web.get("/settings/")).select_one("form.settings")
    assert {i["name"] for i in form.select("input")} == {"lang", "theme", "text", "lowdata"}
    for field in form.select("input"):
        assert field.find_parent("label") is not None


def test_unknown_pages_are_clear_404s(web):
    assert web.get("/articles/no-such-story/").status_code == 404
    assert web.get("/topics/no-such-topic/").status_code == 404
    assert web.get("/topics/no-such-topic/feed.xml").status_code == 404


def test_settings_are_stored_on_the_device_and_change_the_page(web):
    response = web.post("/settings/", data={"theme": "dark", "text": "xl", "lowdata": "1"})
    assert response.status_code == 303
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("theme=dark") and "SameSite=Lax" in c for c in cookies)
    soup = _soup(web.get("/"))
    assert soup.html["data-theme"] == "dark" and soup.html["data-text"] == "xl"
    assert web.post("/settings/", data={"theme": "neon", "text": "m"}).status_code == 400


def test_low_data_mode_serves_the_smallest_images_on_tap(demo_app, web):
    path = next(p for p in _article_paths(web) if "trans-caspian" in p)
    normal = _soup(web.get(path))
    assert len(normal.select("article img")) >= 6
    by_setting = demo_app.test_client()
    by_setting.set_cookie("lowdata", "1")
    for client, request_headers in ((demo_app.test_client(), {"Save-Data": "on"}), (by_setting, {})):
        soup = _soup(client.get(path, headers=request_headers))
        assert soup.select("article img") == []
        taps = soup.select("a.tap-image")
        assert len(taps) >= 6 and all(a["href"].endswith("-360.webp") for a in taps)
        assert "KB)" in taps[0].get_text()
    assert "Save-Data" in web.get(path).headers["Vary"]


def test_media_is_immutable(web):
    soup = _soup(web.get(_article_paths(web)[0]))
    src = soup.select_one("article img")["src"]
    response = web.get(src)
    assert response.status_code == 200 and response.mimetype == "image/webp"
    assert "immutable" in response.headers["Cache-Control"]
    assert web.get("/media/../reader.sqlite3").status_code == 404


def test_the_archive_lists_every_story(web):
    soup = _soup(web.get("/archive/"))
    assert len(soup.select("ul.archive li a")) == 10
    assert web.get("/archive/2/").status_code == 404
    assert web.get("/archive/0/").status_code == 404
    footer = _soup(web.get("/")).select_one("footer.site a[href='/archive/']")
    assert footer is not None
