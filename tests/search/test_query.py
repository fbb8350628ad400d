"""The query parser: the documented syntax, and no input makes it fail with anything but a one-line hint."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from feedhub.errors import InvalidInput
from feedhub.search.query import And, Filter, Not, Or, Phrase, Term, describe, parse_query


@pytest.mark.parametrize(
    "text, expected",
    [
        ("adam optimizer", "(adam optimizer)"),
        ('"attention is all"', '("attention is all")'),
        ("transform*", "(transform*)"),
        ("gan -survey", "(gan -survey)"),
        ("gan NOT survey", "(gan -survey)"),
        ("a b OR c", "(a (b OR c))"),
        ("(gan OR vae) -survey", "((gan OR vae) -survey)"),
        ("author:hinton", "(author:hinton)"),
        ('author:"geoffrey hinton"', '(author:"geoffrey hinton")'),
        ("cat:cs.CV", "(cat:cs.cv)"),
        ("has:code is:saved tag:reading-group", "(has:code is:saved tag:reading-group)"),
        ("year:2018", "(date:2018-01-01..2019-01-01)"),
        ("year:2015..2018", "(date:2015-01-01..2019-01-01)"),
        ("source:3", "(source:3)"),
        ("id:arXiv:1706.03762v5", "(id:p:1706.03762)"),
        ("title:adam abstract:moments", "(title:adam body:moments)"),
        ("is:post", "(is:entry)"),
    ],
)
def test_documented_syntax(text: str, expected: str) -> None:
    assert describe(parse_query(text).root) == expected


@pytest.mark.parametrize(
    "text, note",
    [
        ('"unbalanced', "closed an unbalanced double quote"),
        ("((cat)", "closed an unbalanced '('"),
        ("cat)", "ignored an unmatched ')'"),
        ("OR dog", "ignored an OR with nothing before it"),
        ("dog NOT", "ignored a NOT with nothing after it"),
        ("--", "ignored '--' (no letters or digits)"),
    ],
)
def test_repairs_are_noted(text: str, note: str) -> None:
    parsed = parse_query(text)
    assert note in parsed.notes


@pytest.mark.parametrize("text", ["year:abc", "year:2019..2015", "has:wings", "is:cool", "source:abc", "id:nonsense", "since:yesterday"])
def test_meaningless_filter_values_get_a_one_line_hint(text: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_query(text)
    message = str(exc.value)
    assert "\n" not in message and text.split(":")[0] in message


def test_unknown_field_is_searched_as_words() -> None:
    root = parse_query("nosuchcol:dog").root
    assert root.nodes == (Term("nosuchcol:dog"),)


def test_repeated_words_collapse() -> None:
    assert parse_query("a " * 500).root.nodes == (Term("a"),)


def test_words_for_highlighting_skip_negated() -> None:
    assert parse_query('adam -survey "exact phrase" transform*').words() == [("adam", False), ("exact phrase", False), ("transform", True)]


def _check(text: str) -> None:
    try:
        parsed = parse_query(text)
    except InvalidInput as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert isinstance(parsed.root, And)
    for note in parsed.notes:
        assert "\n" not in note

    def walk(node) -> None:  # type: ignore[no-untyped-def]
        assert isinstance(node, (Term, Phrase, Filter, Not, Or, And))
        if isinstance(node, (Term, Phrase)):
            assert any(ch.isalnum() for ch in node.text)
        for child in getattr(node, "nodes", ()):
            walk(child)
        if isinstance(node, Not):
            walk(node.node)

    walk(parsed.root)


QUERY_ALPHABET = st.sampled_from(list('abc XYZ"()-*:ORANDNOT.+#@/\\\'^~éß日🙂\x00\t\n') + ["OR", "AND", "NOT", "author:", "cat:", "year:", "has:", "is:", "tag:"])


@hsettings(max_examples=400, deadline=None)
@given(st.lists(QUERY_ALPHABET, max_size=40).map("".join))
def test_parser_never_fails_on_query_like_text(text: str) -> None:
    _check(text)


@hsettings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_parser_never_fails_on_any_text(text: str) -> None:
    _check(text)
