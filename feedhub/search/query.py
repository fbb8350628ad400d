"""The search query language: a forgiving parser from what a user types to a small syntax tree.

Syntax (documented in ``feedhub search --help`` and the README)::

    adam optimizer          every word must match (title, abstract or authors; titles weigh more)
    "attention is all"      an exact phrase
    transform*              a prefix (the most frequent completions are searched)
    -survey   NOT survey    exclude
    gan OR vae              either (OR binds tighter than the implicit AND: a b OR c = a AND (b OR c))
    (gan OR vae) -survey    grouping
    author:hinton  author:"geoffrey hinton"   title:adam   abstract:momentum
    cat:cs.CV  cat:cs.*  year:2018  year:2015..2018  since:2018-02  until:2018-03-01
    has:code  is:saved  is:paper  is:post  tag:reading-group  source:3  id:1706.03762

Nothing a user types makes the parser fail: stray quotes and parentheses are closed, lone
operators are ignored, unknown ``field:`` prefixes are searched as words, and every such repair adds
a note. The only errors are filters with a value that cannot mean anything (``year:abc``,
``has:wings``) and a typo of a filter's name (``autor:ruiz``): those raise
:class:`~feedhub.errors.InvalidInput` with a one-line hint naming the known filters.

This module imports nothing heavy (no tantivy, no database): the compiler in ``search.index`` turns
the tree into index queries, tokenizing words with the index's own analyzer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone

from feedhub.errors import InvalidInput
from feedhub.links.ids import arxiv_key

MAX_QUERY_CHARS = 1000
MAX_NODES = 64
MAX_DEPTH = 8

TEXT_FIELDS = {"title": "title", "ti": "title", "abstract": "body", "abs": "body", "body": "body",
               "summary": "body", "author": "author", "au": "author", "by": "author"}  # fmt: skip
FILTER_FIELDS = {"cat": "cat", "category": "cat", "year": "year", "since": "since", "until": "until",
                 "has": "has", "is": "is", "tag": "tag", "source": "source", "src": "source",
                 "id": "id", "arxiv": "id"}  # fmt: skip
HAS_VALUES = ("code", "abstract", "doi")
IS_VALUES = ("saved", "paper", "post", "entry")


@dataclass(frozen=True)
class Term:
    """Words typed without quotes. ``field`` None means the default fields (title, body, author)."""

    text: str
    field: str | None = None
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    text: str
    field: str | None = None


@dataclass(frozen=True)
class Filter:
    """A structured filter: cat, has, is, tag, source, id (value: str) or a date range (lo, hi)."""

    name: str
    value: str = ""
    lo: datetime | None = None
    hi: datetime | None = None  # exclusive


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class Or:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class And:
    nodes: tuple[Node, ...]


Node = Term | Phrase | Filter | Not | Or | And


@dataclass
class ParsedQuery:
    root: And
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.root.nodes

    def words(self) -> list[tuple[str, bool]]:
        """(text, is_prefix) of every positive word and phrase: what the snippets highlight."""
        out: list[tuple[str, bool]] = []

        def walk(node: Node, negated: bool) -> None:
            if isinstance(node, (Term, Phrase)) and not negated and node.field in (None, "title", "body"):
                out.append((node.text, isinstance(node, Term) and node.prefix))
            elif isinstance(node, Not):
                walk(node.node, not negated)
            elif isinstance(node, (And, Or)):
                for child in node.nodes:
                    walk(child, negated)

        walk(self.root, False)
        return out

    def filters(self) -> list[Filter]:
        found: list[Filter] = []

        def walk(node: Node) -> None:
            if isinstance(node, Filter):
                found.append(node)
            elif isinstance(node, Not):
                walk(node.node)
            elif isinstance(node, (And, Or)):
                for child in node.nodes:
                    walk(child)

        walk(self.root)
        return found


# --- lexing -----------------------------------------------------------------------------------

_LPAREN, _RPAREN, _OR, _AND, _NOT, _WORD, _PHRASE, _FIELD = "(", ")", "OR", "AND", "NOT", "word", "phrase", "field"


@dataclass
class _Tok:
    kind: str
    text: str = ""
    negated: bool = False
    field: str = ""  # for _FIELD: the field name typed (lower-case); text is its value
    quoted: bool = False


def _clean(text: str) -> str:
    # Control characters (NUL, \x1a, ...) and every Unicode space become plain spaces.
    out = []
    for ch in text[:MAX_QUERY_CHARS]:
        cat = unicodedata.category(ch)
        if ch.isspace() or cat in ("Cc", "Cf", "Zs", "Zl", "Zp", "Cs", "Co", "Cn"):
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _read_quoted(s: str, i: int) -> tuple[str, int, bool]:
    """From just after an opening quote: (content, next index, closed?)."""
    j = s.find('"', i)
    if j < 0:
        return s[i:], len(s), False
    return s[i:j], j + 1, True


def _lex(s: str, notes: list[str]) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(s)
    unclosed = False
    while i < n:
        ch = s[i]
        if ch == " ":
            i += 1
            continue
        if ch in "()":
            toks.append(_Tok(ch))
            i += 1
            continue
        negated = False
        if ch == "-" and i + 1 < n and s[i + 1] not in " -":
            negated = True
            i += 1
            ch = s[i]
        if ch == '"':
            text, i, closed = _read_quoted(s, i + 1)
            unclosed |= not closed
            toks.append(_Tok(_PHRASE, text, negated, quoted=True))
            continue
        if ch in "()":
            # "-(" negates a group: emit NOT then let the paren be lexed next round.
            toks.append(_Tok(_NOT))
            continue
        j = i
        while j < n and s[j] not in ' "()':
            j += 1
        word = s[i:j]
        i = j
        if word in ("OR", "||", "|") and not negated:
            toks.append(_Tok(_OR))
            continue
        if word in ("AND", "&&", "&") and not negated:
            toks.append(_Tok(_AND))
            continue
        if word == "NOT" and not negated:
            toks.append(_Tok(_NOT))
            continue
        name, colon, value = word.partition(":")
        key = name.lower()
        if colon and (key in TEXT_FIELDS or key in FILTER_FIELDS):
            if not value and i < n and s[i] == '"':
                value, i, closed = _read_quoted(s, i + 1)
                unclosed |= not closed
                toks.append(_Tok(_FIELD, value, negated, field=key, quoted=True))
                continue
            if value:
                toks.append(_Tok(_FIELD, value, negated, field=key))
                continue
            notes.append(f"'{word}' has no value; write e.g. {key}:{_example(key)}")
            continue
        if colon and value and name.isalpha() and not value.startswith("//"):
            _unknown_field(key, word, notes)
        toks.append(_Tok(_WORD, word, negated))
    if unclosed:
        notes.append("closed an unbalanced double quote")
    return toks


def _unknown_field(key: str, word: str, notes: list[str]) -> None:
    """``autor:ruiz``: a typo of a field is an error that names the fields; another ``word:value`` is
    searched as words, with a note saying so (it may be text such as ``re:invent``)."""
    import difflib

    names = sorted({*TEXT_FIELDS, *FILTER_FIELDS})
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.75)
    known = ", ".join(f"{n}:" for n in ("author", "title", "abstract", "cat", "year", "since", "until", "has", "is", "tag", "source", "id"))
    if close:
        raise InvalidInput(f"unknown filter '{key}:' (did you mean {close[0]}:?); known: {known}")
    notes.append(f"'{key}:' is not a filter, so '{word}' was searched as words; known filters: {known}")


def _example(key: str) -> str:
    return {"cat": "cs.CV", "category": "cs.CV", "year": "2018", "since": "2018-02", "until": "2018-03",
            "has": "code", "is": "saved", "tag": "reading-group", "source": "3", "src": "3",
            "id": "1706.03762", "arxiv": "1706.03762"}.get(key, "word")  # fmt: skip


# --- filters ----------------------------------------------------------------------------------

_YEAR = re.compile(r"^(\d{4})?(?:(\.\.)(\d{4})?)?$")


def _year_filter(value: str) -> Filter:
    m = _YEAR.match(value)
    if not m or not (m.group(1) or m.group(3)):
        raise InvalidInput(f"year:{value} is not a year; write year:2018, year:2015..2018 or year:2015..")
    lo_y, dots, hi_y = m.group(1), m.group(2), m.group(3)
    lo = datetime(int(lo_y), 1, 1, tzinfo=timezone.utc) if lo_y else None
    if dots:
        hi = datetime(int(hi_y) + 1, 1, 1, tzinfo=timezone.utc) if hi_y else None
    else:
        hi = datetime(int(lo_y) + 1, 1, 1, tzinfo=timezone.utc)
    if lo and hi and lo >= hi:
        raise InvalidInput(f"year:{value} is an empty range; write the earlier year first, e.g. year:2015..2018")
    return Filter("date", lo=lo, hi=hi)


def date_filter(since: datetime | None, until: datetime | None) -> Filter:
    """A date range; ``until`` is inclusive (an end-of-day time from parse_date(end=True))."""
    from datetime import timedelta

    hi = until + timedelta(microseconds=1) if until else None
    return Filter("date", lo=since, hi=hi)


def _filter(key: str, value: str) -> Filter:
    kind = FILTER_FIELDS[key]
    value = value.strip()
    if kind == "year":
        return _year_filter(value)
    if kind in ("since", "until"):
        from feedhub.links.dates import parse_date

        try:
            when = parse_date(value, end=kind == "until")
        except InvalidInput:
            raise InvalidInput(f"{key}:{value} is not a date; write {key}:2018, {key}:2018-02 or {key}:2018-02-19") from None
        return date_filter(when, None) if kind == "since" else date_filter(None, when)
    if kind == "has":
        v = value.lower()
        if v not in HAS_VALUES:
            raise InvalidInput(f"has:{value} is unknown; use has:code, has:abstract or has:doi")
        return Filter("has", v)
    if kind == "is":
        v = value.lower()
        if v not in IS_VALUES:
            raise InvalidInput(f"is:{value} is unknown; use is:saved, is:paper or is:post")
        return Filter("is", "entry" if v == "post" else v)
    if kind == "source":
        if not value.isdigit():
            raise InvalidInput(f"source:{value} is not a source id; `feedhub source list` shows the ids")
        return Filter("source", str(int(value)))
    if kind == "id":
        if value.isdigit() or (value[:1] in "#e" and value[1:].isdigit() and value[1:]):
            return Filter("id", "e:" + str(int(value.lstrip("#e"))))
        arxiv = arxiv_key(value)
        if not arxiv:
            raise InvalidInput(f"id:{value} is not an arXiv id or entry number; write e.g. id:1706.03762")
        return Filter("id", "p:" + arxiv)
    if kind == "cat":
        return Filter("cat", value.lower())
    return Filter(kind, value)  # tag


# --- parsing ----------------------------------------------------------------------------------


class _Parser:
    def __init__(self, toks: list[_Tok], notes: list[str]):
        self.toks = toks
        self.pos = 0
        self.notes = notes
        self.depth = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def parse_and(self, closing: bool) -> list[Node]:
        nodes: list[Node] = []
        while (tok := self.peek()) is not None:
            if tok.kind == _RPAREN:
                if closing:
                    return nodes
                self.pos += 1
                self.notes.append("ignored an unmatched ')'")
                continue
            if tok.kind in (_AND,):
                self.pos += 1
                continue
            if tok.kind == _OR:
                self.pos += 1
                self.notes.append("ignored an OR with nothing before it")
                continue
            node = self.parse_or()
            if node is not None:
                nodes.append(node)
        return nodes

    def parse_or(self) -> Node | None:
        first = self.parse_unit()
        options = [first] if first is not None else []
        while (tok := self.peek()) is not None and tok.kind == _OR:
            self.pos += 1
            nxt = self.peek()
            if nxt is None or nxt.kind in (_OR, _RPAREN, _AND):
                self.notes.append("ignored an OR with nothing after it")
                break
            unit = self.parse_unit()
            if unit is not None:
                options.append(unit)
        if not options:
            return None
        return options[0] if len(options) == 1 else Or(tuple(options))

    def parse_unit(self) -> Node | None:
        tok = self.peek()
        if tok is None:
            return None
        self.pos += 1
        if tok.kind == _NOT:
            nxt = self.peek()
            if nxt is None or nxt.kind in (_OR, _AND, _RPAREN, _NOT):
                self.notes.append("ignored a NOT with nothing after it")
                return None
            inner = self.parse_unit()
            return Not(inner) if inner is not None else None
        if tok.kind == _LPAREN:
            self.depth += 1
            inner_nodes = self.parse_and(closing=True)
            self.depth -= 1
            if self.peek() is None:
                self.notes.append("closed an unbalanced '('")
            else:
                self.pos += 1  # the ')'
            if not inner_nodes:
                return None
            node: Node = inner_nodes[0] if len(inner_nodes) == 1 else And(tuple(inner_nodes))
            return node
        if tok.kind in (_OR, _AND, _RPAREN):  # only reached through NOT/OR guards above; be safe
            return None
        node = self._leaf(tok)
        if node is None:
            return None
        return Not(node) if tok.negated else node

    def _leaf(self, tok: _Tok) -> Node | None:
        if tok.kind == _PHRASE:
            text = " ".join(tok.text.split())
            return Phrase(text) if _has_word(text) else None
        if tok.kind == _FIELD:
            if tok.field in TEXT_FIELDS:
                fld = TEXT_FIELDS[tok.field]
                text = " ".join(tok.text.split())
                if not _has_word(text):
                    return None
                if tok.quoted:
                    return Phrase(text, fld)
                prefix = text.endswith("*")
                return Term(text.rstrip("*"), fld, prefix and _has_word(text.rstrip("*")))
            return _filter(tok.field, tok.text)
        # a plain word
        word = tok.text
        prefix = word.endswith("*") and _has_word(word.rstrip("*"))
        word = word.strip("*") if prefix else word
        if not _has_word(word):
            if word.strip():
                self.notes.append(f"ignored '{word}' (no letters or digits)")
            return None
        return Term(word, None, prefix)


def _has_word(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _dedupe(nodes: list[Node], notes: list[str]) -> list[Node]:
    seen: set[Node] = set()
    out: list[Node] = []
    for node in nodes:
        if node in seen:
            continue
        seen.add(node)
        out.append(node)
    if len(out) > MAX_NODES:
        notes.append(f"used the first {MAX_NODES} terms of a long query")
        out = out[:MAX_NODES]
    return out


def parse_query(text: str) -> ParsedQuery:
    """Parse what the user typed. Never fails, except InvalidInput for a meaningless filter value."""
    notes: list[str] = []
    if len(text) > MAX_QUERY_CHARS:
        notes.append(f"used the first {MAX_QUERY_CHARS} characters of a long query")
    toks = _lex(_clean(text), notes)
    # Parentheses nested deeper than MAX_DEPTH are dropped (they group nothing a user means).
    depth, kept = 0, []
    for tok in toks:
        if tok.kind == _LPAREN:
            depth += 1
            if depth > MAX_DEPTH:
                continue
        elif tok.kind == _RPAREN:
            depth -= 1
            if depth >= MAX_DEPTH:
                continue
        kept.append(tok)
    parser = _Parser(kept, notes)
    nodes = _dedupe(parser.parse_and(closing=False), notes)
    return ParsedQuery(And(tuple(nodes)), notes)


def describe(node: Node) -> str:
    """The tree back as query text (for --debug and tests)."""
    if isinstance(node, Term):
        return f"{node.field + ':' if node.field else ''}{node.text}{'*' if node.prefix else ''}"
    if isinstance(node, Phrase):
        return f'{node.field + ":" if node.field else ""}"{node.text}"'
    if isinstance(node, Filter):
        if node.name == "date":
            return f"date:{node.lo.date() if node.lo else ''}..{node.hi.date() if node.hi else ''}"
        return f"{node.name}:{node.value}"
    if isinstance(node, Not):
        return f"-{describe(node.node)}"
    if isinstance(node, Or):
        return "(" + " OR ".join(describe(n) for n in node.nodes) + ")"
    return "(" + " ".join(describe(n) for n in node.nodes) + ")"
