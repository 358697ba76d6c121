"""Search on the demo stories, on SQLite and PostgreSQL alike: Uzbek apostrophes, folded case and
accents, Russian and English word forms, prefixes, OR, phrases, and queries that are not queries.
Its cost is bounded: the plan reads the search index and articles by key, never every article."""
import pytest
from bs4 import BeautifulSoup

from reader import search_terms
from reader.store import articles, connect, search, transaction

UZBEK = "ozbekiston-meva-sabzavot-eksportini-oshirdi-yangi-bozorlar-qidirilmoqda"
RUSSIAN = "kyrgyzstan-prosit-ekonomit-elektrichestvo-toktogulskoe-vodokhranilishche"


@pytest.fixture(scope="module")
def store(demo_data):
    db = connect(demo_data)  # READER_DATABASE_URL names the demo database on PostgreSQL
    yield db
    db.close()


def slugs(db, query):
    return [row["slug"] for row in articles.search(db, query)]


def test_the_demo_slugs_are_the_ones_these_tests_name(store):
    known = {row["slug"] for row in articles.latest(store, limit=50)}
    assert {UZBEK, RUSSIAN} <= known


@pytest.mark.parametrize("typed", ["Qozogʻiston", "Qozogʼiston", "Qozog'iston", "Qozog`iston", "Qozog‘iston",
                                   "Qozog’iston", "QOZOGʻISTON", "qozogiston"])
def test_every_uzbek_apostrophe_form_finds_the_uzbek_story(store, typed):
    assert UZBEK in slugs(store, typed)


@pytest.mark.parametrize("typed", ["электроэнергия", "электроэнергию", "Электроэнергии", "ЭЛЕКТРОЭНЕРГИЕЙ"])
def test_russian_word_forms_match_each_other(store, typed):
    assert slugs(store, typed) == [RUSSIAN]


def test_english_word_forms_match_each_other(store):
    assert slugs(store, "summit")
    assert sorted(slugs(store, "summit")) == sorted(slugs(store, "summits")) == sorted(slugs(store, "Summit's"))


@pytest.mark.parametrize("typed", ["Токтогул", "токтогульск", "Токтог"])
def test_a_word_is_also_a_prefix(store, typed):
    assert slugs(store, typed) == [RUSSIAN]  # the text says Токтогульское, Токтогульском


def test_accents_and_kazakh_letters_fold_to_what_a_plain_keyboard_types(store):
    assert slugs(store, "Constanta") == slugs(store, "Constanța") != []
    kazakh = slugs(store, "Қазақстан")
    assert kazakh and slugs(store, "Казакстан") == kazakh


def test_or_takes_either_and_plain_words_take_both(store):
    either = slugs(store, "Токтогул OR Qozogʻiston")
    assert sorted(either) == sorted([RUSSIAN, UZBEK])
    assert slugs(store, "Токтогул Qozogʻiston") == []
    assert slugs(store, "Токтогул or Qozogʻiston") == []  # lower-case "or" is a word like any other


def test_not_or_a_minus_leaves_stories_out(store):
    summit = slugs(store, "summit")
    without = slugs(store, "summit NOT Tashkent")
    assert without and set(without) < set(summit)
    assert slugs(store, "summit -Tashkent") == without
    assert slugs(store, "NOT Tashkent") == []  # nothing left to look for


def test_a_quoted_phrase_matches_those_words_in_that_order(store):
    phrase = slugs(store, '"водохранилище наполнено"')
    assert phrase == [RUSSIAN]
    assert slugs(store, '"наполнено водохранилище"') == []
    assert slugs(store, "наполнено водохранилище") == [RUSSIAN]


@pytest.mark.parametrize("typed", ['"водохранилище наполнено', "OR", "OR OR Токтогул", "Токтогул OR", '"', "***",
                                   'NEAR( " OR *', "Токтогул AND NOT", "summit^2 col:x", "'", "(((",
                                   "a " * 300])
def test_a_malformed_query_never_fails(store, typed):
    found = articles.search(store, typed)
    assert isinstance(found, list)
    if "Токтогул" in typed or "водохранилище" in typed:
        assert [row["slug"] for row in found] == [RUSSIAN]


@pytest.mark.parametrize("typed, says", [("OR", "letters or numbers"), ("***", "letters or numbers"),
                                         ('"', "letters or numbers")])
def test_the_search_page_answers_a_query_with_no_words_with_a_hint(demo_data, typed, says):
    from reader import create_app

    client = create_app({"DATA_DIR": demo_data, "TESTING": True}).test_client()
    response = client.get("/search", query_string={"q": typed})
    assert response.status_code == 200
    status = BeautifulSoup(response.data, "html.parser").select_one("main [role=status]")
    assert says in status.get_text()


def test_the_query_becomes_engine_syntax_only_through_quoted_stems():
    query = search_terms.parse('Токтогул OR "Central Asia" summits NEAR( -Tokyo')
    assert search.fts5_query(query) == '(("токтогул"* OR "central asia") AND ("summit"*) AND ("near"*)) NOT ("tokyo"*)'
    assert search.tsquery(query) == "(('токтогул':* | ('central' <-> 'asia')) & ('summit':*) & ('near':*)) & !('tokyo':*)"


def _many_stories(db, count):
    """count stories with their terms, written in two statements (the planner needs a big table
    to show the plan a big archive gets); every third is about a harvest, the rest a summit."""
    numbers = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
    with transaction(db):
        db.execute(numbers + "INSERT INTO articles (id, slug, url, title, body_html, body_text, content_hash,"
                   " word_count, reading_minutes, created_at, updated_at, checked_at)"
                   " SELECT i, 'story-' || i, 'https://news.example/' || i, 'Story', '<p>x</p>', 'x', 'h', 9, 1,"
                   " '2025-12-01T00:00:00+00:00', '2025-12-01T00:00:00+00:00', '2025-12-01T00:00:00+00:00'"
                   " FROM n", (count,))
        db.execute(numbers + "INSERT INTO article_terms (article_id, title, description, body)"
                   " SELECT i, 'stori', '', CASE WHEN i % 3 = 0 THEN 'harvest report' ELSE"
                   " 'summit talk number ' || i || ' on water and power' END FROM n", (count,))
    if db.dialect == "postgresql":
        db.execute("ANALYZE")


def test_the_search_plan_reads_the_index_and_articles_only_by_key(app, db):
    """Issue 11: no full scan of articles, and the match list is cut at CANDIDATES by the index."""
    _many_stories(db, 20000)
    for typed in ("summit water", "harvest", "Summits", '"water and power"', "number OR nothing"):
        query = search_terms.parse(typed)
        if db.dialect == "sqlite":
            plan = [(row[0], row[1], row[3]) for row in search.plan(db, query)]
            details = [detail for _, _, detail in plan]
            assert any(d.startswith("SCAN articles_fts VIRTUAL TABLE INDEX") for d in details), plan
            assert "SEARCH articles USING INTEGER PRIMARY KEY (rowid=?)" in details, plan
            assert not any(d in ("SCAN a", "SCAN articles") for d in details), plan
            # The candidates come in the index's own order (newest first): no sort of every match.
            assert not any("TEMP B-TREE" in d for d in details), plan
        else:
            text = "\n".join(row[0] for row in search.plan(db, query))
            assert "Bitmap Index Scan on articles_search_document" in text, text
            assert "Bitmap Index Scan on articles_pkey" in text, text   # the best `limit`, by key
            assert "Seq Scan" not in text and "articles_search_pkey" not in text, text
    assert len(articles.search(db, "summit water")) == 20


def test_stories_stored_before_the_terms_table_are_indexed_by_its_migration(db):
    """Migration 8's Python step: every story without terms gets them."""
    from reader.store import migrations

    row = {"url": "https://news.example/r", "fetched_url": None, "title": "Водохранилище мелеет", "byline": "",
           "site_name": "", "description": "", "section": "", "tags": [], "lang": "ru", "dir": "ltr",
           "published": None, "modified": None, "body_html": "<p>x</p>", "body_text": "Уровень воды упал.",
           "content_hash": "h", "word_count": 3, "reading_minutes": 1}
    article_id = articles.insert(db, "reservoir", row)
    db.execute("DELETE FROM article_terms")
    assert articles.search(db, "водохранилища") == []
    with transaction(db):
        migrations.AFTER[8](db)
    assert [r["id"] for r in articles.search(db, "водохранилища")] == [article_id]


def test_a_word_in_the_title_ranks_above_newer_stories_with_it_only_in_the_text(db):
    """The candidates' order: title hits, then description hits, then the newest first."""
    def story(slug, title, description, text):
        row = {"url": f"https://news.example/{slug}", "fetched_url": None, "title": title, "byline": "",
               "site_name": "", "description": description, "section": "", "tags": [], "lang": "en",
               "dir": "ltr", "published": None, "modified": None, "body_html": "<p>x</p>", "body_text": text,
               "content_hash": slug, "word_count": 9, "reading_minutes": 1}
        return articles.insert(db, slug, row)

    in_title = story("title", "Reservoir levels fall", "", "Engineers met on Tuesday.")
    in_description = story("description", "Engineers meet", "The reservoir is at its lowest", "They met.")
    older_text = story("older-text", "Talks end", "", "The reservoir came up once.")
    newer_text = story("newer-text", "Talks begin", "", "Nobody spoke of the reservoir.")
    assert [row["id"] for row in articles.search(db, "reservoir")] == [in_title, in_description, newer_text, older_text]
    assert [row["id"] for row in articles.search(db, "reservoir", limit=2)] == [in_title, in_description]


def test_the_sqlite_index_reads_each_prefix_length_a_query_word_is_matched_at_as_one_list(db):
    """Issue 11: FTS5 merges every word a prefix covers unless it keeps a prefix index of that
    length; the table's definition (made by a migration) must keep one for each PREFIX_LENGTHS."""
    if db.dialect == "postgresql":  # a GIN index reads a prefix (:*) as a range of its sorted keys
        definition = db.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'articles_search_document'").fetchone()
        assert "USING gin (document)" in definition[0]
        return
    definition = db.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").fetchone()[0]
    kept = definition.split("prefix=", 1)[1].split("'")[1].split()
    assert tuple(int(n) for n in kept) == search.PREFIX_LENGTHS
    assert search.PREFIX_LENGTHS[0] == search_terms.MIN_PREFIX



def test_the_prefix_index_step_keeps_every_story_found(db):
    """Migration 12 remakes SQLite's index with prefix lengths: it is rebuilt from the stored terms."""
    from reader.store import migrations

    _many_stories(db, 30)
    before = [row["id"] for row in articles.search(db, "harv", limit=50)]
    assert len(before) == 10
    with transaction(db):  # the step runs again, over stored stories
        for statement in migrations.statements(migrations.steps(db.dialect)[11]):
            db.execute(statement)
    assert [row["id"] for row in articles.search(db, "harv", limit=50)] == before
    assert len(articles.search(db, "summit water", limit=50)) == 20
