"""The test suite's wall time: in one process (the anchor: how the suite ran before issue 16) and
as `make test` runs it (pytest-xdist workers), back to back in the same checkout, with the load
average before and after each run and the CPU time of pytest and the processes it waited for
(Chromium and the subprocesses tests start; not the PostgreSQL servers, which pg_ctl detaches).

    .venv/bin/python benchmarks/suite_wall.py [--workers 4] [--rounds 1] [pytest arguments...]

Each round runs both, in alternating order, so that neither always meets the busier minutes.
Exits 1 if a run fails. Costs two full suites per round: run it on purpose, not in `make test`.
"""
import argparse
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
import _stopping  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ISSUE_ANCHOR = 346.0   # seconds: the suite's wall time when issue 16 was filed
SUMMARY = re.compile(r"\d+ passed.*")


def run(label, extra):
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *extra]
    load_before = os.getloadavg()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.monotonic() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    found = SUMMARY.findall(done.stdout)
    print(f"{label:<28} {wall:7.1f} s wall {cpu:7.1f} s CPU   load {_load(load_before)} -> {_load(os.getloadavg())}"
          f"   {found[-1] if found else 'no summary'}", flush=True)
    if done.returncode:
        print(done.stdout[-3000:], done.stderr[-2000:], sep="\n", file=sys.stderr)
    return wall, done.returncode


def _load(figures):
    return " ".join(f"{value:.1f}" for value in figures)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4, help="xdist workers, as make test's TEST_WORKERS")
    parser.add_argument("--rounds", type=int, default=1)
    options, pytest_args = parser.parse_known_args()
    parallel = ["-n", str(options.workers), "--maxschedchunk", "8", *pytest_args]
    serial = ["-n", "0", *pytest_args]
    print(f"# {os.cpu_count()} CPUs; issue anchor {ISSUE_ANCHOR:.0f} s (one process, when filed)", flush=True)
    failed = False
    for round_number in range(options.rounds):
        runs = [("one process (anchor)", serial), (f"{options.workers} workers (make test)", parallel)]
        results = {}
        for label, extra in (runs if round_number % 2 == 0 else runs[::-1]):
            results[label], code = run(label, extra)
            failed |= code != 0
        one, many = results[runs[0][0]], results[runs[1][0]]
        print(f"round {round_number + 1}: {many:.0f} s beside {one:.0f} s in one process ({one / many:.2f}x);"
              f" {many:.0f} s beside the issue's {ISSUE_ANCHOR:.0f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    _stopping.on_sigterm()
    sys.exit(main())
