"""The editor desk through the test client: log-in, CSRF, slow-down and lock-out, compose, confirm,
schedule, approvals, the audit log and the chart. Time is driven by a fake clock, never by sleeping."""
import re
import threading
import time
from datetime import datetime, timezone
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from reader import create_app, editors, ingest_jobs
from reader.ingest import Ingester
from reader.push import keys, outbox, payload
from reader.store import alerts as alert_store
from reader.store import articles as article_store
from reader.store import audit, connect, ledger, transaction, utcnow
from reader.store import editors as editor_store
from reader.store import jobs as job_store
from reader.store import subscriptions as subscription_store
from reader.store import topics as topic_store

PASSWORD = "correct horse battery"
ARTICLE = {
    "url": "https://news.example/tokyo", "fetched_url": None, "title": "Leaders meet in Tokyo",
    "byline": "", "site_name": "", "description": "Five Central Asian leaders meet Japan's prime minister.",
    "section": "", "tags": [], "lang": "en", "dir": "ltr", "published": None, "modified": None,
    "body_html": "<p>Text</p>", "body_text": "Text", "content_hash": "h", "word_count": 1, "reading_minutes": 1,
}
P256DH = "BDd3_hVL9fZi9Ybo2UUzA284WG5FZR30_95YeZJsiApwXKpNcF1rRPF3foIiBHXRdJI2Qhumhf6_LFTeZaNndIo"
AUTH = "xS03Fj5ErfTNH_l9WHE9Ig"


class Clock:
    def __init__(self, now=1_800_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


def _make_app(data_dir, clock, **config):
    app = create_app({"DATA_DIR": data_dir, "TESTING": True, "FETCH_ALLOW_PRIVATE": True,
                      "FETCH_TIMEOUT": 5.0, "PUSH_TIMEOUT": 2.0, **config})
    app.extensions["editor_clock"] = clock
    db = connect(app.config)
    keys.ensure(data_dir, db)
    topic_store.upsert(db, "summit", "Summit coverage", position=0)
    topic_store.upsert(db, "breaking", "Breaking news", position=1)
    article_id = article_store.insert(db, "leaders-meet-in-tokyo", ARTICLE)
    topic_store.assign(db, article_id, ["summit"])
    editors.add(db, "ada", PASSWORD)
    app.extensions["test_db"] = db
    return app


@pytest.fixture
def desk(tmp_path, clock):
    app = _make_app(tmp_path / "data", clock)
    yield app
    app.extensions["test_db"].close()


@pytest.fixture
def web(desk):
    return desk.test_client()


@pytest.fixture
def editor(web):
    """A client logged in as ada."""
    response = _login(web, "ada", PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/editor/"
    return web


def _token(client, path="/editor/login"):
    page = BeautifulSoup(client.get(path).data, "html.parser")
    return page.find("input", {"name": "csrf_token"})["value"]


def _login(client, name, password):
    return client.post("/editor/login", data={"csrf_token": _token(client), "name": name, "password": password})


def _post(client, path, data, token_from="/editor/"):
    return client.post(path, data={"csrf_token": _token(client, token_from), **data})


def _error(response):
    page = BeautifulSoup(response.data, "html.parser")
    found = page.select_one(".error") or page.select_one("main p")
    return found.get_text(" ", strip=True) if found else ""


def _subscribe(db, n, topic="summit"):
    with transaction(db):
        for i in range(n):
            subscription_store.upsert(db, f"https://push.example/{topic}/{i}", P256DH, AUTH, [topic])


def _form(**fields):
    return {"title": "Japan sets a $19bn goal", "body": "Five leaders in Tokyo", "topic": "summit",
            "urgency": "normal", "ttl": str(payload.DEFAULT_TTL), "when": "now", "tz": "UTC",
            "article_id": "1", **fields}


# ---- access -----------------------------------------------------------------------------------

def _editor_routes(app):
    """(method, path, endpoint) of every desk route, with 1 for any alert id."""
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("editor."):
            continue
        path = re.sub(r"<int:\w+>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, path, rule.endpoint


def test_every_desk_route_needs_a_logged_in_editor(desk, web):
    routes = list(_editor_routes(desk))
    assert len(routes) >= 15
    for method, path, endpoint in routes:
        if endpoint in ("editor.login", "editor.login_post"):
            continue
        response = web.open(path, method=method)
        if endpoint in ("editor.alerts_json", "editor.alert_json", "editor.alert_chart", "editor.job_json"):
            assert response.status_code == 401, (method, path)
            assert response.is_json and "Log in" in response.json["message"]
        else:
            assert response.status_code == 303, (method, path)
            assert urlsplit(response.headers["Location"]).path == "/editor/login"
        assert response.headers["Cache-Control"] == "no-store"
    assert web.get("/editor/compose?article=1").headers["Location"] == "/editor/login?next=/editor/compose?article%3D1"


def test_a_post_without_a_valid_csrf_token_is_refused(desk, editor):
    for data in ({}, {"csrf_token": "forged"}):
        response = editor.post("/editor/topics", data={"mode-summit": "auto", **data})
        assert response.status_code == 400
        assert "CSRF" in _error(response)
    assert topic_store.get(desk.extensions["test_db"], "summit")["alert_mode"] == "off"
    assert desk.test_client().post("/editor/login", data={"name": "ada", "password": PASSWORD}).status_code == 400


def test_login_logout_and_the_session_cookie(desk, web):
    assert _login(web, "ada", "wrong password!").status_code == 403
    response = _login(web, "ada", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/editor" in cookie
    assert "Secure" not in cookie  # plain http here
    assert web.get("/editor/").status_code == 200
    assert _post(web, "/editor/logout", {}).headers["Location"] == "/editor/login"
    assert web.get("/editor/").status_code == 303


def test_the_cookie_is_secure_over_https_and_behind_a_trusted_proxy(tmp_path, clock):
    app = _make_app(tmp_path / "proxied", clock, PROXY_COUNT=1)
    https = app.test_client()
    token = _token(https)
    response = https.post("/editor/login", data={"csrf_token": token, "name": "ada", "password": PASSWORD},
                          headers={"X-Forwarded-Proto": "https", "Referer": "https://localhost/editor/login"})
    assert response.status_code == 303
    assert "Secure" in response.headers["Set-Cookie"]
    app.extensions["test_db"].close()


def test_readers_pages_set_no_session_and_take_no_token(web):
    assert "Set-Cookie" not in web.get("/").headers
    response = web.post("/settings/", data={"theme": "dark", "text": "m"})
    assert response.status_code == 303


def test_next_never_leaves_the_desk(desk):
    for target in ("https://evil.example/", "//evil.example/", "/settings/"):
        web = desk.test_client()
        token = _token(web)
        response = web.post("/editor/login", data={"csrf_token": token, "name": "ada", "password": PASSWORD,
                                                   "next": target})
        assert response.headers["Location"] == "/editor/"


def test_desk_pages_are_never_stored(editor):
    for path in ("/editor/", "/editor/compose", "/editor/topics", "/editor/alerts", "/editor/alerts.json"):
        response = editor.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store"
        assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


# ---- wrong passwords ----------------------------------------------------------------------------

STRANGER, EDITOR = "203.0.113.66", "198.51.100.10"


def _try(web, clock, name, password, advance=0, address=STRANGER):
    clock.now += advance
    return web.post("/editor/login", data={"csrf_token": _token(web), "name": name, "password": password},
                    environ_base={"REMOTE_ADDR": address})


def test_wrong_passwords_slow_down_then_lock_the_address_out(web, clock):
    for _ in range(editors.FREE_TRIES):
        assert _try(web, clock, "ada", "nope").status_code == 403
    refused = _try(web, clock, "ada", PASSWORD)       # even the right password must wait now
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "2"
    assert "Try again in 2 seconds" in _error(refused)
    delays = []
    for failures in range(editors.FREE_TRIES, editors.LOCK_AFTER):
        wait = editors.FIRST_DELAY * 2 ** (failures - editors.FREE_TRIES)
        assert _try(web, clock, "ada", "nope", advance=wait - 1).status_code == 429
        assert _try(web, clock, "ada", "nope", advance=1).status_code == 403
        delays.append(wait)
    assert delays == [2, 4, 8, 16, 32]                  # exponential
    locked = _try(web, clock, "bea", "nope", advance=60)  # the lock is the address's, whatever the name
    assert locked.status_code == 429 and "This address is locked out" in _error(locked)
    assert int(locked.headers["Retry-After"]) == editors.LOCK_SECONDS - 60
    assert _try(web, clock, "ada", PASSWORD, advance=editors.LOCK_SECONDS - 61).status_code == 429
    assert _try(web, clock, "ada", PASSWORD, advance=1).status_code == 303   # the lock is served out


def test_a_stranger_cannot_keep_an_editor_off_the_desk(desk, web, clock):
    """Wrong passwords for ada from many addresses: the name waits at most NAME_MAX_WAIT between
    tries, and not at all in a browser ada logged in from before."""
    known = desk.test_client()                          # ada's own browser: logged in before
    assert _try(known, clock, "ada", PASSWORD, address=EDITOR).status_code == 303
    assert _post(known, "/editor/logout", {}).status_code == 303
    for n in range(40):                                  # a botnet: a fresh address for every two tries
        _try(web, clock, "ada", f"guess {n}", address=f"192.0.2.{n // 2}", advance=editors.NAME_MAX_WAIT)
    waits = []
    for n in range(3):                                    # each stranger's try restarts the name's wait
        waits.append(int(_try(desk.test_client(), clock, "ada", PASSWORD, address=EDITOR).headers["Retry-After"]))
        _try(web, clock, "ada", "again", address=f"192.0.2.{100 + n}", advance=editors.NAME_MAX_WAIT)
    assert waits == [editors.NAME_MAX_WAIT] * 3          # bounded, never a lock-out
    assert _try(known, clock, "ada", PASSWORD, address=EDITOR).status_code == 303   # ada's browser: at once
    assert known.get("/editor/").status_code == 200
    fresh = desk.test_client()                             # a new phone waits out the name's wait, then is in
    assert _try(fresh, clock, "ada", PASSWORD, address=EDITOR, advance=editors.NAME_MAX_WAIT).status_code == 303


def test_a_device_cookie_speaks_for_its_own_name_only(desk, web, clock):
    known = desk.test_client()
    assert _try(known, clock, "ada", PASSWORD, address=EDITOR).status_code == 303
    cookie = known.get_cookie("reader_editor_device", path="/editor")
    assert cookie is not None and cookie.http_only and cookie.path == "/editor"
    assert _post(known, "/editor/logout", {}).status_code == 303
    editors.add(desk.extensions["test_db"], "bea", PASSWORD)
    for n in range(editors.FREE_TRIES):
        _try(web, clock, "bea", "nope", address=f"192.0.2.{n}")
    assert _try(known, clock, "bea", PASSWORD, address=EDITOR).status_code == 429   # ada's cookie, bea's name
    forged = desk.test_client()
    forged.set_cookie("reader_editor_device", "ImJlYSI.forged.signature", path="/editor")
    assert _try(forged, clock, "bea", PASSWORD, address=EDITOR).status_code == 429


def test_a_right_password_forgets_earlier_typos(web, clock, desk):
    for _ in range(editors.FREE_TRIES - 1):
        _try(web, clock, "ada", "nope")
    assert _try(web, clock, "ada", PASSWORD).status_code == 303
    db = desk.extensions["test_db"]
    assert editor_store.failures(db, "name:ada") == editor_store.failures(db, f"addr:{STRANGER}") == (0, 0.0)


def test_unknown_names_cost_a_password_check_only_inside_the_throttle(web, clock, monkeypatch):
    checks = []
    real = editors.check_password_hash
    monkeypatch.setattr(editors, "check_password_hash", lambda h, p: checks.append(h) or real(h, p))
    answers = [_try(web, clock, f"nobody{n}", "nope").status_code for n in range(96)]   # random names, one address
    assert answers == [403] * editors.FREE_TRIES + [429] * (96 - editors.FREE_TRIES)
    assert len(checks) == editors.FREE_TRIES and all(h.startswith("scrypt:") for h in checks)
    answers = [_try(web, clock, "nobody", "nope", address=EDITOR).status_code for _ in range(editors.FREE_TRIES + 1)]
    assert answers == [403, 403, 403, 429]                 # one name, slowed down like a known one
    assert _try(web, clock, "ada", PASSWORD, address="192.0.2.200").status_code == 303   # others unaffected


# ---- sessions end on the server ----------------------------------------------------------------

def _copied_session(desk, clock):
    """A client logged in as ada, and a second client holding a copy of its cookie."""
    first = desk.test_client()
    assert _try(first, clock, "ada", PASSWORD, address=EDITOR).status_code == 303
    copy = desk.test_client()
    copy.set_cookie("reader_editor", first.get_cookie("reader_editor", path="/editor").value, path="/editor")
    assert copy.get("/editor/").status_code == 200
    return first, copy


def test_logout_ends_the_session_for_every_copy_of_the_cookie(desk, clock):
    first, copy = _copied_session(desk, clock)
    assert _post(first, "/editor/logout", {}).status_code == 303
    assert copy.get("/editor/").status_code == 303 and first.get("/editor/").status_code == 303
    assert copy.get("/editor/alerts.json").status_code == 401


def test_a_new_password_ends_every_session_and_the_old_one_stops_working(desk, clock):
    first, copy = _copied_session(desk, clock)
    result = desk.test_cli_runner().invoke(args=["editor", "password", "ada", "--password-stdin"],
                                           input="a brand new passphrase\n")
    assert result.exit_code == 0 and "1 session ended" in result.output
    assert copy.get("/editor/").status_code == 303 and first.get("/editor/").status_code == 303
    assert _try(desk.test_client(), clock, "ada", PASSWORD, address=EDITOR).status_code == 403
    assert _try(desk.test_client(), clock, "ada", "a brand new passphrase", address=EDITOR).status_code == 303
    short = desk.test_cli_runner().invoke(args=["editor", "password", "ada", "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "at least 10" in short.output
    nobody = desk.test_cli_runner().invoke(args=["editor", "password", "zed", "--password-stdin"],
                                           input="a long passphrase\n")
    assert nobody.exit_code == 1 and "no editor named 'zed'" in nobody.output


def test_removing_an_editor_ends_their_sessions(desk, clock):
    first, copy = _copied_session(desk, clock)
    assert desk.test_cli_runner().invoke(args=["editor", "remove", "ada"]).exit_code == 0
    editors.add(desk.extensions["test_db"], "ada", PASSWORD)        # a new account under the same name
    assert copy.get("/editor/").status_code == 303 and first.get("/editor/").status_code == 303


def test_a_session_ends_after_its_hours(desk, clock):
    first, _ = _copied_session(desk, clock)
    clock.now += desk.config["EDITOR_SESSION_HOURS"] * 3600 - 1
    assert first.get("/editor/").status_code == 200
    clock.now += 1
    assert first.get("/editor/").status_code == 303


# ---- compose and confirm -----------------------------------------------------------------------

def test_the_prefill_button_fills_headline_summary_and_topic(editor):
    desk_page = BeautifulSoup(editor.get("/editor/").data, "html.parser")
    story = desk_page.select_one('li[data-article="1"]')
    assert "Summit coverage" in story.get_text()
    form = story.find("form")
    assert form["action"] == "/editor/compose" and form.find("input", {"name": "article"})["value"] == "1"
    page = BeautifulSoup(editor.get("/editor/compose?article=1").data, "html.parser")
    assert page.find("input", {"name": "title"})["value"] == ARTICLE["title"]
    assert page.find("textarea", {"name": "body"}).get_text() == ARTICLE["description"]
    assert page.select_one("select[name=topic] option[selected]")["value"] == "summit"
    compose = page.select_one("form[data-compose]")
    assert compose["data-max"] == str(payload.MAX_PAYLOAD) == "3993"
    assert compose["data-url"] == "/articles/leaders-meet-in-tokyo/"
    assert page.select_one("[data-preview=title]").get_text() == ARTICLE["title"]
    assert "of 3993 bytes" in page.select_one(".counter").get_text(" ", strip=True)


BAD_FORMS = [
    ({"title": "  "}, "an alert needs a title"),
    ({"title": "x" * 121}, "at most 120"),
    ({"body": "x" * 401}, "at most 400"),
    ({"topic": "nowhere"}, "choose a topic"),
    ({"urgency": "urgent"}, "urgency must be one of"),
    ({"ttl": "soon"}, "TTL must be a whole number"),
    ({"ttl": "0"}, "TTL must be 1 to"),
    ({"article_id": "999"}, "no longer exists"),
    ({"when": "later", "send_at": ""}, "give the date and time"),
    ({"when": "later", "send_at": "2020-01-01T10:00"}, "has passed"),
    ({"when": "later", "send_at": "2099-01-01T10:00", "tz": "Mars/Olympus"}, "unknown time zone"),
    ({"when": "later", "send_at": "2099-03-29T02:30", "tz": "Europe/Berlin"}, "does not exist"),
]


@pytest.mark.parametrize("fields, message", BAD_FORMS)
def test_compose_errors_are_a_400_with_a_message(editor, desk, fields, message):
    response = _post(editor, "/editor/compose", _form(**fields), token_from="/editor/compose")
    assert response.status_code == 400
    assert message in _error(response)
    page = BeautifulSoup(response.data, "html.parser")
    assert page.select_one("form[data-compose]") is not None     # the form again, values kept
    assert alert_store.recent(desk.extensions["test_db"]) == []


def test_the_confirm_step_shows_audience_size_and_queues_nothing(editor, desk):
    db = desk.extensions["test_db"]
    _subscribe(db, 1234)
    response = _post(editor, "/editor/compose", _form(), token_from="/editor/compose")
    assert response.status_code == 200
    page = BeautifulSoup(response.data, "html.parser")
    assert page.select_one(".audience").get_text(" ", strip=True) == (
        "To 1,234 readers following Summit coverage (1,234 new: no alert has reached them yet)")
    assert alert_store.recent(db) == []
    size = page.select_one("[data-size]").get_text()
    confirm = page.select_one("form[action='/editor/alerts']")
    fields = {i["name"]: i.get("value", "") for i in confirm.find_all("input")}
    assert _post(editor, "/editor/alerts", {**fields, "step": "confirm"}).status_code == 303
    alert = alert_store.get(db, 1)
    assert size == f"{len(payload.build(alert, article_url='/articles/leaders-meet-in-tokyo/'))} of 3993 bytes"


def test_the_audience_is_who_accepted_a_delivery_lately_and_new_ones_are_marked(editor, desk):
    db = desk.extensions["test_db"]
    _subscribe(db, 14)
    long_ago = "2000-01-01T00:00:00+00:00"
    with transaction(db):
        for number, (created, delivered) in enumerate([(long_ago, "now")] * 3 + [(long_ago, long_ago)] * 2
                                                      + [("now", None)] * 4 + [(long_ago, None)] * 5):
            db.execute("UPDATE subscriptions SET created_at = ?, delivered_at = ? WHERE endpoint = ?",
                       (_when(created), _when(delivered), f"https://push.example/summit/{number}"))
    page = BeautifulSoup(_post(editor, "/editor/compose", _form(), token_from="/editor/compose").data, "html.parser")
    assert page.select_one("[data-audience]")["data-audience"] == "7"          # 3 reached lately and 4 new
    assert page.select_one("[data-audience-new]")["data-audience-new"] == "4"
    outbox.queue(db, title="One", body="", topic="summit", state="pending_approval", source="auto")
    desk_page = BeautifulSoup(editor.get("/editor/").data, "html.parser")
    assert "To 7 readers following Summit coverage" in desk_page.select_one("li[data-alert]").get_text(" ", strip=True)
    assert "· 7 readers" in BeautifulSoup(editor.get("/editor/topics").data, "html.parser").legend.get_text()


def _when(value):
    return utcnow() if value == "now" else value


def test_confirming_queues_for_the_worker_and_writes_the_log(editor, desk):
    db = desk.extensions["test_db"]
    _subscribe(db, 3)
    response = _post(editor, "/editor/alerts", _form())
    assert response.status_code == 303 and response.headers["Location"] == "/editor/alerts/1"
    alert = alert_store.get(db, 1)
    assert (alert["state"], alert["created_by"], alert["source"], alert["send_at"]) == ("queued", "ada", "editor", None)
    assert ledger.figures(db, 1)["queued"] == 0   # nothing fanned out or sent inside the request
    assert [(e["editor"], e["action"], e["alert_id"]) for e in audit.entries(db)] == [("ada", "queued", 1)]
    page = BeautifulSoup(editor.get("/editor/alerts/1").data, "html.parser")
    assert page.select_one("table.figures")["data-poll"] == "/editor/alerts/1.json"
    assert editor.get("/editor/alerts/1.json").json == {
        "id": 1, "state": "queued", "live": True, "actions": ["cancel"],
        "figures": {"queued": 0, "pending": 0, "sent": 0, "failed": 0, "expired": 0, "clicked": 0}}


def test_a_schedule_is_typed_in_the_editors_zone_and_stored_in_utc(editor, desk):
    db = desk.extensions["test_db"]
    fields = _form(when="later", send_at="2099-01-01T10:00", tz="Asia/Almaty")
    confirm = BeautifulSoup(_post(editor, "/editor/compose", fields, token_from="/editor/compose").data, "html.parser")
    assert "Thu 1 Jan 2099, 10:00 (Asia/Almaty)" in confirm.select_one("[data-when]").get_text()
    assert _post(editor, "/editor/alerts", fields).status_code == 303
    alert = alert_store.get(db, 1)
    assert alert["state"] == "scheduled" and alert["send_at"] == "2099-01-01T05:00:00+00:00"
    assert audit.entries(db)[0]["action"] == "scheduled"


# ---- sending: only the worker, and only when due -----------------------------------------------

@pytest.fixture
def service():
    from pushservice import PushService

    with PushService() as push:
        yield push


def test_a_scheduled_alert_is_not_sent_before_its_time_and_is_after(tmp_path, clock, service):
    app = _make_app(tmp_path / "push", clock, PUSH_SERVICE_HOSTS=[service.origin])
    db = app.extensions["test_db"]
    phones = service.subscribe_many(3)
    with transaction(db):
        for phone in phones:
            info = phone.info()
            subscription_store.upsert(db, info["endpoint"], info["keys"]["p256dh"], info["keys"]["auth"], ["summit"])
    client = app.test_client()
    _login(client, "ada", PASSWORD)
    assert _post(client, "/editor/alerts", _form(when="later", send_at="2099-01-01T10:00")).status_code == 303
    assert outbox.send_due(db, app.config) == {}
    assert service.received() == [] and alert_store.get(db, 1)["state"] == "scheduled"
    db.execute("UPDATE alerts SET send_at = '2000-01-01T00:00:00+00:00' WHERE id = 1")  # its time has come
    figures = outbox.send_due(db, app.config)[1]
    assert figures["sent"] == 3 and alert_store.get(db, 1)["state"] == "sent"
    received = service.received()
    assert len(received) == 3 and {m.json()["alert"] for m in received} == {1}
    assert [e["action"] for e in audit.entries(db, alert_id=1)] == ["sent", "scheduled"]
    db.close()


# ---- approvals, cancelling, topics ------------------------------------------------------------

def test_approve_and_cancel_change_the_state_and_write_the_log(editor, desk):
    db = desk.extensions["test_db"]
    first = outbox.queue(db, title="One", body="", topic="summit", article_id=1, state="pending_approval", source="auto")
    second = outbox.queue(db, title="Two", body="", topic="summit", state="pending_approval", source="auto")
    page = BeautifulSoup(editor.get("/editor/").data, "html.parser")
    card = page.select_one(f'li[data-alert="{first}"]')
    assert card.select_one(f"form[action='/editor/alerts/{first}/approve'] button") is not None
    assert _post(editor, f"/editor/alerts/{first}/approve", {"back": "/editor/"}).headers["Location"] == "/editor/"
    assert _post(editor, f"/editor/alerts/{second}/cancel", {}).status_code == 303
    assert alert_store.get(db, first)["state"] == "queued" and alert_store.get(db, second)["state"] == "cancelled"
    log = [(e["editor"], e["action"], e["alert_id"]) for e in audit.entries(db)]
    assert log == [("ada", "cancelled", second), ("ada", "approved", first)]
    again = _post(editor, f"/editor/alerts/{second}/approve", {})
    assert again.status_code == 409 and _error(again) == f"Alert {second} can no longer be approved: it is cancelled."
    assert _post(editor, "/editor/alerts/99/cancel", {}).status_code == 404
    activity = BeautifulSoup(editor.get("/editor/").data, "html.parser").select(".activity li")
    assert "ada cancelled alert 2" in activity[0].get_text(" ", strip=True)


def test_topics_take_off_auto_or_approval_and_approval_waits_on_the_desk(editor, desk):
    db = desk.extensions["test_db"]
    assert _post(editor, "/editor/topics", {"mode-summit": "approval"}, "/editor/topics").status_code == 303
    assert topic_store.get(db, "summit")["alert_mode"] == "approval"
    assert topic_store.get(db, "breaking")["alert_mode"] == "off"
    assert audit.entries(db)[0]["detail"] == "summit: off → approval"
    assert _post(editor, "/editor/topics", {"mode-summit": "loud"}, "/editor/topics").status_code == 400
    topic_store.record_event(db, "summit", 1)
    [made] = outbox.from_events(db)
    page = BeautifulSoup(editor.get("/editor/").data, "html.parser")
    assert "Needs approval" in page.select_one(f'li[data-alert="{made}"]').get_text()


# ---- ingest now --------------------------------------------------------------------------------

def _job(client, response):
    """Follow an ingest's redirect to its job and wait (polling its state, 30 s at most) for the end."""
    assert response.status_code == 303, response.data
    path = urlsplit(response.headers["Location"]).path
    assert re.fullmatch(r"/editor/jobs/\d+", path)
    for _ in range(300):
        status = client.get(path + ".json").json
        if status["state"] not in ("queued", "running"):
            return path, status
        time.sleep(0.1)
    raise AssertionError(f"job {path} still {status['state']} after 30 s")


def test_ingest_runs_as_a_job_and_shows_each_result_or_error(editor, desk, tmp_path, clock, new_store):
    from servers import LoopbackServer, respond
    from test_ingest import _ok_page

    with LoopbackServer({"/ok.html": _ok_page, "/404.html": lambda r: respond(r, 404, b"gone")}) as server:
        done_path, done = _job(editor, _post(editor, "/editor/ingest", {"url": server.url("/ok.html")}))
        _, failed = _job(editor, _post(editor, "/editor/ingest", {"url": server.url("/404.html")}))
        guarded_app = _make_app(tmp_path / "guarded", clock, FETCH_ALLOW_PRIVATE=False, **new_store())
        guarded = guarded_app.test_client()
        _login(guarded, "ada", PASSWORD)
        _, blocked = _job(guarded, _post(guarded, "/editor/ingest", {"url": server.url("/ok.html")}))
        guarded_app.extensions["test_db"].close()
    assert (done["state"], done["total"], done["done"]) == ("done", 1, 1)
    page = BeautifulSoup(editor.get(done_path).data, "html.parser")
    result = page.select_one(".results li")
    assert result["class"] == ["result-new"] and "Alert readers" in result.get_text()
    assert page.select_one('meta[http-equiv="refresh"]') is None  # over: no more reloading
    assert failed["state"] == "failed" and [r["error"] for r in failed["results"]] == ["HTTP 404"]
    assert blocked["state"] == "failed" and "blocked: 127.0.0.1 is a loopback address" in blocked["results"][0]["error"]
    assert _post(editor, "/editor/ingest", {"url": "file:///etc/passwd"}).status_code == 400
    jobs = BeautifulSoup(editor.get("/editor/").data, "html.parser").select("ul.jobs li")
    assert [li.select_one("[data-state]")["data-state"] for li in jobs] == ["failed", "done"]


def test_a_slow_publisher_does_not_hold_the_request(editor, desk):
    from servers import LoopbackServer
    from test_ingest import _ok_page

    release = threading.Event()
    with LoopbackServer({"/ok.html": _ok_page}) as server:
        server.routes["/slow.html"] = lambda r: release.wait(30) and _ok_page(r)
        response = _post(editor, "/editor/ingest", {"url": server.url("/slow.html")})
        assert response.status_code == 303  # answered while the publisher has not answered
        path = urlsplit(response.headers["Location"]).path
        page = BeautifulSoup(editor.get(path).data, "html.parser")
        assert page.select_one("[data-state]")["data-state"] in ("queued", "running")
        assert page.select_one('meta[http-equiv="refresh"]')["content"] == "2"
        release.set()
        _, status = _job(editor, response)
    assert status["state"] == "done" and status["results"][0]["status"] == "new"


def test_only_so_many_ingests_run_at_once(tmp_path, clock):
    from servers import LoopbackServer
    from test_ingest import _ok_page

    app = _make_app(tmp_path / "data", clock, DESK_INGEST_JOBS=1)
    client = app.test_client()
    _login(client, "ada", PASSWORD)
    release = threading.Event()
    with LoopbackServer({"/slow.html": lambda r: release.wait(30) and _ok_page(r)}) as server:
        first = _post(client, "/editor/ingest", {"url": server.url("/slow.html")})
        second = _post(client, "/editor/ingest", {"url": server.url("/slow.html")})
        release.set()
        _job(client, first)
    app.extensions["test_db"].close()
    assert second.status_code == 429
    assert _error(second) == "1 ingests are running; try again when one has finished."


def test_an_ingest_past_its_time_limit_fails_saying_so(tmp_path, clock):
    from servers import LoopbackServer, stream

    app = _make_app(tmp_path / "data", clock, DESK_INGEST_SECONDS=1.0)
    client = app.test_client()
    _login(client, "ada", PASSWORD)
    with LoopbackServer() as server:
        server.routes["/slow.html"] = lambda r: stream(r, (b"<p>more</p>" for _ in range(300)
                                                           if not server.stopping.wait(0.1)))
        _, status = _job(client, _post(client, "/editor/ingest", {"url": server.url("/slow.html")}))
    app.extensions["test_db"].close()
    assert status["state"] == "failed"
    assert status["results"][0]["error"] == "the ingest ran out of time (1s for one desk ingest)"


def test_a_job_whose_runner_went_silent_is_shown_failed(editor, desk):
    db = desk.extensions["test_db"]
    with transaction(db):
        job_id = job_store.create(db, "https://news.example/a", "ada", now=time.time() - 3600,
                                  deadline=time.time())
    assert job_store.start(db, job_id, now=time.time() - 3600)
    status = editor.get(f"/editor/jobs/{job_id}.json").json
    assert status["state"] == "failed" and status["error"] == ingest_jobs.LOST


def test_an_error_inside_a_job_is_recorded_on_it(editor, desk, monkeypatch):
    def broken(self, source, topic=None):
        raise RuntimeError("a bug")

    monkeypatch.setattr(Ingester, "expand", broken)
    _, status = _job(editor, _post(editor, "/editor/ingest", {"url": "https://news.example/a"}))
    assert status["state"] == "failed"
    assert status["error"] == "internal error (RuntimeError); the log has the details"


# ---- history and chart -------------------------------------------------------------------------

def _sent_alert(db):
    alert_id = outbox.queue(db, title="One", body="", topic="summit", state="sent")
    with transaction(db):
        for minute, count in (("10:00", 3), ("10:01", 5), ("10:04", 1)):
            for n in range(count):
                db.execute("INSERT INTO deliveries (alert_id, endpoint, state, sent_at) VALUES (?, ?, 'sent', ?)",
                           (alert_id, f"https://push.example/{minute}/{n}", f"2025-12-22T{minute}:{n:02d}+00:00"))
        db.execute("INSERT INTO clicks (alert_id, at) VALUES (?, '2025-12-22T10:03:10+00:00')", (alert_id,))
    return alert_id


def test_the_chart_is_accessible_svg_with_no_style_attributes(editor, desk):
    db = desk.extensions["test_db"]
    alert_id = _sent_alert(db)
    response = editor.get(f"/editor/alerts/{alert_id}/chart.svg")
    assert response.mimetype == "image/svg+xml"
    svg = ET.fromstring(response.data)
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert svg.find("s:title", ns).text == f"Deliveries and clicks over time for alert {alert_id}"
    desc = svg.find("s:desc", ns).text
    assert desc.startswith("9 delivered between 22 Dec 10:00 and 22 Dec 10:05 UTC; 1 clicked")
    assert len(svg.findall(".//s:rect", ns)) == 2 * 5     # five one-minute buckets, two bars each
    assert not [el for el in svg.iter() if "style" in el.attrib]
    page = BeautifulSoup(editor.get(f"/editor/alerts/{alert_id}").data, "html.parser")
    assert page.select_one("[data-chart-box] svg title") is not None
    assert page.select_one("[data-chart-summary]").get_text() == desc
    assert page.select_one("table.figures").get("data-poll") is None     # sent: nothing moves any more
    empty = outbox.queue(db, title="Two", body="", topic="summit")
    assert "Nothing delivered yet" in ET.fromstring(editor.get(f"/editor/alerts/{empty}/chart.svg").data).find(
        "s:text", ns).text


def test_history_lists_every_alert_with_state_and_figures(editor, desk):
    db = desk.extensions["test_db"]
    sent = _sent_alert(db)
    waiting = outbox.queue(db, title="Two", body="", topic="summit", state="pending_approval")
    page = BeautifulSoup(editor.get("/editor/alerts").data, "html.parser")
    rows = {int(r["data-alert"]): r for r in page.select("tr[data-alert]")}
    assert set(rows) == {sent, waiting}
    figures = {c["data-figure"]: c.get_text() for c in rows[sent].select("[data-figure]")}
    assert figures == {"queued": "9", "sent": "9", "failed": "0", "expired": "0", "clicked": "1"}
    assert rows[waiting].select_one("[data-state]")["data-state"] == "pending_approval"
    data = editor.get("/editor/alerts.json").json["alerts"]
    assert [(a["id"], a["state"], a["figures"]["sent"]) for a in data] == [(waiting, "pending_approval", 0),
                                                                            (sent, "sent", 9)]


# ---- reader editor add -------------------------------------------------------------------------

def test_reader_editor_add_hashes_the_password(desk):
    runner = desk.test_cli_runner()
    db = desk.extensions["test_db"]
    result = runner.invoke(args=["editor", "add", "Bea", "--password-stdin"], input="a long passphrase\n")
    assert result.exit_code == 0, result.output
    stored = editor_store.get(db, "bea")["password_hash"]
    assert stored.startswith("scrypt:") and "a long passphrase" not in stored
    prompted = runner.invoke(args=["editor", "add", "cem"], input="another passphrase\nanother passphrase\n")
    assert prompted.exit_code == 0, prompted.output
    assert "at least 10" in runner.invoke(args=["editor", "add", "dan", "--password-stdin"], input="short\n").output
    assert "exists already" in runner.invoke(args=["editor", "add", "ada", "--password-stdin"],
                                             input="a long passphrase\n").output
    assert "bea" in runner.invoke(args=["editor", "list"]).output
    client = desk.test_client()
    assert _login(client, "BEA", "a long passphrase").status_code == 303


# ---- the alert page follows the alert (issue 12.15) --------------------------------------------

def test_the_buttons_follow_the_state_and_a_late_cancel_stays_on_the_desk(editor, desk):
    db = desk.extensions["test_db"]
    alert_id = outbox.queue(db, title="One", body="", topic="summit", state="scheduled", send_at="2099-01-01T00:00:00+00:00")
    page = BeautifulSoup(editor.get(f"/editor/alerts/{alert_id}").data, "html.parser")
    assert [f["data-action"] for f in page.select("form[data-action]")] == ["cancel"]
    assert editor.get(f"/editor/alerts/{alert_id}.json").json["actions"] == ["cancel"]
    alert_store.set_state(db, alert_id, "sending")
    alert_store.set_state(db, alert_id, "sent")                     # the sender finished meanwhile
    status = editor.get(f"/editor/alerts/{alert_id}.json").json
    assert (status["state"], status["actions"]) == ("sent", [])     # editor.js takes the button away
    late = _post(editor, f"/editor/alerts/{alert_id}/cancel", {"back": f"/editor/alerts/{alert_id}"})
    assert late.status_code == 409
    page = BeautifulSoup(late.data, "html.parser")
    assert "desk" in page.body["class"]                              # the desk's page, not the reader's
    assert _error(late) == f"Alert {alert_id} can no longer be cancelled: it is sent."
    assert page.select_one("td[data-state]")["data-state"] == "sent" and not page.select("form[data-action]")
    pending = outbox.queue(db, title="Two", body="", topic="summit", state="pending_approval", source="auto")
    assert editor.get(f"/editor/alerts/{pending}.json").json["actions"] == ["approve", "cancel"]


def test_a_sending_alert_can_be_cancelled_and_its_senders_stop(editor, desk):
    db = desk.extensions["test_db"]
    alert_id = outbox.queue(db, title="One", body="", topic="summit")
    alert_store.set_state(db, alert_id, "sending")
    assert _post(editor, f"/editor/alerts/{alert_id}/cancel", {}).status_code == 303
    assert alert_store.get(db, alert_id)["state"] == "cancelled"
    assert ledger.outlook(db, alert_id, time.time()) == (0, None)


def test_a_sent_alerts_page_follows_clicks_for_a_day(editor, desk, clock):
    db = desk.extensions["test_db"]
    alert_id = outbox.queue(db, title="One", body="", topic="summit")
    finished = datetime.fromtimestamp(clock.now - 3600, timezone.utc).isoformat(timespec="seconds")
    db.execute("UPDATE alerts SET state = 'sent', started_at = ?, finished_at = ? WHERE id = ?",
               (finished, finished, alert_id))
    page = BeautifulSoup(editor.get(f"/editor/alerts/{alert_id}").data, "html.parser")
    assert page.select_one("table.figures")["data-poll"] == f"/editor/alerts/{alert_id}.json"
    delivery = db.execute("INSERT INTO deliveries (alert_id, endpoint, state, click_token) VALUES (?, ?, 'sent', ?)"
                          " RETURNING id", (alert_id, "https://push.example/1", "a" * 32)).fetchone()[0]
    assert editor.post("/api/push/clicks", json={"alert": alert_id, "click": f"{delivery}.{'a' * 32}"}).status_code == 204
    status = editor.get(f"/editor/alerts/{alert_id}.json").json
    assert status["live"] is True and status["figures"]["clicked"] == 1
    clock.now += 22 * 3600                       # (a new log-in: a session lasts 12 hours)
    assert _login(editor, "ada", PASSWORD).status_code == 303
    assert editor.get(f"/editor/alerts/{alert_id}.json").json["live"] is True
    clock.now += 3600
    assert editor.get(f"/editor/alerts/{alert_id}.json").json["live"] is False
    assert BeautifulSoup(editor.get(f"/editor/alerts/{alert_id}").data, "html.parser").select_one(
        "table.figures").get("data-poll") is None


def test_the_desk_shows_the_push_senders_alive_and_red_when_none(editor, desk):
    from reader.store import senders as sender_store

    page = BeautifulSoup(editor.get("/editor/").data, "html.parser")
    panel = page.select_one("section.senders")
    assert "senders-none" in panel["class"] and "No push sender is alive" in panel.get_text()
    db = desk.extensions["test_db"]
    now = __import__("time").time()
    sender_store.beat(db, "node-2:4242:ab12cd", host="node-2", pid=4242, started_at=now - 60, now=now - 2,
                      alert_id=None, sent=1234)
    sender_store.beat(db, "node-3:77:ee01ff", host="node-3", pid=77, started_at=now - 600, now=now - 300)
    for path in ("/editor/", "/editor/alerts"):
        panel = BeautifulSoup(editor.get(path).data, "html.parser").select_one("section.senders")
        assert "senders-none" not in panel["class"]
        text = " ".join(panel.get_text().split())
        assert "1 sender alive" in text and "node-2:4242:ab12cd: alive" in text and "1,234 sent" in text
        assert "node-3:77:ee01ff: silent" in text
