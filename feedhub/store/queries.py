"""Read-side queries shared by commands."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedhub.store.models import Entry, Source


def list_entries(
    session: Session, *, since: datetime | None = None, source_id: int | None = None, limit: int = 50
) -> list[tuple[Entry, Source]]:
    query = select(Entry, Source).join(Source, Entry.source_id == Source.id)
    if since is not None:
        query = query.where(Entry.published_at >= since)
    if source_id is not None:
        query = query.where(Entry.source_id == source_id)
    query = query.order_by(Entry.published_at.desc(), Entry.id.desc()).limit(limit)
    return [(e, s) for e, s in session.execute(query).all()]


def entry_json(entry: Entry, source: Source) -> dict[str, object]:
    return {
        "id": entry.id,
        "source_id": source.id,
        "source": source.name,
        "title": entry.title,
        "link": entry.link,
        "authors": entry.authors,
        "tags": entry.tags,
        "published_at": entry.published_at.isoformat(),
        "first_seen_at": entry.first_seen_at.isoformat(),
        "summary": entry.summary,
    }
