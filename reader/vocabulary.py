"""The small mobile vocabulary of a stored story, defined once: the normaliser reshapes bodies
into it and the sanitiser lets nothing else through.
"""
# Tags a story body may use.
TAGS = frozenset(
    "a b blockquote br caption code em figcaption figure h2 h3 h4 i img li ol p pre q strong sub sup "
    "table tbody td th thead tr ul".split()
)
# Attributes kept, per tag (img's srcset and sizes come from ingest's resized copies).
ATTRIBUTES = {
    "a": frozenset(("href",)),
    "img": frozenset(("alt", "height", "loading", "sizes", "src", "srcset", "width")),
    "td": frozenset(("colspan", "rowspan")),
    "th": frozenset(("colspan", "rowspan")),
}
# Schemes a link or a picture may use.
URL_SCHEMES = frozenset(("http", "https", "mailto"))
# Every top-level table is served in a <div> of this class, which the stylesheet lets scroll
# sideways: a wide table then scrolls inside its own box on a 360 px screen, not the page. It is
# the one <div> and the one class of the vocabulary.
TABLE_BOX = "table-scroll"
