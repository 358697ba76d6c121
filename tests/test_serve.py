"""`reader serve` as an operator runs it: a push sender that dies is started again, the site
keeps answering, and SIGTERM stops everything cleanly with nothing left running."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from reader.push import worker
from reader.store import connect

WAIT_LIMIT = 90.0  # seconds any wait here may last before it counts as a hang
READER = Path(sys.executable).parent / "reader"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(condition, what):
    deadline = time.monotonic() + WAIT_LIMIT
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)


def _answers(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def _live_senders(data_dir):
    db = connect(data_dir)
    try:
        return [row for _, _, alive, row in worker.alive_summary(db, within=15) if alive]
    finally:
        db.close()


def test_serve_restarts_a_dead_sender_and_stops_cleanly_on_sigterm(tmp_path):
    env = {**os.environ, "READER_DATA_DIR": str(tmp_path / "data")}
    assert subprocess.run([READER, "init"], env=env, capture_output=True, timeout=60).returncode == 0
    port, log = _free_port(), tmp_path / "serve.log"
    with open(log, "w") as out:
        server = subprocess.Popen([READER, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
                                  env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for(lambda: _answers(f"http://127.0.0.1:{port}/"), "the site")
        [first] = _wait_for(lambda: _live_senders(tmp_path / "data"), "a push sender's heartbeat")
        os.kill(first["pid"], signal.SIGKILL)
        second = _wait_for(lambda: [r for r in _live_senders(tmp_path / "data") if r["pid"] != first["pid"]],
                           "the sender to be started again")
        assert _answers(f"http://127.0.0.1:{port}/")
        status = subprocess.run([READER, "push", "status"], env=env, capture_output=True, text=True, timeout=60)
        assert "senders alive: 1" in status.stdout and second[0]["name"] in status.stdout
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=WAIT_LIMIT) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(10)
    text = log.read_text()
    assert "exited with code" in text and "starting it again" in text
    assert "Traceback" not in text and "AssertionError" not in text
    assert not _answers(f"http://127.0.0.1:{port}/")  # gunicorn is gone too
    assert _live_senders(tmp_path / "data") == []  # the second sender retired when it stopped
