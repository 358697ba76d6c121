import pytest

from reader import feeds

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
