"""Extraction: a page -> an Article (its metadata and its story body, not yet normalised).

    extract_article(html, url, *, budget=None) -> Article     raises ExtractError, BudgetError
    article_text(html, url) -> str    the plain text of the finished story (never raises)

Modules: page (decode, check, parse), metadata (JSON-LD, OpenGraph, markup), body (the story
out of the chrome), region (where the prose is), sites (per-site rules, a last resort), limits
(what a page may hold).
"""
import logging

from ..errors import StageError
from .article import Article, LeadImage, extract_article
from .page import ExtractError

log = logging.getLogger(__name__)

__all__ = ["Article", "ExtractError", "LeadImage", "article_text", "extract_article"]


def article_text(html, url):
    """Plain text of the page's story through every stage, "" when it has none (never raises).

    The evaluation sets' scorer calls this (reader.extract:article_text).
    """
    from ..story import read_page  # reader.story imports this package: read it when called

    try:
        return read_page(html, url).text
    except StageError as error:
        log.info("no article: %s", error)
        return ""
