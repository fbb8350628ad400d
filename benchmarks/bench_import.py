"""Benchmark: `feedhub import arxiv-snapshot` into SQLite — papers/s and peak memory.

Generates a realistic snapshot file (arXiv's JSON-lines format: ~1.7 KB a line like the real 2.7M-paper,
4.5 GB file; 1-3 versions, long author lists with authors_parsed, DOIs, journal refs, comments, a few
abstracts linking GitHub), imports it into a fresh SQLite file in a child process (so the peak RSS is the
import's alone), and in the same run imports a slice of it through the generic SQLAlchemy Core upsert
path (what PostgreSQL uses) as the baseline.

    python benchmarks/bench_import.py              # 200,000 papers (about a minute here)
    python benchmarks/bench_import.py --n 2700000  # the issue's full-size check (~5 GB on disk)
    python benchmarks/bench_import.py --gz         # the same from a .gz file

Goal (issue 4): >= 20,000 papers/s, peak memory <= 1 GB.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

WORDS = (
    "learning neural network model training data deep representation method results performance task "
    "propose show approach algorithm based using problem new optimization gradient loss function state "
    "art large language image vision reinforcement policy agent reward graph attention transformer "
    "convolutional generative adversarial variational inference bayesian sample efficient robust "
    "theoretical analysis bound convergence stochastic experiments benchmark datasets outperforms "
    "baseline framework architecture layer features semantic segmentation detection classification "
    "$\\mathcal{O}(n \\log n)$ regularization dropout batch normalization adaptive momentum"
).split()
FIRST = "Anna Ben Chen David Elena Fatima Georg Hiro Ivan Julia Kai Lena Marco Nadia Omar Priya Quentin Rosa Sven Tara".split()
LAST = "Smith Müller Wang Garcia Kim Rossi Ivanova Nakamura Okafor Dubois Kowalski Silva Jensen Novak Haddad Li Zhang".split()
CATS = "cs.LG cs.CV cs.CL cs.AI stat.ML math.OC cs.NE cs.RO hep-th astro-ph.CO quant-ph cond-mat.stat-mech".split()
DOW = "Mon Tue Wed Thu Fri Sat Sun".split()
MON = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


_POOL: dict[str, list[str]] = {}


def _pools(rng: random.Random) -> dict[str, list[str]]:
    # Texts drawn once and reused with a per-paper twist: generating 2.7M distinct abstracts word by word
    # would take longer than the import being measured.
    if not _POOL:
        _POOL["abstract"] = [" " + "\n".join(_sentence(rng, 14) for _ in range(rng.randint(8, 14))) + ".\n" for _ in range(3000)]
        _POOL["title"] = [_sentence(rng, rng.randint(6, 14)).capitalize() for _ in range(3000)]
    return _POOL


def _record(i: int, rng: random.Random) -> dict[str, object]:
    year = 2007 + (i * 19) // 2_700_000
    month = 1 + (i // 7919) % 12
    yymm = f"{year % 100:02d}{month:02d}"
    number = f"{i % 100000:05d}" if yymm >= "1501" else f"{i % 10000:04d}"
    authors = [(rng.choice(LAST), f"{rng.choice(FIRST)} {rng.choice('ABCDEFGHJK')}.", "") for _ in range(rng.randint(1, 9))]
    nver = rng.choice((1, 1, 1, 2, 2, 3))
    versions = []
    for v in range(nver):
        day = 1 + (i + v * 3) % 28
        versions.append({"version": f"v{v + 1}", "created": f"{rng.choice(DOW)}, {day} {MON[month - 1]} {year} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d} GMT"})
    pools = _pools(rng)
    abstract = f"{rng.choice(pools['abstract'])} We call it M{i}."
    if rng.random() < 0.03:
        abstract += f" Code is available at https://github.com/lab{i % 997}/method-{i}."
    cats = rng.sample(CATS, rng.randint(1, 3))
    return {
        "id": f"{yymm}.{number}",
        "submitter": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "authors": ", ".join(f"{a[1]} {a[0]}" for a in authors),
        "title": f"{rng.choice(pools['title'])} ({i})",
        "comments": f"{rng.randint(5, 40)} pages, {rng.randint(1, 12)} figures" if rng.random() < 0.6 else None,
        "journal-ref": f"Journal of ML {rng.randint(1, 30)} ({year}) {rng.randint(1, 900)}-{rng.randint(901, 999)}" if rng.random() < 0.2 else None,
        "doi": f"10.{rng.randint(1000, 9999)}/j.{rng.randint(10000, 99999)}" if rng.random() < 0.3 else None,
        "report-no": None,
        "categories": " ".join(cats),
        "license": "http://creativecommons.org/licenses/by/4.0/" if rng.random() < 0.4 else None,
        "abstract": abstract,
        "versions": versions,
        "update_date": f"{year}-{month:02d}-{1 + i % 28:02d}",
        "authors_parsed": [list(a) for a in authors],
    }


def generate(path: Path, n: int, gz: bool, seed: int = 4) -> None:
    rng = random.Random(seed)
    seen: set[str] = set()
    opener = (lambda p: gzip.open(p, "wt", encoding="utf-8", compresslevel=3)) if gz else (lambda p: open(p, "w", encoding="utf-8"))
    with opener(path) as f:
        written = i = 0
        while written < n:
            rec = _record(i, rng)
            i += 1
            if rec["id"] in seen:
                continue
            seen.add(rec["id"])  # type: ignore[arg-type]
            f.write(json.dumps(rec) + "\n")
            written += 1


CHILD = r"""
import json, resource, sys, time
from feedhub.store import open_store
from feedhub.papers import snapshot
path, db, mode, limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
engine = open_store("sqlite:///" + db)
if mode == "generic":  # the baseline: the SQLAlchemy Core path PostgreSQL takes
    engine.dialect.name  # noqa
    orig = snapshot._write
    snapshot._write = lambda eng, rows, pairs, sqlite: orig(eng, rows, pairs, False)
    snapshot._Checkpointer.start = classmethod(lambda cls, engine: None)  # and SQLite's default connection set-up
t = time.perf_counter()
stats = snapshot.import_snapshot(engine, path, quiet=True, max_lines=limit or None, restart=True)
secs = time.perf_counter() - t
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
rss = me.ru_maxrss / 1024
rss_worker = kids.ru_maxrss / 1024
cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
print(json.dumps({"papers": stats.papers, "seconds": secs, "rate": stats.papers / secs, "rss_mb": rss, "rss_worker_mb": rss_worker, "cpu": cpu,
                  "bad": stats.bad_lines, "repo_links": stats.repo_links}))
"""


def run_child(path: Path, db: Path, mode: str, limit: int = 0) -> dict[str, float]:
    for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        p.unlink(missing_ok=True)  # every run imports into a fresh store
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), str(db), mode, str(limit)], check=True,
                         capture_output=True, text=True, cwd=str(REPO))
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200_000, help="papers in the generated snapshot (issue: 2,700,000)")
    ap.add_argument("--gz", action="store_true", help="generate and import a .gz file")
    ap.add_argument("--baseline-n", type=int, default=30_000, help="papers imported through the generic path")
    ap.add_argument("--dir", type=Path, default=None, help="work dir (default: a temp dir, removed after)")
    ap.add_argument("--runs", type=int, default=3, help="timed imports (the median is the figure; the machine is noisy)")
    args = ap.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="feedhub-bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    path = work / (f"snapshot-{args.n}.jsonl" + (".gz" if args.gz else ""))
    if not path.exists():
        t = time.perf_counter()
        generate(path, args.n, args.gz)
        print(f"generated {args.n:,} papers in {time.perf_counter() - t:.1f} s: {path} ({path.stat().st_size / 1e6:.0f} MB)")
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    runs = []
    for i in range(max(1, args.runs)):
        runs.append(run_child(path, work / "fast.db", "fast"))
        print(f"  run {i + 1}: {runs[-1]['papers']:,.0f} papers in {runs[-1]['seconds']:.2f} s = {runs[-1]['rate']:,.0f} papers/s, "
              f"CPU {runs[-1]['cpu']:.1f} s")
    fast = sorted(runs, key=lambda r: r["rate"])[len(runs) // 2]  # the median run
    base = run_child(path, work / "generic.db", "generic", min(args.baseline_n, args.n))
    print(f"feedhub import arxiv-snapshot (SQLite executemany), median of {len(runs)} runs: {fast['papers']:,.0f} papers in {fast['seconds']:.1f} s = "
          f"{fast['rate']:,.0f} papers/s, peak RSS {fast['rss_mb']:.0f} MB (+ up to {fast['rss_worker_mb']:.0f} MB per parser worker, "
          f"{min(os.cpu_count() or 1, 4)} workers), {fast['repo_links']:,.0f} code links from abstracts")
    print(f"  CPU time (import process + parser workers): {fast['cpu']:.1f} s = {fast['papers'] / fast['cpu']:,.0f} papers per CPU-second; "
          f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"baseline (SQLAlchemy Core upsert, first {base['papers']:,.0f} papers): {base['rate']:,.0f} papers/s, peak RSS {base['rss_mb']:.0f} MB")
    print(f"speed-up over baseline: {fast['rate'] / base['rate']:.1f}x; goal >= 20,000 papers/s: "
          f"{'met' if fast['rate'] >= 20_000 else 'NOT met'}; peak memory <= 1 GB (all processes): "
          f"{'met' if fast['rss_mb'] + min(os.cpu_count() or 1, 4) * fast['rss_worker_mb'] <= 1024 else 'NOT met'}")
    print(f"database size: {(work / 'fast.db').stat().st_size / 1e6:.0f} MB")
    if args.dir is None:
        shutil.rmtree(work)  # the import leaves folders too (imports/ with its resume state)


if __name__ == "__main__":
    main()
