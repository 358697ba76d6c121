"""Feeds polled politely: conditional GET, new entries only, failures recorded per feed."""
import json

import pytest

from servers import LoopbackServer, respond
from test_ingest import FIRST, FIXTURES

# The per-host delay itself is tested in test_fetch.py (host_delay); here it only slows the suite.
QUICK_DELAY = 0.05


@pytest.fixture
def app(app):
    app.config["POLL_HOST_DELAY"] = QUICK_DELAY
    return app


ITEM = '<item><title>{0}</title><link>/story-{0}.html</link></item>'


class Feed:
    def __init__(self):
        self.items = ["one"]
        self.server = LoopbackServer({"/feed.xml": self.feed, "/story-one.html": self.story,
                                      "/story-two.html": self.story})

    def feed(self, request):
        body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Valley Post</title>'
                + "".join(ITEM.format(name) for name in self.items) + "</channel></rss>").encode()
        etag = f'"v{len(self.items)}"'
        if request.headers.get("If-None-Match") == etag:
            return respond(request, 304, b"", None, headers=[("ETag", etag)])
        respond(request, 200, body, "application/rss+xml", headers=[("ETag", etag)])

    def story(self, request):
        html = (FIXTURES / "article.html").read_text().replace("{body_sentence}", FIRST + request.path)
        html = html.replace('<link rel="canonical" href="{origin}/world/water-talks.html">', "")
        html = html.replace("Water talks resume in Bishkek", "Water talks " + request.path)
        respond(request, 200, html.encode())


def test_poll_uses_validators_and_ingests_only_new_entries(app):
    feed = Feed()
    runner = app.test_cli_runner()
    with feed.server:
        assert runner.invoke(args=["sources", "add", feed.server.url("/feed.xml"), "--topic", "region"]).exit_code == 0
        first = runner.invoke(args=["poll", "--json"])
        assert [json.loads(line)["status"] for line in first.output.splitlines()] == ["new"]
        second = runner.invoke(args=["poll", "--json"])
        assert second.output == ""
        feed_requests = [r for r in feed.server.requests if r["path"] == "/feed.xml"]
        assert feed_requests[1]["headers"]["if-none-match"] == '"v1"'
        assert "ReaderBot" in feed_requests[0]["headers"]["user-agent"]
        feed.items.append("two")
        third = runner.invoke(args=["poll", "--json"])
        assert [json.loads(line)["url"].rsplit("/", 1)[1] for line in third.output.splitlines()] == ["story-two.html"]
    listing = runner.invoke(args=["sources", "list"]).output
    assert "topic=region" in listing and "1 new" in listing


def test_a_broken_feed_is_recorded_and_reported(app):
    with LoopbackServer({"/feed.xml": lambda r: respond(r, 500, b"down")}) as server:
        runner = app.test_cli_runner()
        runner.invoke(args=["sources", "add", server.url("/feed.xml")])
        result = runner.invoke(args=["poll", "--json"])
    assert json.loads(result.output)["error"] == "HTTP 500"
    assert "error (HTTP 500)" in runner.invoke(args=["sources", "list"]).output


def test_sources_add_refuses_what_is_not_a_web_url(app):
    result = app.test_cli_runner().invoke(args=["sources", "add", "file:///etc/passwd"])
    assert result.exit_code == 2 and "http(s) URL" in result.output


def test_init_twice_and_show_formats(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    assert runner.invoke(args=["init"]).exit_code == 0
    page = tmp_path / "story.html"
    page.write_text((FIXTURES / "article.html").read_text().replace("{body_sentence}", FIRST)
                    .replace('<link rel="canonical" href="{origin}/world/water-talks.html">', ""))
    [line] = runner.invoke(args=["ingest", "--json", str(page)]).output.splitlines()
    article_id = json.loads(line)["id"]
    shown = json.loads(runner.invoke(args=["show", str(article_id), "--format", "json"]).output)
    assert shown["title"] == "Water talks resume in Bishkek" and shown["lang"] == "en"
    assert runner.invoke(args=["show", str(article_id), "--format", "html"]).output.startswith("<")
    assert "Negotiators" in runner.invoke(args=["show", str(article_id)]).output
    missing = runner.invoke(args=["show", "999"])
    assert missing.exit_code == 1 and "no article with id 999" in missing.output
