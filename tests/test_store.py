import pytest

from reader.store import IntegrityError, articles, connect, migrations, transaction

ROW = {
    "url": "https://news.example/a", "fetched_url": "https://news.example/a?utm=x",
    "title": "Leaders meet in Tokyo", "byline": "A. Writer", "site_name": "Example",
    "description": "A summit.", "section": "World", "tags": ["summit"], "lang": "en", "dir": "ltr",
    "published": "2025-12-20T09:00:00+00:00", "modified": None, "body_html": "<p>Uranium talks</p>",
    "body_text": "Uranium talks", "content_hash": "h1", "word_count": 2, "reading_minutes": 1,
}


def test_migrations_are_recorded_and_applied_once(tmp_path):
    db = connect(tmp_path)
    steps = migrations.steps(db.dialect)
    assert migrations.version(db) == len(steps)
    if db.dialect == "sqlite":
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    db = connect(tmp_path)  # a second start applies nothing
    assert migrations.version(db) == len(steps)


def test_update_keeps_the_previous_version(tmp_path):
    db = connect(tmp_path)
    article_id = articles.insert(db, "leaders-meet", ROW)
    old = articles.get(db, article_id)
    articles.update(db, old, {**ROW, "body_html": "<p>Corrected</p>", "body_text": "Corrected",
                              "content_hash": "h2"})
    assert articles.get(db, article_id)["version"] == 2
    assert [v["body_html"] for v in articles.versions(db, article_id)] == ["<p>Uranium talks</p>"]


def test_full_text_search_follows_updates_and_ignores_fts_syntax(tmp_path):
    db = connect(tmp_path)
    article_id = articles.insert(db, "leaders-meet", ROW)
    assert [r["id"] for r in articles.search(db, "uranium")] == [article_id]
    articles.update(db, articles.get(db, article_id), {**ROW, "body_text": "Gold reserves",
                                                        "content_hash": "h2"})
    assert articles.search(db, "uranium") == []
    assert [r["id"] for r in articles.search(db, "gold")] == [article_id]
    assert articles.search(db, 'NEAR( " OR *') == []


def test_a_failed_transaction_leaves_nothing(tmp_path):
    db = connect(tmp_path)
    with pytest.raises(IntegrityError):
        with transaction(db):
            articles.insert(db, "one", ROW)
            articles.insert(db, "two", ROW)  # same canonical URL: refused
    assert articles.count(db) == 0
