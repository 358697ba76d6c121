"""The whole pipeline over real loopback HTTP into a real SQLite store."""
import io
import json
import sqlite3
from pathlib import Path

import pytest
from PIL import Image

from reader.ingest import Ingester, Item
from reader.store import articles
from reader.store import images as image_store
from reader.store import topics as topic_store
from servers import LoopbackServer, respond, stream

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
FIRST = "Reservoir levels stood at about a third of capacity when the delegations arrived."
CORRECTED = "Reservoir levels stood at about two fifths of capacity when the delegations arrived."


def _jpeg(width=1200, height=675):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (70, 120, 150)).save(buffer, "JPEG")
    return buffer.getvalue()


class Site:
    """A loopback publisher whose article text the test can change."""

    def __init__(self):
        self.sentence = FIRST
        self.server = LoopbackServer({
            "/world/water-talks.html": self._article,
            "/img/dam.jpg": lambda r: respond(r, 200, _jpeg(), "image/jpeg"),
            "/feed.xml": self._feed,
            "/feed.json": self._json_feed,
        })

    def _article(self, request):
        html = (FIXTURES / "article.html").read_text()
        html = html.replace("{origin}", self.server.origin).replace("{body_sentence}", self.sentence)
        respond(request, 200, html.encode())

    def _feed(self, request):
        rss = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Valley Post</title>'
               '<item><title>Water</title><link>/world/water-talks.html</link></item>'
               '<item><title>Gone</title><link>/missing.html</link></item></channel></rss>')
        respond(request, 200, rss.encode(), "application/rss+xml")

    def _json_feed(self, request):
        feed = {"version": "https://jsonfeed.org/version/1.1", "title": "Valley Post",
                "items": [{"id": "1", "url": self.server.url("/world/water-talks.html")}]}
        respond(request, 200, json.dumps(feed).encode(), "application/feed+json")


@pytest.fixture
def site():
    publisher = Site()
    with publisher.server:
        yield publisher


@pytest.fixture
def ingester(app, db):
    return Ingester(db, app.config)


def _ingest(ingester, url, topic=None):
    items = ingester.expand(url, topic)
    return [ingester.ingest(i) if isinstance(i, Item) else i for i in items]


def test_new_then_unchanged_then_updated_keeps_the_old_text(site, ingester, db):
    url = site.server.url("/world/water-talks.html")
    [first] = _ingest(ingester, url)
    assert first.status == "new" and first.title == "Water talks resume in Bishkek"
    [again] = _ingest(ingester, url)
    assert (again.status, again.id) == ("unchanged", first.id)
    site.sentence = CORRECTED
    [corrected] = _ingest(ingester, url)
    assert (corrected.status, corrected.id) == ("updated", first.id)
    row = articles.get(db, first.id)
    assert row["version"] == 2 and "two fifths" in row["body_text"]
    assert "a third" in articles.versions(db, first.id)[0]["body_html"]
    assert articles.count(db) == 1


def test_stored_article_has_metadata_local_images_and_no_chrome(site, ingester, db):
    [result] = _ingest(ingester, site.server.url("/world/water-talks.html"))
    row = articles.get(db, result.id)
    assert row["url"] == site.server.url("/world/water-talks.html")  # the canonical URL
    assert row["byline"] == "Aida Bekova" and row["lang"] == "en"
    assert row["published"] == "2025-12-18T02:30:00+00:00"
    assert row["slug"] == "water-talks-resume-in-bishkek"
    assert 'src="/media/' in row["body_html"] and "srcset=" in row["body_html"]
    assert site.server.origin + "/img/" not in row["body_html"]
    for chrome in ("Exit mobile version", "cookies", "Related posts", "Site icon", "Telegram"):
        assert chrome not in row["body_html"]
    assert row["lead_image_id"] is not None
    media = Path(ingester.media_dir)
    assert len(list(media.glob("*.webp"))) == 2


@pytest.mark.parametrize("path", ["/feed.xml", "/feed.json"])
def test_feeds_ingest_each_entry_and_report_the_broken_one(site, ingester, path):
    results = _ingest(ingester, site.server.url(path))
    statuses = sorted(r.status for r in results)
    assert "new" in statuses
    if path == "/feed.xml":
        assert statuses == ["error", "new"]
        assert [r.error for r in results if r.status == "error"] == ["HTTP 404"]


def test_an_image_that_failed_to_save_is_retried_on_the_next_ingest(site, ingester, db):
    url = site.server.url("/world/water-talks.html")
    media = Path(ingester.media_dir)
    media.write_bytes(b"")  # a file where the media directory goes: every image fails to save
    [first] = _ingest(ingester, url)
    row = articles.get(db, first.id)
    assert first.status == "new" and row["lead_image_id"] is None and "<img" not in row["body_html"]
    media.unlink()
    [second] = _ingest(ingester, url)
    row = articles.get(db, first.id)
    assert (second.status, second.id) == ("updated", first.id)
    assert row["lead_image_id"] is not None and 'src="/media/' in row["body_html"]
    assert row["version"] == 1 and articles.versions(db, first.id) == []  # the text did not change
    [third] = _ingest(ingester, url)
    assert (third.status, third.id) == ("unchanged", first.id)
    assert [r["path"] for r in site.server.requests].count("/img/dam.jpg") == 2


def test_topics_from_rules_and_from_the_option_record_one_event(site, ingester, db):
    topic_store.upsert(db, "water", "Water", keywords=["reservoir"])
    [result] = _ingest(ingester, site.server.url("/world/water-talks.html"), topic="region")
    assert topic_store.for_article(db, result.id) == ["region", "water"]
    _ingest(ingester, site.server.url("/world/water-talks.html"), topic="region")
    events = [(e["topic"], e["article_id"]) for e in topic_store.pending_events(db)]
    assert events == [("region", result.id), ("water", result.id)]


def test_a_local_file_is_ingested_with_its_images(tmp_path, ingester, db):
    html = (FIXTURES / "article.html").read_text().replace("{body_sentence}", FIRST)
    html = html.replace('<link rel="canonical" href="{origin}/world/water-talks.html">', "")
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "dam.jpg").write_bytes(_jpeg())
    page = tmp_path / "story.html"
    page.write_text(html.replace('src="/img/dam.jpg"', 'src="img/dam.jpg"'))
    [result] = _ingest(ingester, str(page))
    assert result.status == "new"
    assert 'src="/media/' in articles.get(db, result.id)["body_html"]


def test_a_failure_while_storing_leaves_no_half_article(site, ingester, db, monkeypatch):
    def broken(*args):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(topic_store, "assign", broken)
    topic_store.upsert(db, "water", "Water", keywords=["reservoir"])
    with pytest.raises(sqlite3.OperationalError):
        _ingest(ingester, site.server.url("/world/water-talks.html"))
    assert articles.count(db) == 0
    assert db.execute("SELECT COUNT(*) FROM images").fetchone()[0] == 0


# -- bad input: one clear line each, recorded, never stopping the others -------------------


DEEP_JSON_FEED = (b'{"version": "https://jsonfeed.org/version/1.1", "items": ['
                  + b"[" * 100_000 + b"]" * 100_000 + b"]}")
def _page(body):
    html = f"<html><head><title>Hostile</title></head><body>{body}</body></html>".encode()
    return lambda request: respond(request, 200, html)


# Issue 12.10: pages that made the parser or the extractor work for minutes or take gigabytes.
ATTRIBUTES = " ".join(f'a{n}="{n}"' for n in range(200_000))
BAD = {
    "/attributes.html": (_page(f"<div {ATTRIBUTES}>x</div>"),
                         "too many attributes on one element (200,000; at most 1,000)"),
    "/paragraphs.html": (_page("<p>Quay.</p>" * 100_000), "too many page elements (100,004; at most 50,000)"),
    "/less-than.html": (_page("<" * 9_000_000), "too many story characters"),
    "/links.html": (_page("".join(f'<a href="/l{n}">{n}</a> ' for n in range(30_000))),
                    "too many page links (30,000; at most 20,000)"),
    "/empty.html": (lambda r: respond(r, 200, b""), "empty"),
    "/binary.html": (lambda r: respond(r, 200, bytes(range(256)) * 64), ""),
    "/image.html": (lambda r: respond(r, 200, _jpeg(), "image/jpeg"), "content-type image/jpeg"),
    "/huge.html": (lambda r: stream(r, (b"<p>" + b"x" * 65536 for _ in range(330))), "larger than"),
    "/malformed.html": (lambda r: respond(r, 200, b"<html><body><div><p>Half a <b>tag</p></tabl"), ""),
    "/404.html": (lambda r: respond(r, 404, b"gone"), "HTTP 404"),
    "/500.html": (lambda r: respond(r, 500, b"oops"), "HTTP 500"),
    "/loop.html": (lambda r: respond(r, 302, headers=[("Location", "/loop.html")]), "redirect"),
    "/broken-feed.xml": (lambda r: respond(r, 200, b'<?xml version="1.0"?><rss><channel><item>',
                                           "application/rss+xml"), "broken feed"),
    "/deep.json": (lambda r: respond(r, 200, DEEP_JSON_FEED, "application/feed+json"),
                   "broken JSON feed (nested too deeply)"),
}


@pytest.mark.parametrize("path", sorted(BAD))
def test_bad_sources_give_one_clear_line(app, path):
    handler, reason = BAD[path]
    with LoopbackServer({path: handler, "/ok.html": _ok_page}) as server:
        result = app.test_cli_runner().invoke(args=["ingest", "--json", server.url(path),
                                                    server.url("/ok.html")])
    lines = [json.loads(line) for line in result.output.splitlines()]
    bad = [line for line in lines if line["url"] == server.url(path)]
    assert [line["status"] for line in bad] == ["error"], lines
    assert reason in bad[0]["error"] and "\n" not in bad[0]["error"]
    assert "Traceback" not in result.output
    assert [line["status"] for line in lines if line["url"] != server.url(path)] == ["new"]
    assert result.exit_code == 0  # one source succeeded


# Charset labels that name Python codecs but no text encoding (issue 12.8): the page is read
# with its encoding detected, like any page that declares nothing usable.
BOGUS_CHARSETS = ["base64", "bz2", "hex", "idna", "punycode", "quopri", "rot13", "undefined",
                  "uu", "zlib"]
RUSSIAN = "Кафе на набережной открылось снова после долгого ремонта."


def _declaring_page(place, charset):
    """The ok page in windows-1251, naming `charset` in the header, a <meta> or <?xml?>."""
    declaration = {"header": "", "meta": f'<meta charset="{charset}">',
                   "xml": f'<?xml version="1.0" encoding="{charset}"?>\n'}[place]
    header = f"text/html; charset={charset}" if place == "header" else "text/html"
    html = (FIXTURES / "article.html").read_text().replace("{body_sentence}", f"{FIRST} {RUSSIAN}")
    html = html.replace('<link rel="canonical" href="{origin}/world/water-talks.html">', "")
    html = html.replace('<meta charset="utf-8">', declaration if place == "meta" else "")
    body = ((declaration if place == "xml" else "") + html).encode("cp1251")
    return lambda request: respond(request, 200, body, header)


def _declaring_feed(charset):
    rss = (f'<?xml version="1.0" encoding="{charset}"?><rss version="2.0"><channel>'
           '<title>Лента</title><item><title>Кафе</title><link>/ok.html</link></item>'
           '</channel></rss>')
    return lambda request: respond(request, 200, rss.encode("cp1251"), "application/rss+xml")


@pytest.mark.parametrize("charset", BOGUS_CHARSETS)
def test_bogus_charsets_are_ignored_and_every_source_ingested(app, db, charset):
    routes = {f"/{place}.html": _declaring_page(place, charset) for place in ("header", "meta", "xml")}
    with LoopbackServer({**routes, "/feed.xml": _declaring_feed(charset), "/ok.html": _ok_page}) as server:
        result = app.test_cli_runner().invoke(args=["ingest", "--json", *map(server.url, sorted(routes)),
                                                    server.url("/feed.xml")])
    assert "Traceback" not in result.output and result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["status"] for line in lines] == ["new"] * 4, lines
    texts = [articles.get(db, line["id"])["body_text"] for line in lines]
    assert [RUSSIAN in text for text in texts] == [True, True, True, False]


def _ok_page(request):
    html = (FIXTURES / "article.html").read_text().replace("{body_sentence}", FIRST)
    html = html.replace('<link rel="canonical" href="{origin}/world/water-talks.html">', "")
    respond(request, 200, html.encode())


def test_nothing_succeeded_exits_non_zero_and_is_logged(app, db):
    with LoopbackServer({"/404.html": lambda r: respond(r, 404)}) as server:
        result = app.test_cli_runner().invoke(args=["ingest", server.url("/404.html"), "/no/such/file"])
    assert result.exit_code == 1
    assert "HTTP 404" in result.output and "no such file" in result.output
    logged = db.execute("SELECT status, error FROM ingest_log ORDER BY id").fetchall()
    assert [row["status"] for row in logged] == ["error", "error"]


def test_a_timeout_is_an_error_not_a_hang(tmp_path):
    from reader import create_app

    app = create_app({"DATA_DIR": tmp_path, "FETCH_ALLOW_PRIVATE": True, "FETCH_TIMEOUT": 0.5})
    with LoopbackServer() as server:
        server.routes["/slow.html"] = lambda r: server.stopping.wait(5)
        result = app.test_cli_runner().invoke(args=["ingest", "--json", server.url("/slow.html")])
    [line] = [json.loads(x) for x in result.output.splitlines()]
    assert line["status"] == "error" and "timed out" in line["error"]
    assert result.exit_code == 1


def test_an_image_that_is_not_an_image_drops_only_that_image(app, db):
    with LoopbackServer() as server:
        server.routes["/img/dam.jpg"] = lambda r: respond(r, 200, b"<html>nope</html>", "image/jpeg")
        server.routes["/ok.html"] = _ok_page
        [result] = _ingest(Ingester(db, app.config), server.url("/ok.html"))
    row = articles.get(db, result.id)
    assert result.status == "new" and "<img" not in row["body_html"] and "reservoirs" in row["body_text"]


def test_private_addresses_are_refused_by_default(tmp_path):
    from reader import create_app

    app = create_app({"DATA_DIR": tmp_path})
    with LoopbackServer({"/ok.html": _ok_page}) as server:
        result = app.test_cli_runner().invoke(args=["ingest", "--json", server.url("/ok.html")])
        assert server.requests == []
    [line] = [json.loads(x) for x in result.output.splitlines()]
    assert line["status"] == "error" and "blocked" in line["error"]


def test_a_huge_image_drops_only_that_image(tmp_path):
    from reader import create_app
    from reader.store import connect

    app = create_app({"DATA_DIR": tmp_path, "FETCH_ALLOW_PRIVATE": True, "IMAGE_MAX_BYTES": 2000})
    db = connect(tmp_path)
    with LoopbackServer() as server:
        server.routes["/img/dam.jpg"] = lambda r: respond(r, 200, _jpeg(1600, 900), "image/jpeg")
        server.routes["/ok.html"] = _ok_page
        [result] = _ingest(Ingester(db, app.config), server.url("/ok.html"))
    row = articles.get(db, result.id)
    assert result.status == "new" and "<img" not in row["body_html"] and row["lead_image_id"] is None


# -- budgets (issue 12.10, 12.17): a long feed says it was cut; a slow source fails alone -----

def _long_feed(count):
    items = "".join(f"<item><title>S{n}</title><link>/ok.html?n={n}</link></item>" for n in range(count))
    rss = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Long</title>{items}</channel></rss>'
    return lambda request: respond(request, 200, rss.encode(), "application/rss+xml")


def test_a_cut_feed_says_so_in_its_result_line(tmp_path):
    from reader import create_app

    app = create_app({"DATA_DIR": tmp_path, "FETCH_ALLOW_PRIVATE": True, "FEED_MAX_ENTRIES": 3})
    with LoopbackServer({"/feed.xml": _long_feed(10), "/ok.html": _ok_page}) as server:
        result = app.test_cli_runner().invoke(args=["ingest", "--json", server.url("/feed.xml")])
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["status"] for line in lines] == ["cut", "new", "new", "new"], lines
    assert lines[0]["url"] == server.url("/feed.xml") and lines[0]["title"] == "Long"
    assert lines[0]["note"] == "the feed lists 10 entries: the newest 3 taken"
    assert result.exit_code == 0


def _trickle(server, chunks):
    """A body of `chunks` sent one every 0.1 s, until the client hangs up or the server stops."""
    def handler(request):
        stream(request, (chunk for chunk in chunks if not server.stopping.wait(0.1)))
    return handler


def _budget_app(tmp_path):
    from reader import create_app

    return create_app({"DATA_DIR": tmp_path, "FETCH_ALLOW_PRIVATE": True, "SOURCE_SECONDS": 1.0})


def test_a_source_out_of_time_fails_alone_with_one_line(tmp_path):
    app = _budget_app(tmp_path)
    with LoopbackServer({"/ok.html": _ok_page}) as server:
        server.routes["/slow.html"] = _trickle(server, [b"<p>still coming</p>"] * 300)
        result = app.test_cli_runner().invoke(args=["ingest", "--json", server.url("/slow.html"),
                                                    server.url("/ok.html")])
    lines = {line["url"]: line for line in map(json.loads, result.output.splitlines())}
    assert lines[server.url("/slow.html")]["error"] == "ran out of time (1s for one source)"
    assert lines[server.url("/ok.html")]["status"] == "new"
    assert "Traceback" not in result.output and result.exit_code == 0


def test_an_article_out_of_time_in_its_images_is_not_stored(tmp_path):
    from reader.store import connect

    app = _budget_app(tmp_path)
    with LoopbackServer({"/ok.html": _ok_page}) as server:
        server.routes["/img/dam.jpg"] = _trickle(server, [b"\xff"] * 300)
        result = app.test_cli_runner().invoke(args=["ingest", "--json", server.url("/ok.html")])
    [line] = [json.loads(x) for x in result.output.splitlines()]
    assert (line["status"], line["error"]) == ("error", "ran out of time (1s for one source)")
    db = connect(tmp_path)
    assert articles.count(db) == 0 and db.execute("SELECT COUNT(*) FROM images").fetchone()[0] == 0


def _disagreeing_page(request):
    """A story page whose JSON-LD articleBody tells a different story than the page shows."""
    other = ("A bakery opened a second shop in the old market hall this week, selling bread baked before "
             "dawn and pastries filled with apricot jam from the valley's orchards. ") * 3
    html = (FIXTURES / "article.html").read_text().replace("{body_sentence}", FIRST)
    html = html.replace('"inLanguage": "en"', f'"inLanguage": "en", "articleBody": {json.dumps(other)}')
    respond(request, 200, html.encode())


def test_ingest_json_reports_the_extraction_confidence(app):
    with LoopbackServer({"/ok.html": _ok_page, "/odd.html": _disagreeing_page}) as server:
        result = app.test_cli_runner().invoke(args=["ingest", "--json", server.url("/ok.html"),
                                                    server.url("/odd.html")])
    ok, odd = [json.loads(line) for line in result.output.splitlines()]
    assert ok["confidence"] >= app.config["EXTRACT_MIN_CONFIDENCE"] and ok["reasons"] == []
    assert odd["confidence"] < app.config["EXTRACT_MIN_CONFIDENCE"]
    assert "JSON-LD articleBody" in odd["reasons"][0]


def _escape_page(request):
    html = (FIXTURES / "article.html").read_text().replace("{body_sentence}", FIRST + " &#27;[2J")
    html = html.replace('"headline": "Water talks resume in Bishkek"', '"headline": "Water talks\\u001b[31m resume"')
    respond(request, 200, html.encode())


def test_no_control_character_reaches_the_store_the_terminal_or_the_feed(app, db):
    import xml.etree.ElementTree as ET
    runner = app.test_cli_runner()
    with LoopbackServer({"/escape.html": _escape_page}) as server:
        [line] = runner.invoke(args=["ingest", "--json", server.url("/escape.html")]).output.splitlines()
    row = articles.get(db, json.loads(line)["id"])
    assert row["title"] == "Water talks[31m resume"
    stored = [value for value in dict(row).values() if isinstance(value, str)]
    assert not [value for value in stored if any(ord(char) < 32 and char not in "\n" for char in value)]
    for args in (["list"], ["show", str(row["id"]), "--format", "json"], ["show", str(row["id"])]):
        assert "\x1b" not in runner.invoke(args=args).output
    ET.fromstring(app.test_client().get("/feed.xml").data)  # valid XML


# Issue 12.1 and 12.2: a page speaks for its own site only, and only http(s) URLs are stored.
FAKE = "FAKE: minister resigns in disgrace"


def _claiming_page(claimed, title=FAKE):
    """The ok page retitled, naming `claimed` as its canonical URL, og:url and JSON-LD url."""
    html = (FIXTURES / "article.html").read_text().replace("{body_sentence}", "The minister resigned today.")
    html = html.replace('<link rel="canonical" href="{origin}/world/water-talks.html">',
                        f'<link rel="canonical" href="{claimed}"><meta property="og:url" content="{claimed}">'
                        f'<meta property="og:image" content="{claimed}">')
    html = html.replace('"headline": "Water talks resume in Bishkek"', f'"headline": "{title}", "url": "{claimed}"')
    return lambda request: respond(request, 200, html.replace("Water talks resume in Bishkek", title).encode())


def _redirect(location):
    return lambda request: respond(request, 302, b"", headers=[("Location", location)])


@pytest.mark.parametrize("via_redirect", [False, True], ids=["direct", "after-a-redirect-from-the-victim"])
def test_a_page_on_another_site_cannot_take_over_a_story_by_its_canonical_url(site, app, db, via_redirect):
    story_url = site.server.url("/world/water-talks.html")
    runner = app.test_cli_runner()
    [real] = [json.loads(line) for line in runner.invoke(args=["ingest", "--json", story_url]).output.splitlines()]
    with LoopbackServer({"/fake.html": _claiming_page(story_url)}, host="127.0.0.2") as attacker:
        if via_redirect:
            site.server.routes["/go"] = _redirect(attacker.url("/fake.html"))
        fetched = site.server.url("/go") if via_redirect else attacker.url("/fake.html")
        [fake] = [json.loads(line) for line in runner.invoke(args=["ingest", "--json", fetched]).output.splitlines()]
    assert fake["status"] == "new" and fake["id"] != real["id"]
    assert fake["url"] == attacker.url("/fake.html")
    story = articles.get(db, real["id"])
    assert (story["title"], story["version"]) == ("Water talks resume in Bishkek", 1)
    assert articles.get(db, fake["id"])["url"] == attacker.url("/fake.html")


def test_a_canonical_url_on_the_same_site_is_trusted(site, app, db):
    site.server.routes["/amp/water.html"] = _claiming_page(site.server.url("/world/water-talks.html"), "Water talks")
    [line] = app.test_cli_runner().invoke(args=["ingest", "--json", site.server.url("/amp/water.html")]).output.splitlines()
    assert json.loads(line)["url"] == site.server.url("/world/water-talks.html")


@pytest.mark.parametrize("claimed", ["javascript:alert(document.domain)", "JaVaScRiPt:alert(1)",
                                     "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
                                     "file:///etc/passwd", "//evil.example/x", "https:///no-host"])
def test_only_http_urls_are_stored_in_url_fields(site, app, db, claimed):
    site.server.routes["/odd.html"] = _claiming_page(claimed.replace('"', "&quot;"), "Odd")
    [line] = app.test_cli_runner().invoke(args=["ingest", "--json", site.server.url("/odd.html")]).output.splitlines()
    row = articles.get(db, json.loads(line)["id"])
    assert (row["url"], row["fetched_url"]) == (site.server.url("/odd.html"),) * 2
    stored = [image["src_url"] for image in image_store.for_article(db, row["id"])]
    assert all(src.startswith(site.server.origin + "/") for src in stored), stored


# -- one automatic alert per story and topic (issue 12.14), whatever runs at the same time --------

def test_coverage_handled_twice_at_once_makes_one_alert_per_story_and_topic(site, app, db, monkeypatch):
    from reader.push import outbox
    from reader.store import connect

    topic_store.upsert(db, "water", "Water", keywords=["reservoir"])
    topic_store.upsert(db, "region", "Region")
    topic_store.set_alert_mode(db, "water", "auto")
    topic_store.set_alert_mode(db, "region", "approval")
    [result] = _ingest(Ingester(db, app.config), site.server.url("/world/water-talks.html"), topic="region")
    seen_by_poll = topic_store.pending_events(db)  # a poll read the new coverage ...
    desk = connect(app.config)
    assert len(outbox.from_events(desk)) == 2  # ... while the desk's ingest made its alerts
    desk.close()
    monkeypatch.setattr(topic_store, "pending_events", lambda _db: seen_by_poll)
    assert outbox.from_events(db) == []  # the poll goes on with what it read: nothing more
    rows = db.execute("SELECT topic, state FROM alerts WHERE article_id = ? ORDER BY topic",
                      (result.id,)).fetchall()
    assert [tuple(row) for row in rows] == [("region", "pending_approval"), ("water", "queued")]
