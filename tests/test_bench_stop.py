"""A benchmark stopped with SIGTERM (kill, a CI job's timeout) stops what it started: here
archive_scale's PostgreSQL cluster, whose directory and server must be gone when it exits."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pg
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def tmp_dir():
    """A temporary directory the postgres user can reach (pytest's own are root's alone)."""
    made = Path(tempfile.mkdtemp(prefix="bench-stop-"))
    made.chmod(0o755)
    yield made
    shutil.rmtree(made, ignore_errors=True)


def test_a_benchmark_stopped_with_sigterm_stops_its_postgresql_cluster(tmp_dir):
    if pg.binaries() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed (make test installs it)")
        pytest.skip("PostgreSQL is not installed (make test installs it; CI requires it)")
    env = {**os.environ, "TMPDIR": str(tmp_dir), "PYTHONUNBUFFERED": "1"}
    bench = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "archive_scale.py"), "--sizes", "30",
                              "--stores", "postgresql"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    try:
        seen = ""
        deadline = time.monotonic() + 180
        while "stories] built" not in seen:   # the cluster is up and the store is being measured
            line = bench.stdout.readline()
            assert line, f"the benchmark ended first:\n{seen}"
            assert time.monotonic() < deadline, seen
            seen += line
        clusters = list(tmp_dir.glob("reader-pg-*"))
        assert len(clusters) == 1, clusters
        postmaster = int((clusters[0] / "data" / "postmaster.pid").read_text().split("\n", 1)[0])
        bench.send_signal(signal.SIGTERM)
        assert bench.wait(timeout=60) == 128 + signal.SIGTERM
    finally:
        if bench.poll() is None:
            bench.kill()
            bench.wait()
    assert list(tmp_dir.glob("reader-pg-*")) == []
    assert _gone(postmaster)


def _gone(pid):
    """No such process, or one that has exited and waits to be reaped (a zombie: the server
    was started by pg_ctl, so its parent here is whatever reaps orphans)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")
