"""Rendered pages cached by content version (reader/web/page_cache.py, reader/store/changes.py).

Each write goes through its own database connection, as another web process or machine would,
so a page that changes proves the cache learnt of it from the database, not from this process.
"""
import gzip
import io

import brotli
import pytest
from bs4 import BeautifulSoup
from PIL import Image

from reader import create_app
from reader.ingest import Ingester
from reader.store import articles as article_store
from reader.store import changes, connect
from reader.store import topics as topic_store

PARAGRAPH = ("The regional water council met in Osh on Monday to agree the spring quotas for the Fergana "
             "valley, where farmers have waited three weeks for a decision on how much the canals carry. ")


def _page(title, paragraphs=6):
    body = "".join(f"<p>{PARAGRAPH} Part {n} of the report on {title.lower()}.</p>" for n in range(paragraphs))
    return (f"<!doctype html><html lang=en><head><title>{title}</title>"
            f'<meta property="og:title" content="{title}"></head><body><article><h1>{title}</h1>'
            f'<p><img src="photo.jpg" alt="A canal" width="800" height="450"></p>{body}</article></body></html>')


def _ingest(app, tmp_path, name, title, topic=None):
    (tmp_path / "photo.jpg").write_bytes(_jpeg())
    path = tmp_path / f"{name}.html"
    path.write_text(_page(title))
    db = connect(app.config["DATA_DIR"])
    ingester = Ingester(db, app.config)
    [result] = [ingester.ingest(item) for item in ingester.expand(str(path), topic)]
    db.close()
    assert result.status in ("new", "updated", "unchanged"), result
    return result


def _jpeg():
    out = io.BytesIO()
    Image.new("RGB", (800, 450), (30, 90, 120)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def site(demo_copy):
    app = create_app({"DATA_DIR": demo_copy, "TESTING": True})
    return app, app.test_client(), app.extensions["page_cache"]


def _soup(response):
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.data, "html.parser")


def _titles(client, path):
    return [a.get_text() for a in _soup(client.get(path)).select("li.story h3 a")]


def _first_article(client):
    return client.get("/api/articles?limit=1").get_json()["articles"][0]


def test_a_page_is_rendered_once_per_version(site):
    app, client, cache = site
    path = _first_article(client)["url"]
    first = client.get(path, headers={"Accept-Encoding": "br"})
    misses = cache.misses
    again = client.get(path, headers={"Accept-Encoding": "br"})
    assert cache.misses == misses and again.data == first.data
    assert again.headers["ETag"] == first.headers["ETag"] and again.headers["X-Reader-Revision"]
    assert again.headers["Content-Security-Policy"] and "Accept-Encoding" in again.headers["Vary"]


def test_every_encoding_is_the_same_page(site):
    _, client, _ = site
    path = _first_article(client)["url"]
    plain = client.get(path).data
    assert brotli.decompress(client.get(path, headers={"Accept-Encoding": "br"}).data) == plain
    assert gzip.decompress(client.get(path, headers={"Accept-Encoding": "gzip"}).data) == plain
    head = client.head(path, headers={"Accept-Encoding": "br"})
    assert head.data == b"" and head.headers["Content-Encoding"] == "br"


def test_a_revalidation_is_a_304_without_rendering(site):
    _, client, cache = site
    first = client.get("/")
    misses = cache.misses
    again = client.get("/", headers={"If-None-Match": first.headers["ETag"], "Accept-Encoding": "br"})
    assert again.status_code == 304 and again.data == b"" and cache.misses == misses
    assert again.headers["Cache-Control"] == "no-cache" and again.headers["ETag"] == first.headers["ETag"]


def test_a_correction_written_elsewhere_reaches_the_story_and_the_lists(site):
    app, client, _ = site
    story = _first_article(client)
    client.get(story["url"]), client.get("/")
    db = connect(app.config["DATA_DIR"])  # another process's connection
    row = article_store.get(db, story["id"])
    article_store.update(db, row, {**dict(row), "title": "Corrected: " + row["title"],
                                   "body_html": row["body_html"].replace("<p>", "<p>Correction. ", 1),
                                   "content_hash": "corrected-" + row["content_hash"]})
    db.close()
    page = _soup(client.get(story["url"]))
    assert page.h1.get_text() == "Corrected: " + story["title"]
    assert "Correction." in page.select_one("article .body").get_text()
    assert "Corrected: " + story["title"] in _titles(client, "/")


def test_a_new_story_reaches_the_front_page_and_its_topic(site, tmp_path):
    app, client, _ = site
    before_front, before_topic = _titles(client, "/"), _titles(client, "/topics/kyrgyzstan/")
    _ingest(app, tmp_path, "quotas", "Osh water council sets spring quotas", topic="kyrgyzstan")
    assert "Osh water council sets spring quotas" not in before_front + before_topic
    assert "Osh water council sets spring quotas" in _titles(client, "/")
    assert "Osh water council sets spring quotas" in _titles(client, "/topics/kyrgyzstan/")


def test_a_story_joining_a_topic_reaches_the_topic_page(site, tmp_path):
    app, client, _ = site
    _ingest(app, tmp_path, "quotas", "Osh water council sets spring quotas")
    assert "Osh water council sets spring quotas" not in _titles(client, "/topics/tajikistan/")
    again = _ingest(app, tmp_path, "quotas", "Osh water council sets spring quotas", topic="tajikistan")
    assert again.status == "unchanged"  # the text did not change; only its topics did
    assert "Osh water council sets spring quotas" in _titles(client, "/topics/tajikistan/")


def test_a_renamed_topic_reaches_the_pages_that_name_it(site):
    app, client, _ = site
    assert _soup(client.get("/topics/summit/")).h1.get_text() == "Summit coverage"
    client.get("/")
    db = connect(app.config["DATA_DIR"])
    topic = topic_store.get(db, "summit")
    topic_store.upsert(db, "summit", "Tokyo summit", keywords=topic["keywords"], tags=topic["tags"],
                       alert_mode=topic["alert_mode"], position=topic["position"])
    db.close()
    assert _soup(client.get("/topics/summit/")).h1.get_text() == "Tokyo summit"
    assert "Tokyo summit" in [h2.get_text(strip=True) for h2 in _soup(client.get("/")).select("section h2")]


def test_display_settings_are_separate_copies(site):
    _, client, _ = site
    path = next(a["url"] for a in client.get("/api/articles?limit=50").get_json()["articles"]
                if "trans-caspian" in a["url"])
    assert _soup(client.get(path)).html["data-theme"] == "system"
    client.set_cookie("theme", "dark")
    client.set_cookie("lowdata", "1")
    dark = _soup(client.get(path))
    assert dark.html["data-theme"] == "dark" and dark.select("a.tap-image") and not dark.select("article img")
    client.delete_cookie("theme")
    client.delete_cookie("lowdata")
    plain = _soup(client.get(path))
    assert plain.html["data-theme"] == "system" and plain.select("article img")
    assert _soup(client.get(path, headers={"Save-Data": "on"})).select("a.tap-image")


def test_what_is_not_a_plain_page_is_not_kept(site):
    _, client, cache = site
    misses = cache.misses
    assert client.get("/articles/no-such-story/").status_code == 404
    assert client.get("/articles/no-such-story/").status_code == 404
    assert client.get("/settings/?saved=1").status_code == 200
    assert client.get("/search?q=uranium").status_code == 200
    assert client.post("/settings/", data={"theme": "dark", "text": "m"}).status_code == 303
    assert cache.misses == misses


def test_the_cache_keeps_within_its_bytes(demo_data):
    app = create_app({"DATA_DIR": demo_data, "TESTING": True})
    cache = app.extensions["page_cache"]
    cache.max_bytes = 40_000
    client = app.test_client()
    for article in client.get("/api/articles?limit=50").get_json()["articles"]:
        client.get(article["url"], headers={"Accept-Encoding": "br"})
    assert cache._bytes <= 40_000 and 1 <= len(cache._copies) < 10


def test_every_write_that_pages_show_changes_the_content_version(demo_copy, tmp_path):
    app = create_app({"DATA_DIR": demo_copy, "TESTING": True})
    db = connect(demo_copy)
    seen = [changes.content_version(db)]

    def changed(step):
        seen.append(changes.content_version(db))
        assert seen[-1] != seen[-2], step

    result = _ingest(app, tmp_path, "quotas", "Osh water council sets spring quotas")
    changed("a new story with its images and lead image")
    (tmp_path / "quotas.html").write_text(_page("Osh water council sets spring quotas", paragraphs=7))
    db2 = connect(demo_copy)
    ingester = Ingester(db2, app.config)
    [updated] = [ingester.ingest(item) for item in ingester.expand(str(tmp_path / "quotas.html"))]
    db2.close()
    assert updated.status == "updated"
    changed("a corrected story (new version, new images)")
    _ingest(app, tmp_path, "quotas", "Osh water council sets spring quotas", topic="turkmenistan")
    changed("a story joining a topic")
    row = article_store.get(db, result.id)
    article_store.update(db, row, {**dict(row), "content_hash": "edited"})
    changed("articles.update")
    topic_store.upsert(db, "summit", "Summit", position=9)
    changed("a topic renamed and moved")
    article_store.touch(db, result.id)
    assert changes.content_version(db) == seen[-1], "a check that changes nothing shown keeps the version"
    db.close()
