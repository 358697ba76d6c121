"""The translation catalogs: what to extract, and the checks and compilation `make` runs.

    python -m reader.catalogs update    # templates and code -> messages.pot -> every messages.po
    python -m reader.catalogs compile   # every messages.po -> messages.mo (make does this)

The .po files are the source (written and reviewed by us); .mo files are built, never committed.
"""
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANGUAGES = ("ru", "kk", "uz")   # English is the source language
METHODS = [("reader/**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None,
            "plural_forms": (1, 2), "N_plural": (1, 2)}


def extracted():
    """Every message in the templates and the code, as a Catalog (the template of the .po files)."""
    catalog = Catalog(project="Reader", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            ROOT, METHODS, OPTIONS, KEYWORDS, comment_tags=("TRANSLATORS:",)):
        if ROOT.joinpath(filename).is_relative_to(ROOT / "reader" / "translations"):
            continue
        catalog.add(message, locations=[(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(language):
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def read(language):
    with po_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def update():
    """Bring every .po up to the code: new messages added empty, gone ones dropped."""
    template = extracted()
    for language in LANGUAGES:
        catalog = read(language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with po_path(language).open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=False)


def compile_all(out_root=TRANSLATIONS):
    """messages.mo beside (or, for a wheel, under out_root in the same layout as) every messages.po."""
    for language in LANGUAGES:
        target = Path(out_root) / language / "LC_MESSAGES" / "messages.mo"
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as handle:
            write_mo(handle, read(language))


if __name__ == "__main__":
    {"update": update, "compile": compile_all}[sys.argv[1]]()
