"""Loading the sample week: subscribe to the bundled feeds, pull them, enrich their papers offline."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select

from feedhub.config import Settings
from feedhub.fetch.runner import SourceResult, fetch_local
from feedhub.ops.sample import SAMPLE_DIR, sample_feeds
from feedhub.papers.reproductions import sync_registry
from feedhub.sources.base import SourceSpec
from feedhub.store.db import session_factory
from feedhub.store.models import Entry, Paper, Source
from feedhub.subscriptions.manage import add_source


@dataclass
class DemoSource:
    name: str
    section: str | None
    status: str
    new: int
    updated: int
    error: str | None
    warning: str | None


@dataclass
class DemoReport:
    sources: list[DemoSource] = field(default_factory=list)
    entries: int = 0
    papers: int = 0
    enriched: int = 0


def has_user_sources(engine: Engine) -> bool:
    """Sources that are not the bundled sample's."""
    prefix = SAMPLE_DIR.as_uri()
    with session_factory(engine)() as session:
        return bool(session.scalar(select(func.count()).select_from(Source).where(~Source.url.startswith(prefix))))


def load_demo(engine: Engine, settings: Settings | None = None) -> DemoReport:
    ids: list[int] = []
    sections: dict[int, str | None] = {}
    with session_factory(engine)() as session, session.begin():
        for f in sample_feeds():
            spec = SourceSpec(kind=f.kind, url=(SAMPLE_DIR / f.file).as_uri(), name=f.name, section=f.section)
            source, _ = add_source(session, spec)
            ids.append(source.id)
            sections[source.id] = f.section
    results: list[SourceResult] = fetch_local(engine, ids)
    _enrich_offline(engine)
    with session_factory(engine)() as session, session.begin():
        sync_registry(session)  # papers with a reproduction show "reproduce: feedhub repro run NAME"
    if settings is not None:  # the search index catches up now, not on the first search
        from feedhub.search.index import sync

        sync(settings, engine, notify=None)
    report = DemoReport(
        sources=[DemoSource(r.name, sections.get(r.source_id), r.status, r.new, r.updated, r.error, r.warning) for r in results]
    )
    with session_factory(engine)() as session:
        report.entries = session.scalar(select(func.count()).select_from(Entry)) or 0
        report.papers = session.scalar(select(func.count()).select_from(Paper)) or 0
        report.enriched = session.scalar(select(func.count()).select_from(Paper).where(Paper.title != "")) or 0
    return report


def _enrich_offline(engine: Engine) -> None:
    """Fill the sample's papers from the bundled snapshot (no network), when the importer exists."""
    try:
        from feedhub.papers.snapshot import import_snapshot
    except ImportError:
        return
    from feedhub.ops.sample import sample_snapshot

    import_snapshot(engine, sample_snapshot(), quiet=True)
