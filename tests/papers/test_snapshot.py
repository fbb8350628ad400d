"""arXiv metadata snapshot import: fields, .gz, bad lines, version guard, resuming."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from feedhub.errors import FeedhubError
from feedhub.papers import snapshot
from feedhub.papers.snapshot import import_snapshot
from feedhub.store.db import transaction
from feedhub.store.models import Paper, PaperRepo, Repo


def record(arxiv_id: str, versions: int = 1, **over: object) -> dict[str, object]:
    rec: dict[str, object] = {
        "id": arxiv_id,
        "submitter": "Hieu Pham",
        "authors": "Hieu Pham, Melody Y. Guan and Barret Zoph",
        "title": "Efficient Neural Architecture Search\n  via Parameter Sharing",
        "comments": "Code: https://github.com/melodyguan/enas",
        "journal-ref": "ICML 2018",
        "doi": "10.1000/enas",
        "report-no": None,
        "categories": "cs.LG cs.CL stat.ML",
        "license": "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
        "abstract": "  We propose ENAS,\na fast and inexpensive approach.\n",
        "versions": [{"version": f"v{i + 1}", "created": f"Fri, {9 + i} Feb 2018 18:43:52 GMT"} for i in range(versions)],
        "update_date": "2018-02-12",
        "authors_parsed": [["Pham", "Hieu", ""], ["Guan", "Melody Y.", ""], ["Zoph", "Barret", "Jr"]],
    }
    rec.update(over)
    return rec


def write(path: Path, lines: list[str], gz: bool = False) -> Path:
    data = "".join(line + "\n" for line in lines).encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


@pytest.mark.parametrize("gz", [False, True])
def test_import_fields(engine, tmp_path: Path, gz: bool) -> None:  # type: ignore[no-untyped-def]
    f = write(tmp_path / ("s.jsonl.gz" if gz else "s.jsonl"), [json.dumps(record("1802.03268", versions=2)),
                                                               json.dumps(record("hep-th/9901001", title="Old"))], gz)
    stats = import_snapshot(engine, f, quiet=True, state_dir=tmp_path / "state")
    assert (stats.papers, stats.bad_lines, stats.lines) == (2, 0, 2)
    with transaction(engine) as s:
        p = s.get(Paper, "1802.03268")
        assert p.title == "Efficient Neural Architecture Search via Parameter Sharing"
        assert p.abstract == "We propose ENAS, a fast and inexpensive approach."
        assert p.authors == ["Hieu Pham", "Melody Y. Guan", "Barret Zoph Jr"]
        assert p.categories == ["cs.LG", "cs.CL", "stat.ML"] and p.primary_category == "cs.LG"
        assert p.version == 2
        assert p.published_at.isoformat() == "2018-02-09T18:43:52+00:00"
        assert p.updated_at.isoformat() == "2018-02-10T18:43:52+00:00"
        assert (p.doi, p.journal_ref, p.comment) == ("10.1000/enas", "ICML 2018", "Code: https://github.com/melodyguan/enas")
        assert p.enriched_at is not None
        assert s.get(Paper, "hep-th/9901001").title == "Old"
        # the comment links the code
        links = {tuple(r) for r in s.execute(select(PaperRepo.paper_id, Repo.full_name, PaperRepo.provenance).join(Repo))}
        assert ("1802.03268", "melodyguan/enas", "in abstract") in links


def test_bad_lines_are_counted_with_their_numbers(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = write(tmp_path / "s.jsonl", [json.dumps(record("1802.03268")), "{not json", "", json.dumps({"no": "id"}),
                                     "[1, 2]", json.dumps(record("1802.05365")), '{"id": "x"} trailing'])
    stats = import_snapshot(engine, f, quiet=True, state_dir=tmp_path / "state")
    assert stats.papers == 2
    assert stats.bad_lines == 4 and stats.bad_line_numbers == [2, 4, 5, 7]
    assert stats.bad_reasons[0].startswith("not JSON")


def test_an_older_version_never_overwrites_a_newer(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    new = write(tmp_path / "new.jsonl", [json.dumps(record("1802.03268", versions=3, title="v3 title"))])
    old = write(tmp_path / "old.jsonl", [json.dumps(record("1802.03268", versions=1, title="v1 title"))])
    import_snapshot(engine, new, quiet=True, state_dir=tmp_path / "state")
    import_snapshot(engine, old, quiet=True, state_dir=tmp_path / "state")
    with transaction(engine) as s:
        assert (s.get(Paper, "1802.03268").version, s.get(Paper, "1802.03268").title) == (3, "v3 title")


def test_fills_a_stub_and_keeps_first_seen(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from feedhub.papers.graph import ensure_papers

    with transaction(engine) as s:
        ensure_papers(s, ["1802.03268"])
        first_seen = s.get(Paper, "1802.03268").first_seen_at
    import_snapshot(engine, write(tmp_path / "s.jsonl", [json.dumps(record("1802.03268"))]), quiet=True, state_dir=tmp_path / "st")
    with transaction(engine) as s:
        p = s.get(Paper, "1802.03268")
        assert p.title and p.first_seen_at == first_seen


@pytest.mark.parametrize("gz", [False, True])
def test_resumes_after_an_interruption(engine, tmp_path: Path, monkeypatch, gz: bool) -> None:  # type: ignore[no-untyped-def]
    ids = [f"1802.{i:05d}" for i in range(1, 101)]
    lines = [json.dumps(record(i)) for i in ids]
    assert len({len(line) for line in lines}) == 1
    f = write(tmp_path / ("s.jsonl.gz" if gz else "s.jsonl"), lines, gz)
    monkeypatch.setattr(snapshot, "CHUNK_BYTES", 10 * (len(lines[0]) + 1) - 1)  # blocks of exactly ten lines
    calls = {"n": 0}
    real_write = snapshot._write

    def flaky(*args, **kw):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt  # the user pressed Ctrl-C during the 4th batch
        return real_write(*args, **kw)

    monkeypatch.setattr(snapshot, "_write", flaky)
    with pytest.raises(KeyboardInterrupt):
        import_snapshot(engine, f, quiet=True, batch_size=20, state_dir=tmp_path / "state", workers=0)
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(Paper)) == 60  # three committed batches kept
    monkeypatch.setattr(snapshot, "_write", real_write)
    stats = import_snapshot(engine, f, quiet=True, batch_size=20, state_dir=tmp_path / "state", workers=0)
    assert stats.resumed_from_line == 60 and stats.lines == 40 and stats.papers == 40
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(Paper)) == 100
    assert list((tmp_path / "state").glob("*.json")) == []  # a finished import forgets its position


def test_parallel_parsing_gives_the_same_result(engine, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    lines = [json.dumps(record(f"1802.{i:05d}")) for i in range(1, 60)]
    monkeypatch.setattr(snapshot, "CHUNK_BYTES", 7 * len(lines[0]))  # blocks of about seven lines
    lines[20] = "broken"
    f = write(tmp_path / "s.jsonl", lines)
    stats = import_snapshot(engine, f, quiet=True, state_dir=tmp_path / "state", workers=2, batch_size=10)
    assert stats.papers == 58 and stats.bad_line_numbers == [21]


def test_progress_callback(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = write(tmp_path / "s.jsonl", [json.dumps(record(f"1802.{i:05d}")) for i in range(1, 31)])
    seen: list[tuple[int, int, int]] = []
    import_snapshot(engine, f, progress=lambda *a: seen.append(a), batch_size=10, state_dir=tmp_path / "state")
    assert seen[-1] == (f.stat().st_size, f.stat().st_size, 30)


def test_missing_file_is_one_line(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FeedhubError, match="no such file"):
        import_snapshot(engine, tmp_path / "nope.jsonl", quiet=True)


def test_truncated_gzip_keeps_what_was_read(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = gzip.compress("".join(json.dumps(record(f"1802.{i:05d}")) + "\n" for i in range(1, 200)).encode())
    f = tmp_path / "s.jsonl.gz"
    f.write_bytes(data[: len(data) // 2])
    with pytest.raises(FeedhubError, match="run the import again to resume"):
        import_snapshot(engine, f, quiet=True, state_dir=tmp_path / "state", batch_size=10)


EDGE_LINES = [
    b"", b"   ", b"\r", b"null", b"[1, 2]", b'"a string"', b"{}", b"{broken", b"\xff\xfe{}", b"[" * 5000 + b"]" * 5000,
    json.dumps(record("1802.00001")).encode(),
    json.dumps(record("1802.00002")).encode() + b"\r",
    b"  " + json.dumps(record("1802.00003")).encode() + b"  ",
    json.dumps(record("1802.00004")).encode() + b" trailing",
    json.dumps(record("1802.00005", title="caf\u00e9 \u2014 \U0001d4d7")).encode(),
    json.dumps(record("1802.00006", title="caf\u00e9"), ensure_ascii=False).encode(),
    json.dumps(record("1802.00007", abstract="lone \ud800 surrogate")).encode(),
    json.dumps(record("1802.00008")).encode().replace(b'"title"', b'"title": "first", "title"', 1),
    json.dumps(record("1802.00009", comments=float("nan"), doi=10**30)).encode(),
    json.dumps(record("1802.00010", title=7)).encode(),
    json.dumps(record(12, versions=2)).encode(),
    json.dumps(record("1802.00011", versions=0, authors_parsed=None, categories=None)).encode(),
    b"\xef\xbb\xbf" + json.dumps(record("1802.00012")).encode(),
]


def _parse_both(monkeypatch, block: bytes):  # type: ignore[no-untyped-def]
    fast = snapshot._parse_chunk((block, "2026-01-01 00:00:00.000000"))
    monkeypatch.setattr(snapshot, "_fast_loads", None)
    slow = snapshot._parse_chunk((block, "2026-01-01 00:00:00.000000"))
    monkeypatch.undo()
    return fast, slow


def test_fast_json_path_reads_every_line_as_json_does(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # orjson parses the lines it accepts; json (the reference) gets the rest. Rows, links, bad-line numbers
    # and reasons must be what json alone gives, on well-formed and hostile lines alike.
    assert snapshot._fast_loads is not None
    fast, slow = _parse_both(monkeypatch, b"\n".join(EDGE_LINES) + b"\n")
    assert fast == slow
    rows, _pairs, n_lines, nbad, bad = fast
    assert n_lines == len(EDGE_LINES)
    assert [r[0] for r in rows] == [f"1802.{i:05d}" for i in (1, 2, 3, 5, 6, 7, 8, 9, 11)]
    assert nbad == 11 and [n for n, _ in bad] == [4, 5, 6, 7, 8, 9, 10, 14, 20, 21, 23]  # blank lines are not bad
    assert rows[4][2] == "caf\u00e9" and rows[6][2] == "Efficient Neural Architecture Search via Parameter Sharing"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=5), kids, max_size=3),
    max_leaves=8,
)


@given(st.fixed_dictionaries({}, optional={
    "id": st.text(max_size=12) | json_values, "title": st.text() | json_values, "abstract": st.text() | json_values,
    "authors": st.text() | json_values, "authors_parsed": st.lists(st.lists(st.text(max_size=6), max_size=3), max_size=3) | json_values,
    "categories": st.text(max_size=20) | json_values, "comments": json_values, "doi": json_values,
    "versions": st.lists(st.fixed_dictionaries({"version": st.text(max_size=4), "created": st.text(max_size=30)}), max_size=3) | json_values,
    "update_date": st.text(max_size=10) | json_values,
}), st.booleans())  # fmt: skip
def test_fast_json_path_matches_json_on_generated_records(rec, ascii_only) -> None:  # type: ignore[no-untyped-def]
    mp = pytest.MonkeyPatch()
    try:
        line = json.dumps(rec, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
        fast, slow = _parse_both(mp, line + b"\n")
    finally:
        mp.undo()
    assert fast == slow


def test_sqlite_import_checkpoints_in_the_background_and_restores_the_connection(sqlite_url, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    from feedhub.store import open_store

    engine = open_store(sqlite_url)
    pokes = {"n": 0}
    real_poke = snapshot._Checkpointer.poke

    def poke(self):  # type: ignore[no-untyped-def]
        pokes["n"] += 1
        real_poke(self)

    monkeypatch.setattr(snapshot._Checkpointer, "poke", poke)
    lines = [json.dumps(record(f"1802.{i:05d}")) for i in range(1, 51)]
    monkeypatch.setattr(snapshot, "CHUNK_BYTES", 10 * (len(lines[0]) + 1) - 1)  # blocks of ten lines
    f = write(tmp_path / "s.jsonl", lines)
    stats = import_snapshot(engine, f, quiet=True, batch_size=10, state_dir=tmp_path / "state", workers=0)
    assert stats.papers == 50 and pokes["n"] == 5  # one checkpoint request a committed batch
    with engine.connect() as conn:  # the pooled connection the import used has SQLite's defaults again
        raw = conn.connection.dbapi_connection
        assert raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
        assert raw.execute("PRAGMA cache_size").fetchone()[0] == -2000
    engine.dispose()
    db = sqlite_url.removeprefix("sqlite:///")
    wal = Path(db + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # everything checkpointed into the file
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 50


@pytest.mark.parametrize("parsed", [[{}], [[]], [3], [None], [{"0": "x"}]])
def test_malformed_authors_parsed_falls_back_to_the_authors_string(parsed) -> None:  # type: ignore[no-untyped-def]
    from feedhub.papers.snapshot import _authors

    assert _authors({"authors_parsed": parsed, "authors": "Ada Lovelace and Alan Turing"}) in (
        ["Ada Lovelace", "Alan Turing"], ["Ada Lovelace and Alan Turing"])
