"""Compiling a parsed query (``feedhub.search.query``) into tantivy queries, and running it: field boosts,
filters, saved papers, and the title-first plan for very common words (a MaxScore-style bound).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from feedhub.errors import InvalidInput
from feedhub.search.schema import AUTHOR_BOOST, PREFIX_EXPANSIONS, TITLE_BOOST, Opened, prefix_tokens, tantivy_module, tokens

# --- querying ---------------------------------------------------------------------------------


@dataclass
class Compiled:
    query: Any
    empty: bool  # no positive text and no filter: nothing to rank
    notes: list[str] = field(default_factory=list)
    title_first: TitleFirst | None = None  # a faster exact plan for one very common word (see top_hits)


# A word in at least this share of the abstracts is searched title first (top_hits); BM25 gives its abstract
# matches almost no weight (idf ~ 0 when every abstract has it), yet the union with the title reads them all.
TITLE_FIRST_MIN_SHARE = 0.5
TITLE_FIRST_MAX_CANDIDATES = 2000
K1 = 1.2  # tantivy's BM25 term saturation: a term contributes at most idf * (K1 + 1) * boost


@dataclass
class TitleFirst:
    """One word in the default fields (and only filters beside it): its title clause, the clauses on the other
    fields with their boosts and document frequencies, and the filters."""

    word: str
    title: Any  # the filters and the boosted title clause
    others: list[tuple[str, float]]  # (field, boost) of the word's other clauses
    clauses: list[Any]  # the word's boosted clause on every field: the full score, used to rescore
    # Without filters: the bare title term, whose scores times TITLE_BOOST are the title clause's. Tantivy's
    # top-k search skips whole blocks of a bare term's postings (block-max WAND); through a boost or a boolean
    # wrapper it reads every posting (a word in every title: all of them).
    bare: Any = None


class _Compiler:
    def __init__(self, opened: Opened, saved: Callable[[], dict[str, list[str]]]):
        self.t = tantivy_module()
        self.schema = opened.schema
        self.searcher = opened.index.searcher()
        self.saved = saved
        self.notes: list[str] = []

    def _term(self, fld: str, value: Any) -> Any:
        return self.t.Query.term_query(self.schema, fld, value)

    def _should(self, queries: list[Any]) -> Any:
        queries = [q for q in queries if q is not None]
        if not queries:
            return None
        if len(queries) == 1:
            return queries[0]
        return self.t.Query.boolean_query([(self.t.Occur.Should, q) for q in queries])

    def _boost(self, q: Any, boost: float) -> Any:
        return q if q is None or boost == 1.0 else self.t.Query.boost_query(q, boost)

    def _text_one(self, fld: str, toks: list[str], prefix: bool) -> Any:
        if not toks:
            return None
        if prefix:
            if len(toks) > 1:
                return self.t.Query.phrase_prefix_query(self.schema, fld, toks)
            expansions = self._prefix_terms(fld, toks[0])
            if not expansions:
                return None
            return self._should([self._term(fld, term) for term in expansions])
        if len(toks) == 1:
            return self._term(fld, toks[0])
        return self.t.Query.phrase_query(self.schema, fld, toks)

    def _prefix_terms(self, fld: str, p: str) -> list[str]:
        """Indexed terms a typed prefix stands for: those starting with it, and the stems it starts with (the
        index holds "optim" for optimizer, optimizers, optimization: `optimiz*` must still find them)."""
        found = [term for term, _ in self.searcher.terms_with_prefix(fld, p, limit=PREFIX_EXPANSIONS)]
        for n in range(len(p) - 1, max(len(p) - 4, 2), -1):
            if self.searcher.doc_freq(fld, p[:n]) > 0 and p[:n] not in found:
                found.append(p[:n])
        return found

    def _text(self, text: str, fld: str | None, prefix: bool) -> Any:
        toks = prefix_tokens(text) if prefix else tokens(text)
        if not toks:
            self.notes.append(f"ignored '{text}' (nothing searchable in it)")
            return None
        if fld is not None:
            q = self._text_one(fld, toks, prefix)
            return q if q is not None else self.t.Query.empty_query()
        if prefix and len(toks) == 1:
            # One flat OR of (boosted) term queries, not an OR of per-field ORs: tantivy runs block-max WAND
            # only over a union of plain term scorers (a boost stays inside the term scorer), about twice as
            # fast for a prefix with many completions; the scores are the same sums.
            parts = [
                self._boost(self._term(f, term), boost)
                for f, boost in (("title", TITLE_BOOST), ("body", 1.0), ("author", AUTHOR_BOOST))
                for term in self._prefix_terms(f, toks[0])
            ]
        else:
            parts = [
                self._boost(self._text_one("title", toks, prefix), TITLE_BOOST),
                self._text_one("body", toks, prefix),
                self._boost(self._text_one("author", toks, prefix), AUTHOR_BOOST),
            ]
        from feedhub.links.ids import arxiv_key

        arxiv = None if prefix else arxiv_key(text)
        if arxiv:
            parts.append(self._boost(self._term("uid", "p:" + arxiv), 10.0))
        q = self._should(parts)
        return q if q is not None else self.t.Query.empty_query()

    def _filter(self, f: Any) -> Any:
        t = self.t
        if f.name == "date":
            if f.lo is None and f.hi is None:
                return t.Query.all_query()
            return t.Query.range_query(self.schema, "date", t.FieldType.Date, f.lo, f.hi, True, f.hi is None)
        if f.name == "cat":
            if f.value.endswith("*"):
                cats = [c for c, _ in self.searcher.terms_with_prefix("cat", f.value.rstrip("*"))]
                return t.Query.term_set_query(self.schema, "cat", cats) if cats else t.Query.empty_query()
            return self._term("cat", f.value)
        if f.name == "has":
            return self._term("flags", f.value)
        if f.name == "is":
            if f.value == "saved":
                uids = ["p:" + pid for pid in self.saved()]
                return t.Query.term_set_query(self.schema, "uid", uids) if uids else t.Query.empty_query()
            return self._term("kind", f.value)
        if f.name == "tag":
            want = f.value.lower()
            uids = ["p:" + pid for pid, tags in self.saved().items() if want in (x.lower() for x in tags)]
            return t.Query.term_set_query(self.schema, "uid", uids) if uids else t.Query.empty_query()
        if f.name == "source":
            return self._term("source", int(f.value))
        if f.name == "id":
            return self._term("uid", f.value)
        raise InvalidInput(f"unknown filter {f.name}")

    def node(self, node: Any) -> tuple[Any, bool]:
        """(query, scores?) for one node; scores is False for pure filters."""
        from feedhub.search.query import And, Filter, Not, Or, Phrase, Term

        if isinstance(node, Term):
            return self._text(node.text, node.field, node.prefix), True
        if isinstance(node, Phrase):
            toks = tokens(node.text)
            if not toks:
                self.notes.append(f"ignored '\"{node.text}\"' (nothing searchable in it)")
                return None, True
            fields = [node.field] if node.field else ["title", "body", "author"]
            boosts = {"title": TITLE_BOOST, "author": AUTHOR_BOOST}
            return self._should([self._boost(self._text_one(f, toks, False), boosts.get(f, 1.0)) for f in fields]), True
        if isinstance(node, Filter):
            return self._filter(node), False
        if isinstance(node, Not):
            inner, _ = self.node(node.node)
            if inner is None:
                return None, False
            return self.t.Query.boolean_query([(self.t.Occur.Must, self.t.Query.all_query()), (self.t.Occur.MustNot, inner)]), False
        if isinstance(node, Or):
            parts = [self.node(n) for n in node.nodes]
            return self._should([q for q, _ in parts]), any(s for _, s in parts)
        if isinstance(node, And):
            return self.conj(node.nodes)
        raise AssertionError(node)

    def conj(self, nodes: Iterable[Any]) -> tuple[Any, bool]:
        from feedhub.search.query import Not

        t = self.t
        clauses: list[tuple[Any, Any]] = []
        positive = False
        for n in nodes:
            if isinstance(n, Not):
                inner, _ = self.node(n.node)
                if inner is not None:
                    clauses.append((t.Occur.MustNot, inner))
                continue
            q, scores = self.node(n)
            if q is None:
                continue
            # Filters score a constant (and would dilute the ranking): wrap them so they only filter.
            clauses.append((t.Occur.Must, q if scores else t.Query.const_score_query(q, 0.0)))
            positive = True
        if not clauses:
            return None, False
        if not positive:
            clauses.insert(0, (t.Occur.Must, t.Query.all_query()))
        if len(clauses) == 1:
            return clauses[0][1], True
        return t.Query.boolean_query(clauses), True


def compile_query(opened: Opened, parsed: Any, saved: Callable[[], dict[str, list[str]]]) -> Compiled:
    comp = _Compiler(opened, saved)
    q, _ = comp.conj(parsed.root.nodes)
    if q is None:
        return Compiled(comp.t.Query.empty_query(), True, comp.notes)
    return Compiled(q, False, comp.notes, _title_first(comp, parsed.root.nodes))


def _title_first(comp: _Compiler, nodes: tuple[Any, ...]) -> TitleFirst | None:
    from feedhub.links.ids import arxiv_key
    from feedhub.search.query import Filter, Term

    terms = [n for n in nodes if isinstance(n, Term)]
    if len(terms) != 1 or len(terms) + sum(isinstance(n, Filter) for n in nodes) != len(nodes):
        return None
    term = terms[0]
    toks = tokens(term.text)
    if term.field is not None or term.prefix or len(toks) != 1 or arxiv_key(term.text):
        return None
    word, t, searcher = toks[0], comp.t, comp.searcher
    n_docs = searcher.num_docs
    body_df = searcher.doc_freq("body", word)
    if n_docs == 0 or body_df < TITLE_FIRST_MIN_SHARE * n_docs or searcher.doc_freq("title", word) == 0:
        return None
    filters = [(t.Occur.Must, t.Query.const_score_query(comp._filter(n), 0.0)) for n in nodes if isinstance(n, Filter)]
    title = comp._boost(comp._term("title", word), TITLE_BOOST)
    others = [("body", 1.0), ("author", AUTHOR_BOOST)]
    clauses = [title] + [comp._boost(comp._term(f, word), b) for f, b in others]
    bare = None if filters else comp._term("title", word)
    return TitleFirst(word, t.Query.boolean_query([(t.Occur.Must, title), *filters]), others, clauses, bare)


def top_hits(opened: Opened, searcher: Any, compiled: Compiled, limit: int) -> list[tuple[float, Any]]:
    """The ``limit`` best (score, address) pairs of ``compiled.query``: the same hits, scores and order as
    ``searcher.search(compiled.query, limit)``.

    For one word found in most abstracts (``TitleFirst``) that search reads about two postings a document,
    most of them abstract matches worth almost nothing: BM25 gives a word in every abstract an idf near 0.
    So the title clause runs alone first. If its ``limit``-th score ``theta`` is above the most the other
    fields can add to any document (``bound`` = idf * (K1 + 1) * boost, summed), no document without the
    word in its title can reach the results, and every document that can has a title score of at least
    ``theta - bound``: those candidates are rescored with the full query, and their best are the answer.
    Otherwise (too few title matches, too many candidates) the full query runs as usual."""
    return top_hits_counted(opened, searcher, compiled, limit)[0]


def top_hits_counted(opened: Opened, searcher: Any, compiled: Compiled, limit: int, count: bool = False) -> tuple[list[tuple[float, Any]], int | None]:
    """top_hits, and with ``count`` every match's count when the same pass could count them (the full query
    ran): one walk of the postings instead of two. None: not counted (the title-first plan ran)."""
    plan = compiled.title_first
    if plan is not None:
        hits = title_first_hits(opened, searcher, plan, limit)
        if hits is not None:
            return hits, None
    found = searcher.search(compiled.query, limit, count=count)
    return list(found.hits), (int(found.count) if count else None)


def title_first_hits(opened: Opened, searcher: Any, plan: TitleFirst, limit: int) -> list[tuple[float, Any]] | None:
    t = tantivy_module()
    want = min(TITLE_FIRST_MAX_CANDIDATES, max(2 * limit, 40))

    def title_hits(n: int) -> list[tuple[float, Any]]:
        if plan.bare is None:
            return list(searcher.search(plan.title, n, count=False).hits)
        return [(score * TITLE_BOOST, addr) for score, addr in searcher.search(plan.bare, n, count=False).hits]

    hits = title_hits(want)
    if len(hits) < limit:
        return None  # fewer title matches than wanted: documents without the word in the title count
    theta = hits[limit - 1][0]
    bound = _others_bound(opened, searcher, plan, hits[0][1])
    if theta <= bound:
        return None  # a document matching only outside the title could rank: no shortcut
    while len(hits) == want and hits[-1][0] >= theta - bound:  # candidates may lie beyond: look further
        if want >= TITLE_FIRST_MAX_CANDIDATES:
            return None
        want = min(TITLE_FIRST_MAX_CANDIDATES, want * 4)
        hits = title_hits(want)
    uids = [searcher.doc(addr).get_first("uid") for score, addr in hits if score >= theta - bound]
    only = t.Query.const_score_query(t.Query.term_set_query(opened.schema, "uid", uids), 0.0)
    rescore = t.Query.boolean_query([(t.Occur.Must, only)] + [(t.Occur.Should, c) for c in plan.clauses])
    return list(searcher.search(rescore, limit, count=False).hits)


def _others_bound(opened: Opened, searcher: Any, plan: TitleFirst, match: Any) -> float:
    """The most the word's non-title clauses add to any document's score: BM25 statistics of this searcher,
    with tantivy's own document count (read from its explanation of a title match, as its BM25 counts)."""
    import math

    t = tantivy_module()
    explained = json.loads(t.Query.term_query(opened.schema, "title", plan.word).explain(searcher, match).to_json())
    n_total = next(float(d["value"]) for d in _walk(explained) if str(d.get("description", "")).startswith("N,"))
    bound = 0.0
    for fld, boost in plan.others:
        df = searcher.doc_freq(fld, plan.word)
        if df:
            bound += boost * (K1 + 1) * math.log(1 + (n_total - df + 0.5) / (df + 0.5))
    return bound * 1.001 + 1e-6  # float32 scores: the margin only adds candidates


def _walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("details") or ():
        yield from _walk(child)


