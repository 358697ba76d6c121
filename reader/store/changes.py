"""The content version: one value that changes whenever anything a reader's page shows changes.

Rendered pages are cached under it (reader/web/page_cache.py), and it is read from the database
on every request, so a write by any process or machine sharing the database reaches every cache.

It is one statement over primary keys (so its cost does not grow with the archive): the newest id
of each table that a change to a story, its images or its topics adds a row to, and the topics'
names and order. Every write that changes what a page shows adds such a row: a new story
(articles), a corrected one (article_versions, written by articles.update), new images (images),
a story joining a topic (topic_events, written beside topics.assign); or changes the topics table.
A new kind of write must do the same; tests/test_page_cache.py goes through each one.
"""
import hashlib

# One row of newest ids, then one row per topic; the columns line up for UNION ALL on SQLite and
# PostgreSQL alike (text, integer, integer, integer, integer, text).
VERSION_SQL = (
    "SELECT 'newest', (SELECT MAX(id) FROM articles), (SELECT MAX(id) FROM article_versions),"
    " (SELECT MAX(id) FROM images), (SELECT MAX(id) FROM topic_events), NULL"
    " UNION ALL SELECT slug, position, NULL, NULL, NULL, name FROM topics"
)


def content_version(db):
    """A short string that differs after any change to what pages show."""
    rows = sorted(tuple(row) for row in db.execute(VERSION_SQL).fetchall())
    return hashlib.blake2b(repr(rows).encode(), digest_size=8).hexdigest()
