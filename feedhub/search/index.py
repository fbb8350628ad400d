"""The search index: a tantivy index of papers and entries beside the database (``Settings.index_dir``).

The database stays the source of truth; the index can always be rebuilt from it.

Keeping it current (``sync``): the index remembers a watermark, the largest ``Paper.first_seen_at``,
``Paper.enriched_at`` and ``Entry.updated_at`` it has indexed. ``sync(settings, engine)`` indexes every
paper and entry stamped after the watermark (re-indexing is idempotent: delete by ``uid``, then add;
entries stored by a fetch are also handed in by id through its hook, so a fetch transaction that
commits late with an older stamp is still indexed), the papers linked to changed entries (their
``source`` filter changed), papers and entries whose
code links changed (detected by a fingerprint of ``paper_repos``/``entry_repos``), and drops entries that
were deleted. Any command may call it; when nothing changed it costs three indexed MAX() queries.
``update_after_fetch`` and ``update_papers`` are the explicit hooks for fetch and imports (they also
sync). ``feedhub search`` syncs first when the watermark shows a lag and no other process is writing.

One writer at a time: tantivy allows a single index writer across processes, so every update takes
an exclusive file lock (``index.lock`` beside the index) and waits, with a message, for another
process to finish. A missing or damaged index is rebuilt (into a fresh folder, then swapped in).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from feedhub.errors import FeedhubError, InvalidInput
from feedhub.search.readdb import ReadDB, as_datetime, as_list, read_db, sqlite_path

SCHEMA_VERSION = 1
META_FILE = "feedhub-index.json"
CODE_FILE = "feedhub-code.json"
TOKENIZER = "feedhub"
TITLE_BOOST = 3.0
AUTHOR_BOOST = 1.5
PREFIX_EXPANSIONS = 32  # completions searched for a prefix* (the most frequent ones)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

Notify = Callable[[str], None]


def _stderr(message: str) -> None:
    sys.stderr.write(f"feedhub: {message}\n")
    sys.stderr.flush()


# --- schema and opening -----------------------------------------------------------------------


def _tantivy():  # type: ignore[no-untyped-def]
    import tantivy

    return tantivy


_ANALYZER: Any = None


def analyzer():  # type: ignore[no-untyped-def]
    """Split on non-alphanumerics, drop tokens over 40 bytes, lower-case, fold accents (café = cafe)."""
    global _ANALYZER
    if _ANALYZER is None:
        t = _tantivy()
        _ANALYZER = (
            t.TextAnalyzerBuilder(t.Tokenizer.simple())
            .filter(t.Filter.remove_long(40))
            .filter(t.Filter.lowercase())
            .filter(t.Filter.ascii_fold())
            .build()
        )
    return _ANALYZER


def tokens(text: str) -> list[str]:
    return list(analyzer().analyze(text)) if text else []


def build_schema():  # type: ignore[no-untyped-def]
    t = _tantivy()
    sb = t.SchemaBuilder()
    sb.add_text_field("uid", stored=True, tokenizer_name="raw")  # "p:<arxiv id>" / "e:<entry id>"
    sb.add_text_field("kind", tokenizer_name="raw", index_option="basic")  # paper / entry
    sb.add_text_field("title", tokenizer_name=TOKENIZER, index_option="position")
    sb.add_text_field("body", tokenizer_name=TOKENIZER, index_option="position")
    sb.add_text_field("author", tokenizer_name=TOKENIZER, index_option="position")
    sb.add_text_field("cat", tokenizer_name="raw", index_option="basic")  # lower-case arXiv categories
    sb.add_text_field("flags", tokenizer_name="raw", index_option="basic")  # code, abstract, doi
    sb.add_unsigned_field("source", indexed=True)  # sources that carried it
    sb.add_unsigned_field("eid", fast=True)  # entry id (0 for papers): reconciling deletions
    sb.add_date_field("date", indexed=True, fast=True)  # published (else first seen)
    return sb.build()


@dataclass
class Opened:
    index: Any
    schema: Any
    meta: dict[str, Any]


def _meta_path(index_dir: Path) -> Path:
    return index_dir / META_FILE


def read_meta(index_dir: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads(_meta_path(index_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(data, default=str), encoding="utf-8")
    os.replace(tmp, path)


def _open_dir(index_dir: Path, db_url: str) -> Opened | None:
    """The index in ``index_dir`` if it is there, current and readable; else None (rebuild it)."""
    meta = read_meta(index_dir)
    if meta is None or meta.get("schema_version") != SCHEMA_VERSION or meta.get("db_url") != db_url:
        return None
    t = _tantivy()
    try:
        index = t.Index.open(str(index_dir))
        index.register_tokenizer(TOKENIZER, analyzer())
        index.searcher().num_docs  # noqa: B018  (touches the segments: a damaged one fails here)
    except (ValueError, OSError, BaseException) as exc:  # pyo3 panics are BaseException
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return None
    return Opened(index, index.schema, meta)


def _create_dir(index_dir: Path, db_url: str) -> Opened:
    t = _tantivy()
    index_dir.mkdir(parents=True, exist_ok=True)
    schema = build_schema()
    index = t.Index(schema, path=str(index_dir), reuse=False)
    index.register_tokenizer(TOKENIZER, analyzer())
    meta = {"schema_version": SCHEMA_VERSION, "db_url": db_url, "watermark": {}, "code_fingerprint": None,
            "built_at": None, "synced_at": None}  # fmt: skip
    return Opened(index, schema, meta)


# --- the writer lock --------------------------------------------------------------------------


def _lock_path(index_dir: Path) -> Path:
    return index_dir.parent / (index_dir.name + ".lock")


@contextmanager
def writer_lock(index_dir: Path, notify: Notify | None = _stderr, wait: bool = True) -> Iterator[bool]:
    """Hold the one-writer lock; wait for another process (saying so), or yield False if ``wait`` is off."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: tantivy's own lock still refuses a second writer
        yield True
        return
    with open(_lock_path(index_dir), "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                yield False
                return
            if notify:
                notify("another feedhub process is updating the search index; waiting for it to finish...")
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _writer(opened: Opened, heap: int = 64_000_000, threads: int = 1):  # type: ignore[no-untyped-def]
    # Our file lock serializes feedhub processes; tantivy's lock may still be held for a moment by a
    # writer that is shutting down, so retry briefly before giving up with a clear message.
    for attempt in range(50):
        try:
            return opened.index.writer(heap_size=heap, num_threads=threads)
        except ValueError as exc:
            if "lock" not in str(exc).lower() or attempt == 49:
                raise FeedhubError(f"cannot open the search index for writing: {exc}; try `feedhub index rebuild`") from None
            time.sleep(0.1)
    raise AssertionError("unreachable")


# --- documents from the store -----------------------------------------------------------------

_PAPER_COLS = "p.arxiv_id, p.title, p.abstract, p.authors, p.categories, p.published_at, p.first_seen_at, p.doi"
_ENTRY_COLS = "e.id, e.source_id, e.title, e.summary, e.authors, e.published_at, e.first_seen_at"


def _plain(fragment: str) -> str:
    if not fragment:
        return ""
    if "<" not in fragment and "&" not in fragment:
        return fragment
    from feedhub.links.html import plain_text

    return plain_text(fragment)


def _authors_text(value: Any) -> str:
    # SQLite hands the JSON list as text; the tokenizer splits on its quotes and commas anyway,
    # so the text is indexed as it is (no json.loads per row: it is a third of the build time).
    if isinstance(value, str):
        return value
    return "; ".join(str(a) for a in as_list(value))


def _date(*values: Any) -> datetime:
    for v in values:
        dt = as_datetime(v)
        if dt is not None:
            return dt
    return EPOCH


def _categories(value: Any) -> list[str]:
    """Lower-case categories of a JSON list column. SQLite hands text like ``["cs.LG", "stat.ML"]``; plain
    category names (no escapes) are split directly, which is a quarter of the per-paper work of a rebuild."""
    if isinstance(value, str) and value.startswith('["') and value.endswith('"]') and "\\" not in value:
        parts = value[2:-2].lower().split('", "')
        if not any('"' in c for c in parts):
            return parts
    return [str(c).lower() for c in as_list(value)]


def _paper_doc(t: Any, schema: Any, row: tuple[Any, ...], sources: dict[str, list[int]], code: dict[str, int]):  # type: ignore[no-untyped-def]
    pid, title, abstract, authors, cats, published, first_seen, doi = row
    uid = "p:" + pid
    flags = []
    if uid in code:
        flags.append("code")
    if abstract:
        flags.append("abstract")
    if doi:
        flags.append("doi")
    doc = {
        "uid": uid, "kind": "paper", "title": [title or pid], "body": [abstract or ""],
        "author": [_authors_text(authors)], "cat": _categories(cats),
        "flags": flags, "source": sources.get(pid, []), "eid": 0, "date": _date(published, first_seen),
    }  # fmt: skip
    return t.Document.from_dict(doc, schema)


def _entry_doc(t: Any, schema: Any, row: tuple[Any, ...], code: dict[str, int]):  # type: ignore[no-untyped-def]
    eid, source_id, title, summary, authors, published, first_seen = row
    uid = f"e:{eid}"
    doc = {
        "uid": uid, "kind": "entry", "title": [title or ""], "body": [_plain(summary or "")],
        "author": [_authors_text(authors)], "cat": [],
        "flags": ["code"] if uid in code else [], "source": [int(source_id)], "eid": int(eid),
        "date": _date(published, first_seen),
    }  # fmt: skip
    return t.Document.from_dict(doc, schema)


def _paper_sources(db: ReadDB, paper_ids: list[str] | None) -> dict[str, list[int]]:
    sql = "SELECT pe.paper_id, e.source_id FROM paper_entries pe JOIN entries e ON e.id = pe.entry_id"
    rows = db.rows(sql) if paper_ids is None else db.rows_in(sql + " WHERE pe.paper_id IN ({ids})", paper_ids)
    out: dict[str, list[int]] = {}
    for pid, sid in rows:
        lst = out.setdefault(pid, [])
        if int(sid) not in lst:
            lst.append(int(sid))
    return out


def _code_map(db: ReadDB) -> dict[str, int]:
    """uid -> best stars of the papers and entries that have a linked repository."""
    out: dict[str, int] = {}
    for pid, stars in db.rows(
        "SELECT pr.paper_id, MAX(COALESCE(r.stars, 0)) FROM paper_repos pr JOIN repos r ON r.id = pr.repo_id GROUP BY pr.paper_id"
    ):
        out["p:" + pid] = int(stars or 0)
    for eid, stars in db.rows(
        "SELECT er.entry_id, MAX(COALESCE(r.stars, 0)) FROM entry_repos er JOIN repos r ON r.id = er.repo_id GROUP BY er.entry_id"
    ):
        out[f"e:{eid}"] = int(stars or 0)
    return out


def _code_fingerprint(db: ReadDB) -> list[Any]:
    a = db.rows("SELECT COUNT(*), COALESCE(SUM(COALESCE(r.stars, 0)), 0), COALESCE(SUM(r.id), 0) "
                "FROM paper_repos pr JOIN repos r ON r.id = pr.repo_id")[0]  # fmt: skip
    b = db.rows("SELECT COUNT(*), COALESCE(SUM(er.entry_id), 0) FROM entry_repos er")[0]
    return [int(x or 0) for x in (*a, *b)]


def _load_code(index_dir: Path) -> dict[str, int]:
    try:
        data = json.loads((index_dir / CODE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _watermark(db: ReadDB) -> dict[str, str | None]:
    def mx(sql: str) -> str | None:
        dt = as_datetime(db.scalar(sql))
        return dt.isoformat() if dt else None

    return {
        "paper_first_seen": mx("SELECT MAX(first_seen_at) FROM papers"),
        "paper_enriched": mx("SELECT MAX(enriched_at) FROM papers"),
        "entry_updated": mx("SELECT MAX(updated_at) FROM entries"),
    }


def _bind_time(db: ReadDB, iso: str) -> Any:
    dt = datetime.fromisoformat(iso)
    if db.native:  # SQLite stores naive UTC text: compare text to text
        return dt.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
    return dt


# --- writing ----------------------------------------------------------------------------------


@dataclass
class SyncStats:
    papers: int = 0
    entries: int = 0
    deleted: int = 0
    rebuilt: bool = False
    seconds: float = 0.0
    skipped: bool = False  # another process held the lock and we did not wait

    @property
    def documents(self) -> int:
        return self.papers + self.entries


def _index_papers(t: Any, opened: Opened, writer: Any, db: ReadDB, paper_ids: list[str], code: dict[str, int],
                  delete_first: bool = True) -> int:  # fmt: skip
    n = 0
    for start in range(0, len(paper_ids), 5000):
        chunk = paper_ids[start : start + 5000]
        sources = _paper_sources(db, chunk)
        for row in db.rows_in(f"SELECT {_PAPER_COLS} FROM papers p WHERE p.arxiv_id IN ({{ids}})", chunk):
            if delete_first:
                writer.delete_documents_by_term("uid", "p:" + row[0])
            writer.add_document(_paper_doc(t, opened.schema, row, sources, code))
            n += 1
    return n


def _index_entries(t: Any, opened: Opened, writer: Any, db: ReadDB, entry_ids: list[int], code: dict[str, int]) -> int:
    n = 0
    found: set[int] = set()
    for row in db.rows_in(f"SELECT {_ENTRY_COLS} FROM entries e WHERE e.id IN ({{ids}})", entry_ids):
        writer.delete_documents_by_term("uid", f"e:{row[0]}")
        writer.add_document(_entry_doc(t, opened.schema, row, code))
        found.add(int(row[0]))
        n += 1
    for eid in set(entry_ids) - found:  # deleted since: drop from the index
        writer.delete_documents_by_term("uid", f"e:{eid}")
    return n


def _count(opened: Opened, kind: str | None = None) -> int:
    t = _tantivy()
    searcher = opened.index.searcher()
    if kind is None:
        return int(searcher.num_docs)
    q = t.Query.term_query(opened.schema, "kind", kind)
    return int(searcher.search(q, 1, count=True).count)


def rebuild(settings: Any, engine: Any = None, *, notify: Notify | None = _stderr, progress: Callable[[int, int], None] | None = None) -> SyncStats:
    """Recreate the index from the database (into a fresh folder, swapped in when complete)."""
    index_dir = Path(settings.index_dir)
    with writer_lock(index_dir, notify):
        return _rebuild_locked(settings, engine, progress)


def _rebuild_locked(settings: Any, engine: Any, progress: Callable[[int, int], None] | None) -> SyncStats:
    t = _tantivy()
    index_dir = Path(settings.index_dir)
    started = time.perf_counter()
    building = index_dir.with_name(index_dir.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    opened = _create_dir(building, settings.db_url)
    stats = SyncStats(rebuilt=True)
    # A SQLite file is read with the standard library even when the caller holds an engine: SQLAlchemy's rows
    # cost more than tokenizing them. (The read sees one snapshot: the build is consistent.)
    with read_db(settings.db_url, None if sqlite_path(settings.db_url) else engine) as db:
        watermark = _watermark(db)  # read first: rows stamped during the build are picked up by the next sync
        fingerprint = _code_fingerprint(db)
        code = _code_map(db)
        sources = _paper_sources(db, None)
        total = int(db.scalar("SELECT COUNT(*) FROM papers") or 0) + int(db.scalar("SELECT COUNT(*) FROM entries") or 0)
        # Indexing (tokenizing, positions) is the cost, not Python: one writer thread per core, each with a
        # 256 MB arena (fewer, larger segments: less merging after the commit).
        threads = max(1, min(4, os.cpu_count() or 1))
        writer = _writer(opened, heap=256_000_000 * threads, threads=threads)
        # Keyset pages: constant memory for any number of papers. In arXiv-id order, which for new-style ids is
        # date order, so documents sit in the index by date (table order was measured: no faster to build).
        last = ""
        while True:
            rows = db.rows(f"SELECT {_PAPER_COLS} FROM papers p WHERE p.arxiv_id > :last ORDER BY p.arxiv_id LIMIT 5000", {"last": last})
            if not rows:
                break
            for row in rows:
                writer.add_document(_paper_doc(t, opened.schema, row, sources, code))
            stats.papers += len(rows)
            last = rows[-1][0]
            if progress:
                progress(stats.documents, total)
        last_id = 0
        while True:
            rows = db.rows(f"SELECT {_ENTRY_COLS} FROM entries e WHERE e.id > :last ORDER BY e.id LIMIT 5000", {"last": last_id})
            if not rows:
                break
            for row in rows:
                writer.add_document(_entry_doc(t, opened.schema, row, code))
            stats.entries += len(rows)
            last_id = int(rows[-1][0])
            if progress:
                progress(stats.documents, total)
        writer.commit()
        writer.wait_merging_threads()
    now = datetime.now(timezone.utc).isoformat()
    opened.meta.update(watermark=watermark, code_fingerprint=fingerprint, built_at=now, synced_at=now)
    _write_json(building / CODE_FILE, code)
    _write_json(_meta_path(building), opened.meta)
    del writer, opened
    # Swap: the old folder moves aside (readers holding it keep working on Linux), the new one takes its place.
    old = index_dir.with_name(index_dir.name + f".old{os.getpid()}")
    if index_dir.exists():
        os.replace(index_dir, old)
    os.replace(building, index_dir)
    shutil.rmtree(old, ignore_errors=True)
    stats.seconds = time.perf_counter() - started
    return stats


def _ensure(settings: Any, engine: Any, notify: Notify | None) -> tuple[Opened | None, SyncStats | None]:
    """Open the index, or rebuild it (with a message) if it is missing or damaged. Caller holds the lock."""
    index_dir = Path(settings.index_dir)
    opened = _open_dir(index_dir, settings.db_url)
    if opened is not None:
        return opened, None
    if notify:
        why = "missing" if not index_dir.exists() else "out of date or damaged"
        notify(f"the search index is {why}; rebuilding it from the database...")
    stats = _rebuild_locked(settings, engine, None)
    opened = _open_dir(index_dir, settings.db_url)
    if opened is None:
        raise FeedhubError(f"cannot open the search index in {index_dir} after rebuilding it; remove that folder and retry")
    return opened, stats


def sync(settings: Any, engine: Any = None, *, paper_ids: Iterable[str] = (), entry_ids: Iterable[int] = (),
         notify: Notify | None = _stderr, wait: bool = True) -> SyncStats:  # fmt: skip
    """Index everything changed since the watermark (plus the given ids). Cheap when nothing changed."""
    index_dir = Path(settings.index_dir)
    started = time.perf_counter()
    with writer_lock(index_dir, notify, wait=wait) as locked:
        if not locked:
            return SyncStats(skipped=True)
        opened, rebuilt = _ensure(settings, engine, notify)
        if rebuilt is not None:
            return rebuilt
        assert opened is not None
        stats = _sync_locked(opened, index_dir, settings.db_url, engine, list(paper_ids), list(entry_ids))
    stats.seconds = time.perf_counter() - started
    return stats


def _sync_locked(opened: Opened, index_dir: Path, db_url: str, engine: Any, paper_ids: list[str], entry_ids: list[int]) -> SyncStats:
    t = _tantivy()
    stats = SyncStats()
    meta = opened.meta
    old = meta.get("watermark") or {}
    with read_db(db_url, engine) as db:
        new = _watermark(db)
        papers: dict[str, None] = dict.fromkeys(paper_ids)
        entries: dict[int, None] = dict.fromkeys(int(e) for e in entry_ids)
        if old.get("paper_first_seen") != new["paper_first_seen"] or old.get("paper_enriched") != new["paper_enriched"]:
            conds, params = [], {}
            for key, col in (("paper_first_seen", "first_seen_at"), ("paper_enriched", "enriched_at")):
                if old.get(key):
                    conds.append(f"{col} > :{key}")
                    params[key] = _bind_time(db, old[key])
                elif new[key]:
                    conds.append(f"{col} IS NOT NULL")
            if conds:
                papers.update(dict.fromkeys(r[0] for r in db.rows(f"SELECT arxiv_id FROM papers WHERE {' OR '.join(conds)}", params)))
        if old.get("entry_updated") != new["entry_updated"] and new["entry_updated"]:
            if old.get("entry_updated"):
                rows = db.rows("SELECT id FROM entries WHERE updated_at > :w", {"w": _bind_time(db, old["entry_updated"])})
            else:
                rows = db.rows("SELECT id FROM entries")
            entries.update(dict.fromkeys(int(r[0]) for r in rows))
        if entries:  # their papers' sources may have changed
            papers.update(dict.fromkeys(r[0] for r in db.rows_in("SELECT paper_id FROM paper_entries WHERE entry_id IN ({ids})", list(entries))))
        fingerprint = _code_fingerprint(db)
        code_changed = fingerprint != meta.get("code_fingerprint")
        if code_changed or papers or entries:
            code = _code_map(db) if code_changed else _load_code(index_dir)
            if code_changed:
                before = _load_code(index_dir)
                for uid in set(before.items()) ^ set(code.items()):
                    kind, _, key = uid[0].partition(":")
                    if kind == "p":
                        papers[key] = None
                    elif key.isdigit():
                        entries[int(key)] = None
        else:
            code = {}
        writer = None
        if papers or entries:
            writer = _writer(opened)
            stats.papers = _index_papers(t, opened, writer, db, list(papers), code)
            stats.entries = _index_entries(t, opened, writer, db, list(entries), code)
        # Entries deleted with their source: reconcile when the counts disagree.
        db_entries = int(db.scalar("SELECT COUNT(*) FROM entries") or 0)
        if writer is not None:
            writer.commit()
            writer.wait_merging_threads()
            opened.index.reload()
            writer = None
        if _count(opened, "entry") != db_entries:
            stats.deleted = _reconcile_entries(t, opened, db)
    meta.update(watermark=new, code_fingerprint=fingerprint, synced_at=datetime.now(timezone.utc).isoformat())
    if code_changed:
        _write_json(index_dir / CODE_FILE, code)
    _write_json(_meta_path(index_dir), meta)
    return stats


def _reconcile_entries(t: Any, opened: Opened, db: ReadDB) -> int:
    opened.index.reload()
    searcher = opened.index.searcher()
    q = t.Query.term_query(opened.schema, "kind", "entry")
    n = int(searcher.search(q, 1, count=True).count)
    if n == 0:
        return 0
    hits = searcher.search(q, n, count=False).hits
    indexed = set(searcher.fast_field_values("eid", [addr for _, addr in hits]))
    present = {int(r[0]) for r in db.rows("SELECT id FROM entries")}
    gone = [e for e in indexed if e is not None and int(e) not in present]
    if gone:
        writer = _writer(opened)
        for eid in gone:
            writer.delete_documents_by_term("uid", f"e:{eid}")
        writer.commit()
        writer.wait_merging_threads()
        opened.index.reload()
    return n - _count(opened, "entry")


def update_after_fetch(settings: Any, engine: Any, changed_entry_ids: Iterable[int], notify: Notify | None = _stderr) -> SyncStats:
    """Hook for ``feedhub fetch``: index the changed entries, their papers, and anything else changed."""
    return sync(settings, engine, entry_ids=changed_entry_ids, notify=notify)


def update_papers(settings: Any, engine: Any, paper_ids: Iterable[str] = (), notify: Notify | None = _stderr) -> SyncStats:
    """Hook for imports and enrichment: index these papers (and anything else changed since the watermark)."""
    return sync(settings, engine, paper_ids=paper_ids, notify=notify)


# --- status -----------------------------------------------------------------------------------


def status(settings: Any, engine: Any = None) -> dict[str, Any]:
    """Documents in the index and in the database, the watermark, and how many rows wait to be indexed."""
    index_dir = Path(settings.index_dir)
    opened = _open_dir(index_dir, settings.db_url)
    out: dict[str, Any] = {"path": str(index_dir), "exists": opened is not None}
    with read_db(settings.db_url, engine) as db:
        db_papers = int(db.scalar("SELECT COUNT(*) FROM papers") or 0)
        db_entries = int(db.scalar("SELECT COUNT(*) FROM entries") or 0)
        out["database"] = {"papers": db_papers, "entries": db_entries}
        if opened is None:
            out.update(documents=0, papers=0, entries=0, lag={"papers": db_papers, "entries": db_entries},
                       built_at=None, synced_at=None, watermark={}, size_bytes=0)  # fmt: skip
            return out
        wm = opened.meta.get("watermark") or {}
        conds, params = [], {}
        for key, col in (("paper_first_seen", "first_seen_at"), ("paper_enriched", "enriched_at")):
            if wm.get(key):
                conds.append(f"{col} > :{key}")
                params[key] = _bind_time(db, wm[key])
            else:
                conds.append(f"{col} IS NOT NULL")
        lag_papers = int(db.scalar(f"SELECT COUNT(*) FROM papers WHERE {' OR '.join(conds)}", params) or 0) if conds else db_papers
        lag_entries = (int(db.scalar("SELECT COUNT(*) FROM entries WHERE updated_at > :w", {"w": _bind_time(db, wm["entry_updated"])}) or 0)
                       if wm.get("entry_updated") else db_entries)  # fmt: skip
    n_papers, n_entries = _count(opened, "paper"), _count(opened, "entry")
    size = sum(p.stat().st_size for p in index_dir.iterdir() if p.is_file())
    out.update(documents=n_papers + n_entries, papers=n_papers, entries=n_entries,
               lag={"papers": lag_papers, "entries": lag_entries}, built_at=opened.meta.get("built_at"),
               synced_at=opened.meta.get("synced_at"), watermark=wm, size_bytes=size)  # fmt: skip
    return out


# --- querying ---------------------------------------------------------------------------------


@dataclass
class Compiled:
    query: Any
    empty: bool  # no positive text and no filter: nothing to rank
    notes: list[str] = field(default_factory=list)
    title_first: TitleFirst | None = None  # a faster exact plan for one very common word (see top_hits)


# A word in at least this share of the abstracts is searched title first (top_hits); BM25 gives its abstract
# matches almost no weight (idf ~ 0 when every abstract has it), yet the union with the title reads them all.
TITLE_FIRST_MIN_SHARE = 0.5
TITLE_FIRST_MAX_CANDIDATES = 2000
K1 = 1.2  # tantivy's BM25 term saturation: a term contributes at most idf * (K1 + 1) * boost


@dataclass
class TitleFirst:
    """One word in the default fields (and only filters beside it): its title clause, the clauses on the other
    fields with their boosts and document frequencies, and the filters."""

    word: str
    title: Any  # the filters and the boosted title clause
    others: list[tuple[str, float]]  # (field, boost) of the word's other clauses
    clauses: list[Any]  # the word's boosted clause on every field: the full score, used to rescore


class _Compiler:
    def __init__(self, opened: Opened, saved: Callable[[], dict[str, list[str]]]):
        self.t = _tantivy()
        self.schema = opened.schema
        self.searcher = opened.index.searcher()
        self.saved = saved
        self.notes: list[str] = []

    def _term(self, fld: str, value: Any) -> Any:
        return self.t.Query.term_query(self.schema, fld, value)

    def _should(self, queries: list[Any]) -> Any:
        queries = [q for q in queries if q is not None]
        if not queries:
            return None
        if len(queries) == 1:
            return queries[0]
        return self.t.Query.boolean_query([(self.t.Occur.Should, q) for q in queries])

    def _boost(self, q: Any, boost: float) -> Any:
        return q if q is None or boost == 1.0 else self.t.Query.boost_query(q, boost)

    def _text_one(self, fld: str, toks: list[str], prefix: bool) -> Any:
        if not toks:
            return None
        if prefix:
            if len(toks) > 1:
                return self.t.Query.phrase_prefix_query(self.schema, fld, toks)
            expansions = [term for term, _ in self.searcher.terms_with_prefix(fld, toks[0], limit=PREFIX_EXPANSIONS)]
            if not expansions:
                return None
            return self._should([self._term(fld, term) for term in expansions])
        if len(toks) == 1:
            return self._term(fld, toks[0])
        return self.t.Query.phrase_query(self.schema, fld, toks)

    def _text(self, text: str, fld: str | None, prefix: bool) -> Any:
        toks = tokens(text)
        if not toks:
            self.notes.append(f"ignored '{text}' (nothing searchable in it)")
            return None
        if fld is not None:
            q = self._text_one(fld, toks, prefix)
            return q if q is not None else self.t.Query.empty_query()
        if prefix and len(toks) == 1:
            # One flat OR of (boosted) term queries, not an OR of per-field ORs: tantivy runs block-max WAND
            # only over a union of plain term scorers (a boost stays inside the term scorer), about twice as
            # fast for a prefix with many completions; the scores are the same sums.
            parts = [
                self._boost(self._term(f, term), boost)
                for f, boost in (("title", TITLE_BOOST), ("body", 1.0), ("author", AUTHOR_BOOST))
                for term, _ in self.searcher.terms_with_prefix(f, toks[0], limit=PREFIX_EXPANSIONS)
            ]
        else:
            parts = [
                self._boost(self._text_one("title", toks, prefix), TITLE_BOOST),
                self._text_one("body", toks, prefix),
                self._boost(self._text_one("author", toks, prefix), AUTHOR_BOOST),
            ]
        from feedhub.links.ids import arxiv_key

        arxiv = None if prefix else arxiv_key(text)
        if arxiv:
            parts.append(self._boost(self._term("uid", "p:" + arxiv), 10.0))
        q = self._should(parts)
        return q if q is not None else self.t.Query.empty_query()

    def _filter(self, f: Any) -> Any:
        t = self.t
        if f.name == "date":
            if f.lo is None and f.hi is None:
                return t.Query.all_query()
            return t.Query.range_query(self.schema, "date", t.FieldType.Date, f.lo, f.hi, True, f.hi is None)
        if f.name == "cat":
            if f.value.endswith("*"):
                cats = [c for c, _ in self.searcher.terms_with_prefix("cat", f.value.rstrip("*"))]
                return t.Query.term_set_query(self.schema, "cat", cats) if cats else t.Query.empty_query()
            return self._term("cat", f.value)
        if f.name == "has":
            return self._term("flags", f.value)
        if f.name == "is":
            if f.value == "saved":
                uids = ["p:" + pid for pid in self.saved()]
                return t.Query.term_set_query(self.schema, "uid", uids) if uids else t.Query.empty_query()
            return self._term("kind", f.value)
        if f.name == "tag":
            want = f.value.lower()
            uids = ["p:" + pid for pid, tags in self.saved().items() if want in (x.lower() for x in tags)]
            return t.Query.term_set_query(self.schema, "uid", uids) if uids else t.Query.empty_query()
        if f.name == "source":
            return self._term("source", int(f.value))
        if f.name == "id":
            return self._term("uid", f.value)
        raise InvalidInput(f"unknown filter {f.name}")

    def node(self, node: Any) -> tuple[Any, bool]:
        """(query, scores?) for one node; scores is False for pure filters."""
        from feedhub.search.query import And, Filter, Not, Or, Phrase, Term

        if isinstance(node, Term):
            return self._text(node.text, node.field, node.prefix), True
        if isinstance(node, Phrase):
            toks = tokens(node.text)
            if not toks:
                self.notes.append(f"ignored '\"{node.text}\"' (nothing searchable in it)")
                return None, True
            fields = [node.field] if node.field else ["title", "body", "author"]
            boosts = {"title": TITLE_BOOST, "author": AUTHOR_BOOST}
            return self._should([self._boost(self._text_one(f, toks, False), boosts.get(f, 1.0)) for f in fields]), True
        if isinstance(node, Filter):
            return self._filter(node), False
        if isinstance(node, Not):
            inner, _ = self.node(node.node)
            if inner is None:
                return None, False
            return self.t.Query.boolean_query([(self.t.Occur.Must, self.t.Query.all_query()), (self.t.Occur.MustNot, inner)]), False
        if isinstance(node, Or):
            parts = [self.node(n) for n in node.nodes]
            return self._should([q for q, _ in parts]), any(s for _, s in parts)
        if isinstance(node, And):
            return self.conj(node.nodes)
        raise AssertionError(node)

    def conj(self, nodes: Iterable[Any]) -> tuple[Any, bool]:
        from feedhub.search.query import Not

        t = self.t
        clauses: list[tuple[Any, Any]] = []
        positive = False
        for n in nodes:
            if isinstance(n, Not):
                inner, _ = self.node(n.node)
                if inner is not None:
                    clauses.append((t.Occur.MustNot, inner))
                continue
            q, scores = self.node(n)
            if q is None:
                continue
            # Filters score a constant (and would dilute the ranking): wrap them so they only filter.
            clauses.append((t.Occur.Must, q if scores else t.Query.const_score_query(q, 0.0)))
            positive = True
        if not clauses:
            return None, False
        if not positive:
            clauses.insert(0, (t.Occur.Must, t.Query.all_query()))
        if len(clauses) == 1:
            return clauses[0][1], True
        return t.Query.boolean_query(clauses), True


def compile_query(opened: Opened, parsed: Any, saved: Callable[[], dict[str, list[str]]]) -> Compiled:
    comp = _Compiler(opened, saved)
    q, _ = comp.conj(parsed.root.nodes)
    if q is None:
        return Compiled(comp.t.Query.empty_query(), True, comp.notes)
    return Compiled(q, False, comp.notes, _title_first(comp, parsed.root.nodes))


def _title_first(comp: _Compiler, nodes: tuple[Any, ...]) -> TitleFirst | None:
    from feedhub.links.ids import arxiv_key
    from feedhub.search.query import Filter, Term

    terms = [n for n in nodes if isinstance(n, Term)]
    if len(terms) != 1 or len(terms) + sum(isinstance(n, Filter) for n in nodes) != len(nodes):
        return None
    term = terms[0]
    toks = tokens(term.text)
    if term.field is not None or term.prefix or len(toks) != 1 or arxiv_key(term.text):
        return None
    word, t, searcher = toks[0], comp.t, comp.searcher
    n_docs = searcher.num_docs
    body_df = searcher.doc_freq("body", word)
    if n_docs == 0 or body_df < TITLE_FIRST_MIN_SHARE * n_docs or searcher.doc_freq("title", word) == 0:
        return None
    filters = [(t.Occur.Must, t.Query.const_score_query(comp._filter(n), 0.0)) for n in nodes if isinstance(n, Filter)]
    title = comp._boost(comp._term("title", word), TITLE_BOOST)
    others = [("body", 1.0), ("author", AUTHOR_BOOST)]
    clauses = [title] + [comp._boost(comp._term(f, word), b) for f, b in others]
    return TitleFirst(word, t.Query.boolean_query([(t.Occur.Must, title), *filters]), others, clauses)


def top_hits(opened: Opened, searcher: Any, compiled: Compiled, limit: int) -> list[tuple[float, Any]]:
    """The ``limit`` best (score, address) pairs of ``compiled.query``: the same hits, scores and order as
    ``searcher.search(compiled.query, limit)``.

    For one word found in most abstracts (``TitleFirst``) that search reads about two postings a document,
    most of them abstract matches worth almost nothing: BM25 gives a word in every abstract an idf near 0.
    So the title clause runs alone first. If its ``limit``-th score ``theta`` is above the most the other
    fields can add to any document (``bound`` = idf * (K1 + 1) * boost, summed), no document without the
    word in its title can reach the results, and every document that can has a title score of at least
    ``theta - bound``: those candidates are rescored with the full query, and their best are the answer.
    Otherwise (too few title matches, too many candidates) the full query runs as usual."""
    plan = compiled.title_first
    if plan is not None:
        hits = _title_first_hits(opened, searcher, plan, limit)
        if hits is not None:
            return hits
    return list(searcher.search(compiled.query, limit, count=False).hits)


def _title_first_hits(opened: Opened, searcher: Any, plan: TitleFirst, limit: int) -> list[tuple[float, Any]] | None:
    t = _tantivy()
    want = min(TITLE_FIRST_MAX_CANDIDATES, max(2 * limit, 40))
    hits = searcher.search(plan.title, want, count=False).hits
    if len(hits) < limit:
        return None  # fewer title matches than wanted: documents without the word in the title count
    theta = hits[limit - 1][0]
    bound = _others_bound(opened, searcher, plan, hits[0][1])
    if theta <= bound:
        return None  # a document matching only outside the title could rank: no shortcut
    while len(hits) == want and hits[-1][0] >= theta - bound:  # candidates may lie beyond: look further
        if want >= TITLE_FIRST_MAX_CANDIDATES:
            return None
        want = min(TITLE_FIRST_MAX_CANDIDATES, want * 4)
        hits = searcher.search(plan.title, want, count=False).hits
    uids = [searcher.doc(addr).get_first("uid") for score, addr in hits if score >= theta - bound]
    only = t.Query.const_score_query(t.Query.term_set_query(opened.schema, "uid", uids), 0.0)
    rescore = t.Query.boolean_query([(t.Occur.Must, only)] + [(t.Occur.Should, c) for c in plan.clauses])
    return list(searcher.search(rescore, limit, count=False).hits)


def _others_bound(opened: Opened, searcher: Any, plan: TitleFirst, match: Any) -> float:
    """The most the word's non-title clauses add to any document's score: BM25 statistics of this searcher,
    with tantivy's own document count (read from its explanation of a title match, as its BM25 counts)."""
    import math

    t = _tantivy()
    explained = json.loads(t.Query.term_query(opened.schema, "title", plan.word).explain(searcher, match).to_json())
    n_total = next(float(d["value"]) for d in _walk(explained) if str(d.get("description", "")).startswith("N,"))
    bound = 0.0
    for fld, boost in plan.others:
        df = searcher.doc_freq(fld, plan.word)
        if df:
            bound += boost * (K1 + 1) * math.log(1 + (n_total - df + 0.5) / (df + 0.5))
    return bound * 1.001 + 1e-6  # float32 scores: the margin only adds candidates


def _walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("details") or ():
        yield from _walk(child)


# Readers kept open in this process, keyed by folder and database, valid while feedhub's meta file is the
# same file: every sync and rebuild replaces it (os.replace: a new inode), so a changed index is reopened.
# Opening costs a millisecond or more (segment files, the analyzer); a long-lived process searches often.
_READERS: dict[tuple[str, str], tuple[tuple[int, int, int], Opened]] = {}


def _meta_stamp(index_dir: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(_meta_path(index_dir))
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _open_reader(index_dir: Path, db_url: str) -> Opened | None:
    key = (str(index_dir), db_url)
    stamp = _meta_stamp(index_dir)  # before opening: a change in between makes the next call reopen
    cached = _READERS.get(key)
    if stamp is not None and cached is not None and cached[0] == stamp:
        return cached[1]
    _READERS.pop(key, None)
    opened = _open_dir(index_dir, db_url)
    if opened is not None and stamp is not None:
        _READERS[key] = (stamp, opened)
    return opened


def open_for_search(settings: Any, notify: Notify | None = _stderr, db: ReadDB | None = None) -> Opened:
    """The index for reading: synced first if the database moved on and nobody else is writing;
    built (with a message) if missing or damaged. ``db``: a read connection the caller already holds."""
    index_dir = Path(settings.index_dir)
    opened = _open_reader(index_dir, settings.db_url)
    if opened is not None:
        if db is not None:
            lagging = _watermark(db) != (opened.meta.get("watermark") or {})
        else:
            with read_db(settings.db_url) as own:
                lagging = _watermark(own) != (opened.meta.get("watermark") or {})
        if not lagging:
            return opened
        stats = sync(settings, None, notify=notify, wait=False)  # busy writer: search what is there
        if not stats.skipped:
            return _open_reader(index_dir, settings.db_url) or opened
        return opened
    # Missing or damaged: build it under the lock (this needs the full store layer).
    from feedhub.store import open_store

    engine = open_store(settings.db_url)
    try:
        with writer_lock(index_dir, notify):
            _ensure(settings, engine, notify)
    finally:
        engine.dispose()
    opened = _open_dir(index_dir, settings.db_url)
    if opened is None:
        raise FeedhubError(f"cannot open the search index in {index_dir}; run `feedhub index rebuild`")
    return opened
