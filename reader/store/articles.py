"""Articles, their earlier versions, and full-text search."""
import json

from .. import search_terms
from . import search as search_index
from . import utcnow

COLUMNS = (
    "url", "fetched_url", "title", "byline", "site_name", "description", "section", "tags",
    "lang", "dir", "published", "modified", "body_html", "body_text", "content_hash",
    "word_count", "reading_minutes", "confidence", "confidence_reasons",
)
# Columns a row may leave out (stories stored by code that does not extract: tests, benchmarks).
OPTIONAL = {"confidence": None, "confidence_reasons": []}


def by_url(db, url):
    return db.execute("SELECT * FROM articles WHERE url = ? OR fetched_url = ?", (url, url)).fetchone()


def get(db, article_id):
    return db.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()


def by_slug(db, slug):
    return db.execute("SELECT * FROM articles WHERE slug = ?", (slug,)).fetchone()


def path_of(db, article_id):
    """The site path of a story (/articles/<slug>/), or None when it is gone."""
    row = db.execute("SELECT slug FROM articles WHERE id = ?", (article_id,)).fetchone()
    return f"/articles/{row[0]}/" if row else None


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
    """Newest first by published time (falling back to ingest time)."""
    sql = "SELECT a.* FROM articles a"
    where, params = [], []
    if topic:
        sql += " JOIN article_topics t ON t.article_id = a.id"
        where.append("t.topic = ?")
        params.append(topic)
    if since:
        where.append("a.updated_at > ?")
        params.append(since)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY COALESCE(a.published, a.created_at) DESC, a.id DESC LIMIT ?"
    return db.execute(sql, [*params, limit]).fetchall()


def neighbours(db, row, *, older, topic=None, limit=3):
    """The stories just before (older) or just after a story in the newest-first order."""
    key = row["published"] or row["created_at"]
    sign, order = ("<", "DESC") if older else (">", "ASC")
    sql = "SELECT a.* FROM articles a"
    params = []
    if topic:
        sql += " JOIN article_topics t ON t.article_id = a.id AND t.topic = ?"
        params.append(topic)
    sql += (f" WHERE (COALESCE(a.published, a.created_at), a.id) {sign} (?, ?)"
            f" ORDER BY COALESCE(a.published, a.created_at) {order}, a.id {order} LIMIT ?")
    return db.execute(sql, [*params, key, row["id"], limit]).fetchall()


def page(db, number, *, per_page):
    """One page of every story, newest first (number counts from 1)."""
    return db.execute(
        "SELECT * FROM articles ORDER BY COALESCE(published, created_at) DESC, id DESC LIMIT ? OFFSET ?",
        (per_page, (number - 1) * per_page)).fetchall()


def search(db, text, *, limit=20):
    """Stories matching a reader's query text, best first (reader.search_terms says how words
    match; any text is safe: it never reaches the engine as query syntax)."""
    return search_index.find(db, search_terms.parse(text), limit=limit)


def count(db):
    return db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]


def _field(row, column):
    return row[column] if column in row or column not in OPTIONAL else OPTIONAL[column]


def _value(value):
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value
