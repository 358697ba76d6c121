"""How stored stories are presented: view models for templates, low-data images."""
import html
import json
from datetime import datetime, timezone

import lxml.html
from flask import request, url_for
from flask_babel import gettext

from .. import i18n, text
from .. import images as image_module
from ..store import articles as article_store
from ..store import images as image_store
from ..store import topics as topic_store
from ..urls import web_url

LOW_DATA_COOKIE = "lowdata"
THEMES = ("system", "light", "dark")
TEXT_SIZES = ("s", "m", "l", "xl")


def preferences():
    """The reader's display settings, stored on the device as cookies."""
    return preferences_from(request.cookies, request.headers.get("Save-Data", ""))


def preferences_from(cookies, save_data):
    """Display settings from a cookie mapping and the Save-Data header (the page cache keys on them)."""
    theme = cookies.get("theme") if cookies.get("theme") in THEMES else "system"
    size = cookies.get("text") if cookies.get("text") in TEXT_SIZES else "m"
    lowdata = save_data.lower() == "on" or cookies.get(LOW_DATA_COOKIE) == "1"
    lang = cookies.get(i18n.COOKIE) if cookies.get(i18n.COOKIE) in i18n.LOCALES else ""   # "": the browser's
    return {"theme": theme, "text": size, "lowdata": lowdata, "lang": lang}


def stories(db, rows):
    """Story cards for rows, their lead images read in one query (a page costs the same queries
    whatever it lists)."""
    leads = image_store.get_many(db, [row["lead_image_id"] for row in rows])
    return [_card(row, leads.get(row["lead_image_id"])) for row in rows]


def story(db, row):
    """A story card: title, time, reading time, small image."""
    return stories(db, [row])[0]


def _card(row, lead):
    thumb = image_module.smallest_variant(lead["variants"]) if lead else None
    return {
        "id": row["id"], "title": row["title"], "url": article_url(row),
        "published": parse_time(row["published"]), "updated": parse_time(row["updated_at"]),
        "minutes": reading_minutes(row), "description": row["description"] or "",
        "lang": row["lang"] or "", "dir": row["dir"],
        "thumb": thumb and {"src": image_module.MEDIA_URL + thumb["file"], "alt": lead["alt"],
                            "width": thumb["width"], "height": thumb["height"]},
    }


def reading_minutes(row):
    """Minutes to read a story at its own language's speed (reader.text), from its stored word
    count, so a better figure for a language reaches stories stored before it."""
    return text.reading_minutes(row["word_count"], row["lang"] or "")


def front_sections(db, rows, topics):
    """The front page: each story once, in its most specific section, newest sections first.

    A story's most specific section is the first of its topics in the newsroom's order (topics'
    position: topics.json puts an event before a flag like "breaking", and both before a country);
    stories in no topic make a section of their own (topic None). Returns [{"topic", "stories"}].
    """
    memberships = topic_store.for_articles(db, [row["id"] for row in rows])
    order = {topic["slug"]: n for n, topic in enumerate(topics)}
    by_slug = {topic["slug"]: topic for topic in topics}
    sections = {}
    for row, card in zip(rows, stories(db, rows), strict=True):  # newest first: a section's first is its newest
        known = [slug for slug in memberships[row["id"]] if slug in order]
        slug = min(known, key=order.get) if known else None
        sections.setdefault(slug, []).append(card)
    return [{"topic": by_slug.get(slug), "stories": stories} for slug, stories in sections.items()]


def article_url(row):
    return url_for("pages.article", slug=row["slug"])


def parse_time(value):
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def article(db, row, lowdata=False):
    """Everything the article template shows."""
    stored_images = image_store.for_article(db, row["id"])
    body = row["body_html"]
    lead = next((i for i in stored_images if i["id"] == row["lead_image_id"]), None)
    if lead and any(v["file"] in body for v in lead["variants"]):
        lead = None  # the body already shows it
    if lowdata:
        body = tap_to_load(body, stored_images)
    elif lead is None:
        body = eager_first_image(body)
    return {
        **story(db, row), "body_html": body, "byline": row["byline"] or "",
        "site_name": row["site_name"] or "", "source_url": web_url(row["url"]),  # "" (no link) unless http(s)
        "tags": json.loads(row["tags"]), "section": row["section"] or "",
        "corrected": parse_time(row["updated_at"]) if row["version"] > 1 else None,
        "version": row["version"], "lead": lead and lead_image(lead, lowdata),
        "topics": _topics(db, topic_store.for_article(db, row["id"])),
    }


def _topics(db, slugs):
    """[{"slug", "name"}] for a story's topics, in its order."""
    names = {topic["slug"]: topic["name"] for topic in topic_store.all(db)} if slugs else {}
    return [{"slug": slug, "name": names.get(slug, slug)} for slug in slugs]


def lead_image(image, lowdata):
    small, main = image_module.smallest_variant(image["variants"]), image_module.default_variant(image["variants"])
    return {"src": image_module.MEDIA_URL + (small if lowdata else main)["file"],
            "srcset": "" if lowdata else image_module.srcset(image["variants"]),
            "width": main["width"], "height": main["height"], "alt": image["alt"],
            "caption": image["caption"], "bytes": small["bytes"], "lowdata": lowdata}


def eager_first_image(body_html):
    """The story's first image loads at once with high priority (it is the page's largest paint);
    the others stay lazy. Used when the body shows the lead image itself."""
    root = lxml.html.fragment_fromstring(body_html or "<p></p>", create_parent="div")
    first = next(root.iter("img"), None)
    if first is None:
        return body_html
    first.set("loading", "eager")
    first.set("fetchpriority", "high")
    return _inner_html(root)


def tap_to_load(body_html, stored_images):
    """Replace each image with a link to its smallest variant, which app.js loads on tap."""
    smallest = smallest_variants(stored_images)
    root = lxml.html.fragment_fromstring(body_html or "<p></p>", create_parent="div")
    for img in list(root.iter("img")):
        name = (img.get("src") or "").rsplit("/", 1)[-1]
        variant = smallest.get(name)
        if variant is None:
            continue
        link = lxml.html.Element("a", {
            "href": image_module.MEDIA_URL + variant["file"], "class": "tap-image",
            "data-width": str(variant["width"]), "data-height": str(variant["height"]),
            "data-alt": img.get("alt") or ""})
        link.text = gettext("Show image (%(size)s KB)", size=i18n.number(max(1, round(variant["bytes"] / 1024))))
        link.tail = img.tail
        img.getparent().replace(img, link)
    return _inner_html(root)


def smallest_variants(stored_images):
    """{file of any variant: the smallest variant of the same image}: a body's image swapped for
    its smallest copy (tap to load, one-file editions)."""
    return {variant["file"]: image_module.smallest_variant(image["variants"])
            for image in stored_images for variant in image["variants"]}


def _inner_html(root):
    return html.escape(root.text or "", quote=False) + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in root)


def next_stories(db, row, limit=3):
    """Stories to read next: those just before this one, same topic first, then just after.

    Taken from the story's own place in time, not from the newest, so a new story does not
    change every other page (which would rewrite a whole static export and its CDN cache).
    """
    topics = topic_store.for_article(db, row["id"])
    picked = {}
    for older in (True, False):
        for topic in (topics[:1] or [None]) + [None]:
            for found in article_store.neighbours(db, row, older=older, topic=topic, limit=limit):
                picked.setdefault(found["id"], found)
            if len(picked) >= limit:
                return stories(db, list(picked.values())[:limit])
    return stories(db, list(picked.values()))
