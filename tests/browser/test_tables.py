"""A wide table in a story scrolls inside its own box on a 360 px phone, keeping its caption and
header; the page itself never scrolls sideways (issue 13)."""
from reader.store import articles as article_store
from reader.store import connect, transaction
from reader.story import read_page

from .test_layout import layout_problems, visit

COLUMNS = ("District", "2021", "2022", "2023", "2024", "Change", "Share of the region", "Pickers", "Machines")
STORY = "".join(f"<p>Paragraph {n}: the cooperative weighed its cotton on Tuesday and found the yield up "
                f"on last year across every district it serves, the chairman said.</p>" for n in range(4))


def _wide_story_page():
    head = "".join(f"<th>{name}</th>" for name in COLUMNS)
    rows = "".join(f"<tr><td>{district}</td>" + "<td>12,400 tonnes</td>" * (len(COLUMNS) - 1) + "</tr>"
                   for district in ("Beruni", "Turtkul", "Ellikkala"))
    table = (f"<table><caption>Cotton harvest by district</caption><thead><tr>{head}</tr></thead>"
             f"<tbody>{rows}</tbody></table>")
    return (f"<html><head><title>Cotton harvest up in every district</title></head><body><article>"
            f"<h1>Cotton harvest up in every district</h1>{STORY[:400]}{table}{STORY}</article></body></html>")


def _store(data_dir):
    story = read_page(_wide_story_page(), "https://farm.example/cotton")
    db = connect(data_dir)
    row = {"url": story.url, "fetched_url": story.url, "title": story.title, "byline": "", "site_name": "",
           "description": "", "section": "", "tags": [], "lang": "en", "dir": "ltr", "published": None,
           "modified": None, "body_html": story.body_html, "body_text": story.text, "content_hash": "cotton",
           "word_count": story.word_count, "reading_minutes": story.reading_minutes}
    with transaction(db):
        article_store.insert(db, "cotton-harvest-up-in-every-district", row)
    db.close()


BOX = """() => {
    const box = document.querySelector("article .body .table-scroll");
    const table = box && box.querySelector("table");
    return box && {
        boxWidth: box.clientWidth, tableWidth: box.scrollWidth, overflowX: getComputedStyle(box).overflowX,
        caption: table.querySelector("caption") && table.querySelector("caption").textContent,
        headers: [...table.querySelectorAll("thead th")].length,
    };
}"""


def test_a_wide_table_scrolls_in_its_box_not_the_page(context, make_live_server, demo_copy, watch_page):
    _store(demo_copy)
    server = make_live_server(demo_copy)
    page, measured, problems = visit(context, watch_page, server.url + "/articles/cotton-harvest-up-in-every-district/")
    assert layout_problems(measured, problems) == []
    box = page.evaluate(BOX)
    assert box is not None, "no table box in the story"
    assert box["overflowX"] == "auto" and box["tableWidth"] > box["boxWidth"], box
    assert box["caption"] == "Cotton harvest by district" and box["headers"] == len(COLUMNS)
