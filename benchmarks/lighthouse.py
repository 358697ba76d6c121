"""Lighthouse 12 scores for the front page and one article of a demo-loaded `reader serve`.

    .venv/bin/python benchmarks/lighthouse.py

Lighthouse runs from benchmarks/.node (gitignored; installed there with `npm install lighthouse@12`
on first use) against Debian's Chromium, headless, with its default mobile form factor and
simulated throttling (slow 4G, 4x CPU slowdown). Prints the four category scores for each page and,
for every category under 100, its failing audits (id and title). Full JSON reports go to
benchmarks/results/ (gitignored). The goal is 100 in every category; exits 1 when a page misses it.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

from web_bytes import get, served_demo

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
    out = RESULTS / f"lighthouse-{name}.json"
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
    print(f"{name:<8} {path}")
    print("         " + "  ".join(f"{c} {s}" for c, s in scores.items()))
    for category, score in scores.items():
        if score < GOAL:
            for audit_id, title, audit_score, shown in failing_audits(report, category):
                detail = f" ({shown})" if shown else ""
                print(f"         - {category}: {audit_id}: {title} [score {audit_score:.2f}]{detail}")
    return scores


def main():
    install()
    version = subprocess.run([str(LIGHTHOUSE), "--version"], capture_output=True, text=True).stdout.strip()
    with served_demo() as (origin, _):
        port = int(origin.rsplit(":", 1)[1])
        article = json.loads(get(port, "/api/articles?limit=1", headers={})[2])["articles"][0]["url"]
        pages = [("front", "/"), ("article", article)]
        reports = [(name, path, run(origin + path, name)) for name, path in pages]
    print(f"Lighthouse {version}, mobile form factor, simulated throttling, Chromium "
          f"{reports[0][2]['environment']['hostUserAgent'].split('Chrome/')[1].split(' ')[0]}; goal {GOAL}")
    missed = 0
    for name, path, report in reports:
        scores = summarize(name, path, report)
        missed += sum(score < GOAL for score in scores.values())
    print(ANCHOR)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
