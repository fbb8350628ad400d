"""Finding arXiv ids and DOIs: table-driven, including the false hits that must not happen."""

from __future__ import annotations

import pytest

from feedhub.errors import InvalidInput
from feedhub.links.ids import (
    find_arxiv_ids,
    find_arxiv_ids_with_versions,
    find_dois,
    is_arxiv_id,
    normalize_arxiv_id,
    parse_arxiv_id,
)

FOUND = [
    # URLs of every kind
    ("https://arxiv.org/abs/1802.03268", ["1802.03268"]),
    ("http://arxiv.org/abs/1802.03268v2", ["1802.03268"]),
    ("https://arxiv.org/pdf/2401.01234v3.pdf", ["2401.01234"]),
    ("https://arxiv.org/html/2401.01234v1#S2", ["2401.01234"]),
    ("https://export.arxiv.org/abs/hep-th/9901001", ["hep-th/9901001"]),
    ("https://www.arxiv.org/abs/cs.LG/0601001v1", ["cs/0601001"]),
    ('<a href="https://arxiv.org/abs/1412.6980">Adam</a>', ["1412.6980"]),
    # prefixes
    ("see arXiv:1802.03268 for details", ["1802.03268"]),
    ("arXiv: 2401.01234v2", ["2401.01234"]),
    ("ARXIV:1706.03762", ["1706.03762"]),
    ("oai:arXiv.org:1802.06070v1", ["1802.06070"]),
    ("doi:10.48550/arXiv.2401.01234", ["2401.01234"]),
    # old style, bare: a known archive and a valid YYMM are distinctive enough
    ("in hep-th/9901001 they show", ["hep-th/9901001"]),
    ("cf. math.GT/0309136v2", ["math/0309136"]),
    ("quant-ph/0201082v1", ["quant-ph/0201082"]),
    # bare new style when the text says arXiv
    ("Our paper on arXiv (1802.03268) shows", ["1802.03268"]),
    ("New on arxiv: 1802.05365 and 1802.03268v2.", ["1802.05365", "1802.03268"]),
    # 4-digit numbers before 2015, 5 after
    ("arXiv:0704.0001", ["0704.0001"]),
    ("arXiv:1412.6980", ["1412.6980"]),
    # order of appearance, no duplicates
    ("arXiv:1706.03762 then https://arxiv.org/abs/1412.6980 and arXiv:1706.03762v5", ["1706.03762", "1412.6980"]),
]

NOT_FOUND = [
    "version 1802.03268",  # a changelog, no arXiv context
    "Released 2401.01234 today",
    "call +1 1802.03268",
    "on 2018.02.03 at 10:00",
    "price 1802.03268 USD",
    "arXiv changelog: version 1802.03268 fixes a bug",  # arXiv context, but "version" says what it is
    "arXiv release v1802.03268",
    "arxiv build 1.1802.03268",
    "arXiv 1802.03268.1",  # glued to more digits: a version string
    "arXiv:1802.0326",  # 4 digits after 2015: impossible
    "arXiv:1412.69801",  # 5 digits before 2015: impossible
    "arXiv:1813.01234",  # month 13
    "arXiv:0612.1234",  # before new-style ids began (2007-04)
    "arXiv:9912.12345",  # far future
    "arxiv.org/abs/0000.0000",
    "arXiv 192.168.1.1",
    "tel: 0800.12345 arxiv",
    "hep-th/9913001",  # month 13
    "example.com/cs/0601001",  # a path on another site
    "arXiv:1802.03268v0",
    "",
]


@pytest.mark.parametrize("text,expected", FOUND)
def test_finds_ids(text: str, expected: list[str]) -> None:
    assert find_arxiv_ids(text) == expected


@pytest.mark.parametrize("text", NOT_FOUND)
def test_no_false_hits(text: str) -> None:
    assert find_arxiv_ids(text) == []


@pytest.mark.parametrize(
    "text,context,expected",
    [
        ("1802.03268", False, []),  # bare, no arXiv context: a miss is better than a false hit
        ("1802.03268", True, ["1802.03268"]),  # in an arXiv listing
        ("Improves on 1706.03762 by far", True, ["1706.03762"]),
        ("version 1706.03762", True, []),
    ],
)
def test_bare_new_style_needs_context(text: str, context: bool, expected: list[str]) -> None:
    assert find_arxiv_ids(text, context=context) == expected


def test_versions_are_reported() -> None:
    assert find_arxiv_ids_with_versions("arXiv:2401.01234v2 and hep-th/9901001") == [("2401.01234", 2), ("hep-th/9901001", None)]


@pytest.mark.parametrize(
    "value,expected",
    [
        ("1802.03268", ("1802.03268", None)),
        (" 2401.01234v2 ", ("2401.01234", 2)),
        ("arXiv:1802.03268", ("1802.03268", None)),
        ("oai:arXiv.org:1802.06070v1", ("1802.06070", 1)),
        ("https://arxiv.org/abs/1802.03268v2", ("1802.03268", 2)),
        ("https://arxiv.org/pdf/1802.03268.pdf", ("1802.03268", None)),
        ("hep-th/9901001", ("hep-th/9901001", None)),
        ("cs.LG/0601001v1", ("cs/0601001", 1)),
        ("1802.0326", None),
        ("abc", None),
        ("1802.03268 and more", None),
        ("https://arxiv.org/abs/1802.03268/extra/path", None),
        ("https://example.org/abs/1802.03268", None),
        ("", None),
    ],
)
def test_parse_whole_values(value: str, expected: tuple[str, int | None] | None) -> None:
    assert parse_arxiv_id(value) == expected


def test_normalize_refuses_with_one_line() -> None:
    assert normalize_arxiv_id("arXiv:1802.03268v2") == "1802.03268"
    with pytest.raises(InvalidInput, match="not an arXiv id; use e.g."):
        normalize_arxiv_id("12345")


@pytest.mark.parametrize("value,ok", [("1802.03268", True), ("1802.03268v2", False), ("cs.LG/0601001", False), ("cs/0601001", True)])
def test_is_arxiv_id_is_the_stored_key(value: str, ok: bool) -> None:
    assert is_arxiv_id(value) is ok


@pytest.mark.parametrize(
    "text,expected",
    [
        ("doi: 10.1038/nature14539.", ["10.1038/nature14539"]),
        ("https://doi.org/10.1145/3065386", ["10.1145/3065386"]),
        ("(see 10.1000/xyz(2)1)", ["10.1000/xyz(2)1"]),
        ("10.48550/arXiv.2401.01234 and 10.1038/NATURE14539", ["10.48550/arxiv.2401.01234", "10.1038/nature14539"]),
        ("version 10.2 of the app", []),
        ("no doi", []),
    ],
)
def test_finds_dois(text: str, expected: list[str]) -> None:
    assert find_dois(text) == expected
