"""Topic rules: which topics a story belongs to, from its words, section and tags."""
import json
import re
from pathlib import Path

from .store import topics as topic_store


class TopicError(ValueError):
    """A topic rule file or name that cannot be used."""


SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def matches(topic, *, title, description, text, section, tags):
    """True when any keyword, section or tag rule of the topic matches the story."""
    if section and section.casefold() in {s.casefold() for s in topic["sections"]}:
        return True
    if {t.casefold() for t in tags} & {t.casefold() for t in topic["tags"]}:
        return True
    words = "\n".join((title or "", description or "", text or ""))
    return any(_keyword(k).search(words) for k in topic["keywords"])


def _keyword(keyword):
    # \b is Unicode-aware for str patterns, so Cyrillic and Uzbek Latin keywords work too.
    return re.compile(rf"(?<!\w){re.escape(keyword)}(?!\w)", re.I)


def for_article(db, article, explicit=None):
    """Slugs of every topic the article falls in, plus the explicitly given one."""
    slugs = {explicit} if explicit else set()
    for topic in topic_store.all(db):
        if matches(topic, title=article.title, description=article.description, text=article.text,
                   section=article.section, tags=article.tags):
            slugs.add(topic["slug"])
    return sorted(slugs)


def load_rules(db, path):
    """Create or update topics from a JSON list of rules; returns how many."""
    try:
        rules = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TopicError(f"{path}: cannot read topic rules ({exc})") from None
    if not isinstance(rules, list):
        raise TopicError(f"{path}: expected a JSON list of topics")
    for position, rule in enumerate(rules):
        save(db, rule, position=position)
    return len(rules)


def save(db, rule, position=0):
    """Validate one rule dict and store it."""
    slug = str(rule.get("slug", ""))
    if not SLUG.match(slug):
        raise TopicError(f"bad topic slug {slug!r}: use a-z, 0-9 and '-', at most 40")
    mode = rule.get("alert_mode", "off")
    if mode not in topic_store.ALERT_MODES:
        raise TopicError(f"topic {slug}: alert_mode must be one of {', '.join(topic_store.ALERT_MODES)}")
    lists = {k: [str(v) for v in rule.get(k, [])] for k in topic_store.RULE_FIELDS}
    topic_store.upsert(db, slug, str(rule.get("name") or slug), alert_mode=mode, position=position,
                       **lists)
