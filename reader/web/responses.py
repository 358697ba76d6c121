"""Responses that caches must revalidate every time (HTML, manifest, service worker)."""
from flask import make_response, request


def revalidated(body, *, mimetype="text/html", vary=()):
    """A 200 with an ETag and `Cache-Control: no-cache`, or a 304 when the client's copy is current."""
    response = make_response(body)
    response.mimetype = mimetype
    response.headers["Cache-Control"] = "no-cache"
    for header in vary:
        response.vary.add(header)
    response.add_etag(weak=True)  # weak: the same validator for every Content-Encoding
    return response.make_conditional(request)
