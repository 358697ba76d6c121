"""Page -> Article: golden bodies for fixture pages, and the errors for pages with no story.

Golden files: tests/fixtures/extract/NAME.html -> NAME.expected.html (Article.body_html).
Regenerate deliberately with REGEN_GOLDEN=1 and review the diff before committing.
"""
import os
from pathlib import Path

import lxml.html
import pytest

from reader.extract import ExtractError, article_text
from reader.story import read_page

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
PAGES = sorted(p for p in FIXTURES.glob("*.html") if not p.name.endswith(".expected.html"))
REGEN = os.environ.get("REGEN_GOLDEN") == "1"


def page_url(path):
    return f"https://{path.stem.replace('_', '-')}.example/story/1"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_golden_body(page):
    article = read_page(page.read_text(encoding="utf-8"), page_url(page))
    expected = page.with_name(page.stem + ".expected.html")
    if REGEN or not expected.exists():
        expected.write_text(article.body_html + "\n", encoding="utf-8")
    assert article.body_html + "\n" == expected.read_text(encoding="utf-8")


@pytest.fixture
def harbour():
    path = FIXTURES / "harbour_news.html"
    return read_page(path.read_text(encoding="utf-8"), page_url(path))


def test_chrome_is_gone(harbour):
    for chrome in ("cookies", "Share", "newsletter", "More from Local", "Exit mobile version",
                   "Related stories", "Lifeboat crew", "© The Coastal Ledger"):
        assert chrome not in harbour.body_html


def test_title_not_repeated_in_body(harbour):
    assert harbour.title not in harbour.text


def test_lazy_image_gets_figure_caption_and_size(harbour):
    assert ('<figure><img src="https://harbour-news.example/img/ferry-wide.jpg" '
            'alt="The blue ferry at the north quay" width="1200" height="675" loading="lazy">'
            "<figcaption>The ferry tied up at the north quay on Monday morning.</figcaption></figure>"
            in harbour.body_html)


def test_links_are_absolute(harbour):
    assert 'href="https://harbour-news.example/local/2023/11/ferry-petition"' in harbour.body_html


def test_text_is_block_aware_and_skips_captions(harbour):
    lines = harbour.text.splitlines()
    assert lines[0].startswith("The small blue ferry")
    assert "A later last sailing" in lines
    assert "Weekday fares stay at £1.80 for adults." in lines
    assert "north quay on Monday morning" not in harbour.text


def test_article_text_matches_article(harbour):
    path = FIXTURES / "harbour_news.html"
    assert article_text(path.read_text(encoding="utf-8"), page_url(path)) == harbour.text


@pytest.mark.parametrize("html, reason", [
    ("", "empty page"),
    ("   \n\t ", "empty page"),
    ("\x00\x01\x02\x03binary\x00\x00\x00\x04\x05" * 40, "not HTML (binary content)"),
    ("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not HTML (binary content)"),
    ("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not HTML (binary content)"),
    ("just a line of plain text, no markup at all", "not HTML (no markup)"),
    ("<html><body><nav><a href='/'>Home</a></nav></body></html>", "no readable text"),
    ("<html><body><script>var story = 'not for readers';</script></body></html>", "no readable text"),
], ids=["empty", "whitespace", "control-bytes", "pdf", "png", "plain-text", "menu-only", "script-only"])
def test_pages_without_a_story_raise(html, reason):
    with pytest.raises(ExtractError) as caught:
        read_page(html, "https://news.example/x")
    assert caught.value.reason == reason
    assert caught.value.url == "https://news.example/x"


def test_article_text_never_raises():
    assert article_text("", "https://news.example/x") == ""
    assert article_text("\x00\x01" * 500, "https://news.example/x") == ""


def test_bytes_input_is_accepted():
    html = (FIXTURES / "village_blog.html").read_bytes()
    assert read_page(html, "https://blog.example/p").title == "Le marché du samedi change de place"


def test_xml_declaration_is_tolerated():
    html = '<?xml version="1.0" encoding="utf-8"?>\n' + (FIXTURES / "village_blog.html").read_text(encoding="utf-8")
    assert "champ de foire" in read_page(html, "https://blog.example/p").text


STORY_PARAGRAPHS = "".join(
    f"<p>Paragraph {n} of the council story: the harbour board met on Tuesday evening and voted "
    f"to repair the north quay before the winter storms, at a cost the town can carry.</p>"
    for n in range(1, 6)
)


def story_page(head="", lead=""):
    """A small news page: head tags, then an <article> with the lead blocks and five paragraphs."""
    return (f"<html><head>{head}</head><body><nav><a href='/'>Home</a></nav>"
            f"<article>{lead}{STORY_PARAGRAPHS}</article></body></html>")


def test_title_entities_escaped_twice_are_decoded():
    page = story_page(head='<meta property="og:title" content="The Harbour&amp;#8217;s Quay">')
    assert read_page(page, "https://news.example/x").title == "The Harbour\u2019s Quay"


def test_headline_and_kicker_above_the_story_are_dropped_and_the_standfirst_is_a_paragraph():
    head = ('<title>Quay repairs approved before winter storms</title>'
            '<meta name="description" content="The board voted to fix the north quay this autumn.">')
    lead = ("<h4>Local</h4><h1>Board approves the quay repairs before the winter storms</h1>"
            "<h2>The board voted to fix the north quay this autumn.</h2>")
    article = read_page(story_page(head, lead), "https://news.example/x")
    assert article.body_html.startswith("<p>The board voted to fix the north quay this autumn.</p>\n<p>Paragraph 1")


WATER_CODE = (
    "Parliament approved the new water code on Wednesday by 87 votes to 12, ending two years of debate "
    "over who may draw water from the rivers that feed the valley's fields.",
    "Under the code, farms will pay for water by the cubic metre rather than by the hectare, a change the "
    "ministry says will reward the farms that have already laid drip lines.",
    "Opposition deputies said small farms could not afford meters, and the ministry promised to pay for "
    "the first fifty thousand meters from the development fund.",
)
WATER_SUMMARY = "Farms will pay for water by the cubic metre from January under the new code."


@pytest.mark.parametrize("content_class", ["entry-content", "the-content"])
def test_wordpress_section_label_and_headline_are_not_the_body(content_class):
    """WordPress: a category label span, h1.entry-title and a summary inside <article>'s header."""
    body = "".join(f"<p>{paragraph}</p>" for paragraph in WATER_CODE)
    page = ("<html><head><title>Parliament approves the new water code &#8211; Valley Times</title></head>"
            "<body><main><article class='post type-post hentry category-politics'><header class='entry-header'>"
            "<span class='cat-links'><a href='/category/politics/' rel='category tag'>Politics</a></span>"
            "<h1 class='entry-title'>Parliament approves the new water code</h1>"
            f"<p class='entry-summary'>{WATER_SUMMARY}</p></header>"
            f"<div class='{content_class}'>{body}</div></article></main></body></html>")
    article = read_page(page, "https://valley.example/2024/05/water-code/")
    assert article.title == "Parliament approves the new water code"
    lines = article.text.splitlines()
    assert lines[-3:] == list(WATER_CODE)
    assert lines[:-3] in ([], [WATER_SUMMARY])
    assert "Politics" not in article.body_html


def test_a_subheading_that_opens_the_story_stays():
    lead = "<h2>Why the quay matters</h2>"
    page = story_page("<title>Quay repairs approved before winter storms</title>", lead)
    assert read_page(page, "https://news.example/x").text.startswith("Why the quay matters")


def test_a_story_set_as_bare_text_beats_the_page_dump():
    menu = "".join(f'<ul><li><a href="/c{i}">Council {i}</a></li><li><a href="/d{i}">Office {i}</a></li></ul>'
                   for i in range(20))
    story = ("The ambulance service found two of its five cars broken into this morning. The cars had no "
             "batteries and showed damage. A police report was filed and officers came to inspect them. "
             "Patients booked for this morning are being rebooked; service is expected back this afternoon.")
    page = (f"<html><body><div class='menu'>{menu}</div><div class='col'><p>Cars broken into</p>"
            f"<small>05/10/2018 - Health</small><br><br>{story}<br><br><br></div></body></html>")
    text = read_page(page, "https://city.example/news/1").text
    assert "The ambulance service" in text and "Council 3" not in text


def test_a_page_with_control_characters_is_extracted():
    lead = "<p>The quay\x00 repairs\x07 start on Monday\x1b[0m, the board said.\x0cIts vote was unanimous.</p>"
    article = read_page(story_page("<title>Quay\x00 repairs</title>", lead), "https://news.example/x")
    assert article.title == "Quay repairs"
    assert article.text.startswith("The quay repairs start on Monday[0m, the board said. Its vote was unanimous.")
    assert not any(ord(char) < 32 and char != "\n" for char in article.text + article.body_html)


def test_invisible_characters_are_not_stored():
    lead = ("<p>\ufeffThe har\u00adbour\u00adboard met in the Rat\u00adhaus\u200b to vote on the "
            "re\u00adpairs\u2060 to the north quay, and the vote was taken by a show of hands.</p>")
    head = '<meta property="og:title" content="Har\u00adbour board votes">'
    article = read_page(story_page(head, lead), "https://news.example/x")
    assert article.title == "Harbour board votes"
    assert article.text.startswith("The harbourboard met in the Rathaus to vote on the repairs to the north quay")
    assert not set("\u00ad\u200b\u2060\ufeff") & set(article.text + article.body_html)


RAIL_LEAD = ("The steppe railway will run a night train between Almaty and Tashkent from June, the two "
             "operators said on Monday, the first direct service in thirty years.")
RAIL_SECOND = ("It will leave each city at eight in the evening and arrive at ten the next morning, with stops "
               "in Shymkent and at the border, and it will run three times a week at first.")
RAIL_REST = (
    "Tickets go on sale in May. A berth in a four-bed compartment will cost about as much as a seat on "
    "the long-distance bus, and the journey will take just under fourteen hours.",
    "The operators said the carriages had been rebuilt at the works in Shymkent, with new heating and a "
    "dining car serving food from both countries along the way.",
    "Border checks will be made on board at the frontier station, so that passengers can stay in their "
    "berths, a change both governments agreed to in the spring.",
    "Freight companies had asked for the line to be kept for goods trains at night. The operators said "
    "freight would run in the daytime slots the night train leaves free.",
)


@pytest.mark.parametrize("wrapper", ["paywall-content", "read-more-container", "tab-pane"])
def test_the_body_after_a_teaser_is_kept(wrapper):
    """A two-paragraph teaser in the body container, the rest in a paywall, read-more or tab box."""
    rest = "".join(f"<p>{paragraph}</p>" for paragraph in RAIL_REST)
    page = ("<html><head><title>Night train to return</title>"
            f'<meta name="description" content="{RAIL_LEAD}"></head><body><div class="layout">'
            f"<h1>Night train to return</h1><div class='article-body'><p>{RAIL_LEAD}</p><p>{RAIL_SECOND}</p></div>"
            f"<div class='{wrapper}'>{rest}</div><div class='more'><h3>More news</h3><ul>"
            "<li><a href='/a'>Airport opens</a></li><li><a href='/b'>Bridge closes</a></li></ul></div>"
            "</div></body></html>")
    lines = read_page(page, "https://rail.example/news/1").text.splitlines()
    assert lines == [RAIL_LEAD, RAIL_SECOND, *RAIL_REST]


WATER_STORY = (
    "The regional water board voted on Thursday to rebuild the pumping station at Kyzyl Ata, which has "
    "failed three times since the spring floods left silt in its intakes.",
    "Engineers told the board that the station, built in 1974, moves a third of the valley's irrigation "
    "water, and that each failure cost farmers two days of supply at the height of the season.",
    "The new station will stand two metres higher on the bank, out of reach of the floods the board now "
    "expects every few years rather than once a generation, the chief engineer said.",
    "Farmers asked who would pay. The board said the rebuild would be shared between the district budget "
    "and a development loan, and that water fees would not rise this year.",
    "Work is due to start after the harvest in October, and the old station will keep running until the "
    "new one is tested, so that no field goes without water during the change.",
)
FUNDS = ("Horizon Balanced Growth Fund Direct Plan", "Steppe Equity Opportunities Fund Regular",
         "Silk Road Hybrid Income Fund Direct Growth", "Caspian Midcap Value Fund Direct Plan",
         "Pamir Tax Saver Equity Fund Regular Growth", "Aral Short Duration Debt Fund Direct",
         "Tien Shan Flexi Cap Fund Direct Plan Growth", "Altai Liquid Fund Institutional Growth")
RECIPES = (("Apricot jam the old way", "Slow-cooked apricots with a little lemon and no pectin, the way "
            "the markets of the valley have sold it for generations."),
           ("Plov for twelve", "The rice, the carrots and the lamb in the right order, in one heavy pot over "
            "a strong fire, for a family table."),
           ("Green tea with mint", "A pot of green tea with fresh mint from the garden, sweetened or not, for "
            "long summer evenings in the courtyard."))


def _water_story_after_a_rail(description, body_class=""):
    """The water story after a rail of fund names and recipe teasers that comes first in the source
    and is named like a body container."""
    funds = "".join(f"<li>{name}</li>" for name in FUNDS)
    recipes = "".join(f"<div><h3><a href='/r{i}'>{name}</a></h3><p>{text}</p></div>"
                      for i, (name, text) in enumerate(RECIPES))
    story = "".join(f"<div class='txt'>{paragraph}</div>" for paragraph in WATER_STORY)
    return ("<html><head><title>Water board rebuilds the pumping station</title>"
            f'<meta name="description" content="{description}"></head>'
            f"<body class='{body_class}'><div class='page'>"
            f"<div class='rail text-content'><h4>Top funds</h4><ul>{funds}</ul>{recipes}</div>"
            f"<div class='main'><h1>Water board rebuilds the pumping station</h1><div>{story}</div></div>"
            "</div></body></html>")


@pytest.mark.parametrize("description", [WATER_STORY[0], ""], ids=["with-description", "no-description"])
def test_the_story_wins_over_a_sidebar_that_comes_first(description):
    text = read_page(_water_story_after_a_rail(description), "https://valley.example/news/1").text
    assert text.splitlines() == list(WATER_STORY)


def test_tables_keep_caption_header_and_body_in_a_box_that_scrolls():
    head = "".join(f"<th>{name}</th>" for name in ("District", "2023", "2024", "Change", "Share", "Pickers"))
    rows = "".join(f"<tr><td>{district}</td><td>12,400</td><td>13,100</td><td>+5.6%</td><td>21%</td>"
                   f"<td>1,200</td></tr>" for district in ("Beruni", "Turtkul"))
    table = (f"<table class='data' style='width:900px'><caption>Cotton harvest by district, tonnes</caption>"
             f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    article = read_page(story_page(lead=table), "https://farm.example/x")
    root = lxml.html.fragment_fromstring(article.body_html, create_parent="div")
    boxes = root.findall("div")
    assert [box.get("class") for box in boxes] == ["table-scroll"]
    table = boxes[0].find("table")
    assert [child.tag for child in table] == ["caption", "thead", "tbody"]
    assert table.findtext("caption") == "Cotton harvest by district, tonnes"
    assert [th.text for th in table.find("thead").iter("th")] == ["District", "2023", "2024", "Change", "Share", "Pickers"]
    assert [tr.findtext("td") for tr in table.find("tbody")] == ["Beruni", "Turtkul"]
    assert table.attrib == {}


def test_control_characters_from_references_and_json_escapes_are_not_kept():
    """The page is clean; &#27; and a JSON-LD \\u001b make control characters after parsing."""
    ld = '{"@type": "NewsArticle", "headline": "Quay\\u001b[2J repairs", "author": {"name": "A\\u0007. Berdi"}}'
    head = (f'<script type="application/ld+json">{ld}</script>'
            '<meta property="og:description" content="The board&#x1b;[0m voted." >'
            '<meta property="article:tag" content="ports&#7;">')
    article = read_page(story_page(head, "<p>The vote&#27;[31m was close.</p>"), "https://news.example/x")
    fields = [article.title, article.byline, article.description, article.text, article.body_html, *article.tags]
    assert (article.title, article.byline, article.tags) == ("Quay[2J repairs", "A. Berdi", ["ports"])
    assert not [field for field in fields if any(ord(char) < 32 and char != "\n" for char in field)]


def test_long_attribute_values_are_not_counted_as_many_attributes():
    """An inline SVG's path data or a data: URI makes a long tag, not a tag of many attributes."""
    path = "M 10 20 L 30 40 " * 20_000
    lead = (f'<svg viewBox="0 0 10 10"><path d="{path}" fill="red"/></svg>'
            f'<img src="data:image/png;base64,{"QUJD" * 20_000}" alt="a b c">')
    article = read_page(story_page(lead=lead), "https://news.example/x")
    assert article.text.startswith("Paragraph 1")


ORCHARD_LEAD = ("The last cider press in the valley will close at the end of the season, after ninety years "
                "in the same family, because no one in the next generation wants to run it.")
ORCHARD_DEK = "The valley's last cider press closes this autumn."
ORCHARD_STORY = (
    "The press at Lower Hollow took in apples from more than forty orchards last autumn, most of them "
    "small farms that have no press of their own and no other buyer within a day's drive.",
    "Its owner, who took it over from her father in 1988, said the machinery was sound but the work was "
    "too heavy to do alone, and that her children had settled in the city with jobs of their own.",
    "The orchard growers' association said it would try to buy the press and run it as a cooperative, "
    "and that it had asked the district council for help with the first year's costs.",
)


def test_a_lead_set_apart_between_the_header_and_the_body_is_kept():
    """A lead in a box named like a teaser, between the page header and the body's container: kept
    first. The summary beside the headline in the header (the description) and a picture's caption
    between the header and the body are not."""
    story = "".join(f"<p>{paragraph}</p>" for paragraph in ORCHARD_STORY)
    caption = ("Apples wait in crates in the yard of the press at Lower Hollow on the last morning of the "
               "harvest, before the pressing begins.")
    page = ("<html><head><title>The valley's last cider press will close</title>"
            f'<meta name="description" content="{ORCHARD_DEK}"></head><body><div class="site">'
            "<header class='story-head'><h1>The valley's last cider press will close</h1>"
            f"<p class='dek'>{ORCHARD_DEK} The owner says no one will take it over after her.</p></header>"
            f"<div class='news-single'><div class='teaser-text'><p>{ORCHARD_LEAD}</p></div>"
            f"<div class='photo-box'><img src='/press.jpg'><p>{caption}</p></div>"
            f"<div class='body-text'>{story}</div></div>"
            "<footer><a href='/'>Home</a> <a href='/about'>About</a></footer></div></body></html>")
    text = read_page(page, "https://valley.example/news/2").text
    assert text.splitlines() == [ORCHARD_LEAD, *ORCHARD_STORY]


VALLEY_HEADLINES = (("Bridge at Upper Ford reopens after the flood", "4 May 2024"),
                    ("School roof repaired in time for the winter term", "2 May 2024"))
MORE_FROM_THE_VALLEY = {
    "cards": "".join(f"<div><img src='/i{n}.jpg'><h4><a href='/n/{n}'>{headline}</a></h4><p>{date}</p></div>"
                     for n, (headline, date) in enumerate(VALLEY_HEADLINES)),
    "one-paragraph": "<p>" + " ".join(f"<a href='/n/{n}'>{headline}</a>"
                                     for n, (headline, _) in enumerate(VALLEY_HEADLINES)) + "</p>",
}


@pytest.mark.parametrize("headlines", MORE_FROM_THE_VALLEY.values(), ids=MORE_FROM_THE_VALLEY.keys())
def test_a_heading_over_a_list_of_headlines_after_the_story_goes_and_a_short_section_stays(headlines):
    """After the story: "Visiting the press" over an address and opening hours (a section of the
    story, short as it is), then "Read more from the valley" over linked headlines (not the story)."""
    story = "".join(f"<p>{paragraph}</p>" for paragraph in ORCHARD_STORY)
    visit = "<h3>Visiting the press</h3><p>Lower Hollow Farm, Mill Lane</p><p>Saturdays 9 to 4</p>"
    page = ("<html><head><title>The valley's last cider press will close</title></head><body>"
            f"<div class='site'><h1>The valley's last cider press will close</h1><div class='body-text'>"
            f"{story}{visit}<h3>Read more from the valley</h3>{headlines}</div></div></body></html>")
    text = read_page(page, "https://valley.example/news/3").text
    assert text.splitlines() == [*ORCHARD_STORY, "Visiting the press", "Lower Hollow Farm, Mill Lane",
                                 "Saturdays 9 to 4"]


def test_a_heading_that_retells_the_headline_at_length_is_kept():
    """Under the h1, an h3 holding the headline's words among many more is a standfirst: kept."""
    standfirst = ("The last cider press in the valley will close at the end of the season, its owner "
                  "said on Monday, after ninety years of pressing apples for the valley's farms")
    story = "".join(f"<p>{paragraph}</p>" for paragraph in ORCHARD_STORY)
    page = ("<html><head><title>The last cider press in the valley will close</title></head><body>"
            f"<div class='site'><div class='body-text'><h1>The last cider press in the valley will close</h1>"
            f"<h3>{standfirst}</h3>{story}</div></div></body></html>")
    text = read_page(page, "https://valley.example/news/4").text
    assert text.splitlines() == [standfirst, *ORCHARD_STORY]


def _paragraphs(*texts, link=False):
    body = lxml.html.Element("body")
    for text in texts:
        p = lxml.html.Element("p")
        if link:
            a = lxml.html.Element("a", href="/x")
            a.text = text
            p.append(a)
        else:
            p.text = text
        body.append(p)
    return body


@pytest.mark.parametrize("link", [False, True], ids=["sentences", "linked-teasers"])
def test_a_lead_the_description_does_not_repeat_is_completed_by_the_densest_block(link):
    """The body extractor found two paragraphs of sentences; the page's densest block holds the
    rest. The description says something else: the body is still the story's start (completed),
    unless it is links (a rail of teasers, replaced)."""
    from reader.extract.body import _with_densest

    body = _paragraphs(RAIL_LEAD, RAIL_SECOND, link=link)
    merged = _with_densest(body, _paragraphs(*RAIL_REST), "Berths can be booked from May.")
    texts = [p.text_content() for p in merged]
    assert texts == ([*RAIL_REST] if link else [RAIL_LEAD, RAIL_SECOND, *RAIL_REST])


def test_the_page_s_own_class_names_do_not_hide_the_story():
    """<body class="no-sidebar comments-open"> (WordPress themes) names the page, not a part of
    it: the story still wins over the rail that comes first."""
    page = _water_story_after_a_rail(WATER_STORY[0], "single no-sidebar comments-open")
    text = read_page(page, "https://valley.example/news/5").text
    assert text.splitlines() == list(WATER_STORY)


def test_short_links_after_the_story_s_last_paragraph_go():
    story = "".join(f"<p>{paragraph}</p>" for paragraph in ORCHARD_STORY)
    page = ("<html><head><title>The valley's last cider press will close</title></head><body>"
            f"<div class='site'><h1>The valley's last cider press will close</h1><div class='body-text'>"
            f"{story}<a href='/news'>Back to the news list</a></div></div></body></html>")
    assert read_page(page, "https://valley.example/news/6").text.splitlines() == list(ORCHARD_STORY)


def test_a_label_and_a_linked_headline_between_paragraphs_goes():
    """"Read also: <linked headline>" between the story's paragraphs is a teaser; a sentence that
    cites its source with a link, a linked label, and a label over plain text stay."""
    from reader.extract.teasers import drop_inline_teasers

    blocks = [f"<p>{ORCHARD_STORY[0]}</p>",
              "<p><em><strong>Read also: <a href='/n/9'>Bridge at Upper Ford reopens</a></strong></em></p>",
              "<p>The figures: <a href='/report'>forty-two orchards</a> sold apples to the press last year.</p>",
              "<p><a href='/hours'>Opening hours: Saturdays</a></p>",
              "<p>Opening hours: Saturdays from nine to four</p>",
              f"<p>{ORCHARD_STORY[1]}</p>"]
    body = lxml.html.fragment_fromstring("".join(blocks), create_parent="div")
    drop_inline_teasers(body)
    assert [p.text_content()[:20] for p in body] == [
        ORCHARD_STORY[0][:20], "The figures: forty-t", "Opening hours: Satur", "Opening hours: Satur",
        ORCHARD_STORY[1][:20]]


@pytest.mark.parametrize("last, kept", [("Photo: Lower Hollow Farm archive", False),
                                        ("The press closes on Sunday.", True)])
def test_one_short_line_with_a_colon_after_the_story_goes(last, kept):
    """A credit or a label after the story's last paragraph goes; a short last sentence stays."""
    story = "".join(f"<p>{paragraph}</p>" for paragraph in ORCHARD_STORY)
    page = ("<html><head><title>The valley's last cider press will close</title></head><body>"
            f"<div class='site'><h1>The valley's last cider press will close</h1><div class='body-text'>"
            f"{story}<p>{last}</p></div></div></body></html>")
    lines = read_page(page, "https://valley.example/news/8").text.splitlines()
    assert lines == ([*ORCHARD_STORY, last] if kept else list(ORCHARD_STORY))


def test_asides_footers_and_drawings_leave_before_body_detection_and_their_text_after_stays():
    """What HTML marks as beside the story (a pull quote, a sidebar), a footer and an svg icon
    are pruned with scripts and styles; the text that follows each of them is the story's."""
    from reader.dom import text_of
    from reader.extract.sites import prune

    page = ("<html><body><article><p>The quay will be repaired before winter"
            "<aside>The north quay has stood since 1870, longer than the harbour board itself.</aside>"
            ", the board said.</p><p><a href='/share'><svg><title>Share on the network</title></svg></a>"
            "Work starts in May.</p><footer>Filed from the harbour office by the council desk.</footer>"
            "</article></body></html>")
    tree = lxml.html.document_fromstring(page)
    prune(tree, "https://news.example/x")
    assert [el.tag for el in tree.iter("aside", "footer", "svg")] == []
    assert [text_of(p) for p in tree.iter("p")] == [
        "The quay will be repaired before winter, the board said.", "Work starts in May."]
