"""Media types: the Content-Type label, or the first bytes when the label says nothing."""
import codecs
import re

PRESCAN_BYTES = 4096  # WHATWG prescans 1024 bytes; long <head> scripts push <meta> further

# Media types per `kinds` value; "image" also takes any image/* and "any" takes everything.
KIND_TYPES = {
    "feed": frozenset({
        "application/atom+xml", "application/feed+json", "application/json",
        "application/rdf+xml", "application/rss+xml", "application/x-rss+xml",
        "application/xml", "text/xml",
    }),
    "html": frozenset({"application/xhtml+xml", "text/html"}),
    "image": frozenset({"image/*"}),
}
KIND_NAMES = {"any": "anything", "feed": "a feed", "html": "HTML", "image": "an image"}

# Labels that say nothing about the body: sniff it instead (WHATWG MIME Sniffing §7.1).
UNKNOWN_TYPES = frozenset({
    "", "application/octet-stream", "application/unknown", "binary/octet-stream",
    "text/plain", "unknown/unknown",
})

# Sniffing: (leading bytes, media type), checked in order after leading whitespace.
MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"<!doctype html", "text/html"),
    (b"<html", "text/html"),
    (b"<head", "text/html"),
    (b"<body", "text/html"),
    (b"<rss", "application/rss+xml"),
    (b"<feed", "application/atom+xml"),
    (b"<rdf:rdf", "application/rdf+xml"),
    (b"{", "application/json"),
)


def parse_content_type(value):
    """("text/html", {"charset": "utf-8"}) from a Content-Type header (RFC 9110 §8.3.1)."""
    if not value:
        return "", {}
    media_type, *pieces = value.split(";")
    params = {}
    for piece in pieces:
        name, _, param = piece.partition("=")
        params[name.strip().lower()] = param.strip().strip('"').strip()
    return media_type.strip().lower(), params


def sniff(body):
    """Guess a media type from the first bytes (WHATWG MIME Sniffing §7.1), or None."""
    head = body[:PRESCAN_BYTES]
    for magic, media_type in MAGIC[:4]:
        if head.startswith(magic):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    text = head.lstrip(codecs.BOM_UTF8).lstrip().lower()
    if text.startswith(b"<?xml"):
        text = re.sub(rb"^<\?xml.*?\?>\s*(<!--.*?-->\s*|<\?.*?\?>\s*)*", b"", text, flags=re.S)
        return next((t for m, t in MAGIC[4:] if text.startswith(m)), "application/xml")
    return next((t for m, t in MAGIC[4:] if text.startswith(m)), None)


def accepted_type(media_type, body, kinds):
    """The media type (sniffed from body when the label said nothing) if `kinds` accepts it.

    Args:
        media_type: the Content-Type's media type, lower-case ("" when missing).
        body: the bytes, for sniffing.
        kinds: acceptable content: "html", "feed", "image" or "any".

    Returns:
        (media_type, None) when accepted, or (media_type, reason) when refused.
    """
    if media_type in UNKNOWN_TYPES:
        media_type = sniff(body) or media_type
    if "any" in kinds or any(_is_kind(media_type, kind) for kind in kinds):
        return media_type, None
    wanted = " or ".join(KIND_NAMES.get(kind, kind) for kind in kinds)
    return media_type, f"not {wanted} (content-type {media_type or 'missing'})"


def _is_kind(media_type, kind):
    if kind == "image":
        return media_type.startswith("image/")
    return media_type in KIND_TYPES.get(kind, ())
