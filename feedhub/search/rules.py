"""The rule language: what a member wants included, excluded or pinned, in one line each.

    feedhub rule add pin 'author:"Yann LeCun" OR repo:pytorch/pytorch'
    feedhub rule add exclude 'crypto OR blockchain AND NOT cat:cs.CR'
    feedhub rule add include '"diffusion model" cat:cs.CV'

An expression is terms joined by ``AND`` (or nothing: side by side means AND), ``OR`` and ``NOT`` (or a
leading ``-``), with parentheses; AND binds tighter than OR. A term is

    word            a whole word of the title or text (``diffus*``: any word starting so), case and accents ignored
    "a phrase"      these words in this order
    author:NAME     an author ("Yann LeCun", or a last name alone: lecun)
    cat:cs.CV       a category (``cat:cs.*``: any cs category); ``category:`` is the same
    source:NAME     a source whose name or URL contains NAME
    repo:owner/name a linked GitHub repository (``repo:pytorch/*``: any of the owner's)
    word:W / phrase:"P"  the same as a bare word or phrase

Actions: ``include`` adds to a matching item's score (it ranks higher), ``exclude`` hides it from the
member's digest and recommendations, ``pin`` always shows it, first in its section; a pin beats an
exclude. A syntax error is one line naming the column.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Union

from feedhub.errors import InvalidInput

ACTIONS = ("include", "exclude", "pin")
FIELDS = {"word": "word", "phrase": "phrase", "author": "author", "cat": "cat", "category": "cat", "source": "source", "repo": "repo"}
MAX_LENGTH = 2000


def fold(text: str) -> str:
    """Lower case without accents: what rules and follows compare."""
    return "".join(c for c in unicodedata.normalize("NFKD", text or "") if not unicodedata.combining(c)).lower()


_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@dataclass
class Subject:
    """What a rule or a follow looks at: a paper, a post, a repository (the digest's story, or a paper)."""

    key: str  # the digest's story key: arxiv:ID, github:owner/name, url:..., entry:N
    title: str = ""
    text: str = ""  # abstract or summary, plain text
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # names and URLs of the sources that carry it
    repos: list[str] = field(default_factory=list)  # owner/name
    paper_id: str | None = None
    _words: list[str] | None = field(default=None, repr=False)

    def all_words(self) -> list[str]:
        if self._words is None:
            self._words = words(f"{self.title} {self.text}")
        return self._words


# --- the syntax tree ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    field: str
    value: str
    prefix: bool = False


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    nodes: tuple[Node, ...]


Node = Union[Term, Not, And, Or]


class RuleSyntaxError(InvalidInput):
    def __init__(self, expression: str, column: int, problem: str):
        self.column = column
        shown = expression if len(expression) <= 60 else expression[:57] + "..."
        super().__init__(f"rule syntax error at column {column}: {problem} in {shown!r}; see `feedhub rule --help` for the language")


_TOKEN = re.compile(r'\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<quote>")|(?P<word>[^\s()"]+))')


@dataclass
class _Tok:
    kind: str  # lp rp word phrase op
    text: str
    col: int  # 1-based column


def _tokens(expr: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(expr):
        if expr[pos].isspace():
            pos += 1
            continue
        m = _TOKEN.match(expr, pos)
        if m is None:  # cannot happen with the pattern above, kept as a guard
            raise RuleSyntaxError(expr, pos + 1, "unexpected character")
        col = m.start(m.lastgroup or 0) + 1
        if m.group("quote"):
            end = expr.find('"', m.end())
            if end < 0:
                raise RuleSyntaxError(expr, col, "unclosed quote")
            out.append(_Tok("phrase", expr[m.end() : end], col))
            pos = end + 1
            continue
        if m.group("lp"):
            out.append(_Tok("lp", "(", col))
        elif m.group("rp"):
            out.append(_Tok("rp", ")", col))
        else:
            word = m.group("word")
            out.append(_Tok("op" if word in ("AND", "OR", "NOT") else "word", word, col))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, expr: str):
        self.expr = expr
        self.toks = _tokens(expr)
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def error(self, problem: str, tok: _Tok | None = None) -> RuleSyntaxError:
        col = tok.col if tok else len(self.expr.rstrip()) + 1
        return RuleSyntaxError(self.expr, col, problem)

    def parse(self) -> Node:
        if not self.toks:
            raise self.error("the rule is empty")
        node = self.or_()
        tok = self.peek()
        if tok is not None:
            raise self.error("unmatched ')'" if tok.kind == "rp" else f"unexpected {tok.text!r}", tok)
        return node

    def or_(self) -> Node:
        nodes = [self.and_()]
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text == "OR":
            self.i += 1
            nodes.append(self.and_())
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))

    def and_(self) -> Node:
        nodes = [self.unary()]
        while (tok := self.peek()) is not None and not (tok.kind == "rp" or (tok.kind == "op" and tok.text == "OR")):
            if tok.kind == "op" and tok.text == "AND":
                self.i += 1
            nodes.append(self.unary())
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def unary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.error("expected a term (a word, \"a phrase\", author:..., cat:..., source:..., repo:...) at the end")
        if tok.kind == "op" and tok.text == "NOT":
            self.i += 1
            return Not(self.unary())
        if tok.kind == "op":
            raise self.error(f"{tok.text} needs a term before and after it", tok)
        if tok.kind == "word" and tok.text.startswith("-") and len(tok.text) > 1:
            self.i += 1
            return Not(self.term(_Tok("word", tok.text[1:], tok.col + 1)))
        if tok.kind == "lp":
            self.i += 1
            node = self.or_()
            close = self.peek()
            if close is None or close.kind != "rp":
                raise self.error("'(' is never closed", tok)
            self.i += 1
            return node
        if tok.kind == "rp":
            raise self.error("unmatched ')'", tok)
        self.i += 1
        return self.term(tok)

    def term(self, tok: _Tok) -> Node:
        if tok.kind == "phrase":
            return self.value("phrase", tok.text, tok)
        name, sep, rest = tok.text.partition(":")
        if not sep or name.startswith("http"):
            return self.value("word", tok.text, tok)
        fld = FIELDS.get(name.lower())
        if fld is None:
            raise self.error(f"unknown field {name + ':'!r} (use word: phrase: author: cat: source: repo:)", tok)
        if rest:
            return self.value(fld, rest, tok)
        nxt = self.peek()  # author:"Yann LeCun"
        if nxt is not None and nxt.kind == "phrase" and nxt.col == tok.col + len(tok.text):
            self.i += 1
            return self.value(fld, nxt.text, tok)
        raise self.error(f"{name}: needs a value, e.g. {name}:\"...\"", tok)

    def value(self, fld: str, raw: str, tok: _Tok) -> Node:
        text = " ".join(raw.split())
        if not text:
            raise self.error("an empty phrase", tok)
        prefix = text.endswith("*")
        if prefix:
            text = text.rstrip("*")
            if not text or fld in ("phrase", "author"):
                raise self.error("'*' only ends a word, a category, a source or a repository owner", tok)
        if fld == "word" and len(words(text)) > 1:
            fld = "phrase"  # word:deep-learning reads as the phrase "deep learning"
        if fld in ("word", "phrase") and not words(text):
            raise self.error(f"{text!r} has no letters or digits to match", tok)
        if fld == "repo" and "/" not in text and not prefix:
            raise self.error("repo: needs owner/name (or owner/*)", tok)
        return Term(fld, text, prefix)


def parse(expression: str) -> Node:
    """The syntax tree of a rule; a RuleSyntaxError (one line, with the column) when it is not valid."""
    expression = (expression or "").strip()
    if len(expression) > MAX_LENGTH:
        raise InvalidInput(f"the rule is {len(expression)} characters; keep it under {MAX_LENGTH}")
    return _Parser(expression).parse()


def check_action(action: str) -> str:
    action = (action or "").strip().lower()
    if action not in ACTIONS:
        raise InvalidInput(f"unknown rule action {action!r}; use one of: {', '.join(ACTIONS)} (e.g. feedhub rule add exclude crypto)")
    return action


# --- matching ----------------------------------------------------------------------------------


def author_matches(wanted: str, authors: list[str]) -> bool:
    """``wanted`` is one of ``authors``: the whole name (accents and case ignored), or the last name alone."""
    want = words(wanted)
    if not want:
        return False
    for name in authors:
        have = words(name)
        if not have:
            continue
        if have == want or (len(want) == 1 and have[-1] == want[0]):
            return True
        # "Y. LeCun" / "Yann LeCun": same last name and the first initials agree
        if len(want) > 1 and have[-1] == want[-1] and have[0][:1] == want[0][:1]:
            return True
    return False


def _phrase_in(phrase: list[str], seq: list[str]) -> bool:
    n = len(phrase)
    if n == 0 or n > len(seq):
        return False
    first = phrase[0]
    return any(seq[i] == first and seq[i : i + n] == phrase for i in range(len(seq) - n + 1))


def term_matches(t: Term, s: Subject) -> bool:
    if t.field == "word":
        w = words(t.value)[0]
        return any(x.startswith(w) for x in s.all_words()) if t.prefix else w in s.all_words()
    if t.field == "phrase":
        return _phrase_in(words(t.value), s.all_words())
    if t.field == "author":
        return author_matches(t.value, s.authors)
    if t.field == "cat":
        want = t.value.lower()
        return any(c.lower().startswith(want) if t.prefix else c.lower() == want for c in s.categories)
    if t.field == "source":
        want = fold(t.value)
        return any(want in fold(x) for x in s.sources)
    if t.field == "repo":
        want = t.value.lower().rstrip("/")
        if t.prefix:
            return any(r.lower().startswith(want) for r in s.repos)
        return want in (r.lower() for r in s.repos)
    return False


def matches(node: Node, s: Subject) -> bool:
    if isinstance(node, Term):
        return term_matches(node, s)
    if isinstance(node, Not):
        return not matches(node.node, s)
    if isinstance(node, And):
        return all(matches(n, s) for n in node.nodes)
    return any(matches(n, s) for n in node.nodes)


def describe(node: Node) -> str:
    """The rule as a short phrase for a why-line: ``pin: author:"Yann LeCun"``."""
    if isinstance(node, Term):
        value = f'"{node.value}"' if " " in node.value or node.field == "phrase" else node.value
        value += "*" if node.prefix else ""
        return value if node.field in ("word", "phrase") else f"{node.field}:{value}"
    if isinstance(node, Not):
        return "NOT " + describe(node.node)
    joiner = " AND " if isinstance(node, And) else " OR "
    return joiner.join(f"({describe(n)})" if isinstance(n, (And, Or)) else describe(n) for n in node.nodes)
