"""Topics, their rules, which articles are in them, and the events new coverage raises."""
import json
from collections import defaultdict

from . import utcnow

RULE_FIELDS = ("keywords", "sections", "tags")
ALERT_MODES = ("off", "auto", "approval")


def upsert(db, slug, name, *, keywords=(), sections=(), tags=(), alert_mode="off", position=0):
    db.execute(
        "INSERT INTO topics (slug, name, keywords, sections, tags, alert_mode, position)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(slug) DO UPDATE SET name = excluded.name,"
        " keywords = excluded.keywords, sections = excluded.sections, tags = excluded.tags,"
        " alert_mode = excluded.alert_mode, position = excluded.position",
        (slug, name, json.dumps(list(keywords), ensure_ascii=False),
         json.dumps(list(sections), ensure_ascii=False), json.dumps(list(tags), ensure_ascii=False),
         alert_mode, position),
    )


def all(db):
    rows = db.execute("SELECT * FROM topics ORDER BY position, slug").fetchall()
    return [_decoded(row) for row in rows]


def get(db, slug):
    row = db.execute("SELECT * FROM topics WHERE slug = ?", (slug,)).fetchone()
    return _decoded(row) if row else None


def set_alert_mode(db, slug, mode):
    db.execute("UPDATE topics SET alert_mode = ? WHERE slug = ?", (mode, slug))


def for_article(db, article_id):
    rows = db.execute(
        "SELECT topic FROM article_topics WHERE article_id = ? ORDER BY topic", (article_id,)
    ).fetchall()
    return [row[0] for row in rows]


def for_articles(db, article_ids):
    """{article id: [topic slugs]} for several articles in one query."""
    found = {article_id: [] for article_id in article_ids}
    if not found:
        return found
    marks = ", ".join("?" for _ in found)
    rows = db.execute(f"SELECT article_id, topic FROM article_topics WHERE article_id IN ({marks})"
                      " ORDER BY article_id, topic", list(found)).fetchall()
    for article_id, topic in rows:
        found[article_id].append(topic)
    return found


def memberships(db):
    """{article id: [topic slugs]} for every story (in topic order), in one query."""
    found = defaultdict(list)
    for article_id, topic in db.execute("SELECT article_id, topic FROM article_topics ORDER BY article_id, topic"):
        found[article_id].append(topic)
    return found


def assign(db, article_id, slugs):
    """Add the article to these topics; returns the slugs it was not in before."""
    before = set(for_article(db, article_id))
    for slug in slugs:  # each membership keeps its story's sort key, so a topic lists from an index
        db.execute(
            "INSERT INTO article_topics (article_id, topic, sort_key)"
            " SELECT id, ?, COALESCE(published, created_at) FROM articles WHERE id = ? ON CONFLICT DO NOTHING",
            (slug, article_id))
    return sorted(set(slugs) - before)


def record_event(db, topic, article_id, kind="new"):
    db.execute(
        "INSERT INTO topic_events (topic, article_id, kind, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (topic, article_id, kind, utcnow()),
    )


def pending_events(db):
    return db.execute("SELECT * FROM topic_events WHERE handled_at IS NULL ORDER BY id").fetchall()


def _decoded(row):
    topic = dict(row)
    for name in RULE_FIELDS:
        topic[name] = json.loads(topic[name])
    return topic


def mark_handled(db, event_id):
    db.execute("UPDATE topic_events SET handled_at = ? WHERE id = ?", (utcnow(), event_id))
