"""Content-hashed static files: `css/app.css` is served as `/static/css/app.<hash>.css`.

At start the app copies static/ (less the service worker's entry script, which has its own URL)
into DATA_DIR/static-build with hashed names plus gzip and brotli variants, and WhiteNoise
serves that directory with a year of immutable caching. Scripts and stylesheets are minified on
the way (comments and spaces are a third of their compressed bytes); the hash is of what is served.
Templates ask `asset_url()`.
"""
import hashlib
from pathlib import Path

import rcssmin
import rjsmin
from whitenoise.compress import Compressor

HASH_LENGTH = 12
SKIP = ("sw/sw.js",)         # served at /sw.js, revalidated on every request; its parts are hashed
BUILD_DIR = "static-build"


def build_dir(data_dir):
    """Where the hashed static files of a data directory live."""
    return Path(data_dir) / BUILD_DIR


MINIFIERS = {".css": rcssmin.cssmin, ".js": rjsmin.jsmin}


def content_hash(data):
    return hashlib.sha256(data).hexdigest()[:HASH_LENGTH]


def served_bytes(path):
    """The bytes served for a static file: minified for scripts and stylesheets, else as they are."""
    data = Path(path).read_bytes()
    minify = MINIFIERS.get(Path(path).suffix)
    return minify(data.decode("utf-8")).encode("utf-8") if minify else data


def hashed_name(logical, digest):
    stem, dot, suffix = logical.rpartition(".")
    return f"{stem}.{digest}.{suffix}" if dot else f"{logical}.{digest}"


def build(source, out):
    """Copy every static file to its hashed name with compressed variants.

    Returns:
        {logical path: {"url_path": hashed path, "hash": digest, "bytes": size}}
    """
    source, out = Path(source), Path(out)
    compressor = Compressor(quiet=True)
    manifest = {}
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        logical = path.relative_to(source).as_posix()
        if logical in SKIP:
            continue
        data = served_bytes(path)
        digest = content_hash(data)
        target = out / hashed_name(logical, digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".part")  # another process may build beside us
            partial.write_bytes(data)
            partial.replace(target)
            if compressor.should_compress(target.name):
                list(compressor.compress(str(target)))
        manifest[logical] = {"url_path": hashed_name(logical, digest), "hash": digest, "bytes": len(data)}
    return manifest
