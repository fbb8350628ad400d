"""``search()``: query text + options -> ranked hits with snippets, read from the index and the store.

The index ranks; the store (the source of truth) supplies what is shown, so a hit always shows the
current title, authors, stars and saved tags, and a row deleted since indexing is simply skipped.
"""

from __future__ import annotations

import functools
import re
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Sequence

from feedhub.errors import InvalidInput
from feedhub.links.html import plain_text
from feedhub.search.query import And, Filter, ParsedQuery, Term, date_filter, parse_query
from feedhub.search.readdb import ReadDB, as_datetime, as_list, read_db

SNIPPET_CHARS = 220
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class Hit:
    kind: str  # "paper" | "entry"
    id: str  # arXiv id, or the entry id as text
    title: str
    authors: list[str]
    more_authors: int
    date: str | None
    stars: int | None  # best stars of linked code; None: no code, or stars never fetched (see has_code)
    snippet: str
    highlights: list[list[int]]  # [start, end) offsets of matched words in snippet
    score: float
    link: str | None
    source: str | None = None  # entries: the source's name
    saved_tags: list[str] | None = None  # papers: None if not saved
    has_code: bool = False  # a repository is linked (its stars may not be known yet)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SearchResult:
    query: str
    hits: list[Hit]
    notes: list[str] = field(default_factory=list)
    took_ms: float = 0.0
    total: int | None = None  # every match, not only this page's (asked with Options.count)


@dataclass
class Options:
    since: datetime | None = None
    until: datetime | None = None
    categories: Sequence[str] = ()
    authors: Sequence[str] = ()
    source: int | None = None
    saved: bool = False
    tags: Sequence[str] = ()
    has_code: bool = False
    kind: str | None = None  # "paper" | "entry"
    sort: str = "relevance"  # or "date"
    limit: int = 20
    offset: int = 0
    count: bool = False  # also count every match (SearchResult.total): the web page's "N results"


def _with_options(parsed: ParsedQuery, opts: Options) -> ParsedQuery:
    extra: list[Any] = []
    if opts.since or opts.until:
        extra.append(date_filter(opts.since, opts.until))
    for cat in opts.categories:
        extra.append(Filter("cat", cat.strip().lower()))
    for author in opts.authors:
        extra.append(Term(author, "author"))
    if opts.source is not None:
        extra.append(Filter("source", str(opts.source)))
    if opts.saved:
        extra.append(Filter("is", "saved"))
    for tag in opts.tags:
        extra.append(Filter("tag", tag))
    if opts.has_code:
        extra.append(Filter("has", "code"))
    if opts.kind:
        extra.append(Filter("is", opts.kind))
    if not extra:
        return parsed
    return ParsedQuery(And(parsed.root.nodes + tuple(extra)), parsed.notes)


def _member_id(db: ReadDB, settings: Any) -> int:
    """The member searching (``--member`` / FEEDHUB_MEMBER, else the default member, id 1)."""
    name = getattr(settings, "member", None)
    if not name:
        return 1
    found = db.scalar("SELECT id FROM members WHERE name = :n", {"n": name})
    if found is None:
        raise InvalidInput(f"unknown member {name!r}; `feedhub member list` shows them, `feedhub member add {name}` adds one")
    return int(found)


def _saved_loader(db: ReadDB, member: int):  # type: ignore[no-untyped-def]
    cache: dict[str, list[str]] | None = None

    def load() -> dict[str, list[str]]:
        nonlocal cache
        if cache is None:
            cache = {pid: [str(t) for t in as_list(tags)] for pid, tags in db.rows("SELECT paper_id, tags FROM saved WHERE member_id = :m", {"m": member})}
        return cache

    return load


def _dismissed(db: ReadDB, member: int) -> set[str]:
    """uids ("p:ID") of the papers this member dismissed: they never come back in their search results."""
    return {"p:" + str(t)[6:] for (t,) in db.rows("SELECT target FROM dismissals WHERE member_id = :m", {"m": member}) if str(t).startswith("arxiv:")}


def search(settings: Any, text: str, opts: Options | None = None, notify: Any = "stderr") -> SearchResult:
    """Parse, run against the index, hydrate from the store. Raises InvalidInput with a hint, never more."""
    from feedhub.search import compiler
    from feedhub.search import index as ix

    started = time.perf_counter()
    opts = opts or Options()
    if opts.sort not in ("relevance", "date"):
        raise InvalidInput(f"unknown sort {opts.sort!r}; use relevance or date")
    if opts.limit < 1:
        raise InvalidInput("--limit must be at least 1")
    parsed = _with_options(parse_query(text), opts)
    if parsed.empty:
        hint = f" ({parsed.notes[0]})" if parsed.notes else ""
        raise InvalidInput(f'nothing to search for{hint}; type some words, e.g. feedhub search "adam optimizer" (or use --saved, --since, ...)')
    with read_db(settings.db_url) as db:  # first: a missing database is a message, not a new empty one
        opened = ix.open_for_search(settings, db=db, **({} if notify == "stderr" else {"notify": notify}))
        member = _member_id(db, settings)
        dismissed = _dismissed(db, member)
        compiled = compiler.compile_query(opened, parsed, _saved_loader(db, member))
        notes = parsed.notes + compiled.notes
        if compiled.empty:
            return SearchResult(text, [], notes + ["nothing searchable was left in the query"], _ms(started))
        searcher = opened.index.searcher()
        want = opts.limit + opts.offset + min(len(dismissed), 1000)
        counted: int | None = None  # every match, when the pass that found the hits could count them too
        try:
            if opts.sort == "date" or not parsed.words():  # filters only: newest first
                by_date = searcher.search(compiled.query, want, count=opts.count, order_by_field="date")
                found, counted = by_date.hits, (int(by_date.count) if opts.count else None)
            else:
                found, counted = compiler.top_hits_counted(opened, searcher, compiled, want, count=opts.count)
        except ValueError as exc:
            raise InvalidInput(f"cannot run this query: {exc}; simplify it (see feedhub search --help)") from None
        ranked = []
        for score, addr in found:
            uid = searcher.doc(addr).get_first("uid")
            if uid not in dismissed:
                ranked.append((uid, float(score) if opts.sort == "relevance" else 0.0))
        total = None
        if opts.count:  # every match was read when the search found fewer than it asked for: no count to run
            total = len(ranked) if len(found) < want else _total(opened, searcher, compiled.query, dismissed, counted)
        ranked = ranked[opts.offset : opts.offset + opts.limit]
        hits = _hydrate(db, ranked, parsed, member)
    return SearchResult(text, hits, notes, _ms(started), total)


def _total(opened: Any, searcher: Any, query: Any, dismissed: set[str], counted: int | None = None) -> int:
    """How many documents match ``query`` (``counted``: already counted), less this member's dismissed papers
    among them."""
    from feedhub.search.compiler import tantivy_module

    n = counted if counted is not None else int(searcher.search(query, 1, count=True).count)
    if n and dismissed:
        t = tantivy_module()
        mine = t.Query.term_set_query(opened.index.schema, "uid", sorted(dismissed))
        n -= int(searcher.search(t.Query.boolean_query([(t.Occur.Must, query), (t.Occur.Must, mine)]), 1, count=True).count)
    return n


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _hydrate(db: ReadDB, ranked: list[tuple[str, float]], parsed: ParsedQuery, member: int = 1) -> list[Hit]:
    paper_ids = [u[2:] for u, _ in ranked if u.startswith("p:")]
    entry_ids = [int(u[2:]) for u, _ in ranked if u.startswith("e:")]
    papers = {r[0]: r for r in db.rows_in(
        "SELECT arxiv_id, title, abstract, authors, published_at, first_seen_at FROM papers WHERE arxiv_id IN ({ids})", paper_ids)} if paper_ids else {}  # fmt: skip
    pstars = dict(db.rows_in(
        "SELECT pr.paper_id, MAX(r.stars) FROM paper_repos pr JOIN repos r ON r.id = pr.repo_id "
        "WHERE pr.paper_id IN ({ids}) GROUP BY pr.paper_id", paper_ids)) if paper_ids else {}  # fmt: skip
    saved = {pid: as_list(tags) for pid, tags in db.rows_in("SELECT paper_id, tags FROM saved WHERE member_id = :m AND paper_id IN ({ids})", paper_ids, {"m": member})} if paper_ids else {}
    entries = {int(r[0]): r for r in db.rows_in(
        "SELECT e.id, e.title, e.summary, e.authors, e.published_at, e.first_seen_at, e.link, s.name "
        "FROM entries e JOIN sources s ON s.id = e.source_id WHERE e.id IN ({ids})", entry_ids)} if entry_ids else {}  # fmt: skip
    estars = dict(db.rows_in(
        "SELECT er.entry_id, MAX(r.stars) FROM entry_repos er JOIN repos r ON r.id = er.repo_id "
        "WHERE er.entry_id IN ({ids}) GROUP BY er.entry_id", entry_ids)) if entry_ids else {}  # fmt: skip
    words = _highlight_words(parsed)
    hits: list[Hit] = []
    for uid, score in ranked:
        if uid.startswith("p:"):
            row = papers.get(uid[2:])
            if row is None:
                continue  # deleted since it was indexed
            pid, title, abstract, authors, published, first_seen = row
            names = [str(a) for a in as_list(authors)]
            snippet, marks = make_snippet(abstract or "", words)
            when = as_datetime(published) or as_datetime(first_seen)
            stars = pstars.get(pid)
            hits.append(Hit("paper", pid, title or pid, names[:3], max(0, len(names) - 3), when.date().isoformat() if when else None,
                            int(stars) if stars is not None else None, snippet, marks, round(score, 4),
                            f"https://arxiv.org/abs/{pid}", None, [str(t) for t in saved[pid]] if pid in saved else None,
                            pid in pstars))  # fmt: skip
        else:
            erow = entries.get(int(uid[2:]))
            if erow is None:
                continue
            eid, title, summary, authors, published, first_seen, link, source_name = erow
            names = [str(a) for a in as_list(authors)]
            snippet, marks = make_snippet(plain_text(summary or ""), words)
            when = as_datetime(published) or as_datetime(first_seen)
            stars = estars.get(int(eid))
            hits.append(Hit("entry", str(eid), title or "(untitled)", names[:3], max(0, len(names) - 3),
                            when.date().isoformat() if when else None, int(stars) if stars is not None else None,
                            snippet, marks, round(score, 4), link, source_name, None, int(eid) in estars))  # fmt: skip
    return hits



def _fold(word: str) -> str:
    from feedhub.search.schema import plain_tokens

    toks = plain_tokens(word)
    return toks[0] if toks else ""


def _highlight_words(parsed: ParsedQuery) -> tuple[set[str], tuple[str, ...]]:
    from feedhub.search.schema import plain_tokens as tokens  # the words as typed: snippets show them, not stems

    exact: set[str] = set()
    prefixes: list[str] = []
    for text, prefix in parsed.words():
        toks = tokens(text)
        if prefix and toks:
            prefixes.append(toks[-1])
            exact.update(toks[:-1])
        else:
            exact.update(toks)
    return exact, tuple(prefixes)


@functools.lru_cache(maxsize=512)
def _words_pattern(exact: frozenset[str], prefixes: tuple[str, ...]) -> re.Pattern[str] | None:
    """The regex that finds a search's words (and prefixes) in ASCII text, built once per search, not per hit."""
    alts = [re.escape(w) for w in sorted(exact, key=lambda w: (-len(w), w)) if w.isascii()]
    alts += [re.escape(p) + r"[^\W_]*" for p in prefixes if p.isascii()]
    if not alts:
        return None
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alts) + r")(?![^\W_])", re.IGNORECASE)


def make_snippet(text: str, words: tuple[set[str], tuple[str, ...]], size: int = SNIPPET_CHARS) -> tuple[str, list[list[int]]]:
    """The window of ``text`` with the most matched words, and their [start, end) offsets in it."""
    text = " ".join(text.split())
    exact, prefixes = words
    spans: list[tuple[int, int]] = []
    if (exact or prefixes) and text.isascii():
        # One regex pass (the common case); accents need the analyzer's folding below.
        pattern = _words_pattern(frozenset(exact), tuple(prefixes))
        if pattern is not None:
            spans = [m.span() for m in pattern.finditer(text)]
    elif exact or prefixes:
        for m in _WORD.finditer(text):
            tok = _fold(m.group()) if not m.group().isascii() else m.group().lower()
            if tok in exact or (prefixes and tok.startswith(prefixes)):
                spans.append((m.start(), m.end()))
    if len(text) <= size:
        start = 0
    elif spans:
        # Slide a window over the matches: start a little before the densest run.
        best, best_n, j = spans[0][0], 0, 0
        for i, (s, _) in enumerate(spans):
            while spans[j][0] < s - size + 40:
                j += 1
            if i - j + 1 > best_n:
                best_n, best = i - j + 1, spans[j][0]
        start = max(0, min(best - 40, len(text) - size))
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < start + 30 else start
    else:
        start = 0
    end = min(len(text), start + size)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + size // 2 else end
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    body = text[start:end]
    marks = [[s - start + len(prefix), e - start + len(prefix)] for s, e in spans if s >= start and e <= end]
    return prefix + body + suffix, marks
