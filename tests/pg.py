"""A throwaway PostgreSQL cluster for the test session: initdb into a temporary directory,
listening on loopback only, stopped (and its files removed) at the end.

PostgreSQL refuses to run as root, so as root the cluster's files belong to the `postgres`
user and initdb/pg_ctl run through `runuser -u postgres`.
"""
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg

START_TIMEOUT = 60  # seconds pg_ctl waits for the server to accept connections
MEMORY_DIR = "/dev/shm"
MEMORY_ROOM = 2 << 30  # bytes free on tmpfs for an in-memory cluster (a test session's uses a few hundred MB)


def binaries():
    """The directory of initdb and pg_ctl (Debian keeps them out of PATH), or None."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(Path(candidate) / "initdb", os.X_OK):
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class Cluster:
    """Start with Cluster.start(); `url(dbname)` gives a connection URL; stop() ends it."""

    def __init__(self, bin_dir, root, port):
        self.bin_dir, self.root, self.port = bin_dir, Path(root), port

    @classmethod
    def start(cls, bin_dir, *, in_memory=False):
        """in_memory: the cluster's files on tmpfs (/dev/shm) when it has room, where CREATE
        DATABASE takes about 15 ms instead of 60-120 on this machine's disk (the tests use it;
        the benchmarks keep the disk, where their figures were measured)."""
        root = Path(tempfile.mkdtemp(prefix="reader-pg-", dir=_memory_dir() if in_memory else None))
        cluster = cls(bin_dir, root, _free_port())
        try:
            if os.geteuid() == 0:
                shutil.chown(root, "postgres")
            cluster._run("initdb", "-D", str(root / "data"), "-A", "trust", "-U", "postgres",
                         "--no-sync", "-E", "UTF8", "--locale=C.UTF-8")
            cluster.start_server()
        except BaseException:   # a failed start, or a stop (SIGTERM, Ctrl-C) while starting
            if (root / "data" / "postmaster.pid").exists():
                cluster.stop()
            shutil.rmtree(root, ignore_errors=True)
            raise
        return cluster

    def start_server(self):
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
                   " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
        self._run("pg_ctl", "-D", str(self.root / "data"), "-l", str(self.root / "log"), "-o", options,
                  "-w", "-t", str(START_TIMEOUT), "start")

    def stop_server(self):
        """A fast shutdown: sessions are cut, as when a real server restarts."""
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")

    def pid(self):
        """The postmaster's process id (its first line of postmaster.pid); its backends are its children."""
        return int((self.root / "data" / "postmaster.pid").read_text().split("\n", 1)[0])

    def url(self, dbname="postgres"):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, template=None):
        """A new empty database (or a copy of template); returns its URL."""
        name = "t_" + uuid.uuid4().hex[:16]
        clause = f" TEMPLATE {template}" if template else ""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}{clause}")
        return self.url(name)

    def drop_database(self, url):
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self):
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, tool, *args):
        command = [str(self.bin_dir / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=START_TIMEOUT + 30, cwd="/")


def _memory_dir():
    """/dev/shm when it is there, writable and has MEMORY_ROOM bytes free; else None (the usual
    temporary directory)."""
    try:
        stat = os.statvfs(MEMORY_DIR)
    except OSError:
        return None
    roomy = stat.f_bavail * stat.f_frsize >= MEMORY_ROOM
    return MEMORY_DIR if roomy and os.access(MEMORY_DIR, os.W_OK) else None


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
