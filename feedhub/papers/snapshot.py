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

import gc
import gzip
import hashlib
import io
import json
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from json.encoder import encode_basestring as _quote  # json's own C string quoting
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator

from sqlalchemy import Engine

from feedhub.errors import FeedhubError
from feedhub.links.files import open_maybe_gzip
from feedhub.papers.graph import IN_ABSTRACT, link_paper_repos, repos_in_paper_text, upsert_papers

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
    stream, raw, compressed = open_maybe_gzip(path)
    if compressed:
        return io.BufferedReader(stream, buffer_size=1 << 20), raw, True  # type: ignore[arg-type]
    return stream, raw, False


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
        except (TypeError, LookupError):  # [[]], [{}], [3]: a malformed list is ignored, the string is used
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
        from feedhub.store.db import sqlite_file

        db = sqlite_file(engine)
        if db is not None:
            state_dir = db.resolve().parent / "imports"
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


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector. An import allocates millions of short-lived dicts and tuples and
    makes no reference cycles, yet each collection walks every row held in the batch: a fifth of the parsing
    CPU (measured: 32 -> 25 us a paper). Reference counting still frees everything as it goes."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


CHUNK_BYTES = 4 << 20  # lines are read in blocks of about this size (whole lines), a block per parser task
MAX_LINE_BYTES = 16 << 20  # one record is a few KB; a "line" past this is not a snapshot (``/dev/zero`` has none)
IN_FLIGHT_BYTES = 64 << 20  # blocks handed to the parser workers and not yet written
PARALLEL_MIN_BYTES = 32 << 20  # below this, worker start-up costs more than it saves


def _parse_chunk(
    args: tuple[bytes, str],
) -> tuple[list[tuple[Any, ...]], list[tuple[str, str]], int, int, list[tuple[int, str]]]:
    """A block of whole lines -> (rows, (paper, repo) pairs from abstracts, lines in the block, bad-line
    count, the first bad lines' (number within the block, from 1; reason)). Runs in worker processes."""
    block, now = args
    lines = block.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()  # the block ends with a newline
    with _gc_paused():
        rows, pairs, nbad, bad = _parse_lines(lines, now)
    return rows, pairs, len(lines), nbad, bad


try:  # orjson reads a snapshot line in two thirds of the time json takes; json stays the reference
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - orjson is a dependency; json alone gives the same result
    _fast_loads = None

_SLOW = object()


def _parse_lines(lines: list[bytes], now: str) -> tuple[list[tuple[Any, ...]], list[tuple[str, str]], int, list[tuple[int, str]]]:
    scan = json.JSONDecoder().scan_once
    fast = _fast_loads
    rows: list[tuple[Any, ...]] = []
    bad: list[tuple[int, str]] = []
    nbad = 0
    line_no = 0
    for line in lines:
        line_no += 1
        rec: Any = _SLOW
        if fast is not None:
            try:
                rec = fast(line)  # strict: anything it refuses goes through json below, for json's answer
            except ValueError:
                rec = _SLOW
        if rec is not _SLOW:
            row = _row(rec, now)
            reason = "not a paper record (no id or title)"
        else:
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


def _line(stream: BinaryIO) -> bytes:
    """The rest of the current line, read by bytes actually read: at most ``MAX_LINE_BYTES``, else one line."""
    line = stream.readline(MAX_LINE_BYTES + 1)
    if len(line) > MAX_LINE_BYTES:
        raise FeedhubError(f"a line of the file is over {MAX_LINE_BYTES >> 20} MiB: not an arXiv metadata snapshot "
                           "(one JSON record a line); give arxiv-metadata-oai-snapshot.json[.gz]")  # fmt: skip
    return line


def _chunks(stream: BinaryIO, offset: int, max_lines: int | None) -> Iterator[tuple[bytes, int]]:
    """(a block of whole lines, byte offset after it).

    Blocks of about ``CHUNK_BYTES`` (one read, completed to the end of its last line; the parser counts the
    lines): reading line by line cost the writing process a tenth of its time. With ``max_lines``, lines are
    read one by one so that the stream stops exactly after the last one (resuming starts there)."""
    read = 0
    while True:
        if max_lines is None:
            block = stream.read(CHUNK_BYTES)
            if not block:
                return
            if not block.endswith(b"\n"):
                block += _line(stream)
        else:
            lines = []
            for _ in range(max_lines - read):
                line = _line(stream)
                if not line:
                    break
                lines.append(line)
                if len(lines) * 1000 > CHUNK_BYTES:  # about a block's worth of snapshot lines
                    break
            if not lines:
                return
            block = b"".join(lines)
            read += len(lines)
        offset += len(block)
        yield block, offset


def _parsed(chunks: Iterator[tuple[bytes, int]], now: str, workers: int) -> Iterator[tuple[Any, ...]]:
    """Parse chunks in order, in ``workers`` processes (0: here), with a bounded number in flight:
    ``_parse_chunk``'s answer and the byte offset after the chunk."""
    if workers <= 0:
        for block, end_offset in chunks:
            yield (*_parse_chunk((block, now)), end_offset)
        return
    import multiprocessing
    from collections import deque

    # fork where there is one: spawn re-imports the caller's __main__, which fails for piped scripts.
    # The workers only parse; they never touch the database connection they inherit.
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ctx.Pool(workers) as pool:
        pending: deque[tuple[Any, int]] = deque()
        for block, end_offset in chunks:
            pending.append((pool.apply_async(_parse_chunk, ((block, now),)), end_offset))
            # Bounded, so memory stays flat however big the file, yet deep enough (about two write batches of
            # lines) that the workers keep parsing while this process is busy writing a batch.
            if len(pending) >= max(2 * workers + 1, IN_FLIGHT_BYTES // CHUNK_BYTES):
                res, eo = pending.popleft()
                yield (*res.get(), eo)
        while pending:
            res, eo = pending.popleft()
            yield (*res.get(), eo)


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
    gc_was_enabled = gc.isenabled()
    gc.disable()  # as in _gc_paused: the batches are millions of tuples the collector would walk for nothing
    checkpointer: _Checkpointer | None = None
    try:
        checkpointer = _Checkpointer.start(engine) if sqlite else None
        line_no = offset = 0
        if start_line:
            if compressed:
                for _ in range(start_line):
                    if not _line(stream):
                        break
            else:
                stream.seek(start_offset)
            line_no, offset = start_line, start_offset
            stats.resumed_from_line = start_line
        now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
        batch: list[tuple[Any, ...]] = []
        last = (line_no, offset)
        pairs: list[tuple[str, str]] = []
        for rows, chunk_pairs, n_lines, nbad, bad, end_offset in _parsed(_chunks(stream, offset, max_lines), now, workers):
            for number, reason in bad:
                if len(stats.bad_line_numbers) < MAX_BAD_LINES_KEPT:
                    stats.bad_line_numbers.append(last[0] + number)
                    stats.bad_reasons.append(reason)
            end_line = last[0] + n_lines
            stats.lines += n_lines
            stats.bad_lines += nbad
            last = (end_line, end_offset)
            batch.extend(rows)
            pairs.extend(chunk_pairs)
            if len(batch) >= batch_size:
                stats.repo_links += _write(checkpointer.conn if checkpointer else engine, batch, pairs, sqlite)
                if checkpointer:
                    checkpointer.poke()
                stats.papers += len(batch)
                batch, pairs = [], []
                _save_state(state, end_line, end_offset)
                if progress:
                    progress(raw.tell(), total, stats.papers)
        if batch:
            stats.repo_links += _write(checkpointer.conn if checkpointer else engine, batch, pairs, sqlite)
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
        if checkpointer is not None:
            checkpointer.close()
        if gc_was_enabled:
            gc.enable()
        stats.seconds = time.perf_counter() - t0
        stream.close()
        raw.close()
        close_bar()
    return stats


class _Checkpointer:
    """The import's own SQLite connection (with a 64 MiB page cache), and a thread that copies its WAL frames
    into the database file from a second connection while the import goes on writing. SQLite does this copy
    (and its fsync) inside the writer's commit by default, which made commits a fifth of the import's serial
    time; sqlite3 releases the GIL meanwhile. The connection's own settings are restored afterwards."""

    def __init__(self, engine: Engine, conn: Any, path: str):
        import sqlite3
        import threading

        self.engine, self.conn = engine, conn
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self._wake = threading.Event()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="feedhub-wal-checkpoint", daemon=True)
        self._thread.start()

    @classmethod
    def start(cls, engine: Engine) -> _Checkpointer | None:
        db = engine.url.database
        if not db or db == ":memory:" or db.startswith("file:"):
            return None
        conn = engine.connect()
        raw = conn.connection.dbapi_connection  # outside SQLAlchemy's transactions
        raw.execute("PRAGMA wal_autocheckpoint=0")
        raw.execute("PRAGMA cache_size=-65536")  # 64 MiB of pages (default 2 MiB): the indexes' pages stay in memory
        return cls(engine, conn, db)

    def _run(self) -> None:
        import sqlite3

        while True:
            self._wake.wait()
            self._wake.clear()
            if self._closing:
                return
            try:
                self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:  # busy or locked: the next batch (or the final checkpoint) catches up
                pass

    def poke(self) -> None:
        self._wake.set()

    def close(self) -> None:
        self._closing = True
        self._wake.set()
        self._thread.join()
        self._db.close()
        try:
            if self.conn.in_transaction():  # an interrupted batch
                self.conn.rollback()
            raw = self.conn.connection.dbapi_connection
            raw.execute("PRAGMA wal_autocheckpoint=1000")  # SQLite's defaults, for later use of this pooled connection
            raw.execute("PRAGMA cache_size=-2000")
            raw.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            self.conn.close()


def _write(target: Any, rows: list[tuple[Any, ...]], pairs: list[tuple[str, str]], sqlite: bool) -> int:
    """One transaction (on an engine, or a connection held for the import): the papers, then the
    repositories their abstracts and comments link."""
    with (target.begin() if isinstance(target, Engine) else _in_transaction(target)) as conn:
        if sqlite:
            conn.exec_driver_sql(_SQLITE_UPSERT, rows)
        from sqlalchemy.orm import Session

        with Session(bind=conn) as session:
            if not sqlite:
                upsert_papers(session, [_generic(r) for r in rows])
            elif pairs:  # their papers were written just above
                link_paper_repos(session, pairs, IN_ABSTRACT, _known_papers={p for p, _ in pairs})
            session.flush()
    return len(pairs)


@contextmanager
def _in_transaction(conn: Any) -> Iterator[Any]:
    with conn.begin():
        yield conn


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
        for line in iter(lambda: _line(stream), b""):
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict):
                yield rec
    finally:
        stream.close()
        raw.close()
