"""Papers-with-Code links dump: streamed JSON array, official flag, provenance "imported"."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from feedhub.errors import FeedhubError
from feedhub.papers.pwc import import_pwc_links, iter_array
from feedhub.store.db import transaction
from feedhub.store.models import Paper, PaperRepo, Repo

DUMP = [
    {"paper_url": "https://paperswithcode.com/paper/enas", "paper_title": "ENAS", "paper_arxiv_id": "1802.03268",
     "paper_url_abs": "https://arxiv.org/abs/1802.03268v2", "paper_url_pdf": "https://arxiv.org/pdf/1802.03268v2.pdf",
     "repo_url": "https://github.com/melodyguan/enas", "is_official": True, "mentioned_in_paper": True,
     "mentioned_in_github": True, "framework": "tf"},
    {"paper_url": "https://paperswithcode.com/paper/enas", "paper_arxiv_id": "1802.03268",
     "repo_url": "https://github.com/carpedm20/ENAS-pytorch", "is_official": False, "framework": "pytorch"},
    # no paper_arxiv_id: found in the abs URL
    {"paper_arxiv_id": None, "paper_url_abs": "https://arxiv.org/abs/1412.6980v9", "repo_url": "https://github.com/a/adam.git",
     "is_official": False},
    {"paper_arxiv_id": None, "paper_url_abs": "https://openreview.net/forum?id=x", "repo_url": "https://github.com/b/c"},
    {"paper_arxiv_id": "1706.03762", "repo_url": "https://gitlab.com/x/y", "is_official": False},
    "not an object",
    # the same pair twice: official wins
    {"paper_arxiv_id": "1802.03268", "repo_url": "https://github.com/carpedm20/ENAS-pytorch/", "is_official": True},
]


def links(engine) -> set[tuple[str, str, str, bool]]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        q = select(PaperRepo.paper_id, Repo.full_name, PaperRepo.provenance, PaperRepo.official).join(Repo)
        return {tuple(r) for r in s.execute(q)}  # type: ignore[misc]


@pytest.mark.parametrize("gz", [False, True])
def test_import(engine, tmp_path: Path, gz: bool) -> None:  # type: ignore[no-untyped-def]
    data = json.dumps(DUMP, indent=1).encode()
    f = tmp_path / ("links.json.gz" if gz else "links.json")
    f.write_bytes(gzip.compress(data) if gz else data)
    stats = import_pwc_links(engine, f, quiet=True, batch_size=100)
    assert (stats.objects, stats.links, stats.no_arxiv_id, stats.no_repo, stats.bad) == (7, 3, 1, 1, 1)
    assert stats.bad_positions == [6]
    assert links(engine) == {
        ("1802.03268", "melodyguan/enas", "imported", True),
        ("1802.03268", "carpedm20/enas-pytorch", "imported", True),
        ("1412.6980", "a/adam", "imported", False),
    }
    with transaction(engine) as s:
        assert s.get(Paper, "1412.6980").title == ""  # a stub: the snapshot or the API fills it in


def test_import_keeps_a_user_link_provenance(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from feedhub.papers.show import link_paper

    with transaction(engine) as s:
        link_paper(s, "1802.03268", "melodyguan/enas")
    f = tmp_path / "l.json"
    f.write_text(json.dumps(DUMP[:1]))
    import_pwc_links(engine, f, quiet=True)
    assert links(engine) == {("1802.03268", "melodyguan/enas", "added by user", True)}


def test_iter_array_streams_small_chunks() -> None:
    data = json.dumps([{"a": "é" * 50, "i": i} for i in range(100)]).encode()
    got = list(iter_array(io.BytesIO(data), chunk_size=7))
    assert [g["i"] for g in got] == list(range(100)) and got[0]["a"] == "é" * 50


@pytest.mark.parametrize(
    "text,message",
    [("", "empty file"), ('{"a": 1}', "not a JSON array"), ('[{"a": 1}, {"b": ', "malformed JSON|not closed"), ("[1, 2", "not closed")],
)
def test_bad_dumps_are_one_line(engine, tmp_path: Path, text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "bad.json"
    f.write_text(text)
    with pytest.raises(FeedhubError, match=message):
        import_pwc_links(engine, f, quiet=True)


def test_truncated_dump_keeps_links_read_before(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "t.json"
    f.write_text(json.dumps(DUMP[:3])[:-40])
    with pytest.raises(FeedhubError):
        import_pwc_links(engine, f, quiet=True)
    assert len(links(engine)) == 2
