"""How far to trust an extraction: a score from 0 to 1 and the reasons that lowered it.

Each signal is a factor in (0, 1]; the score is their product, so one clear sign of failure is
enough and several weak ones add up. The reasons name the signals below FACTOR_NOTED, worst
first. The cut-offs were calibrated on both evaluation sets (scrapinghub, and the tuning half of
trafilatura-dev), with a failure meaning page F1 below 0.5 or a must-have snippet missing; the
threshold that holds a story back is the READER_EXTRACT_MIN_CONFIDENCE setting.
"""
import re
from dataclasses import dataclass, field

# Prose is text in lines of this many characters or more (menus and link lists are short lines).
PROSE_LINE_CHARS = 40
# A story with this much prose is not short; fewer characters lower the score in proportion
# (a short news item is about 500 characters of prose).
FULL_PROSE_CHARS = 600
# Share of the body's characters inside links above which the body looks like a link list.
MAX_LINK_SHARE = 0.35
LINK_SHARE_SPAN = 0.5          # the factor falls to 0 this far above MAX_LINK_SHARE
# JSON-LD articleBody of at least this many characters is compared with the body: the share of
# its four-word sequences found in the body (publishers often shorten it, so recall only).
MIN_LD_CHARS = 200
LD_AGREEMENT = 0.6             # at or above: full agreement
# The description is compared by its words (4+ letters) found in the body.
MIN_DESCRIPTION_WORDS = 5
DESCRIPTION_AGREEMENT = 0.5
DESCRIPTION_FLOOR = 0.7        # a description is a summary, often rephrased: a mild signal
# A body no longer than this many times the description, on a page holding at least
# TEASER_PAGE_RATIO times the body's prose, is the teaser (a short story is not).
TEASER_RATIO = 1.5
TEASER_PAGE_RATIO = 2
TEASER_FACTOR = 0.5
# The body holds this share of the page's prose or more; less lowers the score (a page's
# comments and rails are prose too, so only a small share is a sign).
PAGE_SHARE = 0.2
FACTOR_NOTED = 0.95
WORD = re.compile(r"\w{4,}")
TOKEN = re.compile(r"\w+")


@dataclass
class Confidence:
    score: float = 1.0
    reasons: list = field(default_factory=list)

    def as_json(self):
        return {"confidence": round(self.score, 3), "reasons": self.reasons}


def assess(text, *, link_share=0.0, description="", ld_body="", page_prose=0):
    """The confidence of an extracted body.

    Args:
        text: the body's plain text, one block per line.
        link_share: share of the body's characters inside links.
        description: the page's summary (meta or JSON-LD description).
        ld_body: the page's JSON-LD articleBody.
        page_prose: characters of prose on the whole page, before the story was isolated.

    Returns:
        A Confidence.
    """
    prose = sum(len(line) for line in text.splitlines() if len(line) >= PROSE_LINE_CHARS)
    factors = [
        (min(1.0, prose / FULL_PROSE_CHARS), f"little prose ({prose} characters)"),
        (_link_factor(link_share), f"high link density ({link_share:.0%} of the text is links)"),
        _ld_factor(text, ld_body),
        _description_factor(text, description),
        _teaser_factor(text, description, prose, page_prose),
        _page_factor(prose, page_prose),
    ]
    score = 1.0
    for factor, _ in factors:
        score *= factor
    noted = sorted((f for f in factors if f[0] < FACTOR_NOTED), key=lambda f: f[0])
    return Confidence(score=round(score, 3), reasons=[reason for _, reason in noted])


def _link_factor(share):
    return max(0.0, min(1.0, 1 - (share - MAX_LINK_SHARE) / LINK_SHARE_SPAN))


def _ld_factor(text, ld_body):
    if len(ld_body or "") < MIN_LD_CHARS:
        return 1.0, ""
    theirs = _shingles(ld_body)
    found = len(theirs & _shingles(text)) / len(theirs) if theirs else 1.0
    return (min(1.0, found / LD_AGREEMENT),
            f"body disagrees with the JSON-LD articleBody ({found:.0%} of it found)")


def _description_factor(text, description):
    wanted = {word.lower() for word in WORD.findall(description or "")}
    if len(wanted) < MIN_DESCRIPTION_WORDS:
        return 1.0, ""
    lowered = text.lower()   # a word found inside another counts: a sign, not a proof
    found = sum(word in lowered for word in wanted) / len(wanted)
    factor = min(1.0, DESCRIPTION_FLOOR + (1 - DESCRIPTION_FLOOR) * found / DESCRIPTION_AGREEMENT)
    return factor, f"body does not say what the description says ({found:.0%} of its words)"


def _teaser_factor(text, description, prose, page_prose):
    teaser = len(WORD.findall(description or "")) >= MIN_DESCRIPTION_WORDS \
        and len(text) <= TEASER_RATIO * len(description) and page_prose >= TEASER_PAGE_RATIO * prose
    return (TEASER_FACTOR if teaser else 1.0), "body is mostly the teaser"


def _page_factor(prose, page_prose):
    share = prose / page_prose if page_prose else 1.0
    return (min(1.0, 0.5 + 0.5 * share / PAGE_SHARE),
            f"body holds little of the page's prose ({min(share, 1):.0%})")


def _shingles(text, size=4):
    tokens = [token.lower() for token in TOKEN.findall(text or "")]
    return {tuple(tokens[i:i + size]) for i in range(max(0, len(tokens) - size + 1))}
