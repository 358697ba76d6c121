"""Full-text search: each story's terms (reader.search_terms) in article_terms, indexed per engine.

SQLite indexes article_terms with FTS5 (external content, kept in step by triggers); PostgreSQL
with a tsvector per story in articles_search (a GIN index, filled by a trigger on article_terms).
Both split the stored terms on spaces only: folding and stemming happened in Python, once, so the
two engines find the same stories. A search ranks only the newest CANDIDATES matches, taken from
the index newest first, so its cost does not grow with the archive (issue 11).
"""
from .. import search_terms

CANDIDATES = 200    # newest matches ranked; a reader looking further back narrows the words
WEIGHTS = (10.0, 4.0, 1.0)   # title, description, body (FTS5's bm25 column weights)
BACKFILL_BATCH = 500


def index(db, article_id, row):
    """Store a story's terms (title, description, text), replacing earlier ones."""
    db.execute(
        "INSERT INTO article_terms (article_id, title, description, body) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (article_id) DO UPDATE SET title = excluded.title,"
        " description = excluded.description, body = excluded.body",
        _terms(article_id, row["title"], row.get("description"), row["body_text"]))


def _terms(article_id, title, description, body_text):
    return (article_id, search_terms.terms(title), search_terms.terms(description or ""),
            search_terms.terms(body_text))


def backfill(db):
    """Index every story that has no terms yet (run once by the migration that made the table).

    Uses positional columns and plain execute only: on PostgreSQL it runs on the migration's raw
    connection.
    """
    while True:
        rows = db.execute(
            "SELECT a.id, a.title, a.description, a.body_text FROM articles a WHERE NOT EXISTS"
            " (SELECT 1 FROM article_terms t WHERE t.article_id = a.id) ORDER BY a.id LIMIT ?",
            (BACKFILL_BATCH,)).fetchall()
        for row in rows:
            db.execute("INSERT INTO article_terms (article_id, title, description, body) VALUES (?, ?, ?, ?)",
                       _terms(row[0], row[1], row[2], row[3]))
        if len(rows) < BACKFILL_BATCH:
            return


def find(db, query, *, limit=20):
    """The stories matching a search_terms.Query, best first: at most `limit` rows of articles."""
    if not query:
        return []
    return _run(db, "", query, limit).fetchall()


def plan(db, query, *, limit=20):
    """The engine's plan for find() (EXPLAIN QUERY PLAN rows, or EXPLAIN's lines): the tests
    check it reads the indexes and never every story."""
    explain = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN "
    return _run(db, explain, query, limit).fetchall()


def _run(db, prefix, query, limit):
    if db.dialect == "sqlite":
        return db.execute(prefix + SQLITE_SQL, (fts5_query(query), CANDIDATES, limit))
    text = tsquery(query)
    with db.transaction():
        # PostgreSQL costs a check of `document @@ query` by articles_search's main table, not by
        # the TOASTed document each check reads, so for a rare word it would pick a scan (of the
        # table, or of its key backwards) that reads every story's document. The GIN index alone
        # reads only the matches' keys; documents are read for the CANDIDATES ranked (and for a
        # phrase's position check). Measured in BENCHMARKS.md.
        db.execute("SET LOCAL enable_seqscan = off")
        db.execute("SET LOCAL enable_indexscan = off")
        return db.execute(prefix + POSTGRESQL_SQL, (text, text, CANDIDATES, limit))


# The newest CANDIDATES matches in the index's own order (FTS5 walks its doclists by rowid, here
# the article id, backwards), ranked with bm25; only the `limit` best are read from articles, by key
# (a story's row holds its whole HTML: reading all the candidates' would cost more than the search).
SQLITE_SQL = (
    "SELECT a.* FROM (SELECT newest.id, newest.score FROM (SELECT rowid AS id,"
    " bm25(articles_fts, {}, {}, {}) AS score FROM articles_fts WHERE articles_fts MATCH ?"
    " ORDER BY rowid DESC LIMIT ?) AS newest ORDER BY newest.score, newest.id DESC LIMIT ?) AS best"
    " JOIN articles a ON a.id = best.id ORDER BY best.score, a.id DESC").format(*WEIGHTS)
# The newest CANDIDATES matches, ranked with ts_rank_cd (its weights favour the title, A, over the
# description, B, over the text, C); only the `limit` best are read from articles, by key.
POSTGRESQL_SQL = (
    "SELECT a.* FROM (SELECT newest.article_id, ts_rank_cd(newest.document, to_tsquery('simple', ?)) AS score"
    " FROM (SELECT s.article_id, s.document FROM articles_search s"
    " WHERE s.document @@ to_tsquery('simple', ?) ORDER BY s.article_id DESC LIMIT ?) AS newest"
    " ORDER BY score DESC, newest.article_id DESC LIMIT ?) AS best"
    " JOIN articles a ON a.id = best.article_id ORDER BY best.score DESC, a.id DESC")


def fts5_query(query):
    """FTS5's syntax for a Query: every stem quoted (no reader text is ever FTS syntax)."""
    def item(it):
        if it.phrase:
            return '"' + " ".join(it.stems) + '"'
        return f'"{it.stems[0]}"' + ("*" if it.prefix else "")

    wanted = " AND ".join("(" + " OR ".join(item(it) for it in group) + ")" for group in query.groups)
    if not query.excluded:
        return wanted
    return f"({wanted}) NOT (" + " OR ".join(item(it) for it in query.excluded) + ")"


def tsquery(query):
    """PostgreSQL's tsquery syntax for a Query (stems hold only letters and digits, quoted anyway)."""
    def item(it):
        if it.phrase:
            return "(" + " <-> ".join(f"'{s}'" for s in it.stems) + ")"
        return f"'{it.stems[0]}'" + (":*" if it.prefix else "")

    wanted = " & ".join("(" + " | ".join(item(it) for it in group) + ")" for group in query.groups)
    if not query.excluded:
        return wanted
    return f"({wanted}) & !(" + " | ".join(item(it) for it in query.excluded) + ")"
