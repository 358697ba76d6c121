"""confidence: a score from 0 to 1 and the reasons that lowered it."""
import json

from reader.extract.confidence import assess
from reader.story import read_page

STORY = "\n".join(
    f"Paragraph {n}: the harbour board met on Tuesday evening and voted to repair the north quay before "
    f"the winter storms, at a cost the town can carry." for n in range(1, 7))
SUMMARY = "The harbour board voted on Tuesday to repair the north quay before the winter storms."


def test_a_full_story_is_trusted():
    trust = assess(STORY, link_share=0.02, description=SUMMARY, ld_body=STORY, page_prose=len(STORY) + 400)
    assert trust.score > 0.95 and trust.reasons == []


def test_each_sign_of_failure_is_named():
    cases = {
        "little prose": assess("Quay repairs approved.", description=""),
        "high link density": assess(STORY, link_share=0.8),
        "JSON-LD articleBody": assess(STORY, ld_body="A different story about a bakery that opened a "
                                      "second shop in the old market hall, with bread baked before dawn. " * 3),
        "description": assess(STORY, description="Bakery opens second shop in the old market hall downtown."),
        "teaser": assess(SUMMARY + " More to follow.", description=SUMMARY, page_prose=6000),
        "the page's prose": assess(STORY, page_prose=40 * len(STORY)),
    }
    for sign, trust in cases.items():
        assert trust.score < 0.9, sign
        assert any(sign in reason for reason in trust.reasons), (sign, trust.reasons)


def test_reasons_are_worst_first_and_the_score_is_their_product():
    trust = assess("Quay repairs approved.", link_share=0.9, description=SUMMARY, page_prose=5000)
    assert trust.score < 0.1
    assert trust.reasons[0].startswith(("little prose", "high link density"))


def test_an_article_carries_its_confidence():
    other = ("A bakery opened a second shop in the old market hall this week, selling bread baked before "
             "dawn and pastries filled with apricot jam from the valley's orchards. ") * 3
    ld = json.dumps({"@type": "NewsArticle", "headline": "Quay", "articleBody": other})
    paragraphs = "".join(f"<p>{line}</p>" for line in STORY.splitlines())
    page = (f'<html><head><title>Quay</title><script type="application/ld+json">{ld}</script></head>'
            f"<body><article>{paragraphs}</article></body></html>")
    article = read_page(page, "https://news.example/quay")
    assert article.confidence < 0.5
    assert article.reasons and "JSON-LD articleBody" in article.reasons[0]
