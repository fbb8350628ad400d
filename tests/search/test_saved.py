"""Saved papers: save with tags, unsave, list, BibTeX and CSV export."""

from __future__ import annotations

import csv
import io

import pytest

from feedhub.errors import InvalidInput
from feedhub.search.saved import export, list_saved, save, unsave
from feedhub.store.db import transaction
from feedhub.store.models import Paper


@pytest.fixture()
def populated(engine):  # type: ignore[no-untyped-def]
    from tests.search.conftest import populate

    populate(engine)
    return engine


@pytest.mark.parametrize("ref", ["1706.03762", "arXiv:1706.03762v5", "https://arxiv.org/abs/1706.03762", " 1706.03762v2 "])
def test_save_accepts_id_forms_and_merges_tags(populated, ref) -> None:  # type: ignore[no-untyped-def]
    with transaction(populated) as s:
        first = save(s, ref, ["Reading-Group"])
        again = save(s, "1706.03762", ["nlp,reading-group"])
    assert first.created and first.paper_id == "1706.03762" and not first.stub
    assert not again.created and again.tags == ["reading-group", "nlp"]


def test_unknown_valid_id_is_saved_as_a_stub(populated) -> None:  # type: ignore[no-untyped-def]
    with transaction(populated) as s:
        res = save(s, "2401.12345")
    assert res.stub
    with transaction(populated) as s:
        assert s.get(Paper, "2401.12345") is not None


@pytest.mark.parametrize("ref, tags", [("nonsense", []), ("1706.03762", ["bad tag!"])])
def test_bad_input_is_one_line(populated, ref, tags) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as exc, transaction(populated) as s:
        save(s, ref, tags)
    assert "\n" not in str(exc.value)


def test_unsave_whole_or_a_tag(populated) -> None:  # type: ignore[no-untyped-def]
    with transaction(populated) as s:
        assert unsave(s, "1412.6980", ["optim"]) == ["reading-group"]
        assert unsave(s, "1207.0580") is None
    with transaction(populated) as s:
        assert [sp.paper.arxiv_id for sp in list_saved(s)] == ["1412.6980"]
        with pytest.raises(InvalidInput, match="not saved"):
            unsave(s, "1207.0580")


def test_bibtex_export(populated) -> None:  # type: ignore[no-untyped-def]
    with transaction(populated) as s:
        save(s, "1512.03385", ["vision"])
        bib = export(s, "bibtex")
        only = export(s, "bibtex", tag="vision")
    assert bib.count("@misc{") == 3
    assert "@misc{kingma2014adam," in bib and "@misc{hinton2012improving," in bib
    assert "title = {{Adam: A Method for Stochastic Optimization}}" in bib
    assert "author = {Kingma, Diederik P. and Ba, Jimmy}" in bib
    assert "eprint = {1412.6980}" in bib and "archivePrefix = {arXiv}" in bib and "primaryClass = {cs.LG}" in bib
    assert only.count("@misc{") == 1 and "doi = {10.1000/xyz}" in only and "he2015deep" in only
    assert bib.count("{") == bib.count("}")


def test_csv_export(populated) -> None:  # type: ignore[no-untyped-def]
    with transaction(populated) as s:
        rows = list(csv.DictReader(io.StringIO(export(s, "csv", tag="optim"))))
    assert [r["id"] for r in rows] == ["1412.6980"]
    assert rows[0]["authors"] == "Diederik P. Kingma; Jimmy Ba" and rows[0]["year"] == "2014"


def test_unknown_format(populated) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="bibtex or csv"), transaction(populated) as s:
        export(s, "ris")
