"""What each exported URL shows, as a key read from the store: a re-export renders a page only
when its key changed (or the site's build did), never everything to compare bytes.

A story's stamp is its id, version, last change, lead image and topics. A page's key is the
stamps of what it shows:
- an article (and its /api/articles/<id> answer): itself and the stories just before and after
  it, overall and in each of its topics (NEIGHBOURS each way, a superset of what "Read next"
  picks from), so a correction reaches its neighbours' pages too;
- a list (the front page, a topic, the feeds, the editions, the API's list, an archive page):
  the stamps of the stories it lists, as many as the longest such list shows (LISTED), and for
  the editions the keys of their stories' pages (their sizes are in the answer);
- a shell page (offline, saved, settings, the manifest, the worker): nothing from the store; the
  build key (templates, static files, settings, topics) covers them.
Keys are compared, not trusted blindly: a file that is missing is rendered whatever its key.
"""
import hashlib
import json
from collections import defaultdict

from .slugs import story_path
from .store import articles as article_store
from .store import topics as topic_store

NEIGHBOURS = 3   # stories each way next_stories may look at (reader.web.render.next_stories)
LISTED = 50      # the most stories a list page shows before its own limit (topics list 50)
API_LIST = 200   # /api/articles?limit=200, exported as the site's story list


def plan(db, *, archive_page, edition_limit, feeds, shell):
    """[(url, key)] for every public URL, newest stories first (see the module docstring)."""
    rows = article_store.stamps(db)
    members = topic_store.memberships(db)
    topics = topic_store.all(db)
    stamp = {row["id"]: f"{row['version']}:{row['updated_at']}:{row['lead_image_id']}:{','.join(members[row['id']])}"
             for row in rows}
    ids = [row["id"] for row in rows]
    by_topic = defaultdict(list)
    for story_id in ids:  # newest first within each topic too
        for topic in members[story_id]:
            by_topic[topic].append(story_id)
    article_key = _article_keys(ids, by_topic, members, stamp)

    def listing(story_ids):
        return _digest([f"{i}={stamp[i]}" for i in story_ids])

    urls = [(url, "") for url in shell]
    urls += [("/", listing(ids[:LISTED]))] + [(f"/{name}", listing(ids[:LISTED])) for name in feeds]
    pages = article_store.page_count(len(ids), per_page=archive_page)
    urls += [("/archive/" if n == 1 else f"/archive/{n}/",
              listing(ids[(n - 1) * archive_page:n * archive_page]) + f"/{pages}") for n in range(1, pages + 1)]
    for topic in topics:
        slug, listed = topic["slug"], by_topic[topic["slug"]][:LISTED]
        urls += [(f"/topics/{slug}/", listing(listed))] + [(f"/topics/{slug}/{name}", listing(listed)) for name in feeds]
        urls.append((f"/api/editions/{slug}?limit={edition_limit}",
                     _digest([article_key[i] for i in by_topic[slug][:edition_limit]])))
    urls.append((f"/api/editions/front?limit={edition_limit}", _digest([article_key[i] for i in ids[:edition_limit]])))
    urls.append((f"/api/articles?limit={API_LIST}", _digest([article_key[i] for i in ids[:API_LIST]])))
    slugs = {row["id"]: row["slug"] for row in rows}
    for story_id in ids:
        urls += [(story_path(slugs[story_id]), article_key[story_id]),
                 (f"/api/articles/{story_id}", article_key[story_id])]
    return urls


def build_key(*parts):
    """The key of everything outside the store that every page depends on."""
    return _digest([json.dumps(part, sort_keys=True, default=str) for part in parts])


def _article_keys(ids, by_topic, members, stamp):
    position = {story_id: n for n, story_id in enumerate(ids)}
    topic_position = {topic: {i: n for n, i in enumerate(listed)} for topic, listed in by_topic.items()}
    keys = {}
    for story_id in ids:
        around = _around(ids, position[story_id])
        for topic in members[story_id]:
            around += _around(by_topic[topic], topic_position[topic][story_id])
        keys[story_id] = _digest([f"{i}={stamp[i]}" for i in [story_id, *around]])
    return keys


def _around(ordered, at):
    return ordered[max(0, at - NEIGHBOURS):at] + ordered[at + 1:at + 1 + NEIGHBOURS]


def _digest(parts):
    return hashlib.blake2b("|".join(parts).encode(), digest_size=12).hexdigest()
