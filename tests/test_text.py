"""text: cleaning of control and invisible characters, plain text, word counts."""
import pytest

from reader.text import clean_text, html_text, word_count


@pytest.mark.parametrize("raw, clean", [
    ("Tashkent\x00 summit", "Tashkent summit"),
    ("bell\x07 and escape\x1b[31m red", "bell and escape[31m red"),
    ("page\x0cbreak", "page break"),
    ("delete\x7f me", "delete me"),
    ("tab\tnewline\ncarriage\r", "tab\tnewline\ncarriage\r"),
    ("Mit\u00adtel\u00adal\u00adter", "Mittelalter"),
    ("zero\u200bwidth\u2060joined", "zerowidthjoined"),
    ("\ufeffbyte order mark", "byte order mark"),
    ("Latin\u200cnon\u200djoiners", "Latinnonjoiners"),
    ("Cafe\u0301 Tu\u0308rkistan", "Caf\u00e9 T\u00fcrkistan"),
], ids=["nul", "bell-escape", "form-feed", "del", "whitespace-kept", "soft-hyphen",
        "zero-width-space-word-joiner", "bom", "joiners-in-latin", "composed-nfc"])
def test_clean_text_drops_what_only_breaks_matching(raw, clean):
    assert clean_text(raw) == clean


@pytest.mark.parametrize("text", [
    "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",          # Persian: the ZWNJ is visible
    "\u0915\u094d\u200d\u0937",                                    # Devanagari half form
    "\U0001f469\u200d\U0001f4bb",                                  # one emoji from two
], ids=["persian-zwnj", "devanagari-zwj", "emoji-zwj"])
def test_joiners_that_change_what_the_reader_sees_stay(text):
    assert clean_text(text) == text


def test_words_with_soft_hyphens_count_once():
    text = clean_text(html_text("<p>Schon im Mit\u00adtel\u00adal\u00adter war der Wein bekannt.</p>"))
    assert "Mittelalter" in text and word_count(text) == 7
