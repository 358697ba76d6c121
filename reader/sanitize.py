"""The last step before storage: an allowlist sanitiser (nh3, the Rust ammonia library).

Whatever the extractor or normaliser let through, nothing leaves this function that can
run script, load a frame, submit a form or style the page.
"""
import nh3

TAGS = {
    "a", "b", "blockquote", "br", "caption", "code", "div", "em", "figcaption", "figure", "h2", "h3", "h4", "i",
    "img", "li", "ol", "p", "pre", "q", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}
ATTRIBUTES = {
    "a": {"href"},
    "img": {"alt", "height", "loading", "sizes", "src", "srcset", "width"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# The one class kept: the box a table scrolls in (normalize.TABLE_BOX); any other value goes.
CLASS_VALUES = {"div": {"class": {"table-scroll"}}}


def sanitize(html, *, local_files=False):
    """Return html with everything outside the allowlist removed.

    Links get rel="noopener noreferrer nofollow"; only http(s) and mailto URLs survive
    (root-relative URLs of Reader's own media are kept). local_files=True also keeps file:
    URLs, for a page read from disk whose images ingest will copy; never for stored HTML.
    """
    return nh3.clean(
        html or "",
        tags=TAGS,
        attributes=ATTRIBUTES,
        tag_attribute_values=CLASS_VALUES,
        url_schemes=URL_SCHEMES | {"file"} if local_files else URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        clean_content_tags={"script", "style"},
    )
