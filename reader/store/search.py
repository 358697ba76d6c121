"""Full-text search: each story's terms (reader.search_terms) in article_terms, indexed per engine.

SQLite indexes article_terms with FTS5 (external content, kept in step by triggers); PostgreSQL
with a tsvector per story in articles_search (a GIN index, filled by a trigger on article_terms).
Both split the stored terms on spaces only: folding and stemming happened in Python, once, so the
two engines find the same stories. A search ranks only the newest CANDIDATES matches, taken from
the index newest first, so its cost does not grow with the archive (issue 11).

On SQLite two things would still read every match of a common word: a prefix query (every query
word is also a prefix) merges the doclists of all the words it covers before it yields one row,
and bm25 counts each word's documents over the whole index. So the FTS5 table keeps prefix indexes
(PREFIX_LENGTHS: a prefix of those lengths is one doclist, read newest first and left after
CANDIDATES rows) and the candidates are ranked here, from where the words were found (title,
description, only the text) and then by age; see rank().

On PostgreSQL a GIN index cannot give matches newest first: it reads the key of every match. So
the newest WALK stories are walked by key first, and only a word too rare to have CANDIDATES
matches among them is looked up in the GIN index; see _best().
"""
from .. import search_terms

CANDIDATES = 200    # newest matches ranked; a reader looking further back narrows the words
# SQLite's ranking: a word found in the title weighs 10, in the description 4; hits in the text are
# not counted (reading 200 texts would cost more than the search), so a text-only match ranks by age.
TITLE_WEIGHT, DESCRIPTION_WEIGHT = 10, 4
# FTS5 prefix indexes (characters): a query word of these lengths is read as one doclist. A longer
# one (rare, and with few stories each) falls back to FTS5 merging the words it covers.
PREFIX_LENGTHS = tuple(range(search_terms.MIN_PREFIX, 13))
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
    best = _best(db, query)[:limit]
    if not best:
        return []
    rows = {row["id"]: row for row in db.execute(_by_key(len(best)), best).fetchall()}
    return [rows[id_] for id_ in best if id_ in rows]


def _best(db, query):
    """The ids of the newest CANDIDATES matches, best first."""
    if db.dialect == "sqlite":
        return rank(db.execute(SQLITE_CANDIDATES, (fts5_query(query), CANDIDATES)).fetchall())
    text = tsquery(query)
    with db.transaction():
        # The newest stories are walked first (their key backwards, each document checked): a word
        # in many stories has its CANDIDATES there, at a cost that does not grow with the archive,
        # where the GIN index would read every match's key. A rarer word is then looked up in the
        # GIN index, whose cost is its matches. (Left to itself PostgreSQL costs a check of
        # `document @@ query` by the table's row, not by the TOASTed document it reads, and would
        # walk the whole archive for a rare word.) Measured in BENCHMARKS.md.
        db.execute("SET LOCAL enable_seqscan = off")
        db.execute("SET LOCAL enable_bitmapscan = off")
        found = db.execute(POSTGRESQL_WALK, (text, text, WALK, CANDIDATES)).fetchall()
        if len(found) < CANDIDATES:
            db.execute("SET LOCAL enable_bitmapscan = on")
            db.execute("SET LOCAL enable_indexscan = off")
            found = db.execute(POSTGRESQL_INDEX, (text, text, CANDIDATES)).fetchall()
    return [row[0] for row in sorted(found, key=lambda row: (-row[1], -row[0]))]


def rank(candidates):
    """Candidate ids, best first. Each candidate is (id, title, description) with every query
    word found in the title and description marked by HIT: title hits weigh TITLE_WEIGHT,
    description hits DESCRIPTION_WEIGHT; a story found only in its text, or a tie, goes by age
    (newest first). Nothing here reads more than the candidates themselves."""
    def score(candidate):
        id_, title, description = candidate
        return (-(TITLE_WEIGHT * title.count(HIT) + DESCRIPTION_WEIGHT * description.count(HIT)), -id_)

    return [candidate[0] for candidate in sorted(candidates, key=score)]


def plan(db, query, *, limit=20):
    """The engine's plans for what find() may run (EXPLAIN QUERY PLAN rows, or EXPLAIN's lines),
    one statement's after the other, the best stories' read by key last: the tests check they
    read indexes and never every story."""
    by_key = (_by_key(limit), tuple(range(limit)))
    if db.dialect == "sqlite":
        return [row for sql, params in ((SQLITE_CANDIDATES, (fts5_query(query), CANDIDATES)), by_key)
                for row in db.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()]
    text = tsquery(query)
    lines = []
    for sql, params, off in ((POSTGRESQL_WALK, (text, text, WALK, CANDIDATES), "enable_bitmapscan"),
                             (POSTGRESQL_INDEX, (text, text, CANDIDATES), "enable_indexscan"), (*by_key, None)):
        with db.transaction():   # the settings _best() runs each statement with
            db.execute("SET LOCAL enable_seqscan = off")
            if off:
                db.execute(f"SET LOCAL {off} = off")
            lines += [row[0] for row in db.execute("EXPLAIN " + sql, params).fetchall()]
    return lines


# The newest CANDIDATES matches in the index's own order (FTS5 walks its doclists by rowid, here
# the article id, backwards, and stops there), with the query's words marked in the title and the
# description (a candidate's terms row is read by key for it); rank() orders them.
HIT = "\x01"   # never in stored terms: they hold only letters, digits and spaces
SQLITE_CANDIDATES = (
    "SELECT rowid, highlight(articles_fts, 0, char(1), ''), highlight(articles_fts, 1, char(1), '')"
    " FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid DESC LIMIT ?")


def _by_key(count):
    """The best stories' rows, by key (a row holds the story's whole HTML: only `limit` are read)."""
    return "SELECT * FROM articles WHERE id IN (" + ", ".join("?" * count) + ")"


# PostgreSQL: the newest CANDIDATES matches among the stories after a key (the walk), or among all
# (the GIN index), each with its ts_rank_cd (weights favour the title, A, over the description, B,
# over the text, C), computed for those rows only.
# Newest stories walked before the GIN index is asked: a word in at least half of them needs no
# more; a rarer one pays this walk (about 2 ms at 50,000 stories, and at 1,000) and its matches.
WALK = 2 * CANDIDATES
POSTGRESQL_WALK = (
    "SELECT newest.article_id, ts_rank_cd(newest.document, to_tsquery('simple', ?)) FROM"
    " (SELECT s.article_id, s.document FROM articles_search s WHERE s.document @@ to_tsquery('simple', ?)"
    " AND s.article_id > (SELECT MAX(article_id) FROM articles_search) - ?"
    " ORDER BY s.article_id DESC LIMIT ?) AS newest")
POSTGRESQL_INDEX = (
    "SELECT newest.article_id, ts_rank_cd(newest.document, to_tsquery('simple', ?)) FROM"
    " (SELECT s.article_id, s.document FROM articles_search s WHERE s.document @@ to_tsquery('simple', ?)"
    " ORDER BY s.article_id DESC LIMIT ?) AS newest")


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
