"""What the commands print never reaches the terminal as control characters (issue 12.19): a
stored story written before its fields were cleaned, a path or a server's words in an error."""
import json
import re

import pytest

from reader.store import articles as article_store
from reader.store import topics as topic_store

HOSTILE = "Mayor\x1b]0;pwned\x07 resigns\x1b[2J\r\x9b31mfake\x7f"
RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")   # what a terminal acts on (tab and newline aside)
STORY = {"url": "https://news.example/a\x1b[1m", "fetched_url": None, "title": HOSTILE, "byline": "By\x1b[8m Ada",
         "site_name": "", "description": "", "section": "", "tags": ["x\x1b"], "lang": "en\x1b", "dir": "ltr",
         "published": None, "modified": None, "body_html": f"<p>{HOSTILE}</p>", "body_text": f"{HOSTILE}\nline two",
         "content_hash": "h", "word_count": 1, "reading_minutes": 1}


@pytest.fixture
def stored(db):
    article_id = article_store.insert(db, "a-story", STORY)
    topic_store.upsert(db, "summit", "Summit\x1b[5m coverage")
    topic_store.assign(db, article_id, ["summit"])
    return article_id


@pytest.mark.parametrize("args", [["list"], ["show", "1"], ["show", "1", "--format", "html"],
                                  ["show", "1", "--format", "json"], ["topics", "list"]])
def test_stored_text_is_printed_with_its_controls_escaped(runner, stored, args):
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert not RAW.search(result.output), repr(result.output)
    assert re.search(r"(\\x1b|\\u001b)(\]0;pwned|\[5m)", result.output)   # shown, not obeyed


def test_json_output_still_parses_to_the_stored_text(runner, stored):
    record = json.loads(runner.invoke(args=["show", "1", "--format", "json"]).output)
    assert record["title"] == HOSTILE and record["body_text"].endswith("\nline two")


def test_the_text_format_keeps_the_story_s_lines(runner, stored):
    lines = runner.invoke(args=["show", "1"]).output.splitlines()
    assert lines[-1] == "line two"


def test_ingest_lines_escape_what_they_quote(runner, tmp_path):
    missing = tmp_path / "page\x1b[31m\x9b2J.html"
    for args in (["ingest", str(missing)], ["ingest", "--json", str(missing)]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1
        assert not RAW.search(result.output), repr(result.output)
        assert "page\\x1b[31m" in result.output or "page\\u001b[31m" in result.output
    assert json.loads(runner.invoke(args=["ingest", "--json", str(missing)]).output)["url"].endswith(
        "page\x1b[31m\x9b2J.html")


def test_the_log_lines_of_a_real_run_escape_them_too(tmp_path):
    """`reader ingest` as a shell runs it: its warnings on stderr quote the path as well."""
    import subprocess
    import sys

    missing = tmp_path / "page\x1b]0;pwned\x07.html"
    done = subprocess.run([sys.executable, "-c", "from reader.cli import main; main()", "ingest", str(missing)],
                          env={"READER_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "failed: no such file" in done.stderr and "page\\x1b]0;pwned\\x07.html" in done.stderr
    assert not RAW.search(done.stdout + done.stderr), repr(done.stderr)
