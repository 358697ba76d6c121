"""Articles, their earlier versions, and full-text search."""
import json

from .. import search_terms
from ..slugs import story_path
from . import search as search_index
from . import utcnow

COLUMNS = (
    "url", "fetched_url", "title", "byline", "site_name", "description", "section", "tags",
    "lang", "dir", "published", "modified", "body_html", "body_text", "content_hash",
    "word_count", "reading_minutes", "confidence", "confidence_reasons",
)
# Columns a row may leave out (stories stored by code that does not extract: tests, benchmarks).
OPTIONAL: dict[str, object] = {"confidence": None, "confidence_reasons": []}


def by_url(db, url):
    """The story whose canonical or fetched URL this is (each looked up in its own index)."""
    return (db.execute("SELECT * FROM articles WHERE url = ?", (url,)).fetchone()
            or db.execute("SELECT * FROM articles WHERE fetched_url = ? LIMIT 1", (url,)).fetchone())


def get(db, article_id):
    return db.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()


def by_slug(db, slug):
    return db.execute("SELECT * FROM articles WHERE slug = ?", (slug,)).fetchone()


def path_of(db, article_id):
    """The site path of a story (/articles/<slug>/), or None when it is gone."""
    row = db.execute("SELECT slug FROM articles WHERE id = ?", (article_id,)).fetchone()
    return story_path(row[0]) if row else None


def slug_taken(db, slug):
    return db.execute("SELECT 1 FROM articles WHERE slug = ?", (slug,)).fetchone() is not None


def insert(db, slug, row):
    """Insert a new article from a dict holding COLUMNS; returns its id."""
    now = utcnow()
    values = [_value(_field(row, c)) for c in COLUMNS]
    cursor = db.execute(
        f"INSERT INTO articles (slug, {', '.join(COLUMNS)}, created_at, updated_at, checked_at) "
        f"VALUES (?, {', '.join('?' for _ in COLUMNS)}, ?, ?, ?) RETURNING id",
        [slug, *values, now, now, now],
    )
    article_id = cursor.fetchone()[0]
    search_index.index(db, article_id, row)
    return article_id


def update(db, old, row):
    """Replace an article's content, keeping the previous text as a version."""
    now = utcnow()
    db.execute(
        "INSERT INTO article_versions (article_id, version, title, body_html, content_hash, replaced_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (old["id"], old["version"], old["title"], old["body_html"], old["content_hash"], now),
    )
    assignments = ", ".join(f"{c} = ?" for c in COLUMNS)
    db.execute(
        f"UPDATE articles SET {assignments}, version = version + 1, updated_at = ?, checked_at = ?"
        " WHERE id = ?",
        [*(_value(_field(row, c)) for c in COLUMNS), now, now, old["id"]],
    )
    db.execute("UPDATE article_topics SET sort_key = (SELECT COALESCE(published, created_at) FROM articles"
               " WHERE id = ?) WHERE article_id = ?", (old["id"], old["id"]))
    search_index.index(db, old["id"], row)


def replace_body(db, article_id, body_html):
    """A new body for the same text (images that came back on a retry); no new version.

    It is always written beside new image rows, which is what store.changes sees.
    """
    db.execute("UPDATE articles SET body_html = ?, updated_at = ?, checked_at = ? WHERE id = ?",
               (body_html, utcnow(), utcnow(), article_id))


def touch(db, article_id):
    db.execute("UPDATE articles SET checked_at = ? WHERE id = ?", (utcnow(), article_id))


def set_lead_image(db, article_id, image_id):
    db.execute("UPDATE articles SET lead_image_id = ? WHERE id = ?", (image_id, article_id))


def versions(db, article_id):
    return db.execute(
        "SELECT * FROM article_versions WHERE article_id = ? ORDER BY version", (article_id,)
    ).fetchall()


def latest(db, *, topic=None, limit=50, since=None):
    """Newest first by published time (falling back to ingest time), read from an index.

    With `since`, only stories changed after it: those few are found by updated_at first.
    """
    sql, params = (_TOPIC_ORDER, [topic]) if topic else (_ORDER, [])
    where = " AND t.topic = ?" if topic else ""
    if since:
        where += " AND a.id IN (SELECT id FROM articles WHERE updated_at > ?)"
        params.append(since)
    return db.execute(sql.format(where=where, compare=""), [*params, limit]).fetchall()


# Newest first: "a" in the expression index articles_latest; "t" in article_topics_latest.
_ORDER = ("SELECT a.* FROM articles a WHERE 1 = 1{where}{compare}"
          " ORDER BY COALESCE(a.published, a.created_at) DESC, a.id DESC LIMIT ?")
_TOPIC_ORDER = ("SELECT a.* FROM article_topics t JOIN articles a ON a.id = t.article_id WHERE 1 = 1{where}{compare}"
                " ORDER BY t.sort_key DESC, t.article_id DESC LIMIT ?")


def neighbours(db, row, *, older, topic=None, limit=3):
    """The stories just before (older) or just after a story in the newest-first order."""
    key = row["published"] or row["created_at"]
    sign = "<" if older else ">"
    if topic:
        sql = _TOPIC_ORDER.format(where=" AND t.topic = ?", compare=f" AND (t.sort_key, t.article_id) {sign} (?, ?)")
        params = [topic, key, row["id"]]
    else:
        sql = _ORDER.format(where="", compare=f" AND (COALESCE(a.published, a.created_at), a.id) {sign} (?, ?)")
        params = [key, row["id"]]
    if not older:  # walk the index the other way: the nearest newer stories first
        sql = sql.replace(" DESC", " ASC")
    return db.execute(sql, [*params, limit]).fetchall()


def stamps(db):
    """Every story's id, slug, version, last change and lead image, newest first (the packager
    decides from these which exported pages changed)."""
    return db.execute("SELECT a.id, a.slug, a.version, a.updated_at, a.lead_image_id FROM articles a"
                      " ORDER BY COALESCE(a.published, a.created_at) DESC, a.id DESC").fetchall()


def page_count(total, *, per_page):
    """How many pages of per_page stories hold total stories (one, empty, when there are none)."""
    return max(1, -(-total // per_page))


def page(db, number, *, per_page):
    """One page of every story, newest first (number counts from 1)."""
    return db.execute(_ORDER.format(where="", compare="") + " OFFSET ?",
                      (per_page, (number - 1) * per_page)).fetchall()


def search(db, text, *, limit=20):
    """Stories matching a reader's query text, best first (reader.search_terms says how words
    match; any text is safe: it never reaches the engine as query syntax)."""
    return search_index.find(db, search_terms.parse(text), limit=limit)


def count(db):
    """Stories stored, kept up to date by triggers (counting the table grows with the archive)."""
    return db.execute("SELECT value FROM counters WHERE name = 'articles'").fetchone()[0]


def _field(row, column):
    return row[column] if column in row or column not in OPTIONAL else OPTIONAL[column]


def _value(value):
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value
