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
    """Issue 11: no full scan of articles, and the match list is cut at CANDIDATES by the index.
    On PostgreSQL the newest stories are walked by key first, then a rarer word read from GIN."""
    _many_stories(db, 20000)
    for typed in ("summit water", "harvest", "Summits", '"water and power"', "number OR nothing", "12346"):
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
            text = "\n".join(search.plan(db, query))
            assert "Seq Scan" not in text, text
            assert "Index Scan Backward using articles_search_pkey" in text, text  # the walk, bounded:
            assert "Index Cond: (article_id > " in text, text
            assert "Bitmap Index Scan on articles_search_document" in text, text
            assert "articles_pkey" in text, text   # the best `limit`, by key
    assert len(articles.search(db, "summit water")) == 20
    assert [row["id"] for row in articles.search(db, "12346 OR 19999")] == [19999, 12346]


class _Recorder:
    """A store handle that notes the statements its callers run."""

    def __init__(self, db):
        self.db, self.dialect, self.seen = db, db.dialect, []

    def execute(self, sql, params=()):
        self.seen.append(sql)
        return self.db.execute(sql, params)

    def transaction(self):
        return self.db.transaction()


def test_postgresql_asks_the_gin_index_only_for_a_word_the_newest_stories_lack(db):
    """A word in most stories (summit: 2 in 3) is found by the walk alone (its cost does not grow
    with the archive); a rarer one (harvest: 1 in 3) is looked up in the GIN index too. FTS5 reads any
    word newest first: one statement for the candidates, whatever the word."""
    _many_stories(db, 3000)
    for typed, index_too, count in (("summit", False, 50), ("harvest", True, 50), ("1001 OR 2999", True, 2),
                                    ("nothing", True, 0)):
        recorder = _Recorder(db)
        found = search.find(recorder, search_terms.parse(typed), limit=50)
        assert len(found) == count, typed
        candidates = [sql for sql in recorder.seen if not sql.startswith(("SET", "SELECT * FROM articles"))]
        if db.dialect == "sqlite":
            assert candidates == [search.SQLITE_CANDIDATES], typed
        else:
            wanted = [search.POSTGRESQL_WALK, search.POSTGRESQL_INDEX] if index_too else [search.POSTGRESQL_WALK]
            assert candidates == wanted, typed
