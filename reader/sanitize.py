"""The last step before storage: an allowlist sanitiser (nh3, the Rust ammonia library).

Whatever the extractor or normaliser let through, nothing leaves this function that can
run script, load a frame, submit a form or style the page.
"""
import nh3

from .vocabulary import ATTRIBUTES, TABLE_BOX, TAGS, URL_SCHEMES

# The vocabulary, and the <div> that a table scrolls in with its one class (any other value goes).
ALLOWED_TAGS = set(TAGS | {"div"})
ALLOWED_ATTRIBUTES = {tag: set(names) for tag, names in ATTRIBUTES.items()}
CLASS_VALUES = {"div": {"class": {TABLE_BOX}}}


def sanitize(html: str | None, *, local_files: bool = False) -> str:
    """Return html with everything outside the allowlist removed.

    Links get rel="noopener noreferrer nofollow"; only http(s) and mailto URLs survive
    (root-relative URLs of Reader's own media are kept). local_files=True also keeps file:
    URLs, for a page read from disk whose images ingest will copy; never for stored HTML.
    """
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values=CLASS_VALUES,
        url_schemes=set(URL_SCHEMES | {"file"} if local_files else URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        clean_content_tags={"script", "style"},
    )
