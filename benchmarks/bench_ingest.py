"""Parse + sanitize + store a 2,000-entry arXiv-style listing; entries per second.

Goal (issue 2): >= 2,000 entries/s. Baseline printed in the same run: feedparser.parse alone on the same
bytes (with its default sanitizer on, as a plain feedparser user would run it).

    python benchmarks/bench_ingest.py [--n 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WORDS = ("neural network learning deep model training data gradient optimization representation attention "
         "transformer convolutional adversarial generative policy reinforcement graph embedding loss "
         "regularization dropout batch normalization architecture search language vision").split()


def listing(n: int, seed: int = 0) -> bytes:
    rng = random.Random(seed)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel>',
           "<title>cs.LG updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.LG</link>"]
    for i in range(n):
        aid = f"1802.{10000 + i:05d}"
        title = " ".join(rng.choice(WORDS) for _ in range(10)).capitalize()
        abstract = " ".join(rng.choice(WORDS) for _ in range(150)) + f" Code: https://github.com/lab{i % 97}/repo{i}."
        authors = ", ".join(f"Author{rng.randrange(10000)} Name{rng.randrange(1000)}" for _ in range(rng.randint(1, 8)))
        typ = rng.choice(["new", "new", "new", "cross", "replace"])
        out.append(
            f"<item><title>{escape(title)}</title><link>https://arxiv.org/abs/{aid}</link>"
            f"<description>arXiv:{aid}v1 Announce Type: {typ} \nAbstract: {escape(abstract)}</description>"
            f'<guid isPermaLink="false">oai:arXiv.org:{aid}v1</guid><category>cs.LG</category><category>stat.ML</category>'
            f"<pubDate>Mon, 19 Feb 2018 00:00:00 -0500</pubDate><arxiv:announce_type>{typ}</arxiv:announce_type>"
            f"<dc:rights>http://arxiv.org/licenses/nonexclusive-distrib/1.0/</dc:rights><dc:creator>{escape(authors)}</dc:creator></item>"
        )
    out.append("</channel></rss>")
    return "\n".join(out).encode()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import feedparser

    from feedhub.fetch.runner import ingest_source_bytes
    from feedhub.store import open_store
    from feedhub.store.db import session_factory
    from feedhub.store.models import Source

    body = listing(args.n)
    print(f"listing: {args.n} entries, {len(body) / 1e6:.1f} MB")

    base = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        d = feedparser.parse(body)
        base.append(time.perf_counter() - t)
        assert len(d.entries) == args.n
    fp_rate = args.n / min(base)
    print(f"baseline  feedparser.parse alone (default sanitizer): {fp_rate:8.0f} entries/s  (best of {args.repeat})")

    times = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            engine = open_store(f"sqlite:///{tmp}/bench.db")
            with session_factory(engine)() as s, s.begin():
                src = Source(kind="arxiv", url="https://rss.arxiv.org/rss/cs.LG", name="arXiv cs.LG")
                s.add(src)
                s.flush()
                sid = src.id
            t = time.perf_counter()
            res = ingest_source_bytes(engine, sid, body)
            times.append(time.perf_counter() - t)
            assert res.status == "ok" and res.new == args.n, res
            engine.dispose()
    rate = args.n / min(times)
    print(f"feedhub   parse + sanitize + store + link papers:     {rate:8.0f} entries/s  (best of {args.repeat}; "
          f"median {args.n / sorted(times)[len(times) // 2]:.0f}/s)")
    print(f"goal >= 2000 entries/s: {'MET' if rate >= 2000 else 'NOT MET'}; ratio to feedparser alone: {rate / fp_rate:.2f}x")


if __name__ == "__main__":
    main()
