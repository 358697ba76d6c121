"""Article -> Story: the normalise stage, and one page through every stage but images.

    normalize_article(article) -> Story   the body in the mobile vocabulary, its text and
                                          reading figures, and how far to trust the extraction
    read_page(html, url) -> Story         extract -> normalize -> sanitize, for a page whose
                                          images are not fetched (the scorer, previews, tests)

The Ingester runs the same stages with images between normalize and sanitize.
"""
import itertools
import re
from dataclasses import dataclass, field

from .budget import Budget
from .dom import link_density
from .extract import Article, ExtractError, extract_article
from .extract.confidence import assess
from .normalize import normalize_element
from .sanitize import sanitize
from .text import clean_text, html_text, reading_minutes, word_count

# Fewer word characters than this is a menu label or a button, not a story (the shortest
# real news brief is a sentence or two).
MIN_TEXT_CHARS = 20
WORD_CHAR = re.compile(r"\w")


@dataclass
class Story:
    """An Article with its body in the vocabulary; its other fields read through to the Article."""
    article: Article
    body_html: str           # normalised; sanitised once finished (read_page, or ingest after images)
    text: str                # plain text of body_html, blocks separated by newlines
    word_count: int = 0      # words, or characters for CJK text
    reading_minutes: int = 1
    confidence: float = 1.0  # 0-1: how far the extraction can be trusted (reader.extract.confidence)
    reasons: list = field(default_factory=list)   # what lowered the confidence, worst first

    def __getattr__(self, name):
        return getattr(self.article, name)


def normalize_article(article: Article) -> Story:
    """The normalise stage: article's body reshaped (in place) into the vocabulary.

    Raises:
        ExtractError: nothing readable is left.
    """
    body_html = clean_text(normalize_element(article.body, article.page_url,
                                             captions=article.captions, sizes=article.sizes))
    text = html_text(body_html)
    if not _has_chars(text, MIN_TEXT_CHARS):
        raise ExtractError(article.page_url, "no readable text")
    count = word_count(text, article.lang)
    trust = assess(text, link_share=link_density(article.body), description=article.description,
                   ld_body=article.ld_body, page_prose=article.page_prose)
    return Story(article, body_html, text, count, reading_minutes(count, article.lang),
                 trust.score, trust.reasons)


def _has_chars(text, count):
    """text holds at least count word characters (it stops counting there: a story has
    thousands, and listing them all cost more than the sanitiser)."""
    return sum(1 for _ in itertools.islice(WORD_CHAR.finditer(text), count)) == count


def read_page(html: str | bytes, url: str, *, budget: Budget | None = None) -> Story:
    """One page through extract -> normalize -> sanitize (no images fetched).

    Raises:
        ExtractError, BudgetError: as extract_article and normalize_article.
    """
    story = normalize_article(extract_article(html, url, budget=budget))
    story.body_html = sanitize(story.body_html, local_files=url.startswith("file:"))
    return story
