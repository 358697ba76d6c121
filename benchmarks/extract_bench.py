"""Extraction gate: our article_text beside trafilatura, same pages, same run.

Runs ../shared/bench/score_extract.py once per extractor (each in its own process, so one
cannot warm the other's caches), prints F1 and pages/s side by side, and exits 1 when our
F1 is below GATE_F1 (the evaluation gate). Usage, from the repository root:

    .venv/bin/python benchmarks/extract_bench.py [--bench ../shared/bench/score_extract.py]
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BENCH = ROOT.parent / "shared" / "bench" / "score_extract.py"
OURS = "reader.extract:article_text"
ANCHOR = "trafilatura"       # its default settings, with fallbacks: the library's own figure
GATE_F1 = 0.965              # the floor; trafilatura itself scores 0.960 here


def run(bench, extractor, json_out):
    """Score one extractor in a subprocess; return its JSON record."""
    command = [sys.executable, str(bench), extractor, "--set", "scrapinghub", "--json-out", str(json_out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    sys.stdout.write(done.stdout)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{extractor}: score_extract.py exited {done.returncode}")
    lines = json_out.read_text(encoding="utf-8").splitlines()
    return json.loads(lines[-1])


def row(name, rec):
    timing = rec["timing"]
    return (f"{name:<30} F1 {rec['f1']:.3f} ± {rec['f1_std']:.3f}  P {rec['precision']:.3f}  "
            f"R {rec['recall']:.3f}  {timing['pages_per_second']:6.1f} pages/s  "
            f"{timing['pages_per_cpu_second']:6.1f} pages/cpu-s")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", default=str(DEFAULT_BENCH), help="path to score_extract.py")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        ours = run(args.bench, OURS, Path(tmp) / "ours.jsonl")
        anchor = run(args.bench, ANCHOR, Path(tmp) / "anchor.jsonl")
    print(f"\n[{ours['pages']} pages, scrapinghub]")
    print(row(OURS, ours))
    print(row(ANCHOR, anchor))
    speed = ours["timing"]["pages_per_second"] / anchor["timing"]["pages_per_second"]
    print(f"speed ratio ours/{ANCHOR}: {speed:.2f}x")
    if ours["f1"] < GATE_F1:
        print(f"FAIL: F1 {ours['f1']:.3f} < gate {GATE_F1}")
        return 1
    print(f"PASS: F1 {ours['f1']:.3f} >= gate {GATE_F1}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
