"""The interface in English, Russian, Kazakh and Uzbek: complete catalogs, the language choice, and
every page a reader or an editor opens rendered with no English left (checked against the catalog)."""
import json
import re
from io import BytesIO

import pytest
from babel.messages.mofile import write_mo
from bs4 import BeautifulSoup

from reader import catalogs, create_app, editors, i18n
from reader.store import connect

LANGUAGES = catalogs.LANGUAGES
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|\{\w+\}|%%")
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def template():
    return catalogs.extracted()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_with_the_same_placeholders(template, language):
    catalog = catalogs.read(language)
    missing, different = [], []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id)
        if found is None or found.fuzzy or not all(found.string if isinstance(found.string, tuple)
                                                    else [found.string]):
            missing.append(message.id)
            continue
        wanted = sorted(PLACEHOLDER.findall(message.id[-1] if message.pluralizable else message.id))
        forms = found.string if message.pluralizable else (found.string,)
        # A form for exactly one may leave the number out, as English's does ("per minute").
        different += [(message.id, form) for n, form in enumerate(forms)
                      if sorted(PLACEHOLDER.findall(form)) != wanted
                      and not (n == 0 and len(forms) == 2 and set(PLACEHOLDER.findall(form)) < set(wanted))]
    assert missing == [], f"untranslated in {language} (run `make messages`, then translate): {missing}"
    assert different == [], f"placeholders differ in {language}: {different}"


@pytest.mark.parametrize("language, forms", [("ru", 3), ("kk", 2), ("uz", 2)])
def test_plural_forms_follow_each_language(language, forms):
    assert catalogs.read(language).num_plurals == forms


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogs_are_the_current_po_files(language):
    """make compiles them; a .po edited without `make` would leave pages in the old words."""
    compiled = BytesIO()
    write_mo(compiled, catalogs.read(language))
    path = catalogs.po_path(language).with_suffix(".mo")
    assert path.exists() and path.read_bytes() == compiled.getvalue(), f"run `make` to compile {path}"


def test_every_demo_topic_name_is_in_the_catalogs():
    from reader.demo import topic_names

    topics = json.loads((catalogs.ROOT / "reader" / "demo" / "topics.json").read_text())
    assert {t["name"] for t in topics} <= set(topic_names.NAMES)


# ---------------------------------------------------------------- choosing the language

@pytest.fixture(scope="module")
def site(demo_data):
    return create_app({"DATA_DIR": demo_data, "TESTING": True}).test_client()


def _lang(response):
    return BeautifulSoup(response.data, "html.parser").html["lang"]


@pytest.mark.parametrize("cookie, accept, default, expected", [
    ("kk", "ru-RU,ru;q=0.9", "en", "kk"),          # the reader's setting first
    (None, "ru-RU,ru;q=0.9,en;q=0.5", "en", "ru"),  # then the browser's languages
    (None, "uz-Latn-UZ", "en", "uz"),
    (None, "de-DE,fr;q=0.8", "kk", "kk"),          # then READER_DEFAULT_LOCALE
    ("xx", None, "ru", "ru"),                      # an unknown setting counts for nothing
])
def test_the_language_comes_from_the_setting_then_the_browser_then_the_default(demo_data, cookie, accept, default,
                                                                                 expected):
    client = create_app({"DATA_DIR": demo_data, "TESTING": True, "DEFAULT_LOCALE": default}).test_client()
    if cookie:
        client.set_cookie("lang", cookie)
    response = client.get("/", headers={"Accept-Language": accept} if accept else {})
    assert _lang(response) == expected
    assert {"Accept-Language", "Cookie"} <= set(response.headers["Vary"].replace(" ", "").split(","))


def test_the_settings_form_saves_the_language_and_the_cached_pages_follow_it(site):
    for language in ("ru", "uz", "", "kk"):
        saved = site.post("/settings/", data={"theme": "system", "text": "m", "lang": language})
        assert saved.status_code == 303
        page = site.get("/", headers={"Accept-Language": "en"})
        assert _lang(page) == (language or "en")
    assert site.post("/settings/", data={"theme": "system", "text": "m", "lang": "fr"}).status_code == 400
    site.delete_cookie("lang")


def test_the_unset_language_setting_is_checked_on_the_settings_page(site):
    page = BeautifulSoup(site.get("/settings/", headers={"Accept-Language": "ru"}).data, "html.parser")
    choices = {i["value"]: i.has_attr("checked") for i in page.select("input[name=lang]")}
    assert choices == {"": True, "en": False, "ru": False, "kk": False, "uz": False}


# ---------------------------------------------------------------- no English left

def _english_chunks(language):
    """Literal pieces of every English message whose translation differs, longest first."""
    catalog = catalogs.read(language)
    chunks = set()
    for message in catalog:
        if not message.id:
            continue
        sources = message.id if message.pluralizable else (message.id,)
        strings = message.string if message.pluralizable else (message.string,)
        if set(sources) & set(strings):
            continue  # the same in both languages (Reader, KB in Uzbek)
        for source in sources:
            for chunk in PLACEHOLDER.split(source):
                chunk = chunk.strip(" .,:;·()…")
                if re.search(r"[A-Za-z]{3}", chunk) and chunk not in ALLOWED:
                    chunks.add(chunk)
    return sorted(chunks, key=len, reverse=True)


# Words that are the same in every language: the brand, the standards and commands a page names.
ALLOWED = {"Reader", "UTC", "Atom", "JSON", "TTL", "OR", "KB", "MB", "GB"}
# Names a Cyrillic page writes in Latin letters: the languages' own names, a push standard, commands.
SAME_EVERYWHERE = {"English", "Oʻzbekcha", "push", "reader", "work", "serve", "editor", "add", "NAME"}


def _interface_text(html, language):
    """What a reader sees or hears of the interface: text and the attributes that are shown or read
    out, in elements whose nearest lang is the interface's (a story's words carry their own)."""
    page = BeautifulSoup(html, "html.parser")
    assert page.html["lang"] == language
    for element in page.select("code, script, style, [translate=no]"):   # [translate=no]: what editors wrote
        if not element.decomposed:
            element.decompose()

    def ours(element):
        holder = element if getattr(element, "attrs", None) and element.has_attr("lang") else \
            element.find_parent(lambda tag: tag.has_attr("lang"))
        return holder is not None and holder["lang"] == language

    texts = [text for text in page.find_all(string=True) if ours(text.parent)]
    for element in page.find_all(True):
        if not ours(element):
            continue
        for name, value in element.attrs.items():
            value = value if isinstance(value, str) else " ".join(value)
            sentence = name.startswith("data-") and " " in value   # data-state="queued" is a key
            if name in ("aria-label", "title", "alt", "placeholder", "content") or sentence:
                texts.append(re.sub(r"[\w-]+=", " ", value))   # data-states="queued=…": keys are not words
    return PLACEHOLDER.sub(" ", " ".join(texts))   # {done} in a script's sentence is not a word


def _assert_no_english(html, language, where):
    text = _interface_text(html, language)
    left = [chunk for chunk in _english_chunks(language) if re.search(r"(?<![\w-])" + re.escape(chunk) + r"(?![\w-])", text)]
    assert left == [], f"English left on {where} in {language}: {left}"
    if language in ("ru", "kk"):   # Cyrillic pages: also words nobody marked for translation
        body = _interface_text(html.split("</head>", 1)[-1].join(("<html lang=%s>" % language, "</html>")), language)
        latin = [" ".join(words) for words in re.findall(r"\b([A-Za-z]{3,})\s+([A-Za-z]{3,})\b", body)
                 if not set(words) <= ALLOWED | SAME_EVERYWHERE]
        assert latin == [], f"Latin words left on {where} in {language} (not in the catalog?): {latin}"


@pytest.fixture(scope="module")
def desk(demo_data, tmp_path_factory):
    """A client logged in to the desk of a copy of the demo (demo_data itself stays as it is)."""
    import shutil

    data_dir = shutil.copytree(demo_data, tmp_path_factory.mktemp("desk") / "data")
    app = create_app({"DATA_DIR": data_dir, "TESTING": True})
    db = connect(app.config)
    editors.add(db, "lena", PASSWORD)
    db.close()
    client = app.test_client()
    token = BeautifulSoup(client.get("/editor/login").data, "html.parser").find("input", {"name": "csrf_token"})["value"]
    logged = client.post("/editor/login", data={"csrf_token": token, "name": "lena", "password": PASSWORD})
    assert logged.status_code == 303
    return client


READER_PAGES = ["/", "/articles/{slug}/", "/settings/", "/saved/", "/offline/", "/search?q=summit", "/archive/",
                "/topics/summit/", "/nope"]
DESK_PAGES = ["/editor/", "/editor/compose", "/editor/topics", "/editor/alerts", "/editor/alerts/1", "/editor/login"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_reader_pages_have_no_english_left(site, language):
    slug = json.loads(site.get("/api/articles?limit=1").data)["articles"][0]["url"].split("/")[2]
    for path in READER_PAGES:
        response = site.get(path.format(slug=slug), headers={"Accept-Language": language})
        assert response.status_code in (200, 404), path
        _assert_no_english(response.get_data(as_text=True), language, path)


@pytest.mark.parametrize("language", LANGUAGES)
def test_desk_pages_have_no_english_left(desk, site, language):
    for path in DESK_PAGES:
        client = site if path == "/editor/login" else desk   # the login form, as a stranger sees it
        response = client.get(path, headers={"Accept-Language": language})
        assert response.status_code in (200, 404), path
        _assert_no_english(response.get_data(as_text=True), language, path)


def test_the_check_finds_english_when_it_is_there(site):
    """The check above can fail: an English page read as a Russian one is full of English."""
    html = site.get("/settings/", headers={"Accept-Language": "en"}).get_data(as_text=True).replace(
        '<html lang="en"', '<html lang="ru"', 1)
    with pytest.raises(AssertionError, match="Language"):
        _assert_no_english(html, "ru", "/settings/")


# ---------------------------------------------------------------- what carries which language

def test_stories_carry_their_own_language_inside_the_interface_language(site):
    page = BeautifulSoup(site.get("/", headers={"Accept-Language": "kk"}).data, "html.parser")
    assert page.html["lang"] == "kk"
    headlines = page.select(".story h3")
    assert headlines and all(h.get("lang") for h in headlines)
    assert {"en", "ru", "kk", "uz"} >= {h["lang"] for h in headlines} >= {"en", "ru"}
    story = json.loads(site.get("/api/articles?limit=1").data)["articles"][0]["url"]
    article = BeautifulSoup(site.get(story, headers={"Accept-Language": "ru"}).data, "html.parser")
    assert article.html["lang"] == "ru"
    assert article.select_one("article.story-page")["lang"] not in ("", "ru")   # the story's own
    assert article.select_one(".story-page .meta span")["lang"] == "ru"       # the interface's words in it
    assert article.select_one(".story-page footer")["lang"] == "ru"


@pytest.mark.parametrize("language, count, words", [
    ("ru", 1, "1 минута чтения"), ("ru", 3, "3 минуты чтения"), ("ru", 5, "5 минут чтения"),
    ("ru", 11, "11 минут чтения"), ("ru", 21, "21 минута чтения"), ("en", 1, "1 min read"),
    ("kk", 2, "Оқуға 2 минут"), ("uz", 4, "4 daqiqada oʻqiladi"),
])
def test_plural_forms_of_reading_time(demo_data, language, count, words):
    from flask import render_template_string

    app = create_app({"DATA_DIR": demo_data, "TESTING": True})
    with app.test_request_context("/", headers={"Accept-Language": language}):
        text = render_template_string("{{ ngettext('%(num)d min read', '%(num)d min read', n) }}", n=count)
    assert text == words


@pytest.mark.parametrize("language, month, number", [("en", "Dec 2025", "1,234"), ("ru", "дек. 2025 г.", "1 234"),
                                                     ("kk", "2025 ж.", "1 234"), ("uz", "dek, 2025", "1 234")])
def test_dates_and_numbers_are_written_the_languages_way(site, demo_data, language, month, number):
    from reader import i18n

    page = BeautifulSoup(site.get("/", headers={"Accept-Language": language}).data, "html.parser")
    assert month in page.select_one("time[data-local]").get_text().replace("\u202f", " ")
    assert page.html["data-time"] and len(page.html["data-months"].split("|")) == 12
    app = create_app({"DATA_DIR": demo_data, "TESTING": True})
    with app.test_request_context("/", headers={"Accept-Language": language}):
        assert i18n.number(1234).replace("\u00a0", " ").replace("\u202f", " ") == number


def test_json_errors_the_worker_and_the_manifest_speak_the_readers_language(site):
    error = site.get("/api/articles/999999", headers={"Accept-Language": "ru"}).get_json()
    assert error["error"] == "Not Found" and error["message"] == "нет материала с номером 999999"
    worker = site.get("/sw.js", headers={"Accept-Language": "uz"}).get_data(as_text=True)
    config = json.loads(re.search(r"const CONFIG = (\{.*?\n\});", worker, re.S).group(1))
    assert config["texts"]["imageNotKept"] == "Rasm oflayn oʻqish uchun saqlanmagan"
    assert config["texts"]["offlineTitle"] == "Internet aloqasi yoʻq"
    english = json.loads(re.search(r"const CONFIG = (\{.*?\n\});", site.get("/sw.js").get_data(as_text=True),
                                   re.S).group(1))
    assert english["version"] != config["version"]  # a reader who switches language gets a new worker
    manifest = site.get("/manifest.json", headers={"Accept-Language": "kk"}).get_json()
    assert manifest["lang"] == "kk" and "Орталық Азия" in manifest["name"]


# ---------------------------------------------------------------- static export and editions

def test_the_export_is_in_the_sites_language_or_the_one_asked_for(demo_data, tmp_path):
    app = create_app({"DATA_DIR": demo_data, "TESTING": True, "DEFAULT_LOCALE": "uz"})
    runner = app.test_cli_runner()
    default = runner.invoke(args=["package", str(tmp_path / "uz")])
    russian = runner.invoke(args=["package", "--locale", "ru", str(tmp_path / "ru")])
    assert default.exit_code == 0 and russian.exit_code == 0, default.output + russian.output
    for language in ("uz", "ru"):
        front = (tmp_path / language / "index.html").read_text(encoding="utf-8")
        assert f'<html lang="{language}"' in front
        _assert_no_english(front, language, "the exported front page")
        saved = (tmp_path / language / "saved" / "index.html").read_text(encoding="utf-8")
        _assert_no_english(saved, language, "the exported /saved/")
    assert runner.invoke(args=["package", "--locale", "fr", str(tmp_path / "fr")]).exit_code == 2


def test_an_edition_takes_a_locale(demo_data, tmp_path):
    app = create_app({"DATA_DIR": demo_data, "TESTING": True})
    result = app.test_cli_runner().invoke(args=["package", "--edition", "summit", "--locale", "kk",
                                                str(tmp_path / "summit.html")])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "summit.html").read_text(encoding="utf-8")
    assert '<html lang="kk"' in html and "Мазмұны" in html and "интернет те, сервер де" in html
    _assert_no_english(html, "kk", "the summit edition")


def test_the_desks_messages_are_in_the_editors_language(demo_copy):
    client = create_app({"DATA_DIR": demo_copy, "TESTING": True}).test_client()
    login = BeautifulSoup(client.get("/editor/login").data, "html.parser")
    token = login.find("input", {"name": "csrf_token"})["value"]
    wrong = client.post("/editor/login", headers={"Accept-Language": "ru"},
                        data={"csrf_token": token, "name": "nobody", "password": "not the password"})
    assert wrong.status_code == 403
    assert BeautifulSoup(wrong.data, "html.parser").select_one(".error").get_text() == "Неверное имя или пароль."


def test_a_sentences_plural_forms_are_each_languages_own_whatever_was_asked_before(app):
    """plural_forms is worked out once per language and sentence: asked in Russian, then English,
    then Russian again, each answer is that language's (a memo keyed wrongly would repeat one)."""
    singular, plural = "{count} story kept, {size}.", "{count} stories kept, {size}."
    answers = []
    for language in ("ru", "en", "ru", "en"):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            answers.append(i18n.plural_forms(singular, plural))
    assert answers[0] == answers[2] and answers[1] == answers[3] and answers[0] != answers[1]
    assert answers[1] == "other:{count} stories kept, {size}.|one:{count} story kept, {size}."
    assert [part.split(":")[0] for part in answers[0].split("|")] == ["many", "one", "few", "other"]
