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


# -- one automatic alert per story and topic (issue 12.14) -------------------------------------

def _story_and_topics(db):
    from reader.store import topics

    article_id = articles.insert(db, "leaders-meet", ROW)
    topics.upsert(db, "summit", "Summit")
    topics.upsert(db, "breaking", "Breaking")
    return article_id


def _alert(article_id, topic, source):
    return {"title": "T", "body": "B", "article_id": article_id, "topic": topic, "ttl": 60,
            "state": "queued", "source": source}


def test_an_automatic_alert_is_made_once_per_story_and_topic(tmp_path):
    from reader.store import alerts

    db = connect(tmp_path)
    article_id = _story_and_topics(db)
    first = alerts.create(db, _alert(article_id, "summit", "auto"))
    assert first is not None and alerts.create(db, _alert(article_id, "summit", "auto")) is None
    assert alerts.create(db, _alert(article_id, "breaking", "auto")) is not None
    assert alerts.create(db, _alert(article_id, "summit", "editor")) is not None  # editors may repeat
    assert db.execute("SELECT COUNT(*) FROM alerts WHERE source = 'auto'").fetchone()[0] == 2


def test_repeats_made_before_the_rule_are_relabelled_when_it_arrives(tmp_path):
    from reader.store import alerts

    db = connect(tmp_path)
    article_id = _story_and_topics(db)
    step = next(s for s in migrations.steps(db.dialect) if "alerts_auto_once" in s)
    db.execute("DROP INDEX alerts_auto_once")  # the store as it was before the step, with repeats
    ids = [alerts.create(db, _alert(article_id, "summit", "editor")) for _ in range(3)]
    db.execute("UPDATE alerts SET source = 'auto'")
    with db.transaction():  # the step runs again, over the repeats
        for statement in migrations.statements(step):
            db.execute(statement)
    rows = db.execute("SELECT id, source FROM alerts ORDER BY id").fetchall()
    assert [tuple(row) for row in rows] == [(ids[0], "auto"), (ids[1], "auto-repeat"), (ids[2], "auto-repeat")]
    assert alerts.create(db, _alert(article_id, "summit", "auto")) is None
