"""The data directory when things went wrong before: what an interrupted ingest left, a database
that is damaged or read-only, a WAL after a burst, file modes (issue 12, items 15, 18 and 19)."""
import os
import stat
import time
from pathlib import Path

import pytest

from reader import create_app
from reader.store import articles as article_store
from reader.store import connect
from reader.store import images as image_store

STORY = {"url": "https://news.example/a", "fetched_url": None, "title": "A story", "byline": "", "site_name": "",
         "description": "", "section": "", "tags": [], "lang": "en", "dir": "ltr", "published": None,
         "modified": None, "body_html": "<p>Text</p>", "body_text": "Text", "content_hash": "h", "word_count": 1,
         "reading_minutes": 1}
HOUR = 3600


def _touch(path, age):
    path.write_bytes(b"RIFF....WEBP")
    os.utime(path, (time.time() - age, time.time() - age))


@pytest.mark.parametrize("command", [["init"], ["poll"]])
def test_files_an_interrupted_ingest_left_are_swept_at_start(app, db, command):
    media = app.config["DATA_DIR"] + "/media"
    os.makedirs(media)
    article_id = article_store.insert(db, "a-story", STORY)
    image_store.insert(db, article_id, {"src_url": "https://news.example/a.jpg", "sha256": "ab" * 32, "width": 720,
                                        "height": 480, "variants": [{"width": 360, "file": "kept-360.webp"},
                                                                    {"width": 720, "file": "kept-720.webp"}]})
    for name, age in (("kept-360.webp", 9 * HOUR), ("kept-720.webp", 9 * HOUR), ("orphan-360.webp", 9 * HOUR),
                      ("orphan-360.tmp", 9 * HOUR), ("busy-360.webp", 60), ("busy-720.tmp", 60),
                      ("notes.txt", 9 * HOUR)):
        _touch(Path(media) / name, age)
    result = app.test_cli_runner().invoke(args=command)
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir(media)) == ["busy-360.webp", "busy-720.tmp", "kept-360.webp", "kept-720.webp",
                                         "notes.txt"]
