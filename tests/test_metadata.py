"""Metadata: JSON-LD first, then OpenGraph/meta, then HTML fallbacks; times are timezone-aware."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import lxml.html
import pytest

from reader.story import read_page
from reader.extract.metadata import bcp47, extract_metadata, parse_datetime
from reader.text import reading_minutes, word_count

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
PARA = "<p>" + "The council met on Tuesday evening to discuss the new bus timetable for the valley. " * 4 + "</p>"


def meta_of(head, body="", url="https://news.example/a/1", html_attrs=""):
    return extract_metadata(lxml.html.document_fromstring(
        f"<html {html_attrs}><head>{head}</head><body>{body}</body></html>"), url)


def fixture(name, url="https://site.example/story/1"):
    return read_page((FIXTURES / name).read_text(encoding="utf-8"), url)


def test_json_ld_graph_wins():
    article = fixture("harbour_news.html")
    assert article.title == "Harbour ferry returns after winter repairs"
    assert article.byline == "Morwenna Tregear, Idris Vaughan"
    assert article.site_name == "The Coastal Ledger"
    assert article.section == "Local"
    assert article.tags == ["ferry", "harbour", "transport"]
    assert article.published == datetime(2024, 3, 4, 7, 30, tzinfo=timezone.utc)
    assert article.modified == datetime(2024, 3, 4, 9, 15, tzinfo=timezone.utc)
    assert article.lang == "en-GB" and article.dir == "ltr"
    assert article.description.startswith("The blue ferry is back")
    assert article.lead_image.url == "https://cdn.coastal-ledger.test/img/ferry-wide.jpg"


def test_canonical_url_is_resolved():
    assert fixture("harbour_news.html").url == "https://site.example/local/2024/03/harbour-ferry-returns"


def test_page_url_when_no_canonical():
    assert fixture("village_blog.html", "https://blog.example/p?id=3").url == "https://blog.example/p?id=3"


def test_html_fallbacks():
    article = fixture("village_blog.html")
    assert article.title == "Le marché du samedi change de place"
    assert article.byline == "Claire Delmas"
    assert article.published == datetime(2023, 9, 16, 10, 5, tzinfo=timezone(timedelta(hours=2)))
    assert article.tags == ["marché", "village", "commerce"]
    assert article.lang == "fr"


def test_json_ld_list_with_type_array_and_date_only():
    article = fixture("tea_column_ja.html")
    assert article.byline == "山田花子"
    assert article.published == datetime(2024, 4, 28, tzinfo=timezone.utc)


def test_opengraph_when_no_json_ld():
    meta = meta_of('<meta property="og:title" content="Storm closes coast road">'
                   '<meta property="og:site_name" content="Valley Post">'
                   '<meta property="article:published_time" content="2024-02-01T06:00:00-05:00">'
                   '<meta property="article:tag" content="Weather"><meta property="article:tag" content="Roads">'
                   '<meta property="og:image" content="/img/storm.jpg">'
                   '<meta property="og:image:alt" content="Waves over the sea wall">')
    assert meta.title == "Storm closes coast road"
    assert meta.site_name == "Valley Post"
    assert meta.published.utcoffset() == timedelta(hours=-5)
    assert meta.tags == ["Weather", "Roads"]
    assert meta.image == "https://news.example/img/storm.jpg"
    assert meta.image_alt == "Waves over the sea wall"


def test_title_loses_site_suffix():
    meta = meta_of('<meta property="og:title" content="Storm closes coast road | Valley Post">'
                   '<meta property="og:site_name" content="Valley Post">')
    assert meta.title == "Storm closes coast road"


def test_broken_json_ld_is_ignored():
    meta = meta_of('<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>'
                   '<meta property="og:title" content="Fallback title">')
    assert meta.title == "Fallback title"


def test_byline_from_rel_author_without_prefix():
    meta = meta_of("", '<h1>Storm</h1><p class="byline">By <a rel="author" href="/s/x">Ana Ruiz</a></p>')
    assert meta.byline == "Ana Ruiz"


@pytest.mark.parametrize("lang, expected_dir", [("ar", "rtl"), ("fa-IR", "rtl"), ("he", "rtl"),
                                                ("ur", "rtl"), ("en", "ltr"), ("ru", "ltr")])
def test_direction_follows_language(lang, expected_dir):
    assert meta_of("", html_attrs=f'lang="{lang}"').dir == expected_dir


def test_explicit_dir_attribute_wins():
    assert meta_of("", html_attrs='lang="en" dir="rtl"').dir == "rtl"


def test_rtl_fixture():
    article = fixture("desert_dispatch_ar.html")
    assert (article.lang, article.dir) == ("ar", "rtl")
    assert article.published.utcoffset() == timedelta(hours=3)


@pytest.mark.parametrize("raw, expected", [("en_us", "en-US"), ("zh-hant-tw", "zh-Hant-TW"),
                                           ("KK", "kk"), ("", ""), ("english", "")])
def test_bcp47(raw, expected):
    assert bcp47(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("2024-03-04T07:30:00Z", datetime(2024, 3, 4, 7, 30, tzinfo=timezone.utc)),
    ("2024-03-04T07:30:00+0100", datetime(2024, 3, 4, 7, 30, tzinfo=timezone(timedelta(hours=1)))),
    ("2024-03-04 07:30", datetime(2024, 3, 4, 7, 30, tzinfo=timezone.utc)),
    ("Mon, 04 Mar 2024 07:30:00 GMT", datetime(2024, 3, 4, 7, 30, tzinfo=timezone.utc)),
    ("yesterday", None),
    ("", None),
])
def test_parse_datetime_is_timezone_aware(raw, expected):
    when = parse_datetime(raw)
    assert when == expected
    assert when is None or when.tzinfo is not None


def test_cjk_counts_characters():
    article = fixture("tea_column_ja.html")
    assert article.lang == "ja"
    assert article.word_count > 150     # characters; the four paragraphs hold about 190
    assert word_count("新茶の季節", "ja") == 5
    assert word_count("新茶の季節", "en") == 1


def test_reading_time_uses_language_speed():
    assert reading_minutes(228 * 3, "en") == 3
    assert reading_minutes(138 * 3, "ar") == 3
    assert reading_minutes(0, "en") == 1
    assert reading_minutes(1000, "xx") == 5


def _nested(shape, depth):
    """A JSON-LD document nested `depth` levels deep, the story object at the bottom."""
    story = '{"@type": "NewsArticle", "headline": "Deep story"}'
    if shape == "list":
        return "[" * depth + story + "]" * depth
    return '{"@type": "WebSite", "@graph": ' * depth + story + "}" * depth


@pytest.mark.parametrize("depth", [900, 2000, 5000])
@pytest.mark.parametrize("shape", ["list", "graph"])
def test_json_ld_nested_thousands_of_levels_is_ignored_not_a_crash(shape, depth):
    head = (f'<script type="application/ld+json">{_nested(shape, depth)}</script>'
            '<meta property="og:title" content="Shallow title">')
    assert meta_of(head).title == "Shallow title"


@pytest.mark.parametrize("value", ['[{"name": "NewsArticle"}]', '{"a": 1}', "17", '[["NewsArticle"]]'])
def test_json_ld_types_that_are_not_strings_are_ignored(value):
    head = (f'<script type="application/ld+json">{{"@type": {value}, "headline": "Odd"}}</script>'
            '<meta property="og:title" content="Meta title">')
    assert meta_of(head).title == "Meta title"
