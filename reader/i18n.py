"""The interface in English, Russian, Kazakh (Cyrillic) and Uzbek (Latin), through Flask-Babel.

A reader's language is their setting (the `lang` cookie, chosen on /settings/), else the best
match of Accept-Language, else READER_DEFAULT_LOCALE; a static export or edition is rendered in
the language it was asked for (config EXPORT_LOCALE). Catalogs are reader/translations/<lang>/
LC_MESSAGES/messages.po, compiled to .mo by `make` and by the wheel build (never committed).
Dates and numbers are formatted by Babel with each language's CLDR data (English as in Britain:
day month year, 24-hour clock, as newsrooms in the region write it).
"""
import functools
from datetime import timezone
from pathlib import Path

from babel import Locale
from babel.dates import (format_datetime, get_date_format, get_datetime_format, get_month_names,
                         get_time_format, parse_pattern)
from babel.numbers import format_decimal, get_decimal_symbol
from flask import current_app, has_request_context, request
from flask_babel import Babel, get_locale, gettext, lazy_gettext, ngettext
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LOCALES = ("en", "ru", "kk", "uz")
NAMES = {"en": "English", "ru": "Русский", "kk": "Қазақша", "uz": "Oʻzbekcha"}   # each in its own words
FORMATS = {"en": "en_GB", "ru": "ru", "kk": "kk", "uz": "uz_Latn"}   # CLDR data for dates and numbers
COOKIE = "lang"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def init_app(app):
    """Flask-Babel with Reader's locale choice, the Jinja helpers, and Vary on every answer."""
    Babel(app, locale_selector=select_locale, default_translation_directories=str(TRANSLATIONS))
    app.jinja_env.globals.update(locales=NAMES, interface=interface, plural_forms=plural_forms,
                                 error_title=error_title, error_text=error_text)
    app.jinja_env.filters.update(number=number, translated=translated)
    app.after_request(_vary)
    from .web.editor import words

    words.init_app(app)   # the desk's vocabulary


def locale_from(cookies, accept_language, default):
    """The interface language from the cookie, Accept-Language and the default (the page cache
    keys on this too, so it must not need a request)."""
    chosen = cookies.get(COOKIE)
    if chosen in LOCALES:
        return chosen
    accepted = parse_accept_header(accept_language or "", LanguageAccept)
    return accepted.best_match(LOCALES) or default


def select_locale():
    forced = current_app.config.get("EXPORT_LOCALE")
    if forced:
        return forced
    if not has_request_context():
        return current_app.config["DEFAULT_LOCALE"]
    return locale_from(request.cookies, request.headers.get("Accept-Language"), current_app.config["DEFAULT_LOCALE"])


def current():
    """The interface language of this request ("en", "ru", "kk" or "uz")."""
    return str(get_locale() or current_app.config["DEFAULT_LOCALE"])


def _format_locale():
    return Locale.parse(FORMATS.get(current(), current()))


def _pattern(locale):
    """Date and time as the language writes them: CLDR's medium date and short time, joined."""
    joined = get_datetime_format("medium", locale)
    return joined.replace("{1}", get_date_format("medium", locale).pattern).replace(
        "{0}", get_time_format("short", locale).pattern)


def datetime_text(moment, zone=timezone.utc, *, weekday=False, pattern=None):
    """"22 дек. 2025 г., 19:05" in UTC (or the zone given), in the interface language; with the
    day of the week in front when asked ("Thu 1 Jan 2099, 10:00", for a schedule)."""
    locale = _format_locale()
    text = format_datetime(moment.astimezone(zone), pattern or _pattern(locale), tzinfo=zone, locale=locale)
    if weekday:
        text = format_datetime(moment.astimezone(zone), "EEE", tzinfo=zone, locale=locale) + " " + text
    return text


def number(value, digits=0):
    """A number as the interface language writes it (1 234 567 in Russian, 1,234,567 in English)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_format_locale())


def interface():
    """What the page's <html> carries: its language, and how app.js writes a time in the reader's
    own zone ({d} {MMM} {y}... from the same CLDR pattern as the server's, month names)."""
    locale = _format_locale()
    template = parse_pattern(_pattern(locale)).format.replace("%(", "{").replace(")s", "}").replace("%%", "%")
    months = get_month_names("abbreviated", locale=locale)
    return {"lang": current(), "time": template, "months": "|".join(months[m] for m in range(1, 13)),
            "decimal": get_decimal_symbol(locale)}


def plural_forms(singular, plural):
    """A sentence with {count} in every plural form the interface language has, for a script to
    pick from with Intl.PluralRules: "one:…|few:…|many:…|other:…" (CLDR's category names).
    Worked out once per language and sentence (200 lookups: about 2 ms, twice on a front page)."""
    return _plural_forms(current(), singular, plural)


@functools.lru_cache(maxsize=256)   # the sentences are the templates' own: a few per language
def _plural_forms(language, singular, plural):
    """plural_forms for the interface language of this request, which is `language` (the key)."""
    forms = {}
    rule = _format_locale().plural_form
    for n in range(0, 200):
        forms.setdefault(rule(n), ngettext(singular, plural, n))
    forms.setdefault("other", forms.get("many") or ngettext(singular, plural, 2))
    return "|".join(f"{category}:{text}" for category, text in forms.items())


def translated(text):
    """A name kept as data (a topic's) in the interface language, when the catalogs have it: a
    newsroom translates its topics in reader/translations like any other string."""
    return gettext(text) if text else text


# Titles of the error pages and the `message` of JSON errors whose view gave no sentence of its own.
ERROR_TITLES = {
    400: lazy_gettext("Bad request"), 401: lazy_gettext("Log in first"), 403: lazy_gettext("Not allowed"),
    404: lazy_gettext("Not found"), 405: lazy_gettext("Not allowed here"), 409: lazy_gettext("Already changed"),
    413: lazy_gettext("Too large"), 415: lazy_gettext("Wrong kind of content"),
    429: lazy_gettext("Too many tries"), 500: lazy_gettext("Something went wrong"),
    503: lazy_gettext("Unavailable for a moment"),
}
ERROR_TEXTS = {
    400: lazy_gettext("The request could not be understood."),
    404: lazy_gettext("There is nothing at this address."),
    405: lazy_gettext("This address does not take that kind of request."),
    413: lazy_gettext("What was sent is too large."),
    500: lazy_gettext("Reader could not answer this request. The error has been logged."),
}


def error_title(exc):
    return str(ERROR_TITLES.get(exc.code, exc.name))


def error_text(exc):
    """The error's sentence in the interface language: the view's own (given through gettext), or
    ours in place of Werkzeug's English default."""
    if exc.description == type(exc).description or exc.description is None:
        return str(ERROR_TEXTS.get(exc.code, ERROR_TITLES.get(exc.code, exc.name)))
    return str(exc.description)


def _vary(response):
    # Every answer may be in the reader's language: caches keep one copy per language setting.
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response
