import pytest

from reader import topics
from reader.slugs import slugify, unique

SUMMIT = {"slug": "summit", "keywords": ["Japan-Central Asia", "саммит"], "sections": ["Summit"],
          "tags": ["tokyo summit"]}


@pytest.mark.parametrize("story, expected", [
    ({"title": "Japan-Central Asia talks open"}, True),
    ({"text": "Токио принял саммит лидеров"}, True),
    ({"text": "the summiteers climbed"}, False),
    ({"section": "summit"}, True),
    ({"tags": ["Tokyo Summit"]}, True),
    ({"title": "Cotton harvest"}, False),
])
def test_rules_match_words_sections_and_tags(story, expected):
    fields = {"title": "", "description": "", "text": "", "section": "", "tags": [], **story}
    assert topics.matches(SUMMIT, **fields) is expected


@pytest.mark.parametrize("title, slug", [
    ("Japan sets $19bn target!", "japan-sets-19bn-target"),
    ("Саммит в Токио", "sammit-v-tokio"),
    ("Жапония мен Орталық Азия", "zhaponiya-men-ortalyq-aziya"),
    ("Oʻzbekiston eksporti", "ozbekiston-eksporti"),
    ("東京", "story"),
])
def test_slugs_are_ascii_for_every_script(title, slug):
    assert slugify(title) == slug


def test_unique_slugs_count_up():
    taken = {"a", "a-2"}
    assert unique("a", taken.__contains__) == "a-3"


def test_bad_rules_are_refused(db):
    with pytest.raises(topics.TopicError, match="bad topic slug"):
        topics.save(db, {"slug": "No Spaces"})
    with pytest.raises(topics.TopicError, match="alert_mode"):
        topics.save(db, {"slug": "ok", "alert_mode": "loud"})
