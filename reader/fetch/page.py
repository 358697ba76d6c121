"""What a fetch returns (Page) and how it fails (FetchError)."""
from dataclasses import dataclass, field

from ..errors import StageError
from .charset import decode_text


class FetchError(StageError):
    """A URL could not be fetched; `reason` is one line for people."""


@dataclass
class Page:
    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int  # 200, or 304 when a conditional GET found nothing new (body b"")
    headers: dict = field(repr=False)  # lower-case names
    content_type: str  # media type only, lower-case; sniffed when the label said nothing
    body: bytes = field(repr=False)

    @property
    def not_modified(self):
        """True for a 304 answer to a conditional GET."""
        return self.status == 304

    @property
    def etag(self):
        """The validator to send back as `etag=` next time, or None."""
        return self.headers.get("etag")

    @property
    def last_modified(self):
        """The date to send back as `last_modified=` next time, or None."""
        return self.headers.get("last-modified")

    def text(self):
        """The body decoded with decode_text()."""
        return decode_text(self.body, self.headers.get("content-type"))[0]
