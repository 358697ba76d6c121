"""Article images: downloaded at ingest, checked, resized to phone widths, stored by content.

Reading never depends on the publisher's server: stored article HTML points at
/media/<sha256>-<width>.webp files in the data directory.
"""
import hashlib
import io
import logging
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import StageError

log = logging.getLogger(__name__)

MEDIA_DIR = "media"
MEDIA_URL = "/media/"
WEBP_QUALITY = 72  # about half the bytes of JPEG q85 at no visible loss on photos at phone sizes
FORMATS = frozenset(("JPEG", "PNG", "GIF", "WEBP"))


class ImageError(StageError):
    """An image that cannot be used; the article goes on without it."""


def process(data, src_url, media_dir, *, widths, max_pixels):
    """Decode image bytes and write one WebP per width.

    Args:
        data: the downloaded bytes.
        src_url: where they came from (for messages and the record).
        media_dir: directory the variants are written to.
        widths: target widths; an image is never enlarged.
        max_pixels: refuse images with more pixels than this (decompression bombs).

    Returns:
        {"src_url", "sha256", "width", "height", "variants": [{"width", "height", "file", "bytes", "type"}]}

    Raises:
        ImageError: not an image, an unsupported format, or too large.
    """
    image = _open(data, src_url, max_pixels)
    digest = hashlib.sha256(data).hexdigest()
    media_dir = Path(media_dir)
    media_dir.mkdir(parents=True, exist_ok=True)
    variants = []
    for width in sorted(set(min(w, image.width) for w in widths)):
        variants.append(_variant(image, width, digest, media_dir))
    return {"src_url": src_url, "sha256": digest, "width": image.width, "height": image.height,
            "variants": variants}


def _open(data, src_url, max_pixels):
    if not data:
        raise ImageError(src_url, "empty image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise ImageError(src_url, f"unsupported image format {image.format}")
            if image.width * image.height > max_pixels:
                raise ImageError(src_url, f"image too large ({image.width}x{image.height})")
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(src_url, "not an image") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(src_url, f"broken image ({exc})") from None
    image = ImageOps.exif_transpose(image)
    return image.convert("RGBA" if _has_alpha(image) else "RGB")


def _has_alpha(image):
    return image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)


def _variant(image, width, digest, media_dir):
    height = max(1, round(image.height * width / image.width))
    name = f"{digest[:32]}-{width}.webp"
    path = media_dir / name
    if not path.exists():  # content-addressed: the same bytes make the same file
        resized = image if width == image.width else image.resize((width, height), Image.LANCZOS)
        tmp = path.with_suffix(".tmp")
        try:
            resized.save(tmp, "WEBP", quality=WEBP_QUALITY, method=4)
            tmp.replace(path)
        except OSError:
            tmp.unlink(missing_ok=True)  # a full disk leaves no half file behind
            raise
    return {"width": width, "height": height, "file": name, "bytes": path.stat().st_size,
            "type": "image/webp"}


def sweep(media_dir, keep, *, older_than):
    """Remove what an interrupted ingest left behind: temporary files, and variants that no stored
    image names (written just before a process was killed, or its story's store failed).

    Only files last changed before `older_than` (unix time) go, so an ingest running now keeps
    the files it has not stored yet. Returns the names removed.
    """
    removed = []
    for path in Path(media_dir).glob("*"):
        stray = path.suffix == ".tmp" or (path.suffix == ".webp" and path.name not in keep)
        try:
            if stray and path.is_file() and path.stat().st_mtime < older_than:
                path.unlink()
                removed.append(path.name)
        except FileNotFoundError:
            continue  # another process swept or renamed it meanwhile
    if removed:
        log.warning("removed %d files an interrupted ingest left in %s", len(removed), media_dir)
    return removed


def srcset(variants: list[dict]) -> str:
    return ", ".join(f"{MEDIA_URL}{v['file']} {v['width']}w" for v in variants)


def smallest_variant(variants: list[dict]) -> dict:
    """The narrowest copy of an image (process() makes them narrowest first): cards, low data, alerts."""
    return variants[0]


def default_variant(variants: list[dict], width: int = 720) -> dict:
    """The variant a plain src points at: the largest not wider than width."""
    fitting = [v for v in variants if v["width"] <= width]
    return fitting[-1] if fitting else smallest_variant(variants)
