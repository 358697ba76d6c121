"""The data directory when things went wrong before: what an interrupted ingest left, a database
that is damaged or read-only, a WAL after a burst, file modes (issue 12, items 15, 18 and 19)."""
import os
import shutil
import stat
import subprocess
import sys
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


# ---- a damaged database is named as such ---------------------------------------------------------

def _filled(app, stories=40):
    """A data dir with stories spread over many pages, its WAL folded in and the file closed."""
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
    db = connect(app.config)
    for n in range(stories):
        article_store.insert(db, f"story-{n}", {**STORY, "url": f"https://news.example/{n}",
                                                "body_text": f"words {n} " * 400})
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return Path(app.config["DATA_DIR"]) / "reader.sqlite3"


def _damage(path, start):
    """Overwrite the file from `start` (a fraction of its size) to its end with noise: the
    header and all (0), or only the newest stories' pages behind an intact header (0.6)."""
    size = path.stat().st_size
    offset = int(size * start) // 4096 * 4096
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(os.urandom(size - offset))


@pytest.mark.parametrize("start", [0, 0.6])
def test_every_command_names_a_damaged_database(app, start):
    _damage(_filled(app), start)
    runner = app.test_cli_runner()
    for args in (["init"], ["list"], ["show", "40"], ["topics", "list"], ["sources", "list"], ["editor", "list"],
                 ["push", "status"]):
        result = runner.invoke(args=args)
        if args[0] in ("init", "list", "show") or start == 0:
            assert result.exit_code == 1, (args, result.output)
            assert "database file" in result.output and "is damaged" in result.output, (args, result.output)
        else:  # tables the damage did not reach still read; whatever fails says why
            assert result.exit_code == 0 or "is damaged" in result.output, (args, result.output)
        assert "Traceback" not in result.output


def test_the_site_answers_a_damaged_database_with_a_clear_503(app, caplog):
    _damage(_filled(app), 0.6)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    for path in ("/", "/api/articles", "/feed.xml"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert "database is damaged" in response.get_data(as_text=True)
    assert any("is damaged" in r.getMessage() for r in caplog.records if r.levelname == "CRITICAL")


# ---- a read-only data directory fails with one line ----------------------------------------------

def _read_only_run(data_dir, args):
    """Run `reader ARGS` with data_dir really read-only: for root (whom file modes do not stop)
    a read-only bind mount in a private mount namespace; for others, the modes."""
    command = [sys.executable, "-c", "from reader.cli import main; main()", *args]
    env = {**os.environ, "READER_DATA_DIR": str(data_dir)}
    if os.geteuid() != 0:
        for path in (data_dir, *data_dir.rglob("*")):
            path.chmod(path.stat().st_mode & ~0o222)
        try:
            return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        finally:
            for path in (data_dir, *data_dir.rglob("*")):
                path.chmod(path.stat().st_mode | 0o200)
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed: no way to make a read-only directory for root")
    mount = subprocess.run(["unshare", "-m", "sh", "-c", f"mount --bind -o ro '{data_dir}' '{data_dir}'"],
                           capture_output=True, text=True, timeout=30)
    if mount.returncode != 0:
        pytest.skip(f"cannot mount read-only here: {mount.stderr.strip()}")
    return subprocess.run(["unshare", "-m", "sh", "-c", 'mount --bind -o ro "$0" "$0" && exec "$@"', str(data_dir),
                           *command], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("args", [["list"], ["init"], ["show", "1"], ["serve", "--no-push-worker"]])
def test_a_read_only_data_directory_fails_with_one_clear_line(app, args):
    data_dir = _filled(app, stories=2).parent
    before = sorted(p.name for p in data_dir.iterdir())
    result = _read_only_run(data_dir, args)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"Error: the data directory {data_dir} cannot be written (")
    assert line.endswith("): Reader keeps its database, images and keys there; give READER_DATA_DIR a writable "
                         "directory")
    assert sorted(p.name for p in data_dir.iterdir()) == before


# ---- the WAL after a burst -----------------------------------------------------------------------

def test_the_wal_shrinks_back_after_a_burst_under_reads(tmp_path):
    """A burst of subscriptions while a reader holds a snapshot grows the WAL (no checkpoint can
    start it over); once the readers are gone, the next checkpoint truncates it to the limit."""
    from reader.store.sqlite import WAL_LIMIT, SQLiteDatabase

    writer, reader = SQLiteDatabase(tmp_path), SQLiteDatabase(tmp_path)
    wal = tmp_path / "reader.sqlite3-wal"
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM subscriptions").fetchone()     # a snapshot held through the burst
    padding = "k" * 4000
    for batch in range(100):                                             # about 40 MB of writes
        with writer.transaction():
            writer.executemany("INSERT INTO subscriptions (endpoint, p256dh, auth, created_at, updated_at)"
                               " VALUES (?, ?, ?, '', '')",
                               [(f"https://push.example/{batch}/{n}", padding, padding) for n in range(50)])
    grown = wal.stat().st_size
    assert grown > 2 * WAL_LIMIT
    reader.execute("COMMIT")
    for n in range(1200):                                                # ordinary writes after the burst
        writer.execute("UPDATE subscriptions SET updated_at = ? WHERE id = ?", (str(n), n % 100 + 1))
    assert wal.stat().st_size <= WAL_LIMIT
    writer.close()
    reader.close()


def test_a_fresh_database_is_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("READER_DATABASE_URL", raising=False)
    app = create_app({"DATA_DIR": tmp_path / "data"})
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
    db = connect(app.config)
    db.execute("INSERT INTO topics (slug, name) VALUES ('t', 'T')")     # the WAL and its index exist now
    data = tmp_path / "data"
    for name in ("reader.sqlite3", "reader.sqlite3-wal", "reader.sqlite3-shm", "secret_key", "vapid_private.pem"):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name
    db.close()
