"""Bad input is a 404 (pages) or a JSON 400, never a 500; a 500 that does happen is logged with its
traceback and a request id that its page shows (issue 12, items 12 and 16)."""
import subprocess
import sys
import textwrap

import pytest
from bs4 import BeautifulSoup

from reader import create_app, editors
from reader.store import articles as article_store
from reader.store import connect
from reader.store import topics as topic_store

PASSWORD = "correct horse battery"
HUGE = "9" * 30
STORY = {"url": "https://news.example/a", "fetched_url": None, "title": "A story", "byline": "", "site_name": "",
         "description": "", "section": "", "tags": [], "lang": "en", "dir": "ltr", "published": None,
         "modified": None, "body_html": "<p>Text</p>", "body_text": "Text", "content_hash": "h", "word_count": 1,
         "reading_minutes": 1}


@pytest.fixture
def site(tmp_path, database):
    app = create_app({"DATA_DIR": tmp_path / "data", "TESTING": True})
    db = connect(app.config)
    topic_store.upsert(db, "summit", "Summit coverage", position=0)
    topic_store.assign(db, article_store.insert(db, "a-story", STORY), ["summit"])
    editors.add(db, "ada", PASSWORD)
    db.close()
    return app


def _token(client, path):
    return BeautifulSoup(client.get(path).data, "html.parser").find("input", {"name": "csrf_token"})["value"]


@pytest.fixture
def desk(site):
    client = site.test_client()
    response = client.post("/editor/login", data={"csrf_token": _token(client, "/editor/login"), "name": "ada",
                                                  "password": PASSWORD})
    assert response.status_code == 303
    return client


READER_CASES = [  # (method, path, JSON body or raw text, status)
    ("GET", f"/api/articles/{HUGE}", None, 404),
    ("GET", "/api/articles/0", None, 404),
    ("GET", "/api/articles?limit=\u00b2", None, 400),            # superscript two passes str.isdigit()
    ("GET", "/api/articles?limit=\u2460", None, 400),            # circled one, likewise
    ("GET", "/api/articles?limit=" + "9" * 5000, None, 400),
    ("GET", "/api/articles?since=9999-12-31T23:59:59-23:59", None, 400),
    ("GET", "/api/articles?since=0001-01-01T00:00:00+23:59", None, 400),
    ("GET", f"/api/editions/front?limit={HUGE}", None, 400),
    ("POST", "/api/push/clicks", {"alert": 10**30}, 400),
    ("POST", "/api/push/clicks", {"alert": -1}, 400),
    ("POST", "/api/push/clicks", {"alert": 1.5}, 400),
    ("POST", "/api/push/subscriptions", "[" * 3000, 400),
    ("POST", "/api/push/subscriptions/lookup", "{\"a\":" * 1500, 400),
    ("DELETE", "/api/push/subscriptions", "[" * 3000, 400),
    ("GET", f"/archive/{HUGE}/", None, 404),
    ("GET", "/archive/99999999999999999/", None, 404),
    ("GET", "/search?q=%00", None, 200),
    ("GET", "/search?q=a%00b%01%1b", None, 200),
    # a NUL anywhere a name or an address is looked up (PostgreSQL's text cannot hold one)
    ("GET", "/api/articles?topic=%00", None, 400),
    ("GET", "/api/editions/a%00b", None, 404),
    ("GET", "/articles/a%00b/", None, 404),
    ("GET", "/topics/a%00b/", None, 404),
    ("GET", "/topics/a%00b/feed.xml", None, 404),
    ("GET", "/topics/a%00b/feed.json", None, 404),
    ("GET", "/media/a%00b.jpg", None, 404),
    ("POST", "/api/push/subscriptions/lookup", {"endpoint": "https://fcm.googleapis.com/\u0000"}, 404),
    ("DELETE", "/api/push/subscriptions", {"endpoint": "https://fcm.googleapis.com/\u0000"}, 400),
]


@pytest.mark.parametrize("method, path, body, status", READER_CASES)
def test_the_readers_side_answers_bad_input_with_a_4xx(site, method, path, body, status):
    client = site.test_client()
    if isinstance(body, str):
        response = client.open(path, method=method, data=body, content_type="application/json")
    else:
        response = client.open(path, method=method, json=body)
    assert response.status_code == status, response.data[:300]
    if path.startswith("/api/"):
        assert response.is_json and response.get_json()["message"]


DESK_GETS = [f"/editor/alerts/{HUGE}", f"/editor/alerts/{HUGE}.json", f"/editor/alerts/{HUGE}/chart.svg",
             f"/editor/jobs/{HUGE}", f"/editor/jobs/{HUGE}.json", f"/editor/held/{HUGE}",
             f"/editor/compose?article={HUGE}", "/editor/compose?article=\u00b2", "/editor/compose?article=999"]
DESK_POSTS = [f"/editor/alerts/{HUGE}/approve", f"/editor/alerts/{HUGE}/cancel", f"/editor/held/{HUGE}/publish",
              f"/editor/held/{HUGE}/reextract", f"/editor/held/{HUGE}/discard"]


@pytest.mark.parametrize("path", DESK_GETS)
def test_desk_pages_with_out_of_range_ids_are_404s(desk, path):
    response = desk.get(path)
    assert response.status_code == 404
    assert response.headers["X-Request-Id"]


@pytest.mark.parametrize("path", DESK_POSTS)
def test_desk_actions_with_out_of_range_ids_are_404s(desk, path):
    response = desk.post(path, data={"csrf_token": _token(desk, "/editor/")})
    assert response.status_code == 404


def _compose(**fields):
    return {"title": "T", "body": "B", "topic": "summit", "urgency": "normal", "ttl": "3600", "when": "later",
            "send_at": "2099-01-01T10:00", "tz": "UTC", **fields}


@pytest.mark.parametrize("fields, message", [
    ({"tz": "A" * 3000}, "unknown time zone"),
    ({"tz": "../../../../etc/passwd"}, "unknown time zone"),
    ({"send_at": "9999-12-31T23:59", "tz": "America/Los_Angeles"}, "out of range"),
    ({"send_at": "0001-01-01T00:00", "tz": "Asia/Tokyo"}, "out of range"),
    ({"ttl": "9" * 30}, "TTL must be 1 to"),
    ({"ttl": "\u00b2"}, "TTL must be a whole number"),
    ({"article_id": HUGE}, "no longer exists"),
    ({"topic": "sum\x00mit"}, "choose a topic from the list"),
])
@pytest.mark.parametrize("path", ["/editor/compose", "/editor/alerts"])
def test_compose_refuses_out_of_range_fields_with_a_400(desk, path, fields, message):
    response = desk.post(path, data={"csrf_token": _token(desk, "/editor/compose"), **_compose(**fields)})
    assert response.status_code == 400
    assert message in BeautifulSoup(response.data, "html.parser").select_one(".error").get_text()


def test_a_year_9999_schedule_in_utc_does_not_break_the_desk(desk):
    token = _token(desk, "/editor/compose")
    response = desk.post("/editor/alerts", data={"csrf_token": token, **_compose(send_at="9999-12-31T23:59")})
    assert response.status_code == 303
    for path in (response.headers["Location"], "/editor/", "/editor/alerts", "/editor/alerts.json"):
        assert desk.get(path).status_code == 200, path


def test_controls_typed_into_an_alert_are_dropped_not_a_500(site, desk):
    """A NUL is a 500 on PostgreSQL (its text cannot hold one) and an ESC a terminal escape in
    `reader push` output: the desk stores the alert without them (issue 12.12, 12.19)."""
    token = _token(desk, "/editor/compose")
    response = desk.post("/editor/alerts", data={"csrf_token": token, **_compose(
        title="Quake\x00 hits\x1b[2J the coast", body="Ten\x07 towns", when="now")})
    assert response.status_code == 303, response.data[:300]
    db = connect(site.config)
    try:
        row = db.execute("SELECT title, body FROM alerts ORDER BY id DESC").fetchone()
    finally:
        db.close()
    assert (row["title"], row["body"]) == ("Quake hits[2J the coast", "Ten towns")


@pytest.mark.parametrize("target", ["/editor/\r\nSet-Cookie: x=1", "/editor/\nx", "/editor/ x", "/editor/\x00",
                                    "/editor/\\evil.example", "/editor/" + "a" * 5000])
def test_login_with_a_broken_next_goes_to_the_desk(site, target):
    client = site.test_client()
    response = client.post("/editor/login", data={"csrf_token": _token(client, "/editor/login"), "name": "ada",
                                                  "password": PASSWORD, "next": target})
    assert response.status_code == 303 and response.headers["Location"] == "/editor/"
    assert "x=1" not in response.headers.get("Set-Cookie", "")


def test_login_keeps_a_plain_desk_next(site):
    client = site.test_client()
    response = client.post("/editor/login", data={"csrf_token": _token(client, "/editor/login"), "name": "ada",
                                                  "password": PASSWORD, "next": "/editor/compose?article=1"})
    assert response.headers["Location"] == "/editor/compose?article=1"


# ---- a 500 that does happen leaves a trace ------------------------------------------------------

def _broken(site, monkeypatch):
    site.config["PROPAGATE_EXCEPTIONS"] = False

    def explode(*args, **kwargs):
        raise RuntimeError("the front page broke")

    monkeypatch.setattr(article_store, "latest", explode)
    return site.test_client()


def test_a_500_page_and_its_json_show_the_request_id_the_log_has(site, monkeypatch, caplog):
    client = _broken(site, monkeypatch)
    with caplog.at_level("ERROR", logger="reader"):
        page = client.get("/")
        api = client.get("/api/articles")
    assert page.status_code == 500 and api.status_code == 500
    shown = BeautifulSoup(page.data, "html.parser").select_one("[data-request-id]").get_text()
    assert page.headers["X-Request-Id"] == shown
    assert api.get_json()["request_id"] == api.headers["X-Request-Id"] != shown
    failures = {r.getMessage(): r.exc_info[0] for r in caplog.records if r.name == "reader" and r.exc_info}
    assert failures[f"request {shown} failed: GET /"] is RuntimeError
    assert failures[f"request {api.headers['X-Request-Id']} failed: GET /api/articles"] is RuntimeError


def test_a_500_reaches_stderr_with_its_traceback_when_nothing_configured_logging(tmp_path):
    """A process that configured no logging (as a WSGI server importing the app may) still
    writes the error and its traceback somewhere: the "reader" logger has no NullHandler."""
    script = textwrap.dedent(f"""
        from reader import create_app
        from reader.store import articles
        app = create_app({{"DATA_DIR": {str(tmp_path / "data")!r}}})
        def explode(*args, **kwargs):
            raise RuntimeError("the front page broke")
        articles.latest = explode
        response = app.test_client().get("/")
        print(response.status_code, response.headers["X-Request-Id"])
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    status, request_id = done.stdout.split()
    assert status == "500"
    assert f"request {request_id} failed: GET /" in done.stderr
    assert "Traceback" in done.stderr and "RuntimeError: the front page broke" in done.stderr


# ---- URLs stored outside extraction are http(s) (issue 12.2) -------------------------------------

NOT_WEB = ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<script>x</script>", "file:///etc/passwd",
           "http:///no-host", "https:evil.example", "ftp://news.example/feed", "//news.example/feed", "feed.xml"]


@pytest.mark.parametrize("url", NOT_WEB)
def test_the_desk_and_the_cli_take_only_http_urls(site, desk, url):
    response = desk.post("/editor/ingest", data={"csrf_token": _token(desk, "/editor/"), "url": url})
    assert response.status_code == 400
    result = site.test_cli_runner().invoke(args=["sources", "add", url])
    assert result.exit_code != 0 and "http(s) URL" in result.output
    db = connect(site.config)
    assert db.execute("SELECT COUNT(*) FROM ingest_jobs").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM sources").fetchone()[0] == 0
    db.close()


@pytest.mark.parametrize("url, linked", [("https://news.example/a", True), ("javascript:alert(1)", False),
                                         ("file:///home/desk/page.html", False), ("data:text/html,x", False)])
def test_only_an_http_story_url_becomes_the_original_story_link(site, url, linked):
    db = connect(site.config)
    db.execute("UPDATE articles SET url = ? WHERE slug = 'a-story'", (url,))
    db.close()
    page = BeautifulSoup(site.test_client().get("/articles/a-story/").data, "html.parser")
    assert [a["href"] for a in page.select("p.source a")] == ([url] if linked else [])


def test_a_500_on_the_desk_shows_its_request_id_in_the_desk(site, desk, monkeypatch, caplog):
    """The desk renders its own error page (templates/editor/error.html): it too shows the id the log has."""
    site.config["PROPAGATE_EXCEPTIONS"] = False

    def explode(*args, **kwargs):
        raise RuntimeError("the topics broke")

    monkeypatch.setattr(topic_store, "all", explode)
    with caplog.at_level("ERROR", logger="reader"):
        page = desk.get("/editor/topics")
    assert page.status_code == 500
    shown = BeautifulSoup(page.data, "html.parser").select_one("[data-request-id]").get_text()
    assert shown == page.headers["X-Request-Id"]
    failures = {r.getMessage(): r.exc_info[0] for r in caplog.records if r.name == "reader" and r.exc_info}
    assert failures[f"request {shown} failed: GET /editor/topics"] is RuntimeError
