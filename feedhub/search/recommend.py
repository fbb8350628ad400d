"""Related papers and recommendations (the arxiv-sanity-lite idea): tf-idf over title + abstract, plus meaning.

- ``related``: the nearest papers to one paper by tf-idf cosine similarity, averaged with the WordLlama
  embedding cosine when that model (the [recommend] extra) is installed. On a large store the
  candidates come from the search index first (the paper's most distinctive words, weighted by the
  index's document frequencies), so the cost does not grow with the number of papers.
- ``recommend``: per tag, a linear classifier (logistic regression, balanced classes) trained on the
  saved papers with that tag (positives) against the rest ranks the new papers; every result lists the
  words that weighed most for it (feature value x coefficient).
- ``saved_similarity``: the same model over all saved papers, as a 0..1 score for the digest.

sklearn is imported inside the functions: nothing here loads at ``feedhub --help`` or ``search``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedhub.errors import InvalidInput
from feedhub.store.models import Dismissal, Paper, Saved

FULL_FIT_MAX = 20_000  # at most this many papers: fit on all of them; beyond, on candidates + a sample
NEGATIVE_SAMPLE = 5_000
CANDIDATES_MAX = 20_000
TOP_WORDS = 5


SKLEARN_EXTRA = "pip install 'feedhub[recommend]'"


def have_sklearn() -> bool:
    """scikit-learn is an extra (about 270 MB with numpy and scipy): only related papers, recommendations
    and the digest's saved-similarity factor use it."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return False
    return True


def _need_sklearn(what: str) -> None:
    if not have_sklearn():
        raise InvalidInput(f"{what} needs scikit-learn, an optional extra: {SKLEARN_EXTRA}")


def _vectorizer(n_docs: int):  # type: ignore[no-untyped-def]
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        ngram_range=(1, 2), stop_words="english", sublinear_tf=True, max_features=50_000,
        min_df=2 if n_docs > 200 else 1, max_df=0.5 if n_docs > 50 else 1.0, dtype="float32",
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9\-]+\b",
    )  # fmt: skip


def _text(title: str | None, abstract: str | None) -> str:
    return f"{title or ''}. {title or ''}. {abstract or ''}"  # the title twice: it weighs more


def _texts(session: Session, ids: Iterable[str]) -> dict[str, str]:
    ids = list(dict.fromkeys(ids))
    out: dict[str, str] = {}
    for i in range(0, len(ids), 900):
        for pid, title, abstract in session.execute(
            select(Paper.arxiv_id, Paper.title, Paper.abstract).where(Paper.arxiv_id.in_(ids[i : i + 900]))
        ):
            if (title or abstract or "").strip():
                out[pid] = _text(title, abstract)
    return out


def _sample_ids(session: Session, n: int, exclude: set[str]) -> list[str]:
    """About ``n`` papers as background for the word weights: a run of ids from a random point of the primary
    key (an index range, fast on both backends; ``ORDER BY random()`` read every row: 0.96 s at 1M papers)."""
    import random

    start = f"{random.randint(7, 26):02d}{random.randint(1, 12):02d}."
    want = n + len(exclude)
    query = select(Paper.arxiv_id).where(Paper.title != "").order_by(Paper.arxiv_id)
    found = [r[0] for r in session.execute(query.where(Paper.arxiv_id >= start).limit(want))]
    if len(found) < want:  # past the newest ids: wrap around to the oldest
        found += [r[0] for r in session.execute(query.where(Paper.arxiv_id < start).limit(want - len(found)))]
    return [i for i in found if i not in exclude][:n]


def _paper_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Paper)) or 0)


# --- related ----------------------------------------------------------------------------------


@dataclass
class Related:
    id: str
    title: str
    similarity: float
    shared_words: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "similarity": self.similarity, "shared_words": self.shared_words}


def _index_candidates(settings: Any, text: str, exclude: str, limit: int = 1000) -> list[str]:
    """Papers sharing the most distinctive words of ``text``, from the search index."""
    import math

    from feedhub.search import index as ix
    from feedhub.search import schema

    opened = ix.open_for_search(settings)
    searcher = opened.index.searcher()
    n = max(1, int(searcher.num_docs))
    counts: dict[str, int] = {}
    for tok in schema.tokens(text):
        if len(tok) > 2 and not tok.isdigit():
            counts[tok] = counts.get(tok, 0) + 1
    weights = []
    for tok, tf in counts.items():
        df = int(searcher.doc_freq("body", tok))
        if df:
            weights.append((tf * math.log(n / df), tok))
    top = [tok for _, tok in sorted(weights, reverse=True)[:25]]
    if not top:
        return []
    t = schema.tantivy_module()
    q = t.Query.boolean_query(
        [(t.Occur.Should, t.Query.term_query(opened.schema, f, tok)) for tok in top for f in ("title", "body")]
        + [(t.Occur.Must, t.Query.term_query(opened.schema, "kind", "paper"))]
    )
    hits = searcher.search(q, limit, count=False).hits
    out = []
    for _, addr in hits:
        uid = searcher.doc(addr).get_first("uid")
        if uid and uid != "p:" + exclude:
            out.append(uid[2:])
    return out


RELATED_WORDS_WEIGHT = 0.5  # with the embedding: this much tf-idf cosine, the rest embedding cosine
RELATED_EMBED_MAX = 400  # only the best this many by words are embedded (a paper not cached costs ~1 ms to embed)


def _embedding_similarity(session: Session, ids: list[str], me: int) -> Any:
    """Embedding cosine of every paper in ``ids`` to ``ids[me]`` (features cached with the ranking's), or None when
    the embedding model (wordllama, in the [recommend] extra) is not installed: then ``related`` is tf-idf only."""
    import numpy as np

    from feedhub.search import embedding

    if not embedding.available():
        return None
    from feedhub.search.interests import paper_docs

    docs = paper_docs(session, ids, persist=False)
    mine = docs.get(ids[me])
    if mine is None or mine.vector is None:
        return None
    out = np.zeros(len(ids), dtype=np.float32)
    have = [k for k, i in enumerate(ids) if i in docs and docs[i].vector is not None]
    if have:
        out[have] = np.stack([docs[ids[k]].vector for k in have]) @ mine.vector
    return np.clip(out, 0.0, 1.0)


def related(session: Session, paper_id: str, limit: int = 10, settings: Any = None) -> list[Related]:
    """The papers nearest to ``paper_id``: with the [recommend] extra's embedding, by the mean of the tf-idf cosine
    (title + abstract) and the WordLlama embedding cosine, the representation of the learned ranking; without
    it, by the tf-idf cosine alone."""
    _need_sklearn("`feedhub paper related`")
    from sklearn.metrics.pairwise import linear_kernel

    paper = session.get(Paper, paper_id)
    if paper is None:
        raise InvalidInput(f"unknown paper {paper_id}; `feedhub search` finds papers by words")
    if not (paper.title or paper.abstract):
        raise InvalidInput(f"{paper_id} has no title or abstract yet; `feedhub fetch` looks new papers up on the arXiv API (or `feedhub import arxiv-snapshot FILE`)")
    if _paper_count(session) <= FULL_FIT_MAX or settings is None:
        rows = session.execute(select(Paper.arxiv_id, Paper.title, Paper.abstract).where(Paper.title != "").limit(FULL_FIT_MAX))
        texts = {pid: _text(t, a) for pid, t, a in rows}
    else:
        pool = _index_candidates(settings, f"{paper.title} {paper.abstract}", paper_id)
        texts = _texts(session, pool + _sample_ids(session, 2000, set(pool)))
    texts[paper_id] = _text(paper.title, paper.abstract)
    ids = list(texts)
    if len(ids) < 2:
        return []
    from feedhub.search.ranking import quiet

    vec = _vectorizer(len(ids))
    with quiet():
        X = vec.fit_transform([texts[i] for i in ids])
    me = ids.index(paper_id)
    sims = linear_kernel(X[me], X).ravel()
    # the learned ranking's representation: words and meaning, half each; meaning is computed for the best
    # RELATED_EMBED_MAX by words (and the paper itself), so one call embeds a bounded number of uncached papers
    shortlist = sorted(set(sims.argsort()[::-1][:RELATED_EMBED_MAX].tolist()) | {me})
    meaning = _embedding_similarity(session, [ids[k] for k in shortlist], shortlist.index(me))
    if meaning is not None:
        blended = RELATED_WORDS_WEIGHT * sims
        blended[shortlist] += (1.0 - RELATED_WORDS_WEIGHT) * meaning
        sims = blended
    sims[me] = -1.0
    order = sims.argsort()[::-1][:limit]
    names = vec.get_feature_names_out()
    titles = dict(session.execute(select(Paper.arxiv_id, Paper.title).where(Paper.arxiv_id.in_([ids[i] for i in order]))).all())
    out = []
    mine = X[me].toarray().ravel()
    for i in order:
        if sims[i] <= 0:
            break
        shared = (X[i].toarray().ravel() * mine).argsort()[::-1][:TOP_WORDS]
        words = [str(names[j]) for j in shared if mine[j] > 0 and X[i, j] > 0]
        out.append(Related(ids[i], titles.get(ids[i], ""), round(float(sims[i]), 4), words))
    return out


# --- recommendations --------------------------------------------------------------------------


@dataclass
class Recommendation:
    id: str
    title: str
    score: float  # the classifier's probability that it belongs with the tag's saved papers
    published_at: str | None
    words: list[str]
    why: str = ""  # in words: "you follow ...; like 3 papers you saved: ... (shared: ...)"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "score": self.score, "published_at": self.published_at, "words": self.words, "why": self.why}


@dataclass
class TagRecommendations:
    tag: str  # "(all saved)" for the model over every saved paper
    positives: int
    candidates: int
    results: list[Recommendation] = field(default_factory=list)
    top_words: list[str] = field(default_factory=list)  # the model's most positive words overall
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"tag": self.tag, "positives": self.positives, "candidates": self.candidates, "note": self.note,
                "top_words": self.top_words, "results": [r.to_json() for r in self.results]}  # fmt: skip


ALL = "(all saved)"


def _train(pos: dict[str, str], neg: dict[str, str]):  # type: ignore[no-untyped-def]
    """Today's model before issue 15 (kept as bench_recommend.py's baseline and for saved_similarity)."""
    from sklearn.linear_model import LogisticRegression

    from feedhub.search.ranking import quiet

    ids = list(pos) + [i for i in neg if i not in pos]
    y = [1] * len(pos) + [0] * (len(ids) - len(pos))
    with quiet():  # the stop-word list vs token pattern UserWarning printed a paragraph on every digest
        vec = _vectorizer(len(ids))
        X = vec.fit_transform([pos.get(i) or neg[i] for i in ids])
        clf = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
        clf.fit(X, y)
    return vec, clf


def _default_since(session: Session) -> datetime | None:
    newest = session.scalar(select(func.max(Paper.published_at)))
    return newest - timedelta(days=7) if newest else None


def recommend(session: Session, tag: str | None = None, since: datetime | None = None, limit: int = 10, member: str | None = None) -> list[TagRecommendations]:
    """Rank the papers published since ``since`` (default: the week before the newest paper) for a member, per
    tag: the learned model (search.ranking) on their saves (positives) and dismissals (negatives); their
    rules and follows apply (excluded and dismissed papers never appear, pinned and followed ones first)."""
    from feedhub.search import interests

    _need_sklearn("`feedhub recommend`")
    from feedhub.search.members import resolve

    who = resolve(session, member)
    saved = list(session.execute(select(Saved.paper_id, Saved.tags).where(Saved.member_id == who.id)))
    if not saved:
        raise InvalidInput(f"no saved papers yet for member {who.name!r}, so there is nothing to learn from: save papers "
                           "(`feedhub paper save ID`) or seed from your library (`feedhub saved import library.bib`, Zotero CSL-JSON/RDF, or a list of arXiv ids)")  # fmt: skip
    groups: dict[str, list[str]] = {}
    for pid, tags in saved:
        for t in tags or []:
            groups.setdefault(t, []).append(pid)
    if tag is not None:
        want = tag.strip().lower()
        if want not in groups:
            raise InvalidInput(f"no saved papers with tag {tag!r}; tags: {', '.join(sorted(groups)) or '(none)'}")
        groups = {want: groups[want]}
    elif not groups or any(not tags for _, tags in saved):
        groups[ALL] = [pid for pid, _ in saved]
    since = since or _default_since(session)
    saved_ids = {pid for pid, _ in saved}
    query = select(Paper.arxiv_id).where(Paper.title != "").order_by(Paper.published_at.desc(), Paper.arxiv_id).limit(CANDIDATES_MAX)
    if since is not None:
        query = query.where(Paper.published_at >= since)
    candidate_ids = [r[0] for r in session.execute(query) if r[0] not in saved_ids]
    subjects = interests.paper_subjects(session, candidate_ids)
    sig = interests.signal(session, who.name, list(subjects.values()), explain=0)  # rules, follows, dismissals
    shown = [pid for pid in candidate_ids if pid in subjects and not sig[f"arxiv:{pid}"].excluded]
    dismissed = [t[6:] for (t,) in session.execute(select(Dismissal.target).where(Dismissal.member_id == who.id)) if t.startswith("arxiv:")]
    recent = [r[0] for r in session.execute(select(Paper.arxiv_id).where(Paper.title != "").order_by(Paper.first_seen_at.desc(), Paper.arxiv_id).limit(interests.RECENT_BACKGROUND))]
    docs = interests.paper_docs(session, list(saved_ids) + dismissed + shown + recent)
    dates: dict[str, Any] = {}
    for i in range(0, len(shown), 900):
        dates.update({pid: when for pid, when in session.execute(select(Paper.arxiv_id, Paper.published_at).where(Paper.arxiv_id.in_(shown[i : i + 900])))})
    out = []
    from feedhub.search import ranking

    for name, ids in sorted(groups.items()):
        pos = [docs[i] for i in ids if i in docs]
        cands = [docs[i] for i in shown if i in docs]
        rec = TagRecommendations(name, len(pos), len(cands))
        if not pos:
            rec.note = "its saved papers have no title or abstract yet (they are filled in at the next fetch)"
        elif not cands:
            rec.note = "no new papers in the window; try an earlier --since"
        else:
            others = [docs[i] for i in saved_ids - set(ids) if i in docs]  # other tags' papers: not this tag
            neg = [docs[i] for i in dismissed if i in docs]
            model = ranking.Model(pos, neg, cands + [docs[i] for i in recent if i in docs] + others)
            scores = model.score(cands)
            order = sorted(range(len(cands)), key=lambda k: (not sig[f"arxiv:{cands[k].id}"].pinned, not sig[f"arxiv:{cands[k].id}"].followed,
                                                             -sig[f"arxiv:{cands[k].id}"].included, -float(scores[k]), cands[k].id))
            for k in order[:limit]:
                d = cands[k]
                it = sig[f"arxiv:{d.id}"]
                why = list(it.why)
                near = [n for n, sim in model.nearest_saved(d) if sim > 0.05]
                if near:
                    words = ranking.shared_words(d, near)
                    titles = "; ".join(f"“{interests.short_title(n.title)}”" for n in near[:2])
                    why.append(f"like {len(near)} paper{'s' if len(near) > 1 else ''} you saved: {titles}" + (f" (shared: {', '.join(words)})" if words else ""))
                when = dates.get(d.id)
                rec.results.append(Recommendation(d.id, d.title, round(float(scores[k]), 4), when.date().isoformat() if when else None,
                                                  ranking.shared_words(d, near) if near else [], "; ".join(why)))  # fmt: skip
            rec.top_words = _liked_words(pos, cands)
        out.append(rec)
    return out


def _liked_words(pos: list[Any], others: list[Any], k: int = 10) -> list[str]:
    """The words the tag's saved papers share most, relative to the candidates (no stop-words, URLs, arxiv)."""
    import math

    from feedhub.search.ranking import explain_words

    def df(docs: list[Any]) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in docs:
            for w in set(explain_words(f"{d.title} {d.text}")):
                out[w] = out.get(w, 0) + 1
        return out

    mine, theirs = df(pos), df(others)
    n = max(1, len(others))
    ranked = sorted((w for w, c in mine.items() if c > 1 or len(pos) == 1), key=lambda w: (-(mine[w] * math.log((1 + n) / (1 + theirs.get(w, 0)))), w))
    return ranked[:k]


def saved_similarity(session: Session, paper_ids: Iterable[str]) -> dict[str, float]:
    """For the digest: how much each paper resembles the saved ones, in 0..1 (the recommend model over
    all saved papers). Empty when nothing is saved; 0.0 for a paper without title or abstract."""
    ids = list(dict.fromkeys(paper_ids))
    saved_ids = [r[0] for r in session.execute(select(Saved.paper_id))]
    if not saved_ids or not ids or not have_sklearn():  # without the extra the digest leaves this factor out
        return {}
    pos = _texts(session, saved_ids)
    if not pos:
        return {}
    targets = _texts(session, ids)
    background = _texts(session, _sample_ids(session, NEGATIVE_SAMPLE, set(saved_ids)))
    neg = {**background, **{i: t for i, t in targets.items() if i not in pos}}
    out = {i: 0.0 for i in ids}
    if not neg:
        return {i: (1.0 if i in pos else 0.0) for i in ids}
    vec, clf = _train(pos, neg)
    scored = [i for i in ids if i in targets]
    if scored:
        probs = clf.predict_proba(vec.transform([targets[i] for i in scored]))[:, 1]
        out.update({i: round(float(p), 4) for i, p in zip(scored, probs)})
    for i in ids:
        if i in pos:
            out[i] = 1.0  # a saved paper is as similar as it gets
    return out
