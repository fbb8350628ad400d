"""The ranking that learns, per member: saves are positives, dismissals negatives, a background sample of
papers the implicit rest. Pure (numpy, scipy, scikit-learn; no database): search/recommend.py and
search/interests.py feed it, benchmarks/bench_recommend.py measures it.

Two logistic regressions (class-balanced, dismissals weighing more than background papers), their logits
averaged (WORDS_BLEND): one over the tf-idf words alone, and one over:

- words: tf-idf of the paper's word 1-2-grams (hashed, stop-words out, the title counted twice; idf from the
  papers it is fitted on; words in fewer than 2 or more than half of them left out, at most the 50,000 most
  frequent), the same representation as the per-tag model's TfidfVectorizer, which it had fallen behind;
- meaning: the paper's WordLlama embedding (256 numbers), so "denoising diffusion" and "score-based
  generative model" land near each other even without a shared word;
- authors and categories: one column per author (first + last name) of at least two training papers and
  one per category (an author saved twice counts; an author of one saved paper only is not a column, since
  that column would only memorise the paper);
- neighbours: how close the nearest saved and the nearest dismissed paper are (embedding cosine), and how
  many saved / dismissed papers share an author with it, so one saved paper by an author already counts;
- category lift: log(share of the saved papers in the paper's most telling category / the category's share of
  all papers), where at least two other saved papers are in it: "this member reads cs.RO" in one column.

The background is unlabelled, not disliked: after a first fit, its 2 x (saved papers) top-scoring papers (most
likely ones the member would save and has not seen) weigh nothing in a second fit (positive-unlabelled learning).

Why the category lift (session 5): the per-category columns, at the small scale that keeps the words from being
drowned, could not learn a member's category (bench real-shapes nDCG@10 stayed at the baseline's 0.23); one
lift column, whose weight the regression sets freely, can. With a minimum of one other saved paper a lone save
in a rare cross-list (cs.GR) promoted every paper of that category (planted nDCG@10 margin -0.005 on the
tuning seeds); with two it costs nothing there.

Why the first version lost to the per-tag model (bench_recommend.py, 5 seeds x 8 members: AUC 0.939 vs 0.951,
nDCG@10 0.903 vs 0.955), measured one change at a time on the tf-idf block alone (3 seeds, nDCG@10; the per-tag
model 0.951 on the same members): no rare/common word cut (0.911 -> 0.917 with it), the title counted once
(-> 0.925 twice), 2**18 hash buckets whose collisions kept rare words alive (-> 0.937 with 2**20); and
"initial + last name" author keys ("y wang") and columns for one-paper authors, which let the regression
memorise the saved papers (authors at 0.3: nDCG@10 0.49). Larger C, unbalanced classes, a larger embedding
weight and a blend with the similarity to the nearest saved papers each made it worse.

A training paper's neighbour features are computed against the other papers only (leave one out): no paper
is ever compared with itself, so "similar to itself" never inflates a weight or a digest score.
"""

from __future__ import annotations

import math
import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterator

BACKGROUND = 1500  # implicit negatives: what a member's papers are told apart from (features are cached)


@contextmanager
def quiet() -> Iterator[None]:
    """scikit-learn and numpy warnings (convergence, stop-word consistency, empty slices) never reach stderr."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import numpy as np

        with np.errstate(all="ignore"):
            yield


@dataclass
class Doc:
    id: str
    title: str = ""
    text: str = ""
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    vector: Any = None  # float32 (DIM,), normalised; None: no embedding
    token_ids: Any = None  # int32 sorted unique
    token_counts: Any = None  # float32


# 2**18 buckets merged the distinct word 1-2-grams of 4,000 abstracts so often that the rare-word cut below
# could not work (bench_recommend.py nDCG@10 0.925 -> 0.937 with 2**20, tf-idf block alone, 3 seeds).
HASH_FEATURES = 2**20
TERMS = "terms-v2"  # the hashed terms' layout (buckets, title twice): part of the cache key, a change recomputes them
MIN_DF = 2  # a word must be in two training papers (one column per paper would let the model memorise it)
MAX_DF = 0.5  # a word in half the papers tells nothing (the per-tag model's, and sklearn's usual, cut)
MAX_TERMS = 50_000  # the most frequent surviving words only, as the per-tag model's max_features
AUTHOR_BUCKETS = 2**16
# Column scales, measured with bench_recommend.py: a tf-idf row has norm 1 spread over ~150 words, so a
# category or author column at 0.5 drowned the words (nDCG@10 0.32 vs 0.92 at 0.05); these keep each
# block in proportion to what it tells.
EMBED_WEIGHT = 0.1
META_WEIGHT = 0.02
NEIGHBOUR_COLUMNS = [2]  # of (embedding cosine, tf-idf cosine, shared authors): the similarities are in the blocks already
NEIGHBOUR_WEIGHT = 0.1
C_REG = 1.0
# The score is the mean of two logistic regressions' logits: the full model above and one on the words alone
# (the per-tag model's view, with the dismissals it never had). Chosen on bench_recommend.py's tuning seeds
# 100..104 (never the reported ones): the full model alone trailed the per-tag model on nDCG@10 by 0.008 there,
# the blend by 0.002-0.005; C 4 for the words alone did a little better than 1. A stronger shared-author feature
# (0.5 or 1.5 instead of 0.1) was worse (nDCG@10 -0.019 and -0.120 alone).
C_WORDS = 4.0
WORDS_BLEND = 0.5
# The category lift: one column, log(share of the saved papers in the paper's most telling category / that category's
# share of all papers), counted only where at least CAT_LIFT_MIN other saved papers are in it. A column per category
# at META_WEIGHT could not say "this member reads cs.RO" (bench real-shapes nDCG@10 0.23, the baseline's level);
# scaling those columns up drowned the words. Chosen on tuning seeds 100..109: weight 0.1 with a minimum of 1 saved
# paper cost planted nDCG@10 0.005; a minimum of 2 costs nothing there and lifts real-shapes nDCG@10 by 0.42.
CAT_LIFT_WEIGHT = 0.1
CAT_LIFT_MIN = 2
# Unlabelled background papers left out of the second fit, per saved paper (the top-scoring ones of the first fit).
# Tuning seeds 100..109, planted, with the category lift: nDCG@10 margin -0.0006 -> +0.0004, AUC -0.0000 -> +0.0003.
PU_RATIO = 2.0
DISMISS_WEIGHT = 3.0  # a dismissal says more than a paper nobody looked at


def terms_text(title: str | None, abstract: str | None) -> str:
    """The text the hashed terms are counted on: the title twice (it says what the paper is about), then the abstract."""
    return f"{title or ''}. {title or ''}. {abstract or ''}"


def hashed_terms(texts: list[str]) -> list[tuple[Any, Any]]:
    """Per text: (sorted hashed word 1-2-gram ids, their counts), stop-words out. Computed once per paper and
    cached with its embedding (``PaperFeatures.tokens``)."""
    import numpy as np

    with quiet():
        from sklearn.feature_extraction.text import HashingVectorizer

        vec = HashingVectorizer(n_features=HASH_FEATURES, ngram_range=(1, 2), stop_words="english", alternate_sign=False,
                                norm=None, token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9\-]+\b", dtype=np.float32)  # fmt: skip
        X = vec.transform(texts).tocsr()
    X.sort_indices()
    return [(X.indices[X.indptr[i] : X.indptr[i + 1]].astype(np.int32), X.data[X.indptr[i] : X.indptr[i + 1]].astype(np.float32)) for i in range(X.shape[0])]


def _author_keys(names: list[str]) -> set[str]:
    return set(_author_keys_of(tuple(names)))


@lru_cache(maxsize=65536)
def _author_keys_of(names: tuple[str, ...]) -> frozenset[str]:
    """Cached: the same papers are scored on every digest and recommendation (a regex per name was a fifth of
    the time to rank 5,000 candidates)."""
    out = set()
    for n in names:
        parts = re.findall(r"[^\W\d_]+", n.lower())
        if parts:
            # first + last name: "initial + last name" ("y wang") merged hundreds of different people
            out.add(f"{parts[0]} {parts[-1]}")
    return frozenset(out)


def _bucket(key: str) -> int:
    import zlib

    return zlib.crc32(key.encode()) % AUTHOR_BUCKETS


def _idf(docs: list[Doc]) -> Any:
    """Smoothed idf over ``docs`` of the words the model uses (in at least MIN_DF papers, at most MAX_DF of them,
    and among the MAX_TERMS most frequent), and the map from a hashed term to its column (-1: not used)."""
    import numpy as np

    df = np.zeros(HASH_FEATURES, dtype=np.float32)
    for d in docs:
        if d.token_ids is not None and len(d.token_ids):
            df[d.token_ids] += 1
    n = len(docs)
    # a handful of papers (a test store, a new group) keeps every word, as the per-tag model did
    keep = (df >= (MIN_DF if n > 200 else 1)) & (df <= (MAX_DF * n if n > 50 else n)) & (df > 0)
    if int(keep.sum()) > MAX_TERMS:
        kept_df = np.where(keep, df, 0)
        top = np.argpartition(-kept_df, MAX_TERMS)[:MAX_TERMS]
        keep = np.zeros(HASH_FEATURES, dtype=bool)
        keep[top] = True
    idf = (np.log((1 + n) / (1 + df)) + 1.0).astype(np.float32)
    # the kept words only, as columns 0..K-1: a logistic regression over 2**20 mostly empty columns took 10x longer
    kept = np.flatnonzero(keep)
    colmap = np.full(HASH_FEATURES, -1, dtype=np.int64)
    colmap[kept] = np.arange(len(kept))
    return idf[kept], colmap


class _Block:
    """One set of docs as matrices: tf-idf rows (normalised), embeddings, author and category keys."""

    def __init__(self, docs: list[Doc], idf: Any, categories: dict[str, int], authors: set[str] | None = None):
        import numpy as np
        import scipy.sparse as sp

        self.docs = docs
        n = len(docs)
        self.emb = np.zeros((n, DIM), dtype=np.float32)
        for i, d in enumerate(docs):
            if d.vector is not None:
                self.emb[i] = d.vector
        lens = [len(d.token_ids) if d.token_ids is not None else 0 for d in docs]
        cols = np.concatenate([d.token_ids for d in docs if d.token_ids is not None and len(d.token_ids)] or [np.zeros(0, np.int32)])
        tf = np.concatenate([d.token_counts for d in docs if d.token_ids is not None and len(d.token_ids)] or [np.zeros(0, np.float32)])
        indptr = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
        weights, colmap = idf
        mapped = colmap[cols] if len(cols) else np.zeros(0, np.int64)
        used = mapped >= 0  # the words the model does not use are left out
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
        vals = ((1.0 + np.log(np.maximum(tf[used], 1.0))) * weights[mapped[used]]).astype(np.float32)
        mat = sp.csr_matrix((vals, (rows[used], mapped[used])), shape=(n, len(weights)))
        norms = np.sqrt(np.asarray(mat.multiply(mat).sum(axis=1)).ravel()) if n else np.zeros(0)
        self.tfidf = (sp.diags((1.0 / np.maximum(norms, 1e-9)).astype(np.float32)) @ mat).tocsr() if n else mat
        self.authors = [_author_keys(d.authors) for d in docs]
        rows, acols = [], []
        for i, keys in enumerate(self.authors):
            for key in keys:
                # an author of one training paper only would be a column that memorises that paper
                if authors is None or key in authors:
                    rows.append(i)
                    acols.append(_bucket(key))
        self.author_mat = sp.csr_matrix((np.full(len(rows), META_WEIGHT, np.float32), (rows, acols)), shape=(n, AUTHOR_BUCKETS))
        rows, ccols = [], []
        for i, d in enumerate(docs):
            for c in dict.fromkeys(d.categories):
                if c in categories:
                    rows.append(i)
                    ccols.append(categories[c])
        self.cat_mat = sp.csr_matrix((np.full(len(rows), META_WEIGHT, np.float32), (rows, ccols)), shape=(n, max(1, len(categories))))


DIM = 256


def _neighbours(cand: _Block, ref: _Block) -> Any:
    """(n, 3): the largest embedding cosine to a paper of ``ref``, the largest tf-idf cosine, and log(1 + papers
    of ``ref`` sharing an author). A paper is never its own neighbour: when it is in ``ref`` it is left out."""
    import numpy as np

    n, m = len(cand.docs), len(ref.docs)
    out = np.zeros((n, 3), dtype=np.float32)
    if n == 0 or m == 0:
        return out
    sem = cand.emb @ ref.emb.T
    lex = (cand.tfidf @ ref.tfidf.T).toarray()
    at = {d.id: j for j, d in enumerate(ref.docs)}
    itself = [(i, at[d.id]) for i, d in enumerate(cand.docs) if d.id in at]
    for i, j in itself:
        sem[i, j] = -np.inf
        lex[i, j] = -np.inf
    if m > 1 or not itself:
        out[:, 0] = sem.max(axis=1)
        out[:, 1] = lex.max(axis=1)
        out[~np.isfinite(out)] = 0.0
    index: dict[str, set[int]] = {}
    for j, keys in enumerate(ref.authors):
        for key in keys:
            index.setdefault(key, set()).add(j)
    self_of = dict(itself)
    for i, keys in enumerate(cand.authors):
        shared: set[int] = set()
        for key in keys:
            shared |= index.get(key, set())
        shared.discard(self_of.get(i, -1))
        out[i, 2] = math.log1p(len(shared))
    return out


class Model:
    """Fit on a member's positives, negatives and a background sample; score any candidates."""

    def __init__(self, positives: list[Doc], negatives: list[Doc], background: list[Doc], vocab: int = 0):
        import numpy as np

        with quiet():
            import scipy.sparse as sp
            from sklearn.linear_model import LogisticRegression

            pos_ids = {d.id for d in positives}
            negatives = [d for d in negatives if d.id not in pos_ids]
            skip = pos_ids | {d.id for d in negatives}
            background = [d for d in background if d.id not in skip]
            train = positives + negatives + background
            self.idf = _idf(train)
            cats = sorted({c for d in train for c in d.categories})
            self.categories = {c: k for k, c in enumerate(cats)}
            author_df: dict[str, int] = {}
            for d in train:
                for key in _author_keys(d.authors):
                    author_df[key] = author_df.get(key, 0) + 1
            self.authors = {key for key, c in author_df.items() if c >= 2}
            self.pos = _Block(positives, self.idf, self.categories, self.authors)
            self.neg = _Block(negatives, self.idf, self.categories, self.authors)
            bg = _Block(background, self.idf, self.categories, self.authors)
            self._cat_pos: dict[str, int] = {}
            self._cat_all: dict[str, int] = {}
            for d in train:
                for c in set(d.categories):
                    self._cat_all[c] = self._cat_all.get(c, 0) + 1
            for d in positives:
                for c in set(d.categories):
                    self._cat_pos[c] = self._cat_pos.get(c, 0) + 1
            self._n_all = len(train)
            self._lift: dict[str, float] | None = None  # per category, for a paper that is not a saved one
            X = sp.vstack([self._matrix(b) for b in (self.pos, self.neg, bg)], format="csr")
            y = np.array([1] * len(positives) + [0] * (len(negatives) + len(background)))
            # a dismissal says more than a paper nobody looked at: it weighs three times a background paper
            w = np.array([1.0] * len(positives) + [DISMISS_WEIGHT] * len(negatives) + [1.0] * len(background))
            self.clf = None
            self.words_clf = None
            self._coef: tuple[Any, float] | None = None  # the blended weights, folded on first use
            if len(set(y.tolist())) == 2:
                self.clf = LogisticRegression(C=C_REG, class_weight="balanced", max_iter=1000).fit(X, y, sample_weight=w)
                words = sp.vstack([b.tfidf for b in (self.pos, self.neg, bg)], format="csr")
                if WORDS_BLEND > 0 and words.shape[1] > 0:  # no word kept (a tiny store of near-identical texts): no words model
                    # the per-tag model's view (words alone, plus the dismissals it never had), blended in logits
                    self.words_clf = LogisticRegression(C=C_WORDS, class_weight="balanced", max_iter=1000).fit(words, y, sample_weight=w)
                # The background is unlabelled, not disliked: the papers in it that score highest are most likely ones
                # the member would save and has not seen. They weigh nothing in a second fit (positive-unlabelled).
                n_free = min(len(background) // 2, round(PU_RATIO * len(positives)))
                if n_free > 0:
                    start = len(positives) + len(negatives)
                    z = self.clf.decision_function(X[start:])
                    if self.words_clf is not None:
                        z = (1.0 - WORDS_BLEND) * z + WORDS_BLEND * self.words_clf.decision_function(words[start:])
                    w = w.copy()
                    w[start + np.argsort(-z)[:n_free]] = 0.0
                    self.clf = LogisticRegression(C=C_REG, class_weight="balanced", max_iter=1000).fit(X, y, sample_weight=w)
                    if self.words_clf is not None:
                        self.words_clf = LogisticRegression(C=C_WORDS, class_weight="balanced", max_iter=1000).fit(words, y, sample_weight=w)

    def _matrix(self, block: _Block) -> Any:
        import scipy.sparse as sp

        near_pos, near_neg = _neighbours(block, self.pos), _neighbours(block, self.neg)
        dense = self._dense(block, near_pos, near_neg)
        return sp.hstack([block.tfidf, block.author_mat, block.cat_mat, sp.csr_matrix(dense)], format="csr")

    def _dense(self, block: _Block, near_pos: Any, near_neg: Any) -> Any:
        import numpy as np

        cols = [block.emb * EMBED_WEIGHT, near_pos[:, NEIGHBOUR_COLUMNS] * NEIGHBOUR_WEIGHT, near_neg[:, NEIGHBOUR_COLUMNS] * NEIGHBOUR_WEIGHT]
        if CAT_LIFT_WEIGHT > 0:
            cols.append(self._category_lift(block)[:, None] * CAT_LIFT_WEIGHT)
        return np.hstack(cols)

    def _category_lift(self, block: _Block) -> Any:
        """Per paper: how much more often its most telling category is among the saved papers than among all of them
        (log ratio, smoothed), counting only categories with at least CAT_LIFT_MIN other saved papers; a saved paper
        is not counted for itself (leave one out, as the neighbours)."""
        import numpy as np

        n_pos = len(self.pos.docs)

        def lift(c: str, own: int) -> float:
            pc = self._cat_pos.get(c, 0) - own
            if pc < CAT_LIFT_MIN:
                return 0.0
            return math.log((pc + 0.5) / (n_pos - own + 1.0)) - math.log((self._cat_all.get(c, 0) + 0.5) / (self._n_all + 1.0))

        if self._lift is None:
            self._lift = {c: lift(c, 0) for c in self._cat_pos}
        pos_ids = {d.id for d in self.pos.docs}
        out = np.zeros(len(block.docs), dtype=np.float32)
        for i, d in enumerate(block.docs):
            if d.id in pos_ids:
                out[i] = max([0.0] + [lift(c, 1) for c in set(d.categories)])
            elif d.categories:
                out[i] = max(0.0, max(self._lift.get(c, 0.0) for c in d.categories))
        return out

    def score(self, docs: list[Doc]) -> Any:
        """Scores in 0..1 for ``docs``. A candidate that is itself a saved (or dismissed) paper has its neighbour
        features computed without itself: it is never scored against itself."""
        import numpy as np

        if not docs:
            return np.zeros(0, dtype=np.float32)
        with quiet():
            block = _Block(docs, self.idf, self.categories, self.authors)
            if self.clf is None:
                near = _neighbours(block, self.pos)
                return np.clip(0.5 * near[:, 0] + 0.5 * near[:, 1], 0.0, 1.0).astype(np.float32)
            return self._probability(block)

    def _probability(self, block: _Block) -> Any:
        """The blended probability, block by block: the same sum as ``predict_proba`` over ``_matrix`` (and over the
        tf-idf block for the words-only regression) without stacking a 1M-column matrix for thousands of candidates.
        Both regressions share the tf-idf columns, so their blended weights are folded into one vector once and the
        blend costs no second product."""
        import numpy as np

        assert self.clf is not None
        if self._coef is None:
            coef = np.asarray(self.clf.coef_, dtype=np.float64).ravel()
            intercept = float(self.clf.intercept_[0])
            if self.words_clf is not None:
                words = np.asarray(self.words_clf.coef_, dtype=np.float64).ravel()
                coef = (1.0 - WORDS_BLEND) * coef
                coef[: len(words)] += WORDS_BLEND * words  # the tf-idf block comes first in _matrix
                intercept = (1.0 - WORDS_BLEND) * intercept + WORDS_BLEND * float(self.words_clf.intercept_[0])
            self._coef = (coef, intercept)
        coef, intercept = self._coef
        near_pos, near_neg = _neighbours(block, self.pos), _neighbours(block, self.neg)
        dense = self._dense(block, near_pos, near_neg)
        z = np.full(len(block.docs), intercept)
        at = 0
        for part in (block.tfidf, block.author_mat, block.cat_mat):
            width = part.shape[1]
            z += part @ coef[at : at + width]
            at += width
        z += dense @ coef[at:]
        return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)

    def nearest_saved(self, doc: Doc, k: int = 3) -> list[tuple[Doc, float]]:
        """The saved papers most like ``doc`` (itself excluded), by the mean of both similarities."""
        import numpy as np

        if not self.pos.docs:
            return []
        block = _Block([doc], self.idf, self.categories)
        sims = 0.5 * (block.emb @ self.pos.emb.T).ravel() + 0.5 * (block.tfidf @ self.pos.tfidf.T).toarray().ravel()
        order = np.argsort(-sims)
        return [(self.pos.docs[j], float(sims[j])) for j in order if self.pos.docs[j].id != doc.id][:k]


# --- explanations ------------------------------------------------------------------------------

_STOP_EXTRA = {
    "arxiv", "http", "https", "www", "com", "org", "github", "html", "pdf", "abs", "doi", "paper", "papers", "propose",
    "proposed", "proposes", "method", "methods", "approach", "approaches", "results", "result", "show", "shows", "shown",
    "based", "using", "use", "used", "new", "novel", "work", "works", "also", "however", "demonstrate", "present",
    "introduce", "via", "across", "existing", "achieve", "achieves", "state", "art", "code", "available", "significantly",
    "extensive", "experiments", "performance", "task", "tasks", "framework", "model", "models", "study", "data",
}  # fmt: skip
_URL = re.compile(r"\b(?:https?://|www\.)\S+|\S+@\S+\.\S+", re.I)
_EXPLAIN_WORD = re.compile(r"[a-z][a-z\-]{2,}")


def _stop_words() -> frozenset[str]:
    global _STOPS
    if _STOPS is None:
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        _STOPS = frozenset(ENGLISH_STOP_WORDS) | _STOP_EXTRA
    return _STOPS


_STOPS: frozenset[str] | None = None


def explain_words(text: str) -> list[str]:
    """The words of ``text`` that can explain a recommendation: no stop-words, URLs, e-mail addresses,
    numbers, ``arxiv`` or boilerplate research words."""
    stops = _stop_words()
    clean = _URL.sub(" ", (text or "").lower())
    return [w.strip("-") for w in _EXPLAIN_WORD.findall(clean) if w.strip("-") not in stops and len(w.strip("-")) > 2]


def shared_words(doc: Doc, others: list[Doc], background_df: dict[str, int] | None = None, n_docs: int = 1, k: int = 4) -> list[str]:
    """Up to ``k`` distinctive words ``doc`` shares with ``others`` (rarer words first)."""
    mine = explain_words(f"{doc.title} {doc.text}")
    theirs: dict[str, int] = {}
    for o in others:
        for w in set(explain_words(f"{o.title} {o.text}")):
            theirs[w] = theirs.get(w, 0) + 1
    counts: dict[str, int] = {}
    for w in mine:
        if w in theirs:
            counts[w] = counts.get(w, 0) + 1
    df = background_df or {}

    def weight(w: str) -> float:
        return (1 + math.log(counts[w])) * theirs[w] * math.log((1 + n_docs) / (1 + df.get(w, 0)) + 1.0)

    return sorted(counts, key=lambda w: (-weight(w), w))[:k]
