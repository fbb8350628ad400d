"""Fetch due sources, one write transaction per source; a source that fails records its error alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from feedhub.errors import FeedhubError
from feedhub.fetch.local import read_file_url
from feedhub.ingest import IngestStats, ingest_bytes
from feedhub.store.db import session_factory
from feedhub.store.models import Source
from feedhub.store.types import utcnow

DEFAULT_INTERVAL = timedelta(hours=1)


@dataclass
class SourceResult:
    source_id: int
    name: str
    status: str  # "ok" | "not modified" | "error"
    new: int = 0
    updated: int = 0
    error: str | None = None
    warning: str | None = None
    next_check_at: datetime | None = None
    changed_entry_ids: list[int] | None = None


def _record_error(engine: Engine, source_id: int, message: str) -> SourceResult:
    with session_factory(engine)() as session, session.begin():
        source = session.get(Source, source_id)
        assert source is not None
        source.error_count += 1
        source.last_error = message
        source.last_fetched_at = utcnow()
        source.next_check_at = utcnow() + DEFAULT_INTERVAL * (2 ** min(source.error_count, 6))
        return SourceResult(source.id, source.name, "error", error=message, next_check_at=source.next_check_at)


def ingest_source_bytes(engine: Engine, source_id: int, body: bytes, headers: dict[str, str] | None = None) -> SourceResult:
    """Store one source's bytes in one transaction; on failure roll it back and record the error."""
    try:
        with session_factory(engine)() as session, session.begin():
            source = session.get(Source, source_id)
            if source is None:
                raise FeedhubError(f"source {source_id} was removed during the fetch")
            stats: IngestStats = ingest_bytes(session, source, body, headers)
            source.error_count = 0
            source.last_error = None
            source.last_fetched_at = utcnow()
            source.next_check_at = utcnow() + DEFAULT_INTERVAL
            return SourceResult(
                source.id, source.name, "ok", new=stats.new, updated=stats.updated, warning=stats.warning,
                next_check_at=source.next_check_at, changed_entry_ids=stats.changed_entry_ids,
            )
    except FeedhubError as exc:
        return _record_error(engine, source_id, str(exc))


def fetch_local(engine: Engine, source_ids: list[int] | None = None) -> list[SourceResult]:
    """Fetch ``file://`` sources (all enabled ones, or the given ids)."""
    with session_factory(engine)() as session:
        query = select(Source.id, Source.url).where(Source.url.startswith("file:"))
        if source_ids:
            query = query.where(Source.id.in_(source_ids))
        else:
            query = query.where(Source.enabled.is_(True))
        todo = list(session.execute(query))
    results = []
    for sid, url in todo:
        try:
            body = read_file_url(url)
        except FeedhubError as exc:
            results.append(_record_error(engine, sid, str(exc)))
            continue
        results.append(ingest_source_bytes(engine, sid, body))
    return results
