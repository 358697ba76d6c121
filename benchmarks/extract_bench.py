"""Extraction benchmark: Reader beside trafilatura on both evaluation sets, in one run.

For every page of scrapinghub (181 pages, gold text) and trafilatura-dev (471 pages, must-have
and must-not-have snippets), Reader's read_page (extract, normalize, sanitize) and trafilatura's extract (the setting the
shared scorer uses) run one after the other in this process, in alternating order, and each call's
CPU time is taken (time.process_time): both see the same machine at the same moment, which keeps
the ratio honest on a shared machine. F1 is computed by ../shared/bench/score_extract.py's own
scoring functions. trafilatura-dev is also scored per half (half A tuned on, half B held out;
a page's half is the parity of the MD5 of its URL).

Then the confidence table: for thresholds around READER_EXTRACT_MIN_CONFIDENCE, how many bad
extractions (page F1 below 0.5 on scrapinghub; any must-have snippet missing on trafilatura-dev,
and the stricter "most of them missing") fall below it (caught) and how many good ones do
(held back).

Exits 1 when Reader's F1 falls below a gate (a regression), and prints the issue's targets with
whether they are met. Usage, from the repository root:

    .venv/bin/python benchmarks/extract_bench.py [--bench ../shared/bench/score_extract.py] [--limit N]
"""
import argparse
import hashlib
import importlib.util
import os
import sys
import time
from pathlib import Path

from reader import config
from reader.errors import StageError
from reader.story import read_page

ROOT = Path(__file__).resolve().parent.parent
# ../shared/bench beside the repository (or beside the worktrees' directory)
DEFAULT_BENCH = next((parent / "shared" / "bench" / "score_extract.py" for parent in ROOT.parents
                      if (parent / "shared" / "bench" / "score_extract.py").exists()),
                     ROOT.parent / "shared" / "bench" / "score_extract.py")
ANCHOR = "trafilatura"
# Regression gates (Reader's F1 as last measured, less noise): below them the run fails.
GATES = {"scrapinghub": 0.973, "trafilatura-dev": 0.938}
# Issue 13's targets: F1 at least this and not below trafilatura; CPU speed this many times its.
TARGETS = {"scrapinghub": 0.975, "trafilatura-dev": 0.945}
SPEED_TARGET = 1.2
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)


def load_scorer(path):
    spec = importlib.util.spec_from_file_location("score_extract", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def half(url):
    return "A" if int(hashlib.md5(url.encode()).hexdigest(), 16) % 2 == 0 else "B"


def ours(html, url):
    """(text, confidence) from Reader; a page with no story is empty text at confidence 0."""
    try:
        story = read_page(html, url)
    except StageError:
        return "", 0.0
    return story.text, story.confidence


def run(pages, anchor):
    """Both extractors on every page, alternating which goes first; CPU seconds per extractor."""
    texts, confidences, anchor_texts = {}, {}, {}
    cpu = {"ours": 0.0, "anchor": 0.0}
    for n, (key, url, html) in enumerate(pages):
        order = ("ours", "anchor") if n % 2 == 0 else ("anchor", "ours")
        for name in order:
            started = time.process_time()
            if name == "ours":
                texts[key], confidences[key] = ours(html, url)
            else:
                anchor_texts[key] = anchor(html, url) or ""
            cpu[name] += time.process_time() - started
    return texts, confidences, anchor_texts, cpu


def score(scorer, set_name, gold, texts):
    if set_name == "scrapinghub":
        return scorer.score_scrapinghub(gold, texts, n_bootstrap=200)
    return scorer.score_trafilatura(gold, texts, n_bootstrap=200)


def bad_pages(scorer, set_name, gold, texts):
    """{key: (bad, very bad)} for every page."""
    verdicts = {}
    for key, text in texts.items():
        if set_name == "scrapinghub":
            tp, fp, fn = scorer.page_tp_fp_fn(gold[key], text)
            precision, recall = scorer._page_precision(tp, fp, fn), scorer._page_recall(tp, fp, fn)
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            verdicts[key] = (f1 < 0.5, f1 < 0.5)
        else:
            _, _, missing, _ = scorer.snippet_counts(gold[key], text)
            verdicts[key] = (missing > 0, missing > len(gold[key]["with"]) / 2)
    return verdicts


def print_set(scorer, set_name, pages, gold, texts, anchor_texts, cpu):
    mine, theirs = score(scorer, set_name, gold, texts), score(scorer, set_name, gold, anchor_texts)
    speed_ours, speed_anchor = len(pages) / cpu["ours"], len(pages) / cpu["anchor"]
    print(f"\n[{set_name}: {len(pages)} pages]")
    for name, result, speed in (("reader", mine, speed_ours), (ANCHOR, theirs, speed_anchor)):
        print(f"  {name:<12} F1 {result['f1']:.3f} ± {result['f1_std']:.3f}  P {result['precision']:.3f}  "
              f"R {result['recall']:.3f}  {speed:6.1f} pages/cpu-s")
    if set_name == "trafilatura-dev":
        for part in "AB":
            keys = [key for key, _, _ in pages if half(key) == part]
            sub_gold = {key: gold[key] for key in keys}
            a = scorer.score_trafilatura(sub_gold, {k: texts[k] for k in keys}, n_bootstrap=0)["f1"]
            b = scorer.score_trafilatura(sub_gold, {k: anchor_texts[k] for k in keys}, n_bootstrap=0)["f1"]
            label = "tuned on" if part == "A" else "held out"
            print(f"  half {part} ({label}, {len(keys)} pages): reader F1 {a:.3f}, {ANCHOR} {b:.3f}")
        print(f"  reader TP {mine['tp']} FP {mine['fp']} FN {mine['fn']} | "
              f"{ANCHOR} TP {theirs['tp']} FP {theirs['fp']} FN {theirs['fn']}")
    ratio = speed_ours / speed_anchor
    print(f"  speed ratio reader/{ANCHOR}: {ratio:.2f}x (CPU time)")
    met = mine["f1"] >= TARGETS[set_name] and mine["f1"] >= theirs["f1"] and ratio >= SPEED_TARGET
    print(f"  target (F1 >= {TARGETS[set_name]} and >= {ANCHOR}, speed >= {SPEED_TARGET}x): "
          f"{'met' if met else 'NOT met'}")
    return mine["f1"]


def print_confidence(groups, setting):
    print(f"\n[confidence: caught = bad extractions below the threshold, held back = good ones below it;"
          f" the setting is {setting}]")
    print(f"  {'threshold':>9}  " + "  ".join(f"{name:>34}" for name in groups))
    print(f"  {'':>9}  " + "  ".join(f"{'caught (most missing)  held back':>34}" for _ in groups))
    for threshold in THRESHOLDS:
        cells = []
        for rows in groups.values():
            bad = [conf for conf, (is_bad, _) in rows if is_bad]
            worse = [conf for conf, (_, very) in rows if very]
            good = [conf for conf, (is_bad, _) in rows if not is_bad]
            caught = sum(conf < threshold for conf in bad)
            caught_worse = sum(conf < threshold for conf in worse)
            held = sum(conf < threshold for conf in good)
            cells.append(f"{caught:>3}/{len(bad):<3} ({caught_worse:>2}/{len(worse):<2})  {held:>4}/{len(good):<4}")
        mark = " <-" if threshold == setting else ""
        print(f"  {threshold:>9.2f}  " + "  ".join(f"{cell:>34}" for cell in cells) + mark)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", default=str(DEFAULT_BENCH), help="path to score_extract.py")
    parser.add_argument("--limit", type=int, help="only the first N pages of each set (a smoke run)")
    args = parser.parse_args(argv)
    scorer = load_scorer(args.bench)
    anchor, version = scorer.load_extractor(ANCHOR)
    for warm in (anchor, ours):
        warm(scorer.WARMUP_HTML, "https://example.com/warm-up")
    load = os.getloadavg()
    print(f"# reader beside {ANCHOR} {version}, same process, alternating per page; "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs")
    failed, groups = False, {}
    loaders = {"scrapinghub": (scorer.load_scrapinghub, scorer.DEFAULT_SH_DIR),
               "trafilatura-dev": (scorer.load_trafilatura, scorer.DEFAULT_TR_DIR)}
    for set_name, (loader, data_dir) in loaders.items():
        docs, gold = loader(data_dir, args.limit)
        pages = [(key, url, scorer.decode_html(raw)) for key, url, raw in docs]
        texts, confidences, anchor_texts, cpu = run(pages, anchor)
        f1 = print_set(scorer, set_name, pages, gold, texts, anchor_texts, cpu)
        failed |= f1 < GATES[set_name] and not args.limit
        verdicts = bad_pages(scorer, set_name, gold, texts)
        for part in ("",) if set_name == "scrapinghub" else ("A", "B"):
            name = set_name if not part else f"{set_name} {part}"
            groups[name] = [(confidences[k], verdicts[k]) for k, _, _ in pages if not part or half(k) == part]
    print_confidence(groups, config.default("EXTRACT_MIN_CONFIDENCE"))
    load = os.getloadavg()
    print(f"\n# load average after: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print("FAIL: F1 below a regression gate" if failed else "PASS: F1 at or above the regression gates")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
