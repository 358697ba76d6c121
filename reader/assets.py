"""Content-hashed static files: `css/app.css` is served as `/static/css/app.<hash>.css`.

At start the app copies static/ (less the service worker's entry script, which has its own URL)
into DATA_DIR/static-build with hashed names plus gzip and brotli variants, and WhiteNoise
serves that directory with a year of immutable caching. Templates ask `asset_url()`.
"""
import hashlib
import shutil
from pathlib import Path

from whitenoise.compress import Compressor

HASH_LENGTH = 12
SKIP = ("sw/sw.js",)         # served at /sw.js, revalidated on every request; its parts are hashed
BUILD_DIR = "static-build"


def build_dir(data_dir):
    """Where the hashed static files of a data directory live."""
    return Path(data_dir) / BUILD_DIR


def file_hash(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:HASH_LENGTH]


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
        digest = file_hash(path)
        target = out / hashed_name(logical, digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            if compressor.should_compress(target.name):
                list(compressor.compress(str(target)))
        manifest[logical] = {"url_path": hashed_name(logical, digest), "hash": digest,
                             "bytes": path.stat().st_size}
    return manifest
