"""Import the archived Papers-with-Code paper <-> code links dump (``links-between-papers-and-code.json[.gz]``).

The dump is one JSON array of objects: ``paper_url, paper_title, paper_arxiv_id, paper_url_abs,
paper_url_pdf, repo_url, is_official, mentioned_in_paper, mentioned_in_github, framework``. Each object
with an arXiv id (``paper_arxiv_id``, else one found in the paper URLs) and a GitHub ``repo_url`` links
that paper to that repository with provenance "imported" and the ``is_official`` flag. Papers not yet
in the store are created as stubs (the arXiv snapshot import or the API fills them in later).

The array is read incrementally (objects decoded one by one from a sliding buffer), so a dump of
hundreds of megabytes never sits in memory whole.
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator

from sqlalchemy import Engine

from feedhub.errors import FeedhubError
from feedhub.links.files import open_maybe_gzip
from feedhub.links.ids import find_arxiv_ids, parse_arxiv_id
from feedhub.links.repos import normalize_repo
from feedhub.papers.graph import IMPORTED, link_paper_repos
from feedhub.store.db import session_factory

Progress = Callable[[int, int, int], None]
MAX_BAD_KEPT = 50


@dataclass
class PwcStats:
    objects: int = 0
    links: int = 0  # (paper, repo) pairs stored
    official: int = 0
    no_arxiv_id: int = 0
    no_repo: int = 0  # not a GitHub repository (GitLab, Bitbucket, a malformed URL)
    bad: int = 0  # elements that are not objects
    bad_positions: list[int] = field(default_factory=list)  # 1-based index of the element in the array
    seconds: float = 0.0


def _open(path: Path) -> tuple[BinaryIO, BinaryIO]:
    stream, raw, _ = open_maybe_gzip(path)
    return stream, raw


def iter_array(stream: BinaryIO, chunk_size: int = 1 << 20) -> Iterator[Any]:
    """The elements of a top-level JSON array, decoded one at a time from ``stream``."""
    decoder = json.JSONDecoder()
    buf = ""
    pending = b""
    started = False
    eof = False

    def fill() -> bool:
        nonlocal buf, pending, eof
        if eof:
            return False
        data = stream.read(chunk_size)
        if not data:
            eof = True
            if pending:
                raise FeedhubError("the file ends inside a UTF-8 character; is it truncated?")
            return False
        data = pending + data
        try:
            text = data.decode("utf-8")
            pending = b""
        except UnicodeDecodeError as exc:
            if exc.start < len(data) - 3:
                raise FeedhubError(f"not UTF-8 text (byte {exc.start}); give the JSON dump") from None
            text, pending = data[: exc.start].decode("utf-8"), data[exc.start :]
        buf += text
        return True

    pos = 0
    while True:
        # Skip whitespace and separators.
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n":
                pos += 1
            if pos < len(buf) or not fill():
                break
        if pos >= len(buf):
            if not started:
                raise FeedhubError("empty file; give the Papers-with-Code links dump (a JSON array)")
            raise FeedhubError("the JSON array is not closed; is the file truncated?")
        ch = buf[pos]
        if not started:
            if ch == "\ufeff":
                pos += 1
                continue
            if ch != "[":
                raise FeedhubError("not a JSON array; give the Papers-with-Code links dump (links-between-papers-and-code.json)")
            started = True
            pos += 1
            continue
        if ch == "]":
            return
        if ch == ",":
            pos += 1
            continue
        while True:
            try:
                value, end = decoder.raw_decode(buf, pos)
                break
            except json.JSONDecodeError as exc:
                if fill():
                    continue
                raise FeedhubError(f"malformed JSON in the dump ({exc.msg} at character {exc.pos}); the links before it were imported") from None
        yield value
        pos = end
        if pos > chunk_size:  # drop what was consumed
            buf = buf[pos:]
            pos = 0


def _arxiv_id(obj: dict[str, Any]) -> str | None:
    value = obj.get("paper_arxiv_id")
    if isinstance(value, str) and value.strip():
        parsed = parse_arxiv_id(value)
        if parsed:
            return parsed[0]
    for key in ("paper_url_abs", "paper_url_pdf", "paper_url"):
        url = obj.get(key)
        if isinstance(url, str) and "arxiv" in url.lower():
            ids = find_arxiv_ids(url)
            if ids:
                return ids[0]
    return None


def import_pwc_links(engine: Engine, path: str | Path, quiet: bool = False, progress: Progress | None = None,
                     *, batch_size: int = 5000) -> PwcStats:
    """Read the dump and store its paper <-> repo links, one transaction per batch."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise FeedhubError(f"no such file: {path}; give the Papers-with-Code links dump (links-between-papers-and-code.json[.gz])")
    stats = PwcStats()
    total = path.stat().st_size
    close: Callable[[], None] = lambda: None
    if progress is None and not quiet and sys.stderr.isatty():
        from feedhub.papers.progress import import_progress

        progress, close = import_progress("papers-with-code links", unit="links")
    stream, raw = _open(path)
    factory = session_factory(engine)
    t0 = time.perf_counter()
    batch: dict[tuple[str, str], bool] = {}

    def flush() -> None:
        official = [k for k, v in batch.items() if v]
        other = [k for k, v in batch.items() if not v]
        with factory() as session, session.begin():
            link_paper_repos(session, other, IMPORTED)
            link_paper_repos(session, official, IMPORTED, official=True)
        stats.links += len(batch)
        stats.official += len(official)
        batch.clear()
        if progress:
            progress(raw.tell(), total, stats.links)

    try:
        for obj in iter_array(stream):
            stats.objects += 1
            if not isinstance(obj, dict):
                stats.bad += 1
                if len(stats.bad_positions) < MAX_BAD_KEPT:
                    stats.bad_positions.append(stats.objects)
                continue
            arxiv_id = _arxiv_id(obj)
            if arxiv_id is None:
                stats.no_arxiv_id += 1
                continue
            repo_url = obj.get("repo_url")
            repo = normalize_repo(repo_url) if isinstance(repo_url, str) else None
            if repo is None:
                stats.no_repo += 1
                continue
            key = (arxiv_id, repo)
            batch[key] = batch.get(key, False) or bool(obj.get("is_official"))
            if len(batch) >= batch_size:
                flush()
        if batch:
            flush()
    except FeedhubError:
        if batch:
            flush()  # what was read before the damage is kept
        raise
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise FeedhubError(f"reading {path} failed after {stats.links} links ({exc}); those are kept, run it again") from None
    finally:
        stats.seconds = time.perf_counter() - t0
        stream.close()
        raw.close()
        close()
    return stats
