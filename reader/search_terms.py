"""Words as search sees them: folded, split and stemmed the same way at index and at query time.

Both stores index the output of `document()` (SQLite's FTS5 and PostgreSQL's 'simple' tsvector
only split it on spaces), and both run the `Query` that `parse()` makes, so search behaves the
same on each. Folding: Unicode compatibility forms, case, the apostrophes Uzbek is written with
(ʻ ʼ ' ` ‘ ’ all go, so Qozog'iston and Qozogʻiston are one word), accents on Latin letters, ё,
and the Kazakh and Uzbek Cyrillic letters a phone without that keyboard types as their Russian
neighbours (қ as к, ә as а). Stemming: Snowball's Russian stemmer for Cyrillic words, its English
one for Latin words (a query has no language to go by, so the script decides, identically for
text and query). Kazakh and Uzbek endings are met by prefix matching on every query word.
"""
import re
import threading
import unicodedata
from dataclasses import dataclass

import Stemmer

# Apostrophe look-alikes Uzbek (Latin) is typed with: the modifier letters ʻ ʼ of the official
# spelling, ASCII ' and `, the typographic ‘ ’, and the prime signs some keyboards give.
APOSTROPHES = "'`\u02b9\u02bb\u02bc\u02bd\u2018\u2019\u2032"
# Letters readers on a Russian keyboard type as the nearest Russian letter (Kazakh and Uzbek Cyrillic).
CYRILLIC_FOLDS = str.maketrans({
    "ё": "е", "ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х", "і": "и",
    "ў": "у", "ҳ": "х", "ı": "i",
})
WORD = re.compile(r"[^\W_]+")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[a-z]")
MIN_PREFIX = 3        # a shorter query word is matched whole (a prefix of two letters matches half the index)
MAX_ITEMS = 16        # query words and phrases read; the rest are ignored (each costs an index lookup)
OR, AND, NOT = "OR", "AND", "NOT"   # operators, in capitals as readers of other search boxes know them

_local = threading.local()  # PyStemmer's stemmers are not safe to share between threads


def fold(text):
    """Text with case, apostrophes, Latin accents and the letters above folded away."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = "".join(char for char in text if char not in APOSTROPHES)
    if not text.isascii():
        text = _strip_latin_accents(text.translate(CYRILLIC_FOLDS))
    return text


def _strip_latin_accents(text):
    """é -> e, ş -> s; Cyrillic й keeps its breve (Russian readers type it)."""
    out = []
    for char in text:
        if "\u00c0" <= char <= "\u024f" or "\u1e00" <= char <= "\u1eff":
            char = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        elif unicodedata.combining(char) and out and out[-1].isascii():
            continue  # a combining accent left after a Latin letter (casefold of İ gives i + dot)
        out.append(char)
    return "".join(out)


def words(text):
    """The folded words of text, in order."""
    return WORD.findall(fold(text))


def stem(word):
    """A folded word's stem: Russian for Cyrillic, English for Latin, else the word itself."""
    if CYRILLIC.search(word):
        return _stemmer("russian").stemWord(word)
    if LATIN.search(word):
        return _stemmer("english").stemWord(word)
    return word


def _stemmer(language):
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    if language not in stemmers:
        stemmers[language] = Stemmer.Stemmer(language)
    return stemmers[language]


def terms(text):
    """The index terms of text: its stems, space-separated, in order (phrases match on order)."""
    return " ".join(stem(word) for word in words(text))


@dataclass(frozen=True)
class Item:
    """One thing to find: a word (matched as a prefix when long enough) or a quoted phrase."""
    stems: tuple
    phrase: bool = False

    @property
    def prefix(self):
        return not self.phrase and len(self.stems[0]) >= MIN_PREFIX


@dataclass(frozen=True)
class Query:
    """Every group must match, and no excluded item; a group matches when any of its items does."""
    groups: tuple
    excluded: tuple = ()

    def __bool__(self):
        return bool(self.groups)


def parse(text):
    """A reader's query as a Query; never raises.

    Words are all required (AND between them says the same); `a OR b` takes either; "quoted
    words" are a phrase (a quote left open runs to the end); NOT word or -word leaves out stories
    with it. An operator with nothing to work on, punctuation and symbols are ignored, so any text
    gives a query, or an empty one when it holds no letter or digit to look for.
    """
    groups, excluded, pending = [], [], None
    for raw, quoted in _pieces(text or "")[:MAX_ITEMS * 2]:
        if not quoted and raw in (OR, AND, NOT):
            pending = raw if (groups or raw == NOT) else None
            continue
        if not quoted and raw.startswith("-") and len(raw) > 1:
            raw, pending = raw[1:], NOT
        item = _item(raw, quoted)
        if item is None:
            continue
        if pending == NOT:
            excluded.append(item)
        elif pending == OR:
            groups[-1] = groups[-1] + (item,)
        else:
            groups.append((item,))
        pending = None
    return Query(tuple(groups[:MAX_ITEMS]), tuple(excluded[:MAX_ITEMS]))


def _pieces(text):
    """[(text, quoted)]: quoted runs and the words between them."""
    pieces = []
    for n, part in enumerate(text.split('"')):
        if n % 2:
            pieces.append((part, True))
        else:
            pieces.extend((word, False) for word in part.split())
    return pieces


def _item(raw, quoted):
    stems = tuple(stem(word) for word in words(raw))
    if not stems:
        return None
    # A word that folds into several ("Toktogul-dam") is matched as the phrase it was.
    return Item(stems, phrase=quoted or len(stems) > 1)
