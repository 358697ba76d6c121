import json
from email.utils import formatdate

import pytest

from reader import feeds
from reader.budget import Budget, BudgetError

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Desk</title>
<item><title>One</title><link>/news/one.html</link></item>
<item><title>Two</title><guid>https://news.example/two</guid></item>
<item><title>Bad</title><link>javascript:alert(1)</link></item>
</channel></rss>"""
ATOM = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
<entry><title>E</title><link href="https://news.example/e"/></entry></feed>"""
JSON_FEED = b"""{"version": "https://jsonfeed.org/version/1.1", "title": "J",
"items": [{"id": "1", "url": "https://news.example/j", "title": "J1"}]}"""


@pytest.mark.parametrize("body, urls", [
    (RSS, ["https://news.example/news/one.html", "https://news.example/two"]),
    (ATOM, ["https://news.example/e"]),
    (JSON_FEED, ["https://news.example/j"]),
])
def test_feeds_are_detected_and_read(body, urls):
    assert feeds.is_feed(body)
    assert [e.url for e in feeds.parse(body, "https://news.example/feed").entries] == urls


def test_html_is_not_a_feed():
    assert not feeds.is_feed(b"<!doctype html><html><body>rss</body></html>")


@pytest.mark.parametrize("body, reason", [
    (b"<rss><channel><item><title>x", "broken feed"),
    (b"not a feed at all", "broken feed"),
    (b'{"items": []}', "not a JSON Feed"),
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "broken JSON feed"),
    (b'<rss version="2.0"><channel><title>t</title></channel></rss>', "lists no articles"),
])
def test_broken_feeds_name_the_problem(body, reason):
    with pytest.raises(feeds.FeedError, match=reason):
        feeds.parse(body, "https://news.example/feed")


@pytest.mark.parametrize("charset", ["base64", "bz2", "hex", "idna", "punycode", "quopri",
                                     "rot13", "undefined", "uu", "zlib"])
def test_a_bogus_xml_encoding_is_ignored_and_the_text_detected(charset):
    body = (f'<?xml version="1.0" encoding="{charset}"?><rss version="2.0"><channel>'
            '<title>Лента</title><item><title>Кафе открылось снова после ремонта</title>'
            '<link>https://news.example/cafe</link></item></channel></rss>').encode("cp1251")
    feed = feeds.parse(body, "https://news.example/feed")
    assert feed.title == "Лента"
    assert [(e.url, e.title) for e in feed.entries] == [
        ("https://news.example/cafe", "Кафе открылось снова после ремонта")]


def test_a_declared_windows_1251_feed_is_read():
    body = ('<?xml version="1.0" encoding="windows-1251"?><rss version="2.0"><channel>'
            '<title>Лента</title><item><title>Новости</title>'
            '<link>https://news.example/a</link></item></channel></rss>').encode("cp1251")
    assert feeds.parse(body, "https://news.example/feed").entries[0].title == "Новости"


def _deep(depth, where):
    """A JSON Feed nested `depth` levels in its items or its title (issue 12.9)."""
    nested = {"items": b"[" * depth + b"]" * depth, "title": b'{"a":' * depth + b"1" + b"}" * depth}
    return (b'{"version": "https://jsonfeed.org/version/1.1", "title": '
            + (nested["title"] if where == "title" else b'"T"') + b', "items": ['
            + (nested["items"] if where == "items" else b'{"url": "https://news.example/a"}') + b"]}")


@pytest.mark.parametrize("depth", [5_000, 100_000])
@pytest.mark.parametrize("where", ["items", "title"])
def test_a_deeply_nested_json_feed_is_a_feed_error(depth, where):
    body = _deep(depth, where)
    assert feeds.is_feed(body)
    with pytest.raises(feeds.FeedError, match=r"broken JSON feed \(nested too deeply\)"):
        feeds.parse(body, "https://news.example/feed")


def test_json_feed_fields_that_are_not_text_are_ignored():
    body = (b'{"version": "https://jsonfeed.org/version/1.1", "title": {"a": [1]}, "items": '
            b'[{"url": "https://news.example/a", "title": ["x"], "summary": {"b": 2}}]}')
    feed = feeds.parse(body, "https://news.example/feed")
    assert (feed.title, feed.entries[0].title, feed.entries[0].summary) == ("", "", "")


@pytest.mark.parametrize("body", [
    json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Desk\u001b[31m wire\u0000",
                "items": [{"url": "https://news.example/a", "title": "Quay\u001b]0;owned\u0007 reopens",
                           "summary": "Cafe\u0008s\u001f back"}]}).encode(),
    (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Desk&#27;[31m wire</title><item>'
     b"<link>https://news.example/a</link><title>Quay&#27;]0;owned&#7; reopens</title>"
     b"<description>Cafe&#8;s&#31; back</description></item></channel></rss>"),
], ids=["json", "rss"])
def test_a_feeds_text_keeps_no_control_characters(body):
    """Issue 12.19: the feed's title is stored with its source (sources.title); none of its text
    may carry a terminal escape or a character XML refuses."""
    feed = feeds.parse(body, "https://news.example/feed")
    assert (feed.title, feed.entries[0].title, feed.entries[0].summary) == \
        ("Desk[31m wire", "Quay]0;owned reopens", "Cafes back")


# --- long feeds (issue 12.10, 12.17): the newest N, read from the top, and a note saying so --

def _rss(count, *, dated=False, oldest_first=False):
    order = range(count) if oldest_first else range(count - 1, -1, -1)
    date = "<pubDate>{}</pubDate>"
    items = "".join(
        f"<item><title>S{n}</title><link>/s/{n}</link>"
        + (date.format(formatdate(1_700_000_000 + n * 60, usegmt=True)) if dated else "")
        + "</item>" for n in order)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()


def _atom(count):
    entries = "".join(f'<entry><title>S{n}</title><link href="/s/{n}"/></entry>'
                      for n in range(count - 1, -1, -1))
    return f'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>{entries}</feed>'.encode()


def _json(count):
    items = [{"id": str(n), "url": f"/s/{n}", "date_published": f"2025-01-01T00:{n // 60 % 60:02}:{n % 60:02}Z"}
             for n in range(count)]
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": items}).encode()


def _budget(keep, read):
    return Budget("https://news.example/feed", seconds=60,
                  limits={"feed entries": keep, "feed entries read": read})


@pytest.mark.parametrize("make", [_rss, _atom, _json])
def test_a_50000_entry_feed_is_read_from_its_top_and_cut(make):
    feed = feeds.parse(make(50_000), "https://news.example/feed")  # the default budget
    assert (feed.listed, feed.read, len(feed.entries)) == (50_000, 2_000, 200)
    assert feed.note == ("the feed lists 50,000 entries: the first 2,000 were read "
                         "and the newest 200 taken")


def test_a_feed_longer_than_it_may_give_says_so():
    feed = feeds.parse(_rss(1_000), "https://news.example/feed")
    assert [e.url for e in feed.entries][:2] == ["https://news.example/s/999", "https://news.example/s/998"]
    assert len(feed.entries) == 200
    assert feed.note == "the feed lists 1,000 entries: the newest 200 taken"


def test_a_feed_within_its_budget_has_no_note():
    feed = feeds.parse(_rss(5), "https://news.example/feed", _budget(5, 5))
    assert len(feed.entries) == 5 and feed.note is None


def test_dated_entries_are_taken_newest_first_whatever_the_feed_order():
    feed = feeds.parse(_rss(10, dated=True, oldest_first=True), "https://news.example/feed", _budget(3, 100))
    assert [e.title for e in feed.entries] == ["S9", "S8", "S7"]
    assert feed.note == "the feed lists 10 entries: the newest 3 taken"


def test_a_link_listed_twice_is_one_entry_its_newest():
    body = (b'<rss version="2.0"><channel><title>T</title>'
            b"<item><title>Old</title><link>/a</link><pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate></item>"
            b"<item><title>B</title><link>/b</link><pubDate>Tue, 02 Jan 2024 00:00:00 GMT</pubDate></item>"
            b"<item><title>New</title><link>/a</link><pubDate>Wed, 03 Jan 2024 00:00:00 GMT</pubDate></item>"
            b"</channel></rss>")
    feed = feeds.parse(body, "https://news.example/feed")
    assert [(e.url, e.title) for e in feed.entries] == [("https://news.example/a", "New"),
                                                       ("https://news.example/b", "B")]
    assert feed.note is None


def test_the_items_index_of_rss_1_is_not_counted_as_an_entry():
    body = (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            b'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://news.example/"><title>T</title>'
            b'<items><rdf:Seq><rdf:li rdf:resource="https://news.example/a"/></rdf:Seq></items></channel>'
            b'<item rdf:about="https://news.example/a"><title>A</title><link>https://news.example/a</link>'
            b"</item></rdf:RDF>")
    feed = feeds.parse(body, "https://news.example/feed", _budget(1, 1))
    assert (feed.listed, [e.title for e in feed.entries], feed.note) == (1, ["A"], None)


def test_a_spent_budget_fails_the_feed():
    budget = Budget("https://news.example/feed", seconds=0, limits=_budget(5, 5).limits)
    with pytest.raises(BudgetError, match=r"ran out of time \(0s for one source\)"):
        feeds.parse(_rss(3), "https://news.example/feed", budget)
