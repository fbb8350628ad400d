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
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from feedhub.errors import FeedhubError
from feedhub.links.files import writable
from feedhub.search.readdb import ReadDB, as_datetime, as_list, read_db, sqlite_path
from feedhub.search.schema import (
    CODE_FILE,
    EPOCH,
    Notify,
    Opened,
    create_dir,
    hangul_pairs,
    lock_path,
    meta_path,
    new_writer,
    open_dir,
    open_reader,
    stderr_notify,
    tantivy_module,
    write_json,
    writer_lock,
)

# --- documents from the store -----------------------------------------------------------------

_PAPER_COLS = "p.arxiv_id, p.title, p.abstract, p.authors, p.categories, p.published_at, p.first_seen_at, p.doi"
# An entry's first 256K characters are indexed: a longer "summary" is a dump, and reading whole ones for a
# batch of changed entries held gigabytes (48 feeds of 12 MiB each: 1.7 GB for one fetch; issue 18).
MAX_INDEXED_CHARS = 262_144
_ENTRY_COLS = f"e.id, e.source_id, e.title, substr(e.summary, 1, {MAX_INDEXED_CHARS}), e.authors, e.published_at, e.first_seen_at"


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


def categories_of(value: Any) -> list[str]:
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
        "uid": uid, "kind": "paper", "title": [hangul_pairs(title or pid)], "body": [hangul_pairs(abstract or "")],
        "author": [hangul_pairs(_authors_text(authors))], "cat": categories_of(cats),
        "flags": flags, "source": sources.get(pid, []), "eid": 0, "date": _date(published, first_seen),
    }  # fmt: skip
    return t.Document.from_dict(doc, schema)


def _entry_doc(t: Any, schema: Any, row: tuple[Any, ...], code: dict[str, int]):  # type: ignore[no-untyped-def]
    eid, source_id, title, summary, authors, published, first_seen = row
    uid = f"e:{eid}"
    doc = {
        "uid": uid, "kind": "entry", "title": [hangul_pairs(title or "")], "body": [hangul_pairs(_plain(summary or ""))],
        "author": [hangul_pairs(_authors_text(authors))], "cat": [],
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


def read_watermark(db: ReadDB) -> dict[str, str | None]:
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
    t = tantivy_module()
    searcher = opened.index.searcher()
    if kind is None:
        return int(searcher.num_docs)
    q = t.Query.term_query(opened.schema, "kind", kind)
    return int(searcher.search(q, 1, count=True).count)


def rebuild(settings: Any, engine: Any = None, *, notify: Notify | None = stderr_notify, progress: Callable[[int, int], None] | None = None) -> SyncStats:
    """Recreate the index from the database (into a fresh folder, swapped in when complete)."""
    index_dir = Path(settings.index_dir)
    with writer_lock(index_dir, notify):
        return _rebuild_locked(settings, engine, progress)


def _rebuild_locked(settings: Any, engine: Any, progress: Callable[[int, int], None] | None) -> SyncStats:
    t = tantivy_module()
    index_dir = Path(settings.index_dir)
    started = time.perf_counter()
    building = index_dir.with_name(index_dir.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    opened = create_dir(building, settings.db_url)
    stats = SyncStats(rebuilt=True)
    # A SQLite file is read with the standard library even when the caller holds an engine: SQLAlchemy's rows
    # cost more than tokenizing them. (The read sees one snapshot: the build is consistent.)
    with read_db(settings.db_url, None if sqlite_path(settings.db_url) else engine) as db:
        watermark = read_watermark(db)  # read first: rows stamped during the build are picked up by the next sync
        fingerprint = _code_fingerprint(db)
        code = _code_map(db)
        sources = _paper_sources(db, None)
        total = int(db.scalar("SELECT COUNT(*) FROM papers") or 0) + int(db.scalar("SELECT COUNT(*) FROM entries") or 0)
        # Indexing (tokenizing, positions) is the cost, not Python: one writer thread per core, each with a
        # 256 MB arena (fewer, larger segments: less merging after the commit).
        threads = max(1, min(4, os.cpu_count() or 1))
        writer = new_writer(opened, heap=256_000_000 * threads, threads=threads)
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
    write_json(building / CODE_FILE, code)
    write_json(meta_path(building), opened.meta)
    del writer, opened
    # Swap: the old folder moves aside (readers holding it keep working on Linux), the new one takes its place.
    old = index_dir.with_name(index_dir.name + f".old{os.getpid()}")
    if index_dir.exists():
        os.replace(index_dir, old)
    os.replace(building, index_dir)
    shutil.rmtree(old, ignore_errors=True)
    stats.seconds = time.perf_counter() - started
    return stats


def _ensure(settings: Any, engine: Any, notify: Notify | None, announce_missing: bool = True) -> tuple[Opened | None, SyncStats | None]:
    """Open the index, or rebuild it (with a message) if it is missing or damaged. Caller holds the lock.

    ``announce_missing=False`` (after a fetch): a missing index is a new data dir's first fetch, built quietly;
    a damaged or outdated one is still announced."""
    index_dir = Path(settings.index_dir)
    opened = open_dir(index_dir, settings.db_url)
    if opened is not None:
        return opened, None
    if notify and (announce_missing or index_dir.exists()):
        why = "missing" if not index_dir.exists() else "out of date or damaged"
        notify(f"the search index is {why}; rebuilding it from the database...")
    stats = _rebuild_locked(settings, engine, None)
    opened = open_dir(index_dir, settings.db_url)
    if opened is None:
        raise FeedhubError(f"cannot open the search index in {index_dir} after rebuilding it; remove that folder and retry")
    return opened, stats


def sync(settings: Any, engine: Any = None, *, paper_ids: Iterable[str] = (), entry_ids: Iterable[int] = (),
         notify: Notify | None = stderr_notify, wait: bool = True, announce_missing: bool = True) -> SyncStats:  # fmt: skip
    """Index everything changed since the watermark (plus the given ids). Cheap when nothing changed."""
    index_dir = Path(settings.index_dir)
    started = time.perf_counter()
    with writer_lock(index_dir, notify, wait=wait) as locked:
        if not locked:
            return SyncStats(skipped=True)
        opened, rebuilt = _ensure(settings, engine, notify, announce_missing)
        if rebuilt is not None:
            return rebuilt
        assert opened is not None
        stats = _sync_locked(opened, index_dir, settings.db_url, engine, list(paper_ids), list(entry_ids))
    stats.seconds = time.perf_counter() - started
    return stats


def _sync_locked(opened: Opened, index_dir: Path, db_url: str, engine: Any, paper_ids: list[str], entry_ids: list[int]) -> SyncStats:
    t = tantivy_module()
    stats = SyncStats()
    meta = opened.meta
    old = meta.get("watermark") or {}
    with read_db(db_url, engine) as db:
        new = read_watermark(db)
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
            writer = new_writer(opened)
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
        write_json(index_dir / CODE_FILE, code)
    write_json(meta_path(index_dir), meta)
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
        writer = new_writer(opened)
        for eid in gone:
            writer.delete_documents_by_term("uid", f"e:{eid}")
        writer.commit()
        writer.wait_merging_threads()
        opened.index.reload()
    return n - _count(opened, "entry")


def update_after_fetch(settings: Any, engine: Any, changed_entry_ids: Iterable[int], notify: Notify | None = stderr_notify) -> SyncStats:
    """Hook for ``feedhub fetch``: index the changed entries, their papers, and anything else changed."""
    return sync(settings, engine, entry_ids=changed_entry_ids, notify=notify, announce_missing=False)


def update_papers(settings: Any, engine: Any, paper_ids: Iterable[str] = (), notify: Notify | None = stderr_notify) -> SyncStats:
    """Hook for imports and enrichment: index these papers (and anything else changed since the watermark)."""
    return sync(settings, engine, paper_ids=paper_ids, notify=notify)


# --- status -----------------------------------------------------------------------------------


def status(settings: Any, engine: Any = None) -> dict[str, Any]:
    """Documents in the index and in the database, the watermark, and how many rows wait to be indexed."""
    index_dir = Path(settings.index_dir)
    opened = open_dir(index_dir, settings.db_url)
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



def open_for_search(settings: Any, notify: Notify | None = stderr_notify, db: ReadDB | None = None) -> Opened:
    """The index for reading: synced first if the database moved on and nobody else is writing;
    built (with a message) if missing or damaged. ``db``: a read connection the caller already holds."""
    index_dir = Path(settings.index_dir)
    opened = open_reader(index_dir, settings.db_url)
    if opened is not None:
        if db is not None:
            lagging = read_watermark(db) != (opened.meta.get("watermark") or {})
        else:
            with read_db(settings.db_url) as own:
                lagging = read_watermark(own) != (opened.meta.get("watermark") or {})
        if not lagging:
            return opened
        if not writable(lock_path(index_dir)):  # a read-only store: search the index as it is
            if notify is not None:
                notify("feedhub: the data dir is read-only; searching the index as it was last updated")
            return opened
        stats = sync(settings, None, notify=notify, wait=False)  # busy writer: search what is there
        if not stats.skipped:
            return open_reader(index_dir, settings.db_url) or opened
        return opened
    # Missing or damaged: build it under the lock (this needs the full store layer).
    if not writable(lock_path(index_dir)):
        raise FeedhubError(f"no usable search index in {index_dir}, and the data dir is read-only; "
                           "run `feedhub index rebuild` once with write access")  # fmt: skip
    from feedhub.store import open_store

    engine = open_store(settings.db_url)
    try:
        with writer_lock(index_dir, notify):
            _ensure(settings, engine, notify)
    finally:
        engine.dispose()
    opened = open_dir(index_dir, settings.db_url)
    if opened is None:
        raise FeedhubError(f"cannot open the search index in {index_dir}; run `feedhub index rebuild`")
    return opened
