"""One week's digest from a large store: 1M papers and 100k entries (goal: <= 1 s including HTML).

Run: .venv/bin/python benchmarks/bench_digest.py [--papers 1000000] [--entries 100000] [--db PATH]

The store is built once with plain executemany inserts into a migrated SQLite file (kept with --db for
re-runs). Papers are spread over 2015-2019 (about 3,800 a week, like arXiv's cs listings), entries over
the same years from 30 sources; 60% of entries link a paper of their own week, 20% mention one, 20%
are plain pages; 10% of papers have a repository. The digest is 2018-W08 (UTC), built and rendered to
Markdown and HTML; the figure is the median of several runs after one warm-up.

Baseline, same run: reading the week's rows with raw SQL through the indexes (the floor the digest
stands on), and the same reads forced to scan the tables (NOT INDEXED): what the indexes save.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feedhub.digest import render_html, render_md  # noqa: E402
from feedhub.digest.build import build  # noqa: E402
from feedhub.digest.stories import collect  # noqa: E402
from feedhub.digest.window import iso_week  # noqa: E402
from feedhub.store import open_store  # noqa: E402
from feedhub.store.db import session_factory  # noqa: E402

GOAL_S = 1.0
START = datetime(2015, 1, 1)
DAYS = 5 * 365
FMT = "%Y-%m-%d %H:%M:%S.%f"
WORDS = ("neural network learning deep model training data graph attention transformer optimization gradient "
         "reinforcement policy language vision image generative adversarial bayesian inference sparse robust").split()  # fmt: skip
SECTIONS = (None, None, "news", "posts", "posts", "code", "papers")


def _ts(rng: random.Random) -> datetime:
    return START + timedelta(seconds=rng.randrange(DAYS * 86400))



def real_texts() -> list[tuple[str, str, list[str]]]:
    """(title, abstract, categories) of the ~4,000 real cs.AI/CL/CV/LG papers in ../shared/corpora/arxiv/real
    (the dw-dengwei daily-arXiv files): a search over copies of them meets the document frequencies of real
    arXiv words ("transformer" in a few percent of abstracts), which WORDS, 22 words drawn 40 times into every
    abstract (each in about 85 % of them), does not."""
    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "arxiv" / "real" / "dw-dengwei_daily-arXiv-ai-enhanced"
    files = sorted(corpus.glob("*.jsonl"))
    if not files:
        raise SystemExit(f"no real abstracts under {corpus}: put ../shared beside the checkout, or use --text synthetic")
    seen: dict[str, tuple[str, str, list[str]]] = {}
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            if d.get("id") and d.get("summary") and d["id"] not in seen:
                seen[d["id"]] = (" ".join(d["title"].split()), " ".join(d["summary"].split()), [str(c) for c in d.get("categories") or ["cs.LG"]])
    return [seen[k] for k in sorted(seen)]


def build_store(path: Path, n_papers: int, n_entries: int, seed: int = 0, texts: list[tuple[str, str, list[str]]] | None = None) -> None:
    """The store. ``texts``: draw each paper's title, abstract and categories from these (real_texts()) instead
    of WORDS; everything else (ids, dates, authors, entries, repos) is drawn the same either way."""
    rng = random.Random(seed)
    text_rng = random.Random(seed + 1)  # its own stream, so the rest of the store is the same with or without texts
    engine = open_store(f"sqlite:///{path}")
    engine.dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    now = datetime(2020, 1, 1).strftime(FMT)
    t0 = time.perf_counter()
    sources = [(i + 1, "rss" if i % 10 else "arxiv", f"https://s{i}.example.org/feed", f"Source {i}", SECTIONS[i % len(SECTIONS)], 1.0 + (i % 3) * 0.5,
                1, 0, "{}", now) for i in range(30)]  # fmt: skip
    con.executemany(
        "INSERT INTO sources (id, kind, url, name, section, weight, enabled, error_count, options, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        sources,
    )
    # papers, by week so that entries can point at papers of their own week
    by_week: dict[int, list[str]] = {}
    batch: list[tuple] = []  # type: ignore[type-arg]
    per_month: dict[str, int] = {}  # ids as arXiv numbers them (YYMM.NNNNN), so the paper page and links resolve them
    for _ in range(n_papers):
        when = _ts(rng)
        ym = f"{when:%y%m}"
        per_month[ym] = per_month.get(ym, 0) + 1
        pid = f"{ym}.{per_month[ym]:05d}"
        by_week.setdefault((when - START).days // 7, []).append(pid)
        title = " ".join(rng.choices(WORDS, k=8)).capitalize()
        authors = json.dumps([f"Author {rng.randrange(50000)}" for _ in range(rng.randint(1, 6))])
        abstract = " ".join(rng.choices(WORDS, k=40))
        cats = ["cs.LG"]
        if texts:
            title, abstract, cats = texts[text_rng.randrange(len(texts))]
        batch.append((pid, 1, title, abstract, authors, json.dumps(cats), cats[0], when.strftime(FMT), when.strftime(FMT), now))
        if len(batch) == 50_000:
            con.executemany(
                "INSERT INTO papers (arxiv_id, version, title, abstract, authors, categories, primary_category, published_at, updated_at, first_seen_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                batch,
            )
            batch.clear()
    if batch:
        con.executemany(
            "INSERT INTO papers (arxiv_id, version, title, abstract, authors, categories, primary_category, published_at, updated_at, first_seen_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            batch,
        )
    all_ids = [p for ps in by_week.values() for p in ps]
    repos = [(i + 1, f"owner{i}/repo{i}", rng.randrange(20000), "[]") for i in range(max(1, n_papers // 10))]
    con.executemany("INSERT INTO repos (id, full_name, stars, topics) VALUES (?,?,?,?)", repos)
    con.executemany(
        "INSERT OR IGNORE INTO paper_repos (paper_id, repo_id, provenance, official) VALUES (?,?,?,?)",
        [(rng.choice(all_ids), r[0], "in abstract", 0) for r in repos],
    )
    entries, links = [], []
    for i in range(n_entries):
        when = _ts(rng)
        week = by_week.get((when - START).days // 7) or all_ids
        roll = rng.random()
        pid = rng.choice(week)
        if roll < 0.6:
            link = f"https://arxiv.org/abs/{pid}"
            canon, summary = link, "A paper."
        elif roll < 0.8:
            link = f"https://blog{i % 50}.example.org/post/{i}"
            canon, summary = link, f"About arXiv:{pid}"
        else:
            link = f"https://news{i % 20}.example.org/{i}"
            canon, summary = link, "A page."
        sid = 1 + i % 30
        entries.append((i + 1, sid, f"k{i}", " ".join(rng.choices(WORDS, k=7)), link, canon, summary, "[]", "[]",
                        when.strftime(FMT), now, now, "0" * 64, "{}"))  # fmt: skip
        if roll < 0.8:
            links.append((pid, i + 1, "mentioned in entry"))
    con.executemany(
        "INSERT INTO entries (id, source_id, key, title, link, canonical_url, summary, authors, tags, published_at, first_seen_at, updated_at, content_hash, extra) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        entries,
    )
    con.executemany("INSERT OR IGNORE INTO paper_entries (paper_id, entry_id, provenance) VALUES (?,?,?)", links)
    con.commit()
    con.execute("ANALYZE")
    con.close()
    print(f"built {path}: {n_papers:,} papers, {n_entries:,} entries, {len(repos):,} repos in {time.perf_counter() - t0:.1f} s")


def raw_reads(path: Path, start: datetime, end: datetime, indexed: bool) -> float:
    con = sqlite3.connect(path)
    hint_e = "" if indexed else "NOT INDEXED"
    t0 = time.perf_counter()
    a = con.execute(f"SELECT id, title, link, summary FROM entries {hint_e} WHERE published_at >= ? AND published_at < ?",
                    (start.strftime(FMT), end.strftime(FMT))).fetchall()  # fmt: skip
    b = con.execute(f"SELECT arxiv_id, title, authors FROM papers {hint_e} WHERE published_at >= ? AND published_at < ?",
                    (start.strftime(FMT), end.strftime(FMT))).fetchall()  # fmt: skip
    elapsed = time.perf_counter() - t0
    con.close()
    assert a and b
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--papers", type=int, default=1_000_000)
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--db", type=Path, default=None, help="Keep the store here (built if absent).")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    path = args.db or Path(tempfile.mkdtemp(prefix="feedhub-bench-")) / "bench.db"
    if not path.exists():
        build_store(path, args.papers, args.entries)
    engine = open_store(f"sqlite:///{path}")
    window = iso_week("2018-W08", "UTC")
    Session = session_factory(engine)

    def once() -> tuple[float, float, float, int, int, int]:
        t0 = time.perf_counter()
        with Session() as s:
            model = build(s, window, per_section=4)
        t1 = time.perf_counter()
        md = render_md.render(model)
        html = render_html.render(model)
        t2 = time.perf_counter()
        shown = sum(len(x["stories"]) for x in model["sections"]) + len(model["also"])
        return t2 - t0, t1 - t0, t2 - t1, model["total_stories"], shown, len(html) + len(md)

    once()  # warm-up: page cache, imports, template compilation
    runs = [once() for _ in range(args.repeats)]
    total = statistics.median(r[0] for r in runs)
    build_s = statistics.median(r[1] for r in runs)
    render_s = statistics.median(r[2] for r in runs)
    with Session() as s:
        t0 = time.perf_counter()
        n_candidates = len(collect(s, window))
        collect_s = time.perf_counter() - t0
    idx = statistics.median(raw_reads(path, window.start, window.end, True) for _ in range(3))
    scan = statistics.median(raw_reads(path, window.start, window.end, False) for _ in range(3))
    _, _, _, stories, shown, size = runs[0]
    print(f"store: {args.papers:,} papers, {args.entries:,} entries ({path})")
    print(f"week 2018-W08: {stories:,} candidate stories ({n_candidates:,} collected), {shown} shown, {size:,} bytes of Markdown+HTML")
    print(f"digest (build + Markdown + HTML), median of {args.repeats}: {total * 1000:.0f} ms  [goal <= {GOAL_S * 1000:.0f} ms: {'met' if total <= GOAL_S else 'NOT met'}]")
    print(f"  collect (queries + clustering): {collect_s * 1000:.0f} ms; build total: {build_s * 1000:.0f} ms; render: {render_s * 1000:.1f} ms")
    print(f"baseline, raw SQL reads of the week's entries and papers: indexed {idx * 1000:.1f} ms, forced table scan {scan * 1000:.0f} ms")
    print(f"digest / indexed raw reads: {total / idx:.1f}x; table scan / indexed: {scan / idx:.0f}x")


if __name__ == "__main__":
    main()
