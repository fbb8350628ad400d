"""The search index's schema and folder: tantivy's fields and analyzer, opening and creating the
index beside the database, the meta file, the one-writer lock, and the readers kept open in a process.

See ``feedhub.search.index`` for how the index is kept current, ``feedhub.search.compiler`` for queries.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from feedhub.errors import FeedhubError

SCHEMA_VERSION = 2  # 2: English stems, Korean syllable pairs (an index of version 1 is rebuilt)
META_FILE = "feedhub-index.json"
CODE_FILE = "feedhub-code.json"
TOKENIZER = "feedhub"
TITLE_BOOST = 3.0
AUTHOR_BOOST = 1.5
PREFIX_EXPANSIONS = 32  # completions searched for a prefix* (the most frequent ones)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

Notify = Callable[[str], None]


def stderr_notify(message: str) -> None:
    sys.stderr.write(f"feedhub: {message}\n")
    sys.stderr.flush()


# --- schema and opening -----------------------------------------------------------------------


def tantivy_module():  # type: ignore[no-untyped-def]
    import tantivy

    return tantivy


_ANALYZER: Any = None
_PLAIN: Any = None


def analyzer():  # type: ignore[no-untyped-def]
    """Split on non-alphanumerics, drop tokens over 40 bytes, lower-case, fold accents (café = cafe), and
    reduce English words to their stems (optimizers = optimizer = optimize). Korean is split into syllable
    pairs before it reaches the analyzer (``hangul_pairs``)."""
    global _ANALYZER
    if _ANALYZER is None:
        t = tantivy_module()
        _ANALYZER = (
            t.TextAnalyzerBuilder(t.Tokenizer.simple())
            .filter(t.Filter.remove_long(40))
            .filter(t.Filter.lowercase())
            .filter(t.Filter.ascii_fold())
            .filter(t.Filter.stemmer("english"))
            .build()
        )
    return _ANALYZER


def plain_analyzer():  # type: ignore[no-untyped-def]
    """The analyzer without stems: the words as typed, folded, for highlighting them in snippets."""
    global _PLAIN
    if _PLAIN is None:
        t = tantivy_module()
        _PLAIN = (
            t.TextAnalyzerBuilder(t.Tokenizer.simple())
            .filter(t.Filter.remove_long(40))
            .filter(t.Filter.lowercase())
            .filter(t.Filter.ascii_fold())
            .build()
        )
    return _PLAIN


# Hangul syllables (and compatibility jamo): Korean attaches particles and endings to words
# (강화학습으로 = 강화학습 + 으로), so whole words rarely match what a user types.
_HANGUL_RUN = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]{3,}")


def hangul_pairs(text: str) -> str:
    """Each Korean word of three or more syllables as its overlapping syllable pairs
    ("강화학습으로" -> "강화 화학 학습 습으 으로"), for documents and queries alike: a query's pairs then
    match as a phrase inside any longer form (`강화학습` finds 강화학습으로, `영상처리` finds 영상처리를).
    Measured against a Korean morphological analyzer (kiwipiepy) in benchmarks/bench_korean.py."""
    if not text or not _HANGUL_RUN.search(text):
        return text
    return _HANGUL_RUN.sub(lambda m: " " + " ".join(m.group(0)[i : i + 2] for i in range(len(m.group(0)) - 1)) + " ", text)


def tokens(text: str) -> list[str]:
    """A query's words as the index holds them (stems, Korean syllable pairs)."""
    return list(analyzer().analyze(hangul_pairs(text))) if text else []


def plain_tokens(text: str) -> list[str]:
    return list(plain_analyzer().analyze(text)) if text else []


def prefix_tokens(text: str) -> list[str]:
    """A typed prefix (`transform*`): not a word, so not stemmed; the compiler matches it against stems."""
    return list(plain_analyzer().analyze(hangul_pairs(text))) if text else []


def build_schema():  # type: ignore[no-untyped-def]
    t = tantivy_module()
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


def meta_path(index_dir: Path) -> Path:
    return index_dir / META_FILE


def read_meta(index_dir: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads(meta_path(index_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(data, default=str), encoding="utf-8")
    os.replace(tmp, path)


def open_dir(index_dir: Path, db_url: str) -> Opened | None:
    """The index in ``index_dir`` if it is there, current and readable; else None (rebuild it)."""
    meta = read_meta(index_dir)
    if meta is None or meta.get("schema_version") != SCHEMA_VERSION or meta.get("db_url") != db_url:
        return None
    t = tantivy_module()
    try:
        index = t.Index.open(str(_readable_copy(index_dir)))
        index.register_tokenizer(TOKENIZER, analyzer())
        index.searcher().num_docs  # noqa: B018  (touches the segments: a damaged one fails here)
    except (ValueError, OSError, BaseException) as exc:  # pyo3 panics are BaseException
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return None
    return Opened(index, index.schema, meta)


MAX_COPY_BYTES = 1024 * 1024 * 1024


def _readable_copy(index_dir: Path) -> Path:
    """``index_dir``, or a temporary copy of it when it is read-only: tantivy takes a lock file inside the
    index even to read it, which a read-only mount refuses. The copy is removed when the process exits."""
    if os.access(index_dir, os.W_OK) or not index_dir.is_dir():
        return index_dir
    import atexit
    import shutil
    import tempfile

    size = sum(p.stat().st_size for p in index_dir.iterdir() if p.is_file())
    if size > MAX_COPY_BYTES:
        raise FeedhubError(f"the search index in {index_dir} is read-only and too large to copy ({size // 2**20} MiB); "
                           "search with write access to the data dir")  # fmt: skip
    copy = Path(tempfile.mkdtemp(prefix="feedhub-index-"))
    atexit.register(shutil.rmtree, copy, True)
    for p in index_dir.iterdir():
        if p.is_file() and not p.name.endswith(".lock"):
            shutil.copy2(p, copy / p.name)
    return copy


def create_dir(index_dir: Path, db_url: str) -> Opened:
    t = tantivy_module()
    index_dir.mkdir(parents=True, exist_ok=True)
    schema = build_schema()
    index = t.Index(schema, path=str(index_dir), reuse=False)
    index.register_tokenizer(TOKENIZER, analyzer())
    meta = {"schema_version": SCHEMA_VERSION, "db_url": db_url, "watermark": {}, "code_fingerprint": None,
            "built_at": None, "synced_at": None}  # fmt: skip
    return Opened(index, schema, meta)


# --- the writer lock --------------------------------------------------------------------------


def lock_path(index_dir: Path) -> Path:
    return index_dir.parent / (index_dir.name + ".lock")


@contextmanager
def writer_lock(index_dir: Path, notify: Notify | None = stderr_notify, wait: bool = True) -> Iterator[bool]:
    """Hold the one-writer lock; wait for another process (saying so), or yield False if ``wait`` is off."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: tantivy's own lock still refuses a second writer
        yield True
        return
    with open(lock_path(index_dir), "a+") as fh:
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


def new_writer(opened: Opened, heap: int = 64_000_000, threads: int = 1):  # type: ignore[no-untyped-def]
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



# Readers kept open in this process, keyed by folder and database, valid while feedhub's meta file is the
# same file: every sync and rebuild replaces it (os.replace: a new inode), so a changed index is reopened.
# Opening costs a millisecond or more (segment files, the analyzer); a long-lived process searches often.
READERS: dict[tuple[str, str], tuple[tuple[int, int, int], Opened]] = {}


def meta_stamp(index_dir: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(meta_path(index_dir))
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def open_reader(index_dir: Path, db_url: str) -> Opened | None:
    key = (str(index_dir), db_url)
    stamp = meta_stamp(index_dir)  # before opening: a change in between makes the next call reopen
    cached = READERS.get(key)
    if stamp is not None and cached is not None and cached[0] == stamp:
        return cached[1]
    READERS.pop(key, None)
    opened = open_dir(index_dir, db_url)
    if opened is not None and stamp is not None:
        READERS[key] = (stamp, opened)
    return opened

