"""Helpers for fetch tests (plain functions; fixtures live in conftest.py)."""

from __future__ import annotations

from typing import Any

from feedhub.fetch.http import FetchConfig


def add(engine: Any, url: str, kind: str = "rss", name: str | None = None) -> int:
    from feedhub.store.db import session_factory
    from feedhub.subscriptions.manage import SourceSpec, add_source

    with session_factory(engine)() as session, session.begin():
        source, _ = add_source(session, SourceSpec(kind=kind, url=url, name=name or url.rsplit("/", 1)[-1]))
        return source.id


def fetch(engine: Any, cfg: FetchConfig, **kw: Any):  # type: ignore[no-untyped-def]
    import asyncio

    from feedhub.fetch.runner import fetch_sources

    return asyncio.run(fetch_sources(engine, cfg, **kw))


def result(report: Any, source_id: int):  # type: ignore[no-untyped-def]
    found = [r for r in report.results if r.source_id == source_id]
    assert len(found) == 1, report.results
    return found[0]


def source_row(engine: Any, source_id: int):  # type: ignore[no-untyped-def]
    from feedhub.store.db import session_factory
    from feedhub.store.models import Source

    with session_factory(engine)() as session:
        s = session.get(Source, source_id)
        session.expunge(s)
        return s


def entry_count(engine: Any, source_id: int) -> int:
    from sqlalchemy import func, select

    from feedhub.store.db import session_factory
    from feedhub.store.models import Entry

    with session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(Entry).where(Entry.source_id == source_id)) or 0
