"""Searching a real store through the real index: ranking, filters, snippets, and every user string."""

from __future__ import annotations

import json

import pytest

from feedhub.errors import FeedhubError, InvalidInput
from feedhub.search.service import Options, make_snippet, search


def ids(settings, text, **kw):  # type: ignore[no-untyped-def]
    return [h.id for h in search(settings, text, Options(**kw), notify=None).hits]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("attention", ["1706.03762", "1", "1512.03385"]),  # the title match ranks first
        ("ADAM", ["1412.6980", "1"]),
        ('"neural networks"', None),
        ("transform*", ["1", "1706.03762"]),
        ("dropout -attention", ["1207.0580"]),
        ("author:hinton", ["1207.0580"]),
        ('author:"kaiming he"', ["1512.03385"]),
        ("cat:cs.CV", ["1512.03385", "1207.0580"]),
        ("cat:cs.*", ["1802.05365", "1706.03762", "1512.03385", "1412.6980", "1207.0580"]),
        ("year:2017", ["1706.03762"]),
        ("has:code", ["2", "1706.03762"]),
        ("is:saved", ["1412.6980", "1207.0580"]),
        ("tag:optim", ["1412.6980"]),
        ("is:post", ["2", "1"]),
        ("1706.03762", ["1706.03762"]),
        ("cafe deja", ["1802.05365"]),  # accents fold both ways
        ("résumé", ["1802.05365"]),
        ("gans OR dropout", ["2", "1207.0580"]),
        ("gan", ["2"]),  # English stems (issue 19): "gan" finds the post about GANs
        ("title:adam", ["1412.6980"]),
        ("self-attention", []),
        ("co-adaptation", ["1207.0580"]),
    ],
)
def test_queries(store, query, expected) -> None:  # type: ignore[no-untyped-def]
    settings, _ = store
    got = ids(settings, query)
    if expected is None:
        assert set(got) >= {"1706.03762", "1207.0580", "1512.03385"}
    elif query in ("gans OR dropout", "cat:cs.CV", "transform*"):
        assert sorted(got) == sorted(expected)
    else:
        assert got == expected


def test_titles_weigh_more_than_abstracts(store) -> None:  # type: ignore[no-untyped-def]
    settings, _ = store
    # "residual" is in one title; "optimization" is in Adam's title and only in ResNet's abstract
    assert ids(settings, "optimization")[0] == "1412.6980"


def test_options_filter(store) -> None:  # type: ignore[no-untyped-def]
    from feedhub.links.dates import parse_date

    settings, _ = store
    assert ids(settings, "neural", since=parse_date("2015"), until=parse_date("2016", end=True)) == ["1512.03385"]
    assert ids(settings, "neural", categories=["cs.NE"]) == ["1207.0580"]
    assert ids(settings, "networks", has_code=True) == ["2", "1706.03762"] or set(ids(settings, "networks", has_code=True)) == {"2", "1706.03762"}
    assert ids(settings, "adam", saved=True) == ["1412.6980"]
    assert ids(settings, "neural", tags=["reading-group"]) == ["1207.0580"]
    assert ids(settings, "attention", kind="entry") == ["1"]
    assert set(ids(settings, "attention", source=1)) == {"1", "1706.03762"}  # the paper was mentioned by source 1
    assert ids(settings, "networks", authors=["hinton"]) == ["1207.0580"]
    assert ids(settings, "deep", sort="date") == ["1802.05365", "1512.03385"]
    assert len(ids(settings, "neural", limit=1)) == 1


def test_hit_fields(store) -> None:  # type: ignore[no-untyped-def]
    settings, _ = store
    hit = search(settings, "attention mechanisms", notify=None).hits[0]
    assert (hit.kind, hit.id, hit.title, hit.stars, hit.date) == ("paper", "1706.03762", "Attention Is All You Need", 12000, "2017-06-12")
    assert hit.authors == ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"] and hit.more_authors == 1
    marked = [hit.snippet[s:e] for s, e in hit.highlights]
    assert marked == ["attention", "mechanisms"]
    saved = search(settings, "adam", notify=None).hits[0]
    assert saved.saved_tags == ["optim", "reading-group"] and saved.stars is None
    entry = search(settings, "gans", notify=None).hits[0]
    assert (entry.kind, entry.source, entry.stars) == ("entry", "Import AI", 50)
    json.dumps(hit.to_json())


def test_snippet_window_and_prefix_highlight() -> None:
    text = "lorem " * 100 + "the transformer and transformers are here " + "ipsum " * 100
    snippet, marks = make_snippet(text, (set(), ("transform",)))
    assert snippet.startswith("…") and snippet.endswith("…")
    assert [snippet[s:e] for s, e in marks] == ["transformer", "transformers"]


def test_every_fts5_corpus_string_gets_results_or_one_line(store, corpora) -> None:  # type: ignore[no-untyped-def]
    settings, _ = store
    cases = json.loads((corpora / "fts5" / "fts5_query_cases.json").read_text(encoding="utf-8"))["cases"]
    assert len(cases) > 100
    for case in cases:
        try:
            result = search(settings, case["input"], notify=None)
        except InvalidInput as exc:
            assert "\n" not in str(exc) and str(exc), case["input"]
            continue
        assert isinstance(result.hits, list)
        for note in result.notes:
            assert "\n" not in note


def test_empty_query_explains(store) -> None:  # type: ignore[no-untyped-def]
    settings, _ = store
    with pytest.raises(InvalidInput, match="nothing to search for"):
        search(settings, "   ", notify=None)
    assert ids(settings, "", saved=True) == ["1412.6980", "1207.0580"]  # filters alone: newest first


def test_missing_database_says_what_to_do(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from feedhub.config import Settings

    settings = Settings(home=tmp_path, db_url=f"sqlite:///{tmp_path / 'none.db'}")
    with pytest.raises(FeedhubError, match="feedhub demo"):
        search(settings, "attention", notify=None)
