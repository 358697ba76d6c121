"""HTTP in: one GET with limits, timeouts, an SSRF guard and charset detection -> Page.

One module per job:

- client.py: the Fetcher (limits, timeouts, redirects hop by hop, politeness)
- body.py: the body read as a stream, gzip/deflate decoded under the size cap
- guard.py: the SSRF guard (schemes, ports, resolved addresses)
- sniff.py: media types: the Content-Type label, or the first bytes when it says nothing
- charset.py: bytes -> text as browsers decode them
- page.py: what a fetch returns (Page) and how it fails (FetchError)
"""
from .charset import decode_text
from .client import Fetcher, network_reason
from .guard import blocked_kind
from .page import FetchError, Page
from .sniff import parse_content_type, sniff

__all__ = ["FetchError", "Fetcher", "Page", "blocked_kind", "decode_text", "network_reason",
           "parse_content_type", "sniff"]
