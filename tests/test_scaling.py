"""Costs that must not grow with the archive, checked without timing anything: the hot queries
read from an index (no full scan, no sort of the whole table), and a page makes as many SQL
statements with 60 stories as with 12. Both run on SQLite and PostgreSQL."""
import pytest

from reader import create_app
from reader.store import articles, connect, images, ledger, postgres, sqlite
from reader.store import topics as topic_store

TOPICS = ("summit", "kazakhstan", "uzbekistan")


def _story(number):
    return {
        "url": f"https://news.example/{number}", "fetched_url": f"https://news.example/{number}?from=feed",
        "title": f"Story {number} about the summit", "byline": "", "site_name": "", "description": "A summit.",
        "section": "", "tags": [], "lang": "en", "dir": "ltr",
        "published": f"2025-{1 + number % 12:02d}-{1 + number % 28:02d}T09:{number % 60:02d}:00+00:00",
        "modified": None, "body_html": f"<p>Leaders met for summit talks, part {number}.</p>",
        "body_text": f"Leaders met for summit talks, part {number}.", "content_hash": f"h{number}",
        "word_count": 7, "reading_minutes": 1,
    }


def _grow(db, start, stop):
    for topic in TOPICS:
        if topic_store.get(db, topic) is None:
            topic_store.upsert(db, topic, topic.title())
    with db.transaction():
        for number in range(start, stop):
            article_id = articles.insert(db, f"story-{number}", _story(number))
            image_id = images.insert(db, article_id, {
                "src_url": f"https://news.example/{number}.jpg", "sha256": f"{number:064d}", "width": 800,
                "height": 600, "variants": [{"width": 360, "height": 270, "file": f"{number}-360.webp", "bytes": 9000,
                                             "type": "image/webp"}]})
            articles.set_lead_image(db, article_id, image_id)
            topic_store.assign(db, article_id, [TOPICS[number % 3], "summit"])


class _Recorder:
    """A store handle that notes every statement (and its parameters) its callers run."""

    def __init__(self, db):
        self.db, self.dialect, self.seen = db, db.dialect, []

    def execute(self, sql, params=()):
        self.seen.append((sql, tuple(params)))
        return self.db.execute(sql, params)

    def transaction(self):
        return self.db.transaction()


def _plan(db, sql, params):
    if db.dialect == "sqlite":
        return [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()]
    with db.transaction():  # told to avoid full scans and sorts: can an index give these rows in order?
        for setting in ("enable_seqscan", "enable_sort", "enable_bitmapscan"):
            db.execute(f"SET LOCAL {setting} = off")
        return [row[0] for row in db.execute("EXPLAIN " + sql, params).fetchall()]


def _full_scans(db, plan, *, sorts, tables=("articles", "article_topics", "deliveries", "images")):
    """Lines of a plan that read a whole table (or, unless sorts, sort rows an index should give in order)."""
    if db.dialect == "sqlite":
        scans = [line for line in plan if any(line == f"SCAN {t}" or line.startswith(f"SCAN {t} ") and "INDEX" not in line
                                              for t in tables)]
        return scans + [line for line in plan if "USE TEMP B-TREE FOR ORDER BY" in line and not sorts]
    return [line for line in plan if any(f"Seq Scan on {t}" in line for t in tables)] + \
           [line for line in plan if (line.strip().startswith("->  Sort") or line.startswith("Sort")) and not sorts]


HOT = {
    "latest": lambda db, row: articles.latest(db, limit=20),
    "latest in a topic": lambda db, row: articles.latest(db, topic="kazakhstan", limit=20),
    "changed since": lambda db, row: articles.latest(db, since="2026-01-01T00:00:00+00:00", limit=20),
    "older neighbours": lambda db, row: articles.neighbours(db, row, older=True, limit=3),
    "newer neighbours in a topic": lambda db, row: articles.neighbours(db, row, older=False, topic="summit", limit=3),
    "by fetched URL (duplicate check)": lambda db, row: articles.by_url(db, "https://news.example/5?from=feed"),
    "by slug": lambda db, row: articles.by_slug(db, "story-5"),
    "slug taken": lambda db, row: articles.slug_taken(db, "story-5"),
    "archive page": lambda db, row: articles.page(db, 2, per_page=10),
    "count": lambda db, row: articles.count(db),
    "topics of a page of stories": lambda db, row: topic_store.for_articles(db, [1, 2, 3]),
    "lead images of a page": lambda db, row: images.get_many(db, [1, 2, 3]),
    "ledger claim": lambda db, row: ledger.claim(db, 1, owner="x", lane="fast", limit=10, now=0, lease=1),
}


@pytest.mark.parametrize("name", HOT)
def test_hot_queries_read_from_an_index(tmp_path, name):
    db = connect(tmp_path)
    _grow(db, 0, 40)
    recorder = _Recorder(db)
    HOT[name](recorder, articles.by_slug(db, "story-20"))
    checked = [(sql, params) for sql, params in recorder.seen if sql.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert checked, "the store function ran no query"
    for sql, params in checked:
        plan = _plan(db, sql, params)
        # "changed since" sorts what changed (found by updated_at), never the whole archive
        assert not _full_scans(db, plan, sorts=name == "changed since"), f"{name}: {sql}\n" + "\n".join(plan)
    db.close()


class _Counter:
    def __init__(self):
        self.statements = 0


@pytest.fixture
def counted(monkeypatch):
    """Count every statement any store handle runs."""
    counter = _Counter()
    for engine in (sqlite.SQLiteDatabase, postgres.PostgresDatabase):
        for method in ("execute", "executemany"):
            real = getattr(engine, method)

            def counting(self, *args, _real=real, **kwargs):
                counter.statements += 1
                return _real(self, *args, **kwargs)

            monkeypatch.setattr(engine, method, counting)
    return counter


PAGES = ("/?fresh", "/articles/story-3/?fresh", "/topics/summit/?fresh", "/topics/kazakhstan/?fresh",
         "/search?q=summit", "/archive/?fresh", "/api/articles?limit=20", "/api/editions/front",
         "/feed.xml", "/topics/summit/feed.json")


def test_a_page_makes_as_many_statements_with_60_stories_as_with_12(tmp_path, counted):
    app = create_app({"DATA_DIR": tmp_path, "TESTING": True})
    db = connect(app.config)
    client = app.test_client()

    def statements():
        made = {}
        for path in PAGES:
            before = counted.statements
            assert client.get(path).status_code == 200, path
            made[path] = counted.statements - before
        return made

    _grow(db, 0, 12)
    statements()  # warm-up: the first request of a process opens the store and builds assets
    small = statements()
    _grow(db, 12, 60)
    statements()  # the API's page sizes are kept per story version: the new stories' are made once
    assert statements() == small
    db.close()
