"""A benchmark stopped with SIGTERM (kill, a CI job's timeout) stops what it started, as Ctrl-C
does: the signal becomes SystemExit, so `finally` blocks and `with` exits run (a PostgreSQL
cluster, a loopback server, a browser, a child process). Without it Python ends at once on
SIGTERM and leaves them running."""
import signal
import sys


def on_sigterm():
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
