"""What only PostgreSQL has to show: the same schema as SQLite, a clear line for a bad URL, nodes
that start at once, and a server restart that costs 503s for the gap and nothing else."""
import subprocess
import sys
import time

import pytest

from reader import create_app
from reader.store import StoreUnavailable, articles, connect, migrations, postgres

ROW = {
    "url": "https://news.example/a", "fetched_url": None, "title": "Leaders meet in Tokyo", "byline": "",
    "site_name": "", "description": "", "section": "", "tags": [], "lang": "en", "dir": "ltr",
    "published": None, "modified": None, "body_html": "<p>Text</p>", "body_text": "Text",
    "content_hash": "h", "word_count": 1, "reading_minutes": 1,
}
RECOVERY_LIMIT = 30.0  # seconds the site may take to answer again once PostgreSQL is back


@pytest.fixture
def pg_url(pg_cluster):
    url = pg_cluster.create_database(template=pg_cluster.empty.rsplit("/", 1)[1])
    yield url
    postgres.close_pools(url)
    pg_cluster.drop_database(url)


def _columns(db, dialect):
    if dialect == "sqlite":
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'articles_fts%'"
            " AND name NOT LIKE 'sqlite_%'").fetchall()]
        return {t: {r[1] for r in db.execute(f"PRAGMA table_info({t})").fetchall()} for t in tables}
    rows = db.execute("SELECT table_name, column_name FROM information_schema.columns"
                      " WHERE table_schema = 'public' AND table_name NOT IN ('reader_schema', 'articles_search')"
                      ).fetchall()
    found = {}
    for table, column in rows:
        found.setdefault(table, set()).add(column)
    return found


def test_both_engines_end_with_the_same_tables_and_columns(tmp_path, pg_url):
    sqlite_db = connect({"DATA_DIR": tmp_path, "DATABASE_URL": ""})
    pg_db = connect({"DATA_DIR": tmp_path, "DATABASE_URL": pg_url})
    assert len(migrations.steps("sqlite")) == len(migrations.steps("postgresql"))
    assert _columns(sqlite_db, "sqlite") == _columns(pg_db, "postgresql")
    pg_db.close()


def _reader(args, env, tmp_path):
    return subprocess.run([sys.executable, "-c", "from reader.cli import main; main()", *args],
                          env={**env, "READER_DATA_DIR": str(tmp_path)}, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("url, says", [
    ("postgresql://postgres@127.0.0.1:1/reader", "cannot reach PostgreSQL at 127.0.0.1:1/reader"),
    ("postgresql://postgres@127.0.0.1:{port}/no_such_db", 'database "no_such_db" does not exist'),
    ("mysql://somewhere/reader", "must be empty (SQLite) or a postgresql:// URL"),
])
def test_a_wrong_or_unreachable_url_is_one_line_and_exit_1(pg_cluster, tmp_path, url, says):
    import os

    result = _reader(["list"], {**os.environ, "READER_DATABASE_URL": url.format(port=pg_cluster.port)},
                     tmp_path)
    assert result.returncode == 1
    assert says in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_nodes_starting_at_once_migrate_once(pg_cluster, tmp_path):
    import os

    url = pg_cluster.create_database()  # empty: every node finds the schema missing
    try:
        script = "from reader.store import connect, migrations; db = connect({'DATA_DIR': '.', " \
                 f"'DATABASE_URL': {url!r}}}); print(migrations.version(db))"
        nodes = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, cwd=tmp_path, env=os.environ) for _ in range(4)]
        outputs = [node.communicate(timeout=60) for node in nodes]
        assert [node.returncode for node in nodes] == [0] * 4, [err for _, err in outputs]
        assert {out.strip() for out, _ in outputs} == {str(len(migrations.steps("postgresql")))}
    finally:
        pg_cluster.drop_database(url)


def test_a_restart_gives_503_for_the_gap_and_heals_with_nothing_lost(pg_cluster, pg_url, tmp_path, monkeypatch):
    monkeypatch.setattr(postgres, "POOL_WAIT", 0.5)  # each request in the gap waits this long, not 3 s
    app = create_app({"DATA_DIR": tmp_path, "DATABASE_URL": pg_url, "TESTING": True})
    db = connect(app.config)
    article_id = articles.insert(db, "leaders-meet", ROW)
    db.close()
    client = app.test_client()
    assert client.get("/").status_code == 200
    pg_cluster.stop_server()
    try:
        page, api = client.get("/"), client.get("/api/articles")
        assert page.status_code == 503 and page.headers["Retry-After"]
        assert "database" in page.get_data(as_text=True)
        assert api.status_code == 503 and api.get_json()["error"] == "Service Unavailable"
        with pytest.raises(StoreUnavailable):
            connect(app.config).execute("SELECT 1")
    finally:
        pg_cluster.start_server()
    deadline = time.monotonic() + RECOVERY_LIMIT
    while (status := client.get("/").status_code) != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert status == 200
    assert client.get(f"/api/articles/{article_id}").get_json()["title"] == ROW["title"]


def test_a_session_frozen_inside_a_transaction_holds_nobody_up(pg_url, monkeypatch):
    """A process stopped mid-transaction (SIGSTOP, a frozen VM) keeps its row locks only until the
    server ends its session; whoever waits for them goes on, and the frozen one gets a clear
    StoreUnavailable when it wakes, then a fresh connection."""
    monkeypatch.setattr(postgres, "IDLE_IN_TRANSACTION", "1s")
    postgres.close_pools(pg_url)  # connections made from here on get the short limit
    frozen, other = connect({"DATABASE_URL": pg_url}), connect({"DATABASE_URL": pg_url})
    article_id = articles.insert(other, "leaders-meet", ROW)
    frozen.execute("BEGIN")
    frozen.execute("UPDATE articles SET title = 'held' WHERE id = ?", (article_id,))
    # It stops here, holding the row; the other's write waits for the lock, not for LOCK_TIMEOUT.
    other.execute("UPDATE articles SET title = 'written' WHERE id = ?", (article_id,))
    assert other.execute("SELECT title FROM articles WHERE id = ?", (article_id,)).fetchone()[0] == "written"
    with pytest.raises(StoreUnavailable):
        frozen.execute("SELECT 1")
    assert frozen.execute("SELECT title FROM articles WHERE id = ?", (article_id,)).fetchone()[0] == "written"
