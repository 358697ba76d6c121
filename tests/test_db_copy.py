"""`reader db copy --to postgresql://...`: the demo newsroom, its alerts and its desk moved from
SQLite into an empty PostgreSQL database, verified table by table; refused when the target is
not empty; and the copied store works (new rows get new ids, search finds the stories)."""
import pytest

from reader import create_app
from reader.push import outbox
from reader.store import articles, connect, copy, postgres
from reader.store import subscriptions as subscription_store


@pytest.fixture
def target(pg_cluster):
    url = pg_cluster.create_database()  # empty: `reader db copy` migrates it
    yield url
    postgres.close_pools(url)
    pg_cluster.drop_database(url)


@pytest.fixture
def source(demo_copy, store_kind):
    if store_kind != "sqlite":
        pytest.skip("the copy reads a SQLite data directory")
    app = create_app({"DATA_DIR": demo_copy, "TESTING": True})
    db = connect(app.config)
    with db.transaction():
        subscription_store.upsert(db, "https://fcm.googleapis.com/fcm/send/abc", "BKey", "auth", ["summit"])
    outbox.queue(db, title="Japan sets a $19bn goal", body="Five leaders in Tokyo", topic="summit")
    db.close()
    return app


def test_copy_moves_every_table_and_verifies_it(source, target):
    result = source.test_cli_runner().invoke(args=["db", "copy", "--to", target])
    assert result.exit_code == 0, result.output
    assert "verified" in result.output and "differs" not in result.output
    sqlite_db = connect(source.config)
    pg_db = connect({**source.config, "DATABASE_URL": target})
    for table in copy.ORDER:
        count = sqlite_db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        assert pg_db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == count, table
    assert articles.count(pg_db) == 10
    # analysed by the copy: the planner knows the rows are there (never analysed reads -1)
    assert pg_db.execute("SELECT reltuples FROM pg_class WHERE relname = 'articles'").fetchone()[0] == 10
    assert {r["slug"] for r in articles.search(pg_db, "Tokyo")} == {r["slug"] for r in articles.search(sqlite_db, "Tokyo")}
    lead = pg_db.execute("SELECT COUNT(*) FROM articles WHERE lead_image_id IS NOT NULL").fetchone()[0]
    assert lead == sqlite_db.execute("SELECT COUNT(*) FROM articles WHERE lead_image_id IS NOT NULL").fetchone()[0] > 0
    new_id = outbox.queue(pg_db, title="Next", body="", topic="summit")  # identity counters moved on
    assert new_id > sqlite_db.execute("SELECT MAX(id) FROM alerts").fetchone()[0]
    pg_db.close()


def test_a_target_that_is_not_empty_is_refused_and_left_alone(source, target):
    runner = source.test_cli_runner()
    assert runner.invoke(args=["db", "copy", "--to", target]).exit_code == 0
    again = runner.invoke(args=["db", "copy", "--to", target])
    assert again.exit_code == 1 and "not empty" in again.output and "Traceback" not in again.output
    pg_db = connect({**source.config, "DATABASE_URL": target})
    assert articles.count(pg_db) == 10  # nothing was added twice
    pg_db.close()


def test_a_bad_target_url_is_one_line(source):
    result = source.test_cli_runner().invoke(args=["db", "copy", "--to", "postgresql://nobody@127.0.0.1:1/x"])
    assert result.exit_code == 1 and "cannot reach PostgreSQL" in result.output
    result = source.test_cli_runner().invoke(args=["db", "copy", "--to", "sqlite:///x"])
    assert result.exit_code != 0 and "postgresql://" in result.output


def test_every_table_is_in_the_copy_order(tmp_path, target):
    """A new table must be placed in copy.ORDER, or the copy refuses to run."""
    sqlite_db = connect({"DATA_DIR": tmp_path, "DATABASE_URL": ""})
    pg_db = connect({"DATA_DIR": tmp_path, "DATABASE_URL": target})
    assert copy.tables(sqlite_db) == set(copy.ORDER) | set(copy.DERIVED) == copy.tables(pg_db)
    pg_db.close()
