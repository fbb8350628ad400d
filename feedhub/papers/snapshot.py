"""Bulk import of arXiv's public metadata snapshot (JSON lines, optionally gzip-compressed).

Each line is one paper: ``id, submitter, authors, authors_parsed, title, comments, journal-ref, doi,
report-no, categories, license, abstract, versions [{version, created}], update_date``. The file is
streamed (memory stays flat whatever its size) and written in batches of ``batch_size`` rows, one
transaction per batch, with ``executemany`` upserts (on SQLite straight through the driver, which is
what makes 2.7M papers a matter of minutes).

Resuming: after every committed batch the position (line number and byte offset) is saved in a small
state file (in ``<db dir>/imports/``, keyed by the file's path, size and modification time); a run
interrupted for any reason continues from there next time (``restart=True`` starts over). A finished
import removes its state. Upserts make a re-run harmless either way: a paper is only replaced by a
version at least as new, and its first-seen time is kept.

A line that is not JSON (or not a paper) is counted and its line number reported; the import goes on.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from json.encoder import encode_basestring as _quote  # json's own C string quoting
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator

from sqlalchemy import Engine

from feedhub.errors import FeedhubError
from feedhub.links.graph import IN_ABSTRACT, link_paper_repos, repos_in_paper_text, upsert_papers

Progress = Callable[[int, int, int], None]  # (bytes done, total bytes, papers so far)

MAX_BAD_LINES_KEPT = 50
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
_COLUMNS = (
    "arxiv_id", "version", "title", "abstract", "authors", "categories", "primary_category", "published_at",
    "updated_at", "doi", "journal_ref", "comment", "license", "first_seen_at", "enriched_at",
)  # fmt: skip
_KEEP_IF_NULL = ("primary_category", "updated_at", "doi", "journal_ref", "comment", "license")
_SQLITE_UPSERT = (
    f"INSERT INTO papers ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)}) "
    "ON CONFLICT (arxiv_id) DO UPDATE SET "
    + ", ".join(
        f"{c} = coalesce(excluded.{c}, papers.{c})" if c in _KEEP_IF_NULL or c == "published_at" else f"{c} = excluded.{c}"
        for c in _COLUMNS
        if c not in ("arxiv_id", "first_seen_at")
    )
    + " WHERE excluded.version >= papers.version OR papers.title = ''"
)


@dataclass
class ImportStats:
    lines: int = 0  # lines read in this run (after any resumed-from position)
    papers: int = 0  # papers written
    bad_lines: int = 0
    bad_line_numbers: list[int] = field(default_factory=list)  # the first few, 1-based
    bad_reasons: list[str] = field(default_factory=list)
    resumed_from_line: int = 0
    repo_links: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.papers / self.seconds if self.seconds > 0 else 0.0


def _open(path: Path) -> tuple[BinaryIO, BinaryIO, bool]:
    """(stream of lines, the raw file for progress, compressed?)."""
    try:
        raw = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise FeedhubError(f"cannot read {path}: {exc.strerror}; check the path") from None
    magic = raw.read(2)
    raw.seek(0)
    if magic == b"\x1f\x8b":
        return io.BufferedReader(gzip.GzipFile(fileobj=raw, mode="rb"), buffer_size=1 << 20), raw, True  # type: ignore[arg-type]
    return raw, raw, False


_MONTH_NUM = {m: f"{i:02d}" for m, i in _MONTHS.items()}


def _sqlite_time(value: Any) -> str | None:
    """``Mon, 2 Apr 2007 19:18:42 GMT`` -> ``2007-04-02 19:18:42.000000`` (how SQLAlchemy stores UTC)."""
    if not value or not isinstance(value, str):
        return None
    parts = value.split()
    if len(parts) < 5:
        return None
    month = _MONTH_NUM.get(parts[2])
    day, year, hms = parts[1], parts[3], parts[4]
    if month is None or not (day.isdigit() and year.isdigit() and len(hms) == 8):
        return None
    return f"{year}-{month}-{day.zfill(2)} {hms}.000000"


def _date_only(value: Any) -> str | None:
    if not value or not isinstance(value, str) or len(value) != 10:
        return None
    return f"{value} 00:00:00.000000"


def _as_datetime(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc)


def _authors(rec: dict[str, Any]) -> list[str]:
    """Display names: from ``authors_parsed`` ([last, first, suffix]), else the ``authors`` string."""
    parsed = rec.get("authors_parsed")
    out: list[str] = []
    if parsed and isinstance(parsed, list):
        try:
            for p in parsed:
                n = len(p)
                name = f"{p[1]} {p[0]}" if n > 1 and p[1] else p[0]
                if n > 2 and p[2]:
                    name = f"{name} {p[2]}"
                if name:
                    out.append(name)
            return out
        except (TypeError, IndexError):
            out = []
    text = rec.get("authors")
    if not text or not isinstance(text, str):
        return out
    text = " ".join(text.replace(" and ", ", ").split())
    return [a.strip() for a in text.split(",") if a.strip()]


def _json_list(items: list[str]) -> str:
    # What json.dumps(items) writes, without its per-call set-up (this runs millions of times).
    return "[" + ", ".join(map(_quote, items)) + "]"


def _row(rec: Any, now: str) -> tuple[Any, ...] | None:
    """One snapshot record -> a papers row (SQLite values); None when it is not a paper."""
    if type(rec) is not dict:
        return None
    arxiv_id = rec.get("id")
    title = rec.get("title")
    if not arxiv_id or type(arxiv_id) is not str or type(title) is not str:
        return None
    versions = rec.get("versions")
    version = 1
    first = last = None
    if versions and type(versions) is list:
        v0, vn = versions[0], versions[-1]
        if type(vn) is dict:
            tag = vn.get("version")
            version = int(tag[1:]) if type(tag) is str and tag[1:].isdigit() else len(versions)
            last = _sqlite_time(vn.get("created"))
        if type(v0) is dict:
            first = _sqlite_time(v0.get("created"))
    if last is None:
        last = _date_only(rec.get("update_date"))
    cats = rec.get("categories")
    categories = cats.split() if type(cats) is str else []
    abstract = rec.get("abstract")
    # arXiv abstracts carry hard line breaks and a leading indent; a full whitespace collapse is
    # three times slower and changes nothing a reader sees.
    abstract = abstract.strip().replace("\n", " ") if type(abstract) is str else ""
    comment = rec.get("comments") or None
    return (
        arxiv_id.strip(),
        version,
        " ".join(title.split()),
        abstract,
        _json_list(_authors(rec)),
        _json_list(categories),
        categories[0] if categories else None,
        first,
        last,
        rec.get("doi") or None,
        rec.get("journal-ref") or None,
        comment if type(comment) is str else None,
        rec.get("license") or None,
        now,
        now,
    )


def _state_file(engine: Engine, path: Path, state_dir: Path | None) -> Path:
    if state_dir is None:
        db = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
        if db and db != ":memory:":
            state_dir = Path(db).resolve().parent / "imports"
        else:
            from feedhub.config import default_home

            state_dir = default_home() / "imports"
    st = path.stat()
    key = hashlib.sha1(f"{path.resolve()}\x00{st.st_size}\x00{st.st_mtime_ns}".encode()).hexdigest()[:16]
    return state_dir / f"arxiv-snapshot-{key}.json"


def _save_state(state: Path, line: int, offset: int) -> None:
    state.parent.mkdir(parents=True, exist_ok=True)
    tmp = state.with_suffix(".tmp")
    tmp.write_text(json.dumps({"line": line, "offset": offset}), encoding="utf-8")
    os.replace(tmp, state)


def _load_state(state: Path) -> tuple[int, int]:
    try:
        data = json.loads(state.read_text(encoding="utf-8"))
        return int(data["line"]), int(data["offset"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0, 0


def _default_progress(quiet: bool) -> tuple[Progress | None, Callable[[], None]]:
    if quiet or not sys.stderr.isatty():
        return None, lambda: None
    from feedhub.papers.progress import import_progress

    return import_progress("arxiv snapshot")


CHUNK_LINES = 4_000
PARALLEL_MIN_BYTES = 32 << 20  # below this, worker start-up costs more than it saves


def _parse_chunk(
    args: tuple[int, list[bytes], str],
) -> tuple[list[tuple[Any, ...]], list[tuple[str, str]], int, list[tuple[int, str]]]:
    """Lines -> (rows, (paper, repo) pairs from abstracts, bad-line count, the first bad lines' (number,
    reason)). Runs in worker processes."""
    first_line_no, lines, now = args
    scan = json.JSONDecoder().scan_once
    rows: list[tuple[Any, ...]] = []
    bad: list[tuple[int, str]] = []
    nbad = 0
    line_no = first_line_no - 1
    for line in lines:
        line_no += 1
        try:
            text = line.decode("utf-8")
            if text[:1].isspace():
                text = text.strip()
            rec, end = scan(text, 0)
            if end < len(text) and text[end:].strip():
                raise ValueError("extra data after the record")
            row = _row(rec, now)
            reason = "not a paper record (no id or title)"
        except StopIteration:
            if not line.strip():
                continue
            row, reason = None, "not JSON"
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, extra data
            row, reason = None, f"not JSON ({str(exc).split(':')[0]})"
        except RecursionError:
            row, reason = None, "not JSON (nested too deep)"
        if row is None:
            nbad += 1
            if len(bad) < MAX_BAD_LINES_KEPT:
                bad.append((line_no, reason))
        else:
            rows.append(row)
    pairs = [(r[0], repo) for r in rows for repo in repos_in_paper_text(r[3], r[11])]
    return rows, pairs, nbad, bad


def _chunks(stream: BinaryIO, line_no: int, offset: int, max_lines: int | None) -> Iterator[tuple[int, list[bytes], int, int]]:
    """(first line number, lines, line number after, byte offset after), reading ``CHUNK_LINES`` at a time."""
    read = 0
    while True:
        want = CHUNK_LINES if max_lines is None else min(CHUNK_LINES, max_lines - read)
        if want <= 0:
            return
        lines = []
        for _ in range(want):
            line = stream.readline()
            if not line:
                break
            lines.append(line)
        if not lines:
            return
        first = line_no + 1
        line_no += len(lines)
        offset += sum(map(len, lines))
        read += len(lines)
        yield first, lines, line_no, offset


def _parsed(chunks: Iterator[tuple[int, list[bytes], int, int]], now: str, workers: int) -> Iterator[tuple[Any, ...]]:
    """Parse chunks in order, in ``workers`` processes (0: here), with a bounded number in flight."""
    if workers <= 0:
        for first, lines, end_line, end_offset in chunks:
            yield (*_parse_chunk((first, lines, now)), end_line, end_offset)
        return
    import multiprocessing
    from collections import deque

    # fork where there is one: spawn re-imports the caller's __main__, which fails for piped scripts.
    # The workers only parse; they never touch the database connection they inherit.
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ctx.Pool(workers) as pool:
        pending: deque[tuple[Any, int, int]] = deque()
        for first, lines, end_line, end_offset in chunks:
            pending.append((pool.apply_async(_parse_chunk, ((first, lines, now),)), end_line, end_offset))
            if len(pending) >= 2 * workers + 1:  # bounded: memory stays flat however big the file
                res, el, eo = pending.popleft()
                yield (*res.get(), el, eo)
        while pending:
            res, el, eo = pending.popleft()
            yield (*res.get(), el, eo)


def import_snapshot(
    engine: Engine,
    path: str | Path,
    quiet: bool = False,
    progress: Progress | None = None,
    *,
    batch_size: int = 20_000,
    state_dir: Path | None = None,
    restart: bool = False,
    max_lines: int | None = None,
    workers: int | None = None,
) -> ImportStats:
    """Stream ``path`` (JSON lines, .gz too) into papers; returns counts, bad lines and the rate.

    ``progress(bytes_done, bytes_total, papers)`` is called after every batch; without one, a progress
    bar shows on a terminal unless ``quiet``. ``max_lines`` stops after that many lines (the state is
    kept, as after an interruption: the next run resumes). ``workers``: processes that parse JSON while
    this one writes (default: the CPU count, up to 4, for files over 32 MB; 0 parses here).
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise FeedhubError(f"no such file: {path}; give the arXiv metadata snapshot (arxiv-metadata-oai-snapshot.json[.gz])")
    stats = ImportStats()
    state = _state_file(engine, path, state_dir)
    start_line, start_offset = (0, 0) if restart else _load_state(state)
    stream, raw, compressed = _open(path)
    total = path.stat().st_size
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if total >= PARALLEL_MIN_BYTES and (os.cpu_count() or 1) > 1 else 0
    close_bar: Callable[[], None] = lambda: None
    if progress is None:
        progress, close_bar = _default_progress(quiet)
    sqlite = engine.dialect.name == "sqlite"
    t0 = time.perf_counter()
    try:
        line_no = offset = 0
        if start_line:
            if compressed:
                for _ in range(start_line):
                    if not stream.readline():
                        break
            else:
                stream.seek(start_offset)
            line_no, offset = start_line, start_offset
            stats.resumed_from_line = start_line
        now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
        batch: list[tuple[Any, ...]] = []
        last = (line_no, offset)
        pairs: list[tuple[str, str]] = []
        for rows, chunk_pairs, nbad, bad, end_line, end_offset in _parsed(_chunks(stream, line_no, offset, max_lines), now, workers):
            stats.lines += end_line - last[0]
            last = (end_line, end_offset)
            stats.bad_lines += nbad
            for number, reason in bad:
                if len(stats.bad_line_numbers) < MAX_BAD_LINES_KEPT:
                    stats.bad_line_numbers.append(number)
                    stats.bad_reasons.append(reason)
            batch.extend(rows)
            pairs.extend(chunk_pairs)
            if len(batch) >= batch_size:
                stats.repo_links += _write(engine, batch, pairs, sqlite)
                stats.papers += len(batch)
                batch, pairs = [], []
                _save_state(state, end_line, end_offset)
                if progress:
                    progress(raw.tell(), total, stats.papers)
        if batch:
            stats.repo_links += _write(engine, batch, pairs, sqlite)
            stats.papers += len(batch)
        stopped_early = max_lines is not None and stats.lines >= max_lines and bool(stream.peek(1) if hasattr(stream, "peek") else True)
        if stopped_early:
            _save_state(state, *last)
        else:
            state.unlink(missing_ok=True)
        if progress:
            progress(raw.tell() if stopped_early else total, total, stats.papers)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise FeedhubError(
            f"reading {path} failed after {stats.papers} papers ({exc}); the papers so far are kept: run the import again to resume"
        ) from None
    finally:
        stats.seconds = time.perf_counter() - t0
        stream.close()
        raw.close()
        close_bar()
    return stats


def _write(engine: Engine, rows: list[tuple[Any, ...]], pairs: list[tuple[str, str]], sqlite: bool) -> int:
    """One transaction: the papers, then the repositories their abstracts and comments link."""
    with engine.begin() as conn:
        if sqlite:
            conn.exec_driver_sql(_SQLITE_UPSERT, rows)
        from sqlalchemy.orm import Session

        with Session(bind=conn) as session:
            if not sqlite:
                upsert_papers(session, [_generic(r) for r in rows])
            elif pairs:
                link_paper_repos(session, pairs, IN_ABSTRACT)
            session.flush()
    return len(pairs)


def _generic(r: tuple[Any, ...]) -> dict[str, Any]:
    row = dict(zip(_COLUMNS, r))
    row["authors"] = json.loads(row["authors"])
    row["categories"] = json.loads(row["categories"])
    for c in ("published_at", "updated_at", "first_seen_at", "enriched_at"):
        row[c] = _as_datetime(row[c])
    return row


def iter_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """The snapshot's records (bad lines skipped): for tools and tests."""
    stream, raw, _ = _open(Path(path))
    try:
        for line in stream:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict):
                yield rec
    finally:
        stream.close()
        raw.close()
