"""Seconds to read a long RSS feed with reader.feeds.parse beside feedparser alone on the same bytes.

    .venv/bin/python benchmarks/feed_bench.py [--entries 1000,20000,50000] [--repeat 3]

The feed: RSS 2.0 items of about 250 bytes (title, link, pubDate, a one-sentence description),
newest first, as publishers write them. The anchor is feedparser.parse over the whole document,
which is what reading a feed cost before budgets (plus a de-duplication that grew with the
square of the entries: 20,000 items took 101 s in issue 12). Ours parses the first
READER_FEED_MAX_ENTRIES_READ entries (2,000) and keeps the newest 200. Best of --repeat runs.
"""
import argparse
import os
import sys
import time
from email.utils import formatdate

import feedparser

from reader import feeds

ITEM = ("<item><title>Story number {n} from the valley desk</title><link>https://news.example/s/{n}</link>"
        "<pubDate>{date}</pubDate><description>What happened in story {n}, in one sentence for the "
        "feed reader.</description></item>")


def rss(count):
    items = "".join(ITEM.format(n=n, date=formatdate(1_700_000_000 + n * 60, usegmt=True))
                    for n in range(count - 1, -1, -1))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()


def best(repeat, work):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", default="1000,20000,50000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"# python {sys.version.split()[0]}, {os.cpu_count()} CPUs, feedparser {feedparser.__version__}; "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"{'entries':>8} {'MB':>6} {'feedparser alone':>17} {'reader.feeds.parse':>19} {'kept':>5}  note")
    for count in map(int, args.entries.split(",")):
        body = rss(count)
        anchor, parsed = best(args.repeat, lambda body=body: feedparser.parse(
            body, sanitize_html=False, resolve_relative_uris=False))
        ours, feed = best(args.repeat, lambda body=body: feeds.parse(body, "https://news.example/feed"))
        assert len(parsed.entries) == count
        print(f"{count:>8,} {len(body) / 1e6:>6.1f} {anchor:>16.2f}s {ours:>18.2f}s {len(feed.entries):>5}  "
              f"{feed.note or '-'}")
    print(f"# load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
