"""A generated archive for the scaling benchmarks: N stories stored through the store's API.

Stories are assembled from sentence patterns written for this project about the region's news
(energy, trade routes, minerals, water, the summit), filled with country, city, figure and date
words, so the text has the vocabulary, length (300-900 words in 5-12 paragraphs) and repetition
of a real archive: a word like "summit" is in a few percent of stories, "Kazakhstan" in a fifth.
About one story in eight is in Russian, Kazakh or Uzbek. Each story gets 1-3 topics from the demo
newsroom's rules, 0-3 image rows (with the variants JSON the pages read; the files themselves are
not needed to render), and a publication time spread over the past five years, newest last.
The same seed gives the same archive.
"""
import hashlib
import json
import random
from datetime import datetime, timedelta, timezone

from reader.store import articles as article_store
from reader.store import images as image_store
from reader.store import topics as topic_store

COUNTRIES = ["Kazakhstan", "Uzbekistan", "Kyrgyzstan", "Tajikistan", "Turkmenistan", "Japan", "Azerbaijan",
             "Georgia", "China", "Turkey"]
CITIES = ["Astana", "Almaty", "Tashkent", "Samarkand", "Bishkek", "Osh", "Dushanbe", "Ashgabat", "Aktau",
          "Baku", "Tokyo", "Khorgos", "Termez", "Navoi"]
GOODS = ["uranium", "wheat", "cotton", "copper", "rare earths", "natural gas", "electricity", "gold",
         "fertiliser", "containers", "tungsten", "aluminium"]
BODIES = ["the energy ministry", "the central bank", "a regional development fund", "the railway operator",
          "port authorities", "the statistics agency", "a parliamentary committee", "the water agency"]
PATTERNS = [
    "Officials in {city} said {country} would raise {good} shipments by {n} percent next year.",
    "{body} reported that {good} exports from {country} reached {n} thousand tonnes in the first half.",
    "The new line between {city} and {city2} is expected to cut transit times by {n} days.",
    "Traders in {city} said prices for {good} rose for the {ordinal} month in a row.",
    "Engineers at the reservoir near {city} warned that water levels were {n} percent below average.",
    "Delegations from {country} and {country2} signed {n} agreements on {good} and logistics.",
    "Analysts noted that the summit in Tokyo set out a plan worth {n} billion yen for the region.",
    "{body} in {country} said the winter demand for {good} could outpace supply by {n} percent.",
    "Farmers around {city} expect a harvest of {n} million tonnes despite a dry spring.",
    "The Middle Corridor across the Caspian carried {n} thousand containers through {city} last year.",
    "A spokesperson for {body} declined to comment on the talks with {country2}.",
    "Investors from {country2} have pledged {n} million dollars for a plant outside {city}.",
    "Residents of {city} queued for hours after the earthquake damaged {n} buildings.",
    "The agreement covers {good}, rail freight and {n} new border crossings with {country2}.",
    "Critics in {city} argued that the plan leaves {good} producers exposed to falling prices.",
]
FOREIGN = [
    "В {city} заявили, что поставки {good} вырастут на {n} процентов.",
    "Ведомство сообщило, что экспорт достиг {n} тысяч тонн за полугодие.",
    "{city} қаласында электр энергиясына сұраныс {n} пайызға өсті.",
    "Мамандар саммит өңірге жаңа инвестиция әкеледі деп санайды.",
    "{city}da paxta eksporti {n} foizga oshdi, deb xabar berdi vazirlik.",
    "Qozogʻiston va Oʻzbekiston {n} ta yangi kelishuv imzoladi.",
]
TITLES = [
    "{country} to raise {good} exports as {city} talks end",
    "{good} prices climb in {city} for a {ordinal} month",
    "Summit follow-up: {country} and Japan sign {n} deals",
    "Rail link from {city} to {city2} opens to freight",
    "Water shortage looms over {city} as reservoir drops",
    "{country2} pledges investment in {country}'s {good} sector",
]
TOPICS = {"summit": 0.04, "breaking": 0.05, "kazakhstan": 0.2, "uzbekistan": 0.2, "kyrgyzstan": 0.12,
          "tajikistan": 0.08, "turkmenistan": 0.05}
ORDINALS = ["second", "third", "fourth", "fifth", "sixth"]


def _fill(pattern, rng):
    country, country2 = rng.sample(COUNTRIES, 2)
    city, city2 = rng.sample(CITIES, 2)
    return pattern.format(country=country, country2=country2, city=city, city2=city2, good=rng.choice(GOODS),
                          body=rng.choice(BODIES).capitalize() if pattern.startswith("{body}") else rng.choice(BODIES),
                          n=rng.randint(2, 900), ordinal=rng.choice(ORDINALS))


def story(number, rng, when):
    """One generated story as the store's row dict, and its topics."""
    foreign = rng.random() < 0.125
    paragraphs = []
    for _ in range(rng.randint(5, 12)):
        bank = FOREIGN if foreign and rng.random() < 0.7 else PATTERNS
        paragraphs.append(" ".join(_fill(rng.choice(bank), rng) for _ in range(rng.randint(3, 6))))
    title = _fill(rng.choice(TITLES), rng)
    topics = [slug for slug, share in TOPICS.items() if rng.random() < share] or ["kazakhstan"]
    if "summit" in topics:
        paragraphs[0] = "The Japan-Central Asia summit in Tokyo " + paragraphs[0][0].lower() + paragraphs[0][1:]
    text = "\n\n".join(paragraphs)
    words = len(text.split())
    url = f"https://news.example/{when:%Y/%m/%d}/story-{number}"
    row = {
        "url": url, "fetched_url": url, "title": f"{title} ({number})", "byline": "Staff reporter",
        "site_name": "News Example", "description": paragraphs[0][:200], "section": "News", "tags": topics,
        "lang": rng.choice(["ru", "kk", "uz"]) if foreign else "en", "dir": "ltr",
        "published": when.isoformat(timespec="seconds"), "modified": None,
        "body_html": "".join(f"<p>{p}</p>" for p in paragraphs), "body_text": text,
        "content_hash": hashlib.sha256(text.encode()).hexdigest(), "word_count": words,
        "reading_minutes": max(1, round(words / 230)),
    }
    return row, topics


def _images(number, rng):
    made = []
    for index in range(rng.choice([0, 1, 1, 2, 3])):
        digest = hashlib.sha256(f"{number}-{index}".encode()).hexdigest()
        made.append({"src_url": f"https://news.example/img/{number}-{index}.jpg", "sha256": digest, "width": 1200,
                     "height": 800, "alt": "A photograph from the story", "caption": "",
                     "variants": [{"width": w, "height": w * 2 // 3, "file": f"{digest[:2]}/{digest}-{w}.webp",
                                   "bytes": w * 40, "type": "image/webp"} for w in (360, 720)]})
    return made


def build(db, count, *, seed=7, start=0, chunk=500, progress=lambda n: None):
    """Store `count` generated stories (numbered from `start`), `chunk` per transaction."""
    rng = random.Random(seed + start)
    for topic in TOPICS:
        if topic_store.get(db, topic) is None:
            topic_store.upsert(db, topic, topic.capitalize())
    newest = datetime(2026, 11, 30, tzinfo=timezone.utc)
    span = timedelta(days=5 * 365) / max(1, count + start)
    for first in range(start, start + count, chunk):
        with db.transaction():
            for number in range(first, min(first + chunk, start + count)):
                when = newest - span * (start + count - number)
                row, topics = story(number, rng, when)
                article_id = article_store.insert(db, f"story-{number}", row)
                ids = image_store.replace_for_article(db, article_id, _images(number, rng))
                if ids:
                    article_store.set_lead_image(db, article_id, min(ids.values()))
                topic_store.assign(db, article_id, topics)
        progress(min(chunk, start + count - first))


def page(number, rng=None):
    """A publisher's HTML page for a story not in the archive (for ingest figures)."""
    rng = rng or random.Random(number)
    row, _ = story(number, rng, datetime(2026, 12, 1, 9, tzinfo=timezone.utc))
    body = "".join(f"<p>{p}</p>" for p in row["body_text"].split("\n\n"))
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": row["title"],
                     "datePublished": row["published"], "author": {"@type": "Person", "name": "Staff reporter"}})
    return (f"<!doctype html><html lang=\"{row['lang']}\"><head><meta charset=\"utf-8\"><title>{row['title']}</title>"
            f"<link rel=\"canonical\" href=\"{row['url']}\"><script type=\"application/ld+json\">{ld}</script>"
            f"</head><body><nav><a href=\"/\">Home</a> <a href=\"/news/\">News</a></nav><article><h1>{row['title']}"
            f"</h1>{body}</article><footer>News Example</footer></body></html>").encode()
