"""Lighthouse 12 scores for the front page and one article of a demo-loaded `reader serve`.

    .venv/bin/python benchmarks/lighthouse.py [--runs 3]

Lighthouse runs from benchmarks/.node (gitignored; installed there with `npm install lighthouse@12`
on first use) against Debian's Chromium, headless, with its default mobile form factor and
simulated throttling (slow 4G, 4x CPU slowdown). Prints, for each run and page, the four category
scores, total blocking time and main-thread work, and for every category under 100 its failing
audits (id and title); the load average before the run says whether the machine was busy. Full JSON
reports go to benchmarks/results/ (gitignored). The goal (issue 15) is 100 in every category and
total blocking time under 150 ms in every run; exits 1 when a run misses it.
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from web_bytes import get, served_demo
import _stopping  # noqa: E402

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE / ".node"
LIGHTHOUSE = NODE_DIR / "node_modules" / ".bin" / "lighthouse"
RESULTS = HERE / "results"
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach Google on a closed network.
CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
GOAL = 100
TBT_GOAL_MS = 150
ANCHOR = "anchor: Lighthouse's own bands: 90-100 good, 50-89 needs improvement, 0-49 poor"


def install():
    """npm install lighthouse@12 into benchmarks/.node unless it is there."""
    if LIGHTHOUSE.exists():
        return
    NODE_DIR.mkdir(exist_ok=True)
    if not (NODE_DIR / "package.json").exists():
        (NODE_DIR / "package.json").write_text('{"private": true}\n')
    print("installing lighthouse@12 into benchmarks/.node", file=sys.stderr)
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", "lighthouse@12"],
                   cwd=NODE_DIR, check=True)


def run(url, name):
    """The Lighthouse JSON report for url (also written to benchmarks/results/lighthouse-<name>.json)."""
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"lighthouse-{name.replace(' ', '-')}.json"
    command = [str(LIGHTHOUSE), url, "--output=json", f"--output-path={out}", "--quiet",
               f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={' '.join(CHROME_FLAGS)}"]
    subprocess.run(command, env={**os.environ, "CHROME_PATH": CHROMIUM}, check=True, timeout=300)
    return json.loads(out.read_text())


def failing_audits(report, category):
    """(id, title, score) of the category's audits that scored under 1."""
    audits = report["audits"]
    found = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = audits[ref["id"]]
        if audit.get("score") is not None and audit["score"] < 1 and audit["scoreDisplayMode"] in (
                "binary", "numeric", "metricSavings"):
            found.append((ref["id"], audit["title"], audit["score"], audit.get("displayValue", "")))
    return found


def summarize(name, path, report):
    scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
    audits = report["audits"]
    tbt = audits["total-blocking-time"]["numericValue"]
    work = audits["mainthread-work-breakdown"]["numericValue"]
    print(f"{name:<8} {path}")
    print("         " + "  ".join(f"{c} {s}" for c, s in scores.items())
          + f"  | TBT {tbt:.0f} ms, main-thread work {work / 1000:.1f} s, LCP "
            f"{audits['largest-contentful-paint']['numericValue'] / 1000:.1f} s, CLS "
            f"{audits['cumulative-layout-shift']['numericValue']:.3f}")
    for category, score in scores.items():
        if score < GOAL:
            for audit_id, title, audit_score, shown in failing_audits(report, category):
                detail = f" ({shown})" if shown else ""
                print(f"         - {category}: {audit_id}: {title} [score {audit_score:.2f}]{detail}")
    return scores, tbt


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of both pages (the issue asks for three)")
    options = parser.parse_args()
    install()
    version = subprocess.run([str(LIGHTHOUSE), "--version"], capture_output=True, text=True).stdout.strip()
    load = os.getloadavg()
    with served_demo() as (origin, _):
        port = int(origin.rsplit(":", 1)[1])
        article = json.loads(get(port, "/api/articles?limit=1", headers={})[2])["articles"][0]["url"]
        pages = [("front", "/"), ("article", article)]
        reports = [(number, name, path, run(origin + path, f"{name}-{number}"))
                   for number in range(1, options.runs + 1) for name, path in pages]
    print(f"Lighthouse {version}, mobile form factor, simulated throttling, Chromium "
          f"{reports[0][3]['environment']['hostUserAgent'].split('Chrome/')[1].split(' ')[0]}; goal {GOAL} "
          f"and TBT < {TBT_GOAL_MS} ms; load average before the runs {' '.join(f'{x:.1f}' for x in load)} "
          f"on {os.cpu_count()} cores")
    missed = 0
    for number, name, path, report in reports:
        print(f"run {number}:", end=" ")
        scores, tbt = summarize(name, path, report)
        missed += sum(score < GOAL for score in scores.values()) + (tbt >= TBT_GOAL_MS)
    print(ANCHOR)
    return 1 if missed else 0


if __name__ == "__main__":
    _stopping.on_sigterm()
    sys.exit(main())
