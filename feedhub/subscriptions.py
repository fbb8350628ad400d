"""Adding, listing and changing sources (subscriptions). Used by `feedhub source ...` and the demo."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedhub.errors import InvalidInput
from feedhub.store.models import SECTIONS, SOURCE_KINDS, Entry, Source


@dataclass
class SourceSpec:
    kind: str
    url: str
    name: str = ""
    section: str | None = None
    options: dict[str, object] | None = None


# Shorthands such as `arxiv:cs.LG` or `github:owner/name`: prefix -> function(rest, spec) -> SourceSpec.
SHORTHANDS: dict[str, Callable[[str, SourceSpec], SourceSpec]] = {}


def resolve_spec(url: str, *, name: str | None = None, section: str | None = None, kind: str | None = None) -> SourceSpec:
    """Turn what the user typed into a source spec; a one-line InvalidInput when it cannot be a source."""
    url = url.strip()
    if section is not None and section not in SECTIONS:
        raise InvalidInput(f"unknown section {section!r}; use one of: {', '.join(SECTIONS)}")
    if kind is not None and kind not in SOURCE_KINDS:
        raise InvalidInput(f"unknown kind {kind!r}; use one of: {', '.join(SOURCE_KINDS)}")
    prefix, sep, rest = url.partition(":")
    if sep and prefix.lower() in SHORTHANDS and not rest.startswith("//"):
        spec = SHORTHANDS[prefix.lower()](rest, SourceSpec(kind=kind or prefix.lower(), url=url))
    else:
        spec = SourceSpec(kind=kind or "rss", url=_check_url(url))
    if name:
        spec.name = name
    if section:
        spec.section = section
    return spec


def _check_url(url: str) -> str:
    if url.startswith("/") or url.startswith("./") or url.startswith("~"):
        path = Path(url).expanduser().resolve()
        if not path.exists():
            raise InvalidInput(f"no such file: {path}")
        return path.as_uri()
    try:
        parts = urlsplit(url)
    except ValueError:
        raise InvalidInput(f"invalid URL {url!r}; give an http(s):// or file:// URL") from None
    if parts.scheme == "file":
        if not parts.path:
            raise InvalidInput(f"invalid file URL {url!r}; use file:///absolute/path")
        return url
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise InvalidInput(f"invalid URL {url!r}; give an http(s):// or file:// URL (or a shorthand like arxiv:cs.LG)")
    return url


def add_source(session: Session, spec: SourceSpec) -> tuple[Source, bool]:
    """Add ``spec``; returns (source, created). An existing URL is returned unchanged (not added twice)."""
    existing = session.scalar(select(Source).where(Source.url == spec.url))
    if existing is not None:
        return existing, False
    source = Source(
        kind=spec.kind,
        url=spec.url,
        name=spec.name or default_name(spec.url),
        section=spec.section,
        options=spec.options or {},
        enabled=True,
        weight=1.0,
        error_count=0,
    )
    session.add(source)
    session.flush()
    return source, True


def default_name(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "file":
        return Path(parts.path).stem
    return (parts.hostname or url).removeprefix("www.")


def get_source(session: Session, source_id: int) -> Source:
    source = session.get(Source, source_id)
    if source is None:
        raise InvalidInput(f"no source with id {source_id}; `feedhub source list` shows the ids")
    return source


def list_sources(session: Session) -> list[tuple[Source, int]]:
    counts = dict(session.execute(select(Entry.source_id, func.count()).group_by(Entry.source_id)).all())
    return [(s, counts.get(s.id, 0)) for s in session.scalars(select(Source).order_by(Source.id))]


def remove_source(session: Session, source_id: int) -> Source:
    source = get_source(session, source_id)
    session.delete(source)
    return source


def set_enabled(session: Session, source_id: int, enabled: bool) -> Source:
    source = get_source(session, source_id)
    source.enabled = enabled
    if enabled:
        source.error_count = 0
        source.next_check_at = None
    return source


def source_json(source: Source, entries: int | None = None) -> dict[str, object]:
    data: dict[str, object] = {
        "id": source.id,
        "kind": source.kind,
        "url": source.url,
        "name": source.name,
        "section": source.section,
        "weight": source.weight,
        "enabled": source.enabled,
        "error_count": source.error_count,
        "last_error": source.last_error,
        "last_warning": source.last_warning,
        "last_fetched_at": source.last_fetched_at.isoformat() if source.last_fetched_at else None,
        "next_check_at": source.next_check_at.isoformat() if source.next_check_at else None,
    }
    if entries is not None:
        data["entries"] = entries
    return data
