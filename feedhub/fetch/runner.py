"""Fetch due sources concurrently; store each in its own write transaction; a failing source records its
error alone and backs off, the run goes on.

Scheduling (after Miniflux): a source is due when enabled and its ``next_check_at`` has passed. After
a success the next check is an hour later, or later when the feed's ``<ttl>`` or the response's
``Cache-Control: max-age`` / ``Expires`` ask for it (capped at a day). After an error it is 1 h, 2 h,
4 h ... (capped at a day), or what ``Retry-After`` says for 429/503 (capped at a week); after
``PAUSE_AFTER`` consecutive errors the source pauses until ``feedhub fetch --force`` or
``feedhub source enable``. 410 Gone disables the source. A permanent redirect (301/308) updates the
stored URL. ETag and Last-Modified are stored per source and sent back every time.
"""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Awaitable, Callable, Mapping
from urllib.parse import urlsplit

from sqlalchemy import Engine, select

from feedhub.errors import FeedhubError, FetchError, NotAFeed
from feedhub.fetch.http import BodyGate, FetchConfig, get, make_client
from feedhub.fetch.local import read_file_url
from feedhub.sources.base import Get, HttpResult
from feedhub.sources.feed import DOCUMENT_URL
from feedhub.sources.kinds import fetcher_for
from feedhub.store.db import session_factory
from feedhub.store.models import Source
from feedhub.store.types import utcnow

DEFAULT_INTERVAL = timedelta(hours=1)
MIN_INTERVAL = timedelta(minutes=5)  # the shortest a source's own "interval_minutes" option may ask for
MAX_INTERVAL = timedelta(hours=24)  # feed TTL / Cache-Control hints are honoured up to this
MIN_RETRY_AFTER = timedelta(minutes=1)
MAX_RETRY_AFTER = timedelta(days=7)
PAUSE_AFTER = 3  # consecutive errors before a source waits for --force
FAILED = ("error", "disabled", "paused")  # the statuses that make `feedhub fetch` exit non-zero
EXIT_SOME_FAILED = 2
EXIT_ALL_FAILED = 3
BODIES_IN_HAND = 32 * 1024 * 1024  # downloaded, not yet stored: past this no new request starts (memory bound)


@dataclass
class SourceResult:
    source_id: int
    name: str
    status: str  # "ok" | "not modified" | "error" | "disabled" | "paused"
    new: int = 0
    updated: int = 0
    error: str | None = None
    warning: str | None = None
    next_check_at: datetime | None = None
    changed_entry_ids: list[int] | None = None
    paused: bool = False  # waits for --force (after PAUSE_AFTER errors)
    url: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.source_id, "name": self.name, "url": self.url, "status": self.status, "new": self.new,
            "updated": self.updated, "error": self.error, "warning": self.warning, "paused": self.paused,
            "next_check_at": self.next_check_at.isoformat() if self.next_check_at else None,
        }


@dataclass
class FetchReport:
    results: list[SourceResult] = field(default_factory=list)
    changed_entry_ids: list[int] = field(default_factory=list)
    seconds: float = 0.0
    hook_error: str | None = None

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def failed(self) -> list[SourceResult]:
        return [r for r in self.results if r.status in FAILED]

    def exit_code(self) -> int:
        """0 when no source failed (warnings included), 2 when some failed, 3 when every one failed."""
        failed = len(self.failed())
        if not failed:
            return 0
        return EXIT_ALL_FAILED if failed == len(self.results) else EXIT_SOME_FAILED

    def totals(self) -> dict[str, int]:
        return {
            "sources": len(self.results), "new": sum(r.new for r in self.results), "updated": sum(r.updated for r in self.results),
            "ok": self.count("ok"), "not_modified": self.count("not modified"), "errors": self.count("error"),
            "disabled": self.count("disabled"), "paused": self.count("paused"),
        }


@dataclass
class _Task:
    id: int
    name: str
    kind: str
    url: str
    etag: str | None
    last_modified: str | None
    error_count: int
    options: dict[str, Any]


# -- scheduling arithmetic -------------------------------------------------------------------------

def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """``Retry-After`` as seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(when - now, timedelta(0))


def cache_hint(headers: Mapping[str, str], now: datetime) -> timedelta | None:
    """How long the response says it stays fresh: Cache-Control max-age, else Expires."""
    cc = headers.get("cache-control", "")
    for part in cc.split(","):
        name, _, val = part.strip().partition("=")
        if name.lower() in ("max-age", "s-maxage") and val.strip().strip('"').isdigit():
            return timedelta(seconds=int(val.strip().strip('"')))
    if headers.get("expires"):
        try:
            when = parsedate_to_datetime(headers["expires"])
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            return max(when - now, timedelta(0))
        except (TypeError, ValueError, IndexError):
            return None
    return None


def success_interval(options: Mapping[str, Any], ttl_seconds: int | None, headers: Mapping[str, str], now: datetime) -> timedelta:
    base = DEFAULT_INTERVAL
    minutes = options.get("interval_minutes")
    if isinstance(minutes, (int, float)) and minutes > 0:
        base = max(timedelta(minutes=minutes), MIN_INTERVAL)
    hints = [h for h in (timedelta(seconds=ttl_seconds) if ttl_seconds else None, cache_hint(headers, now)) if h]
    interval = max([base, *hints])  # never sooner than the feed or the server ask
    return min(interval, max(MAX_INTERVAL, base))


def error_interval(error_count: int) -> timedelta:
    return min(DEFAULT_INTERVAL * (2 ** max(error_count - 1, 0)), MAX_INTERVAL)


# -- storing (synchronous; run on one worker thread so SQLite sees one writer) ----------------------

def _record_error(
    engine: Engine, source_id: int, message: str, *, wait: timedelta | None = None, disable: bool = False
) -> SourceResult:
    """Count the error on the source and schedule the back-off; nothing else stored changes."""
    now = utcnow()
    with session_factory(engine)() as session, session.begin():
        source = session.get(Source, source_id)
        if source is None:
            return SourceResult(source_id, f"#{source_id}", "error", error=message)
        source.error_count += 1
        source.last_error = message
        source.last_fetched_at = now
        if wait is not None:
            source.next_check_at = now + min(max(wait, MIN_RETRY_AFTER), MAX_RETRY_AFTER)
        else:
            source.next_check_at = now + error_interval(source.error_count)
        if disable:
            source.enabled = False
        return SourceResult(
            source.id, source.name, "disabled" if disable else "error", error=message, next_check_at=source.next_check_at,
            paused=source.error_count >= PAUSE_AFTER and not disable, url=source.url,
        )


def _html_hint(message: str, body: bytes, base_url: str) -> str:
    head = body[:1024].lower()
    if b"<html" not in head and b"<!doctype html" not in head:
        return message
    from feedhub.fetch.discover import find_feed_links

    links = find_feed_links(body, base_url)
    if links:
        return f"an HTML page, not a feed; it links to the feed {links[0].url}: `feedhub source add {links[0].url}`"
    return "an HTML page, not a feed, and it links to no feed; give the feed's URL (`feedhub source add` finds it from a home page)"


def _parser_headers(headers: Mapping[str, str], url: str | None = None) -> dict[str, str]:
    # The body is already decoded: the parser must not see the transfer's encoding or length.
    out = {k.lower(): v for k, v in headers.items() if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")}
    if url:
        # The document's own URL, so relative item links (Stanford AI Lab's `<link>/blog/post/</link>`) resolve
        # (sources.feed.DOCUMENT_URL: links only; a guid is a key and stays as the feed wrote it).
        out[DOCUMENT_URL] = url
    return out


def _parse_in_worker(kind: str, body: bytes, headers: dict[str, str]) -> Any:
    from feedhub.sources import parse as parse_bytes

    return parse_bytes(kind, body, headers)


def _bound_get(client: Any, cfg: FetchConfig) -> Get:
    """The run's guarded GET with its client and limits bound, as a kind's fetcher receives it."""

    def bound(url: str, *, etag: str | None = None, last_modified: str | None = None,
              headers: Mapping[str, str] | None = None) -> Awaitable[HttpResult]:  # fmt: skip
        return get(client, url, cfg, etag=etag, last_modified=last_modified, headers=headers)

    return bound


def _exit_with_parent(parent: int) -> None:
    """A parse worker's initializer: the worker exits as soon as the fetch that started it is gone (killed
    with SIGKILL, its pool never shut down). Without it the worker waits on its queue for ever, and
    multiprocessing's resource tracker, which waits for the worker, stays too."""
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(0)

    threading.Thread(target=watch, name="feedhub-parent-watch", daemon=True).start()


def _parse_pool(workers: int) -> Any:
    """Worker processes for parsing, so a CPU-bound parser does not stall the event loop or the store."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_exit_with_parent, initargs=(os.getpid(),))
    pool.submit(int)  # start the first worker now, while the first requests are in flight
    return pool


def ingest_source_bytes(
    engine: Engine, source_id: int, body: bytes, headers: Mapping[str, str] | None = None, *, http: HttpResult | None = None,
    feed: Any = None,
) -> SourceResult:
    """Store one source's bytes (or ``feed``, parsed from them already) in one transaction; on failure
    roll it back and record the error. The source row is read and written with plain Core statements:
    this runs once a feed, and the ORM's identity map and unit of work cost more than the entries."""
    from feedhub.fetch.ingest import SourceRef, store_feed
    from feedhub.sources import parse as parse_bytes

    headers = {k.lower(): v for k, v in (headers or {}).items()}
    parser_headers = _parser_headers(headers)
    now = utcnow()
    table = Source.__table__
    try:
        with session_factory(engine)() as session, session.begin():
            row = session.execute(
                select(table.c.kind, table.c.name, table.c.url, table.c.options).where(table.c.id == source_id)
            ).first()
            if row is None:
                raise FeedhubError(f"source {source_id} was removed during the fetch")
            if feed is None:
                feed = parse_bytes(row.kind, body, _parser_headers(parser_headers, http.url if http else row.url))
            stats = store_feed(session, SourceRef(source_id, row.kind), feed, now)
            values: dict[str, Any] = {"last_warning": stats.warning, "error_count": 0, "last_error": None, "last_fetched_at": now}
            warning = stats.warning
            url = row.url
            if http is not None:
                values["etag"] = headers.get("etag") or None
                values["last_modified"] = headers.get("last-modified") or None
                if http.moved_to and http.moved_to != row.url:
                    note, moved = _move(session, source_id, row.url, http.moved_to)
                    warning = note or warning
                    if moved:
                        values["url"] = url = moved
            options = dict(row.options or {})
            if feed.ttl_seconds != options.get("feed_ttl"):
                if feed.ttl_seconds:
                    options["feed_ttl"] = feed.ttl_seconds
                else:
                    options.pop("feed_ttl", None)
                values["options"] = options
            values["next_check_at"] = now + success_interval(options, feed.ttl_seconds, headers, now)
            session.execute(table.update().where(table.c.id == source_id).values(**values))
            return SourceResult(
                source_id, row.name, "ok", new=stats.new, updated=stats.updated, warning=warning,
                next_check_at=values["next_check_at"], changed_entry_ids=stats.changed_entry_ids, url=url,
            )
    except NotAFeed as exc:
        return _record_error(engine, source_id, _html_hint(str(exc), body, http.url if http else ""))
    except FeedhubError as exc:
        return _record_error(engine, source_id, str(exc))


def _move(conn: Any, source_id: int, old_url: str, new_url: str) -> tuple[str, str | None]:
    """A permanent redirect: (the note for the user, the URL to store, or None when another source has it)."""
    table = Source.__table__
    other = conn.execute(select(table.c.id).where(table.c.url == new_url, table.c.id != source_id)).scalar()
    if other is not None:
        return f"moved permanently to {new_url}, which is already source {other}; remove one of them", None
    return f"moved permanently from {old_url}; URL updated", new_url


def _store_not_modified(engine: Engine, source_id: int, http: HttpResult) -> SourceResult:
    # Plain Core statements: on a second run nearly every source lands here, and the ORM unit of
    # work cost more than the request itself.
    now = utcnow()
    table = Source.__table__
    with engine.begin() as conn:
        row = conn.execute(select(table.c.name, table.c.url, table.c.options, table.c.etag, table.c.last_modified).where(table.c.id == source_id)).first()
        if row is None:
            return SourceResult(source_id, f"#{source_id}", "error", error="source removed during the fetch")
        values: dict[str, Any] = {"error_count": 0, "last_error": None, "last_fetched_at": now}
        warning = None
        url = row.url
        if http.moved_to and http.moved_to != row.url:
            warning, moved = _move(conn, source_id, row.url, http.moved_to)
            if moved:
                values["url"] = url = moved
        # A 304 may carry a fresher validator; keep the old one otherwise.
        if http.headers.get("etag") and http.headers["etag"] != row.etag:
            values["etag"] = http.headers["etag"]
        if http.headers.get("last-modified") and http.headers["last-modified"] != row.last_modified:
            values["last_modified"] = http.headers["last-modified"]
        options = row.options or {}
        values["next_check_at"] = now + success_interval(options, options.get("feed_ttl"), http.headers, now)
        conn.execute(table.update().where(table.c.id == source_id).values(**values))
    return SourceResult(source_id, row.name, "not modified", warning=warning, next_check_at=values["next_check_at"], url=url)


def _store_http(engine: Engine, task: _Task, http: HttpResult) -> SourceResult:
    status = http.status
    if status == 200:
        return ingest_source_bytes(engine, task.id, http.body, http.headers, http=http)
    if status == 304:
        return _store_not_modified(engine, task.id, http)
    if status == 410:
        return _record_error(engine, task.id, f"gone (HTTP 410): the feed was removed; source disabled (`feedhub source enable {task.id}` to retry)", disable=True)
    if status in (429, 503):
        wait = retry_after(http.headers.get("retry-after"), utcnow())
        what = "rate limited (HTTP 429)" if status == 429 else "service unavailable (HTTP 503)"
        note = f"; retrying after {_human(wait)} as the server asked" if wait is not None else ""
        return _record_error(engine, task.id, what + note, wait=wait)
    if 300 <= status < 400:
        return _record_error(engine, task.id, f"HTTP {status} without a Location to follow; check the URL")
    if status in (401, 403):
        return _record_error(engine, task.id, f"HTTP {status}: access denied; the feed may need a login or block feed readers")
    if status == 404:
        return _record_error(engine, task.id, "HTTP 404 not found; the feed moved or the URL is wrong (`feedhub source add HOMEPAGE` finds feeds)")
    return _record_error(engine, task.id, f"HTTP {status} from the server; will retry later")


def _human(delta: timedelta) -> str:
    s = int(delta.total_seconds())
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    return f"{s // 3600} h"


def _fetch_file(engine: Engine, task: _Task) -> SourceResult:
    try:
        body = read_file_url(task.url)
    except FeedhubError as exc:
        return _record_error(engine, task.id, str(exc))
    return ingest_source_bytes(engine, task.id, body)


# -- choosing what to fetch -------------------------------------------------------------------------

def select_due(engine: Engine, source_ids: list[int] | None = None, force: bool = False, only_local: bool = False) -> tuple[list[_Task], list[SourceResult]]:
    """Sources to fetch now, and results for explicitly named sources that are skipped (disabled, paused)."""
    now = utcnow()
    tasks: list[_Task] = []
    skipped: list[SourceResult] = []
    with session_factory(engine)() as session:
        query = select(Source).order_by(Source.id)
        if source_ids:
            query = query.where(Source.id.in_(source_ids))
        else:
            query = query.where(Source.enabled.is_(True))
        if only_local:
            query = query.where(Source.url.startswith("file:"))
        found = set()
        for s in session.scalars(query):
            found.add(s.id)
            paused = s.error_count >= PAUSE_AFTER
            if not force:
                if source_ids and not s.enabled:
                    skipped.append(SourceResult(s.id, s.name, "disabled", error=s.last_error or "disabled; `feedhub source enable` first", url=s.url))
                    continue
                if paused:
                    if source_ids:
                        skipped.append(SourceResult(s.id, s.name, "paused", error=f"paused after {s.error_count} errors ({s.last_error}); use --force", next_check_at=s.next_check_at, paused=True, url=s.url))
                    continue
                if not source_ids and s.next_check_at is not None and s.next_check_at > now:
                    continue
            tasks.append(_Task(s.id, s.name, s.kind, s.url, s.etag, s.last_modified, s.error_count, dict(s.options or {})))
        if source_ids:
            missing = [i for i in source_ids if i not in found]
            if missing:
                from feedhub.errors import InvalidInput

                raise InvalidInput(f"no source with id {', '.join(map(str, missing))}; `feedhub source list` shows the ids")
    return tasks, skipped


# -- the run ------------------------------------------------------------------------------------------

@dataclass
class _Host:
    sem: asyncio.Semaphore
    gap: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_start: float = float("-inf")


async def fetch_sources(
    engine: Engine,
    cfg: FetchConfig,
    *,
    source_ids: list[int] | None = None,
    force: bool = False,
    settings: Any = None,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[SourceResult], None] | None = None,
) -> FetchReport:
    """Fetch every due source (or ``source_ids``) with one client; store each as it arrives."""
    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    store = ThreadPoolExecutor(max_workers=1, thread_name_prefix="feedhub-store")
    try:
        return await _run(engine, cfg, loop, store, source_ids, force, settings, on_start, on_result, started)
    finally:
        store.shutdown(wait=True)


async def _run(engine, cfg, loop, store, source_ids, force, settings, on_start, on_result, started):  # type: ignore[no-untyped-def]
    tasks, skipped = await loop.run_in_executor(store, select_due, engine, source_ids, force)
    report = FetchReport(results=list(skipped))
    if on_start:
        on_start(len(tasks))
    remote = sum(1 for t in tasks if not t.url.startswith("file:"))
    # Parsing in worker processes lets parsing and storing use two cores at once on a large run
    # (benchmarks/bench_fetch.py, 2 quiet cores: 1.77x -> 1.52-1.62x the concurrency bound with one worker);
    # small runs never pay for starting one. --parse-workers N (FetchConfig.parse_workers) overrides.
    cores = os.cpu_count() or 1
    workers = cfg.parse_workers if cfg.parse_workers is not None else (min(cores - 1, 4) if cores >= 2 and remote >= 64 else 0)
    parse_pool = None
    global_sem = asyncio.Semaphore(cfg.concurrency)
    hosts: dict[str, _Host] = {}
    # Bodies downloaded but not yet stored wait for the one store thread; without a bound, many large
    # feeds answering faster than they are stored pile up in memory. No new request starts while more than
    # BODIES_IN_HAND bytes wait (so memory stays under it plus concurrency x max_body).
    in_hand = 0
    room = asyncio.Condition()
    gate = BodyGate()

    async def hold(body: bytes) -> None:
        nonlocal in_hand
        in_hand += len(body)  # released by release() once stored, whatever happens to it

    async def release(size: int) -> None:
        nonlocal in_hand
        async with room:
            in_hand -= size
            room.notify_all()

    def host_of(url: str) -> _Host:
        name = (urlsplit(url).hostname or "").lower()
        if name not in hosts:
            limit, gap = cfg.host_policy(name)
            hosts[name] = _Host(asyncio.Semaphore(max(limit, 1)), gap)
        return hosts[name]

    async def one(client: Any, task: _Task) -> SourceResult:
        gated = False  # a large body of the plain GET holds a slot of the gate until it is stored
        if task.url.startswith("file:"):
            return await loop.run_in_executor(store, _fetch_file, engine, task)
        host = host_of(task.url)
        try:
            async with host.sem:
                if host.gap:
                    async with host.lock:
                        wait = host.last_start + host.gap - loop.time()
                        if wait > 0:
                            await asyncio.sleep(wait)
                        host.last_start = loop.time()
                async with global_sem:
                    if in_hand > BODIES_IN_HAND:
                        async with room:
                            await room.wait_for(lambda: in_hand <= BODIES_IN_HAND)
                    # Kinds whose source URL is not the URL to GET (API endpoints: Bluesky lists, X lists)
                    # have a fetcher in their kind's module; it returns the final response like get() does.
                    special = fetcher_for(task.kind)
                    if special is not None:
                        http = await special(_bound_get(client, cfg), task.url, etag=task.etag, last_modified=task.last_modified,
                                             options=task.options, settings=settings)
                        http = replace(http, moved_to=None)  # an API's redirect must not rewrite the source URL
                    else:
                        http = await get(client, task.url, cfg, etag=task.etag, last_modified=task.last_modified, gate=gate)
                        gated = True
                    await hold(http.body)
        except FetchError as exc:
            message = str(exc)
            return await loop.run_in_executor(store, lambda: _record_error(engine, task.id, message))
        nonlocal parse_pool
        try:
            feed = None
            if http.status == 200 and workers > 0:
                if parse_pool is None:  # started on the first body to parse: a run of 304s never pays for it
                    parse_pool = _parse_pool(workers)
                try:
                    feed = await loop.run_in_executor(parse_pool, _parse_in_worker, task.kind, http.body, _parser_headers(http.headers, http.url))
                except NotAFeed as exc:
                    message = _html_hint(str(exc), http.body, http.url)
                    return await loop.run_in_executor(store, lambda: _record_error(engine, task.id, message))
                except FeedhubError as exc:
                    message = str(exc)
                    return await loop.run_in_executor(store, lambda: _record_error(engine, task.id, message))
                except Exception:  # a worker died (BrokenProcessPool) or a parser bug: parse here instead
                    feed = None
            if feed is not None:
                return await loop.run_in_executor(store, lambda: ingest_source_bytes(engine, task.id, http.body, http.headers, http=http, feed=feed))
            return await loop.run_in_executor(store, _store_http, engine, task, http)
        finally:
            if gated:
                gate.release_for(http.body)
            await release(len(http.body))

    async def guarded(client: Any, task: _Task) -> SourceResult:
        try:
            result = await one(client, task)
        except Exception as exc:  # a bug or a database hiccup: it stays with this source, the run goes on
            message = str(exc) if isinstance(exc, FeedhubError) else f"internal error {type(exc).__name__}: {exc} (please report it)"
            try:
                result = await loop.run_in_executor(store, lambda: _record_error(engine, task.id, message))
            except Exception:
                result = SourceResult(task.id, task.name, "error", error=message, url=task.url)
        if on_result:
            on_result(result)
        return result

    try:
        if tasks:
            async with make_client(cfg) as client:
                results = await asyncio.gather(*(guarded(client, t) for t in tasks))
            report.results.extend(results)
        for r in report.results:
            report.changed_entry_ids.extend(r.changed_entry_ids or [])
        report.hook_error = await loop.run_in_executor(store, post_fetch_hook, settings, engine, report.changed_entry_ids)
    finally:
        if parse_pool is not None:
            parse_pool.shutdown(wait=True, cancel_futures=True)
    report.results.sort(key=lambda r: r.source_id)
    report.seconds = time.perf_counter() - started
    return report


def post_fetch_hook(settings: Any, engine: Engine, changed_entry_ids: list[int]) -> str | None:
    """After everything is stored: look up new papers on arXiv, then let the search index catch up.
    Neither step fails the fetch; what stopped them is returned as a warning for the summary."""
    if settings is None:
        return None
    notes: list[str] = []
    from feedhub.papers.enrich import ArxivApiConfig, enrich_new_papers

    arxiv_cfg = ArxivApiConfig.from_settings(settings)
    if arxiv_cfg.enabled:
        stats = enrich_new_papers(settings, engine, config=arxiv_cfg)
        if stats.error:
            notes.append(f"arXiv look-up stopped ({stats.error}); the rest waits for the next fetch")
    from feedhub.search.index import update_after_fetch

    try:
        update_after_fetch(settings, engine, changed_entry_ids)
    except FeedhubError as exc:
        notes.append(f"search index not updated: {exc}")
    return "; ".join(notes) or None


def run_fetch(
    engine: Engine,
    settings: Any = None,
    *,
    source_ids: list[int] | None = None,
    force: bool = False,
    cfg: FetchConfig | None = None,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[SourceResult], None] | None = None,
) -> FetchReport:
    """``feedhub fetch``: the synchronous entry point."""
    cfg = cfg or FetchConfig.from_settings(settings)
    return asyncio.run(
        fetch_sources(engine, cfg, source_ids=source_ids, force=force, settings=settings, on_start=on_start, on_result=on_result)
    )


def fetch_local(engine: Engine, source_ids: list[int] | None = None, settings: Any = None) -> list[SourceResult]:
    """Fetch ``file://`` sources now (all enabled ones, or the given ids, regardless of schedule)."""
    tasks, _ = select_due(engine, source_ids, force=True, only_local=True)
    results = [_fetch_file(engine, t) for t in tasks]
    post_fetch_hook(settings, engine, [i for r in results for i in (r.changed_entry_ids or [])])
    return results
