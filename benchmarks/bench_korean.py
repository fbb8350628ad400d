"""Korean search: Hangul syllable pairs (what the index does) against a morphological analyzer (kiwipiepy),
with the index as it was (whole words, the baseline) measured in the same run.

A corpus of Korean and English posts is generated from real Korean ML vocabulary with the particles and
endings Korean attaches to words (강화학습으로, 영상처리를, 모델의 ...). Each method indexes the same corpus
with tantivy; the figures are indexing time, index size on disk, median query time, and recall: the share
of probe queries (a bare word, e.g. 강화학습) that find the posts containing an inflected form of it.

    .venv/bin/python benchmarks/bench_korean.py --n 20000
    .venv/bin/python benchmarks/bench_korean.py --kiwi-path /tmp/kiwi   # kiwipiepy installed with pip --target
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

NOUNS = ["강화학습", "영상처리", "자연어처리", "신경망", "딥러닝", "머신러닝", "트랜스포머", "언어모델", "데이터셋", "최적화",
         "정규화", "드론", "로봇", "추천시스템", "음성인식", "분류기", "생성모델", "확산모델", "미세조정", "임베딩"]
PARTICLES = ["", "을", "를", "이", "가", "은", "는", "의", "에", "에서", "으로", "로", "과", "와", "도", "만", "에게", "처럼"]
VERBS = ["제어하기", "학습한다", "개선했다", "적용하는", "비교해 보았다", "소개합니다", "구현하기", "분석했다"]
ENGLISH = ["transformer", "optimizer", "benchmark", "attention", "dataset", "reinforcement", "learning", "vision", "model"]


def corpus(n: int, seed: int = 1) -> list[str]:
    rnd = random.Random(seed)
    docs = []
    for _ in range(n):
        words = []
        for _ in range(rnd.randint(12, 40)):
            r = rnd.random()
            if r < 0.55:
                words.append(rnd.choice(NOUNS) + rnd.choice(PARTICLES))
            elif r < 0.8:
                words.append(rnd.choice(VERBS))
            else:
                words.append(rnd.choice(ENGLISH))
        docs.append(" ".join(words))
    return docs


def build(docs: list[str], prepare: Callable[[str], str], folder: Path) -> tuple[float, int, object]:
    import tantivy

    from feedhub.search.schema import TOKENIZER, analyzer

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("body", tokenizer_name=TOKENIZER, index_option="position")
    sb.add_unsigned_field("id", stored=True)
    index = tantivy.Index(sb.build(), path=str(folder))
    index.register_tokenizer(TOKENIZER, analyzer())
    started = time.perf_counter()
    writer = index.writer(heap_size=64_000_000, num_threads=1)
    for i, doc in enumerate(docs):
        writer.add_document(tantivy.Document(body=[prepare(doc)], id=i))
    writer.commit()
    writer.wait_merging_threads()
    seconds = time.perf_counter() - started
    index.reload()
    size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
    return seconds, size, index


def search(index: object, word: str, prepare: Callable[[str], str]) -> tuple[set[int], float]:
    import tantivy

    from feedhub.search.schema import analyzer

    toks = list(analyzer().analyze(prepare(word)))
    schema = index.schema  # type: ignore[attr-defined]
    q = tantivy.Query.term_query(schema, "body", toks[0]) if len(toks) == 1 else tantivy.Query.phrase_query(schema, "body", toks)
    searcher = index.searcher()  # type: ignore[attr-defined]
    started = time.perf_counter()
    hits = searcher.search(q, 100_000).hits
    ms = (time.perf_counter() - started) * 1000
    return {searcher.doc(addr)["id"][0] for _, addr in hits}, ms


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000, help="posts in the corpus")
    ap.add_argument("--kiwi-path", default=None, help="a folder where kiwipiepy is installed (pip install --target DIR kiwipiepy)")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from feedhub.search.schema import hangul_pairs

    docs = corpus(args.n)
    truth = {w: {i for i, d in enumerate(docs) if w in d} for w in NOUNS}
    methods: dict[str, Callable[[str], str]] = {"whole words (baseline)": lambda s: s, "Hangul syllable pairs (feedhub)": hangul_pairs}
    if args.kiwi_path:
        sys.path.insert(0, args.kiwi_path)
    try:
        from kiwipiepy import Kiwi

        started = time.perf_counter()
        kiwi = Kiwi()
        print(f"kiwipiepy loaded its model in {time.perf_counter() - started:.1f} s")

        def morphemes(text: str) -> str:  # nouns, verb and adjective stems, foreign words: the content morphemes
            return " ".join(t.form for t in kiwi.tokenize(text) if t.tag[0] in "NVXS" or t.tag.startswith("SL"))

        methods["kiwipiepy morphemes"] = morphemes
    except ImportError:
        print("kiwipiepy not installed: pass --kiwi-path DIR after `pip install --target DIR kiwipiepy` to compare it")
    print(f"corpus: {args.n:,} posts, {sum(len(d) for d in docs) / 1e6:.1f} M characters; machine: python {sys.version.split()[0]}")
    base_size = None
    for name, prepare in methods.items():
        folder = Path(tempfile.mkdtemp(prefix="feedhub-bench-korean-"))
        try:
            seconds, size, index = build(docs, prepare, folder)
            found, times = 0, []
            for word, want in truth.items():
                got, ms = search(index, word, prepare)
                times.append(ms)
                found += len(got & want)
            recall = found / max(1, sum(len(v) for v in truth.values()))
            base_size = base_size or size
            print(f"{name}: indexed in {seconds:.2f} s ({args.n / seconds:,.0f} posts/s), index {size / 1e6:.1f} MB "
                  f"({size / base_size:.2f}x the baseline), median query {statistics.median(times):.2f} ms, recall {recall:.0%}")
        finally:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
