"""Offline evaluation of the learned ranking (issue 15) against today's tf-idf + logistic regression.

The corpus: ../shared/corpora/arxiv/real (dw-dengwei daily-arXiv files: ~4,000 real cs.AI/CL/CV/LG papers
with titles, abstracts, authors and categories; duplicates by id dropped).

Simulated members with planted interests. Each member likes
- two topics, each a title phrase (a two-word term found in 25..120 papers, e.g. "gaussian splatting"):
  a paper is on the topic when its title or abstract contains the phrase;
- one favourite author (someone with >= 3 papers): all of their papers;
and dislikes one other topic. Their signal is drawn from that: 40% of the liked papers saved (4..20),
up to 8 papers of the disliked topic and 4 random others dismissed. Everything else is held out and
ranked; a held-out paper is relevant when the member likes it. For every member both models rank the
same held-out papers:
- baseline: today's model (search.recommend before issue 15): tf-idf (1-2 grams) + logistic regression,
  the saved papers against a background sample and the candidates themselves; it has no dismissals;
- new: search.ranking.Model (saves, dismissals and a background sample; WordLlama embedding, tf-idf over
  hashed word 1-2-grams with the title twice, authors, categories; leave-one-out training).
Printed: AUC and nDCG@10 of each (mean over members), the margin new - baseline with its spread over
seeds (mean and standard deviation of the per-seed margins), the time to score 5,000 candidates (features
cached, as the store caches them) and to fit, the cold embedding time, and the model's load time
(in this process and in a fresh interpreter).

    .venv/bin/python benchmarks/bench_recommend.py [--seeds 5] [--members 8]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CORPUS = REPO.parent / "shared" / "corpora" / "arxiv" / "real" / "dw-dengwei_daily-arXiv-ai-enhanced"

from feedhub.search import embedding, ranking  # noqa: E402
from feedhub.search.recommend import _text, _train  # noqa: E402  (today's model, kept as the baseline)


def load_corpus() -> list[dict]:
    seen: dict[str, dict] = {}
    for f in sorted(CORPUS.glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            if d["id"] not in seen and d.get("summary"):
                seen[d["id"]] = {"id": d["id"], "title": " ".join(d["title"].split()), "abstract": " ".join(d["summary"].split()),
                                 "authors": d.get("authors") or [], "categories": d.get("categories") or []}  # fmt: skip
    return list(seen.values())


_W = re.compile(r"[a-z][a-z0-9\-]+")
_STOP = set("a an the of for and in on with to from via by is are at as its using towards toward based into over under new".split())


def phrases(papers: list[dict]) -> list[str]:
    """Two-word title terms found (in title or abstract) in 25..120 papers."""
    counts: Counter[str] = Counter()
    for p in papers:
        w = _W.findall(p["title"].lower())
        counts.update({f"{a} {b}" for a, b in zip(w, w[1:]) if a not in _STOP and b not in _STOP})
    pool = [ph for ph, c in counts.items() if c >= 6]
    texts = [f"{p['title']} {p['abstract']}".lower() for p in papers]
    out = []
    for ph in pool:
        df = sum(ph in t for t in texts)
        if 25 <= df <= 120:
            out.append(ph)
    return sorted(out)


def ndcg_at(rel: np.ndarray, scores: np.ndarray, k: int = 10) -> float:
    order = np.argsort(-scores, kind="stable")[:k]
    gains = rel[order] / np.log2(np.arange(2, len(order) + 2))
    ideal = np.sort(rel)[::-1][:k] / np.log2(np.arange(2, min(k, len(rel)) + 2))
    return float(gains.sum() / ideal.sum()) if ideal.sum() > 0 else 0.0


def auc(rel: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(rel, scores))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--members", type=int, default=8)
    args = ap.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"corpus missing: {CORPUS}")

    t0 = time.perf_counter()
    model = embedding.load()
    load_s = time.perf_counter() - t0
    fresh = subprocess.run([sys.executable, "-c", "import time; t=time.perf_counter(); from feedhub.search import embedding; embedding.load(); print(time.perf_counter()-t)"],
                           capture_output=True, text=True, cwd=REPO, check=True)  # fmt: skip
    fresh_s = float(fresh.stdout.strip())

    papers = load_corpus()
    texts = [f"{p['title']}. {p['abstract']}" for p in papers]
    t0 = time.perf_counter()
    enc = model.encode(texts)
    terms = ranking.hashed_terms([ranking.terms_text(p["title"], p["abstract"]) for p in papers])
    embed_s = time.perf_counter() - t0
    docs = [ranking.Doc(p["id"], p["title"], p["abstract"], p["authors"], p["categories"], [], enc.vectors[i], terms[i][0], terms[i][1])
            for i, p in enumerate(papers)]  # fmt: skip
    by_author: dict[str, list[int]] = {}
    for i, p in enumerate(papers):
        for a in p["authors"]:
            by_author.setdefault(a, []).append(i)
    prolific = sorted(a for a, idx in by_author.items() if len(idx) >= 3)
    pool = phrases(papers)
    low = [f"{p['title']} {p['abstract']}".lower() for p in papers]
    print(f"corpus: {len(papers)} papers, {len(pool)} topic phrases, {len(prolific)} authors with >= 3 papers")

    per_seed: list[dict[str, list[float]]] = []
    fit_times: list[float] = []
    with ranking.quiet():
        for seed in range(args.seeds):
            rng = random.Random(seed)
            res: dict[str, list[float]] = {"auc_new": [], "auc_base": [], "ndcg_new": [], "ndcg_base": []}
            for _ in range(args.members):
                liked_topics = rng.sample(pool, 2)
                disliked = rng.choice([ph for ph in pool if ph not in liked_topics])
                fav = rng.choice(prolific)
                liked = {i for i, t in enumerate(low) if any(ph in t for ph in liked_topics)} | set(by_author[fav])
                hated = [i for i, t in enumerate(low) if disliked in t and i not in liked]
                n_save = max(4, min(20, int(0.4 * len(liked))))
                saves = rng.sample(sorted(liked), min(n_save, len(liked) - 2))
                others = [i for i in range(len(papers)) if i not in liked]
                dismiss = rng.sample(hated, min(8, len(hated))) + rng.sample(others, 4)
                train = set(saves) | set(dismiss)
                test = [i for i in range(len(papers)) if i not in train]
                rel = np.array([1.0 if i in liked else 0.0 for i in test])
                background = test  # the unlabelled rest, as the baseline uses it (and recommend does: candidates + a sample)
                # new model
                t1 = time.perf_counter()
                m = ranking.Model([docs[i] for i in saves], [docs[i] for i in dismiss], [docs[i] for i in background])
                fit_times.append(time.perf_counter() - t1)
                s_new = m.score([docs[i] for i in test])
                # baseline: today's code path (recommend._train): saved vs background sample + candidates
                pos = {papers[i]["id"]: _text(papers[i]["title"], papers[i]["abstract"]) for i in saves}
                neg = {papers[i]["id"]: _text(papers[i]["title"], papers[i]["abstract"]) for i in test}
                vec, clf = _train(pos, neg)
                s_base = clf.predict_proba(vec.transform([neg[papers[i]["id"]] for i in test]))[:, 1]
                res["auc_new"].append(auc(rel, s_new))
                res["auc_base"].append(auc(rel, s_base))
                res["ndcg_new"].append(ndcg_at(rel, s_new))
                res["ndcg_base"].append(ndcg_at(rel, s_base))
            per_seed.append(res)

    def mean(key: str) -> float:
        return statistics.fmean(v for r in per_seed for v in r[key])

    def margin(metric: str) -> tuple[float, float]:
        ms = [statistics.fmean(r[f"{metric}_new"]) - statistics.fmean(r[f"{metric}_base"]) for r in per_seed]
        return statistics.fmean(ms), (statistics.stdev(ms) if len(ms) > 1 else 0.0)

    n = args.seeds * args.members
    print(f"members: {n} ({args.seeds} seeds x {args.members})")
    print(f"AUC      new {mean('auc_new'):.3f}   baseline {mean('auc_base'):.3f}   margin {margin('auc')[0]:+.3f} ± {margin('auc')[1]:.3f} (sd over seeds)")
    print(f"nDCG@10  new {mean('ndcg_new'):.3f}   baseline {mean('ndcg_base'):.3f}   margin {margin('ndcg')[0]:+.3f} ± {margin('ndcg')[1]:.3f} (sd over seeds)")
    wins = sum(a > b for r in per_seed for a, b in zip(r["ndcg_new"], r["ndcg_base"]))
    print(f"members where new nDCG@10 > baseline: {wins}/{n}")

    # ranking time: 5,000 candidates with cached features (the store keeps them), median of 5
    cands = (docs * math.ceil(5000 / len(docs)))[:5000]
    rng = random.Random(0)
    sample = rng.sample(range(len(docs)), 20)
    m = ranking.Model([docs[i] for i in sample[:12]], [docs[i] for i in sample[12:]], [docs[i] for i in rng.sample(range(len(docs)), ranking.BACKGROUND)])
    times = []
    for _ in range(5):
        t1 = time.perf_counter()
        m.score(cands)
        times.append(time.perf_counter() - t1)
    base_times = []
    pos = {papers[i]["id"]: _text(papers[i]["title"], papers[i]["abstract"]) for i in sample[:12]}
    cand_texts = [_text(papers[i % len(papers)]["title"], papers[i % len(papers)]["abstract"]) for i in range(5000)]
    with ranking.quiet():
        for _ in range(3):
            t1 = time.perf_counter()
            vec, clf = _train(pos, {f"c{i}": t for i, t in enumerate(cand_texts)})
            clf.predict_proba(vec.transform(cand_texts))
            base_times.append(time.perf_counter() - t1)
    print(f"rank 5,000 candidates: new {statistics.median(times) * 1000:.0f} ms (features cached; goal <= 200 ms)   "
          f"baseline {statistics.median(base_times) * 1000:.0f} ms (fits tf-idf on them each time)")  # fmt: skip
    print(f"fit per member: new {statistics.median(fit_times) * 1000:.0f} ms (median)")
    print(f"features of {len(docs)} abstracts cold (embedding + hashed terms, once per paper, then cached): {embed_s:.2f} s ({len(docs) / embed_s:.0f}/s)")
    print(f"embedding model load: {load_s:.2f} s in this process, {fresh_s:.2f} s in a fresh interpreter incl. imports (goal <= 1 s)")


if __name__ == "__main__":
    main()
