"""Bytes -> text as browsers decode them: BOM, declared charset, then a detector.

The region's publishers still serve undeclared windows-1251, so the detector matters.
"""
import codecs
import re

import charset_normalizer

from .labels import LABELS
from .sniff import PRESCAN_BYTES, parse_content_type

# Encodings the detector may answer: the WHATWG Encoding Standard's legacy ones minus the
# Mac and DOS pages. Unrestricted, charset-normalizer reads a short undeclared windows-1251
# headline as mac-cyrillic (they differ in capitals) and short Latin text as cp1006.
DETECT_ENCODINGS = (
    "big5", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257",
    "cp1258", "cp874", "euc_jp", "euc_kr", "gb18030", "iso2022_jp", "iso8859_2", "iso8859_5",
    "iso8859_7", "iso8859_15", "koi8_r", "koi8_u", "shift_jis",
)
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (codecs.BOM_UTF16_LE, "utf-16"),
)
DETECT_SAMPLE_BYTES = 256 * 1024  # the detector's answer is settled long before this
META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([a-z0-9_:.+-]+)", re.I)
XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([a-z0-9_.:-]+)[\"']", re.I)


def decode_text(body, content_type_header):
    """Decode a body as browsers would.

    Order: byte-order mark (which wins over the header, as in WHATWG Encoding §6 "decode"),
    the header's charset, <meta charset> or the XML declaration in the first bytes, strict
    UTF-8, then charset-normalizer's guess, then windows-1252. Only WHATWG labels count
    (labels.py): "base64" or "rot13" is not a text encoding and is ignored.

    Args:
        body: the bytes.
        content_type_header: the raw Content-Type header, or None.

    Returns:
        (text, encoding): encoding is the Python codec name used, e.g. "utf-8", "cp1251".
    """
    encoding = (_bom_encoding(body) or _label(parse_content_type(content_type_header)[1]
                                                 .get("charset")) or _declared_encoding(body))
    if encoding:
        return body.decode(encoding, errors="replace"), encoding
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    encoding = _guess_encoding(body) or "cp1252"
    return body.decode(encoding, errors="replace"), encoding


def _bom_encoding(body):
    return next((name for bom, name in BOMS if body.startswith(bom)), None)


def _label(label):
    """The Python codec for a WHATWG charset label (any other label: None, so detect)."""
    if not label:
        return None
    codec = LABELS.get(label.strip().strip("\"'").lower())
    return codecs.lookup(codec).name if codec else None


def _declared_encoding(body):
    """The encoding a document declares in its first bytes, or None."""
    head = body[:PRESCAN_BYTES]
    match = XML_ENCODING.search(head) or META_CHARSET.search(head)
    if not match:
        return None
    encoding = _label(match.group(1).decode("ascii"))
    # A document readable as ASCII cannot be UTF-16; WHATWG §13.2.3.3 says use UTF-8.
    return "utf-8" if encoding and encoding.startswith("utf-16") else encoding


def _guess_encoding(body):
    """charset-normalizer's best guess for undeclared, non-UTF-8 bytes, or None."""
    sample = body[:DETECT_SAMPLE_BYTES]
    best = charset_normalizer.from_bytes(sample, cp_isolation=list(DETECT_ENCODINGS)).best()
    if best is None or best.encoding not in DETECT_ENCODINGS:
        return None
    return _label(best.encoding) or codecs.lookup(best.encoding).name  # big5 -> big5hkscs, ...
