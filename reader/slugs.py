"""URL slugs from headlines in any of the region's scripts."""
import re
import unicodedata
from collections.abc import Callable

# Russian, Kazakh, Kyrgyz, Tajik and Uzbek Cyrillic letters -> Latin, lower case.
CYRILLIC = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "yo",
    "ж": "zh", "з": "z", "и": "i", "й": "y", "і": "i", "к": "k", "қ": "q", "л": "l", "м": "m",
    "н": "n", "ң": "ng", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ұ": "u", "ү": "u", "ў": "o", "ф": "f", "х": "kh", "ҳ": "h", "һ": "h", "ц": "ts", "ч": "ch",
    "ҷ": "j", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "ӣ": "i", "ӯ": "u",
}
MAX_LENGTH = 80


def slugify(text: str | None) -> str:
    """A lower-case ASCII slug of at most MAX_LENGTH characters ('story' if nothing is left)."""
    text = "".join(CYRILLIC.get(ch, ch) for ch in (text or "").lower())
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > MAX_LENGTH:
        slug = slug[:MAX_LENGTH].rsplit("-", 1)[0]
    return slug or "story"


def unique(slug: str, taken: Callable[[str], bool]) -> str:
    """slug, or slug-2, slug-3, ... whichever `taken(candidate)` says is free."""
    candidate, number = slug, 1
    while taken(candidate):
        number += 1
        candidate = f"{slug}-{number}"
    return candidate


def story_path(slug: str) -> str:
    """The site path of the story with this slug (the web's pages.article route)."""
    return f"/articles/{slug}/"
