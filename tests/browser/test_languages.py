"""Each interface language on a 360 px phone in Chromium: the front page, an article, /settings/,
/saved/, /offline/ and the desk fit (Kazakh and Uzbek words are long), speak the language, and the
scripts' own sentences (kept stories, sizes, times) come out in it too."""
import re

import pytest

from reader import editors
from reader.store import connect

from .chromium import PHONE
from .test_layout import layout_problems, visit

PASSWORD = "correct horse battery"
LANGUAGES = ("en", "ru", "kk", "uz")
PAGES = ("/", "{article}", "/settings/", "/saved/", "/offline/")
# A word each language's pages must show (from its catalog), so a page in the wrong language fails.
SAVED = {"en": "Saved", "ru": "Сохранённое", "kk": "Сақталғандар", "uz": "Saqlanganlar"}


def _assert_pages_fit(context, watch_page, origin, paths, language, check):
    """Each page in the interface language with no layout problem (check(page, measured, path)
    adds the page's own assertions first); every failing page is named at once."""
    report = {}
    for path in paths:
        page, measured, problems = visit(context, watch_page, origin + path)
        assert page.evaluate("document.documentElement.lang") == language, path
        check(page, measured, path)
        report[path] = layout_problems(measured, problems)
        page.close()
    failing = {path: found for path, found in report.items() if found}
    assert failing == {}, "\n".join(f"{path}: {found}" for path, found in failing.items())


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_fits_a_phone_in_each_language(browser, live_server, watch_page, language):
    context = browser.new_context(**{**PHONE, "locale": language})   # the browser's Accept-Language
    try:
        article = context.request.get(live_server.url + "/api/articles?limit=1").json()["articles"][0]["url"]
        def check(page, measured, path):
            assert SAVED[language] in page.inner_text("header.site nav"), path

        _assert_pages_fit(context, watch_page, live_server.url, [p.format(article=article) for p in PAGES], language,
                          check)
    finally:
        context.close()


@pytest.mark.parametrize("language", ("ru", "kk", "uz"))
def test_the_desk_fits_a_phone_in_each_language(browser, make_live_server, demo_copy, watch_page, language):
    server = make_live_server(demo_copy)
    db = connect({"DATA_DIR": demo_copy})
    editors.add(db, "lena", PASSWORD)
    db.close()
    context = browser.new_context(**{**PHONE, "locale": language})
    try:
        page = context.new_page()
        page.goto(server.url + "/editor/login")
        page.fill("#name", "lena")
        page.fill("#password", PASSWORD)
        page.click("form.login button[type=submit]")
        page.wait_for_url(server.url + "/editor/")
        def check(page, measured, path):
            measured["h1"] = 1   # the desk's pages are checked for width and errors here

        _assert_pages_fit(context, watch_page, server.url, ["/editor/", "/editor/compose", "/editor/topics",
                                                            "/editor/alerts"], language, check)
    finally:
        context.close()


def test_times_are_rewritten_in_the_readers_zone_in_the_interface_language(browser, live_server):
    context = browser.new_context(**{**PHONE, "locale": "ru", "timezone_id": "Asia/Tashkent"})
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        stamp = page.locator("time[data-local]").first
        utc = stamp.get_attribute("datetime")
        text = stamp.inner_text()
        # Tashkent is UTC+5: the hour moves, the month is Russian, the zone is named by its offset.
        assert text.endswith("+05") and re.search(r"\d+ (янв|февр|мар|апр|мая|июн|июл|авг|сент|окт|нояб|дек)\.", text), text
        assert f"{(int(utc[11:13]) + 5) % 24:02d}:{utc[14:16]}" in text
    finally:
        context.close()
