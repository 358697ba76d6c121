"""The demo newsroom's topic names, marked for the catalogs. Pages show a topic's name through
gettext (reader.i18n.translated), so a newsroom translates its own topics in reader/translations
like any other string; tests/test_i18n.py checks every name in topics.json is listed here."""


def N_(text):
    """Marks a string for extraction; the page translates it when it shows it."""
    return text


NAMES = (N_("Summit coverage"), N_("Breaking news"), N_("Kazakhstan"), N_("Uzbekistan"), N_("Kyrgyzstan"),
         N_("Tajikistan"), N_("Turkmenistan"))
