"""Parsed feed -> stored entries: sanitize, key, date, upsert; then link papers and repos.

One write transaction per source (the caller's): a failure rolls back that source alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Mapping

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from feedhub.links.html import plain_text, sanitize_html
from feedhub.links.text import stored_text
from feedhub.links.urls import canonical_url, strip_tracking
from feedhub.sources import ParsedEntry, ParsedFeed
from feedhub.sources import parse as parse_bytes
from feedhub.store.models import Entry, Source
from feedhub.store.types import utcnow
from feedhub.store.upsert import insert_returning

# A feed clock a little ahead of ours is normal; beyond this a date is "in the future".
FUTURE_TOLERANCE = timedelta(minutes=5)
# Up to this far ahead a future date is a clock slip (or a time zone written wrong) and becomes "now"; beyond
# it the date is the item's own (an event, a scheduled post) and places it in its own week, not this one.
FAR_FUTURE = timedelta(days=2)


@dataclass(frozen=True)
class SourceRef:
    """What storing entries needs of their source (the fetch reads it with a plain statement, not the ORM)."""

    id: int
    kind: str


@dataclass
class IngestStats:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    warning: str | None = None
    changed_entry_ids: list[int] = field(default_factory=list)  # new or updated: for links and the index


def entry_key(e: ParsedEntry) -> str:
    """GUID, else the normalized URL plus what tells items sharing it apart, else a hash of title + content.

    Items without a GUID often share one link (a comic's home page, a podcast's show page): the link
    alone would collapse them into one entry. What is added is the item's enclosure (a podcast episode's
    file), else its title, else its date: stable across fetches, distinct between items."""
    if e.guid:
        return e.guid[:2000]
    if e.link:
        base = legacy_link_key(e.link)
        mark = e.enclosure.strip() if e.enclosure else ""
        if not mark:
            mark = "title:" + " ".join(e.title.split()).casefold()
        if mark == "title:" and e.published is not None:
            mark = "date:" + e.published.isoformat()
        tag = hashlib.sha256(mark.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        return f"{base[:1980]}#{tag}"  # canonical URLs have no fragment: "#" cannot clash with a link key
    digest = hashlib.sha256(f"{e.title}\x00{e.summary}".encode("utf-8", "surrogatepass")).hexdigest()
    return f"sha256:{digest}"


def legacy_link_key(link: str) -> str:
    """The key feedhub gave a GUID-less item before items sharing a link were told apart: the link alone."""
    return (canonical_url(link) or link.strip())[:2000]


def _content_hash(title: str, link: str | None, summary: str, authors: list[str], tags: list[str], extra: dict) -> str:
    h = hashlib.sha256()
    for part in (title, link or "", summary, "\x1f".join(authors), "\x1f".join(tags), repr(sorted(extra.items()))):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def _clean_key(value: str) -> str:
    # Lone surrogates and NULs cannot be stored in PostgreSQL text; drop them.
    return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def _clean_text(value: str) -> str:
    # What XML 1.0 forbids (C0 controls, lone surrogates; an Atom digest must stay valid) and C1 controls
    # (mojibake, and 0x9b is a terminal's CSI) never enter the store.
    return stored_text(_clean_key(value))


def prepare(e: ParsedEntry, now: datetime) -> dict[str, object]:
    """One row for the entries table (without source_id): sanitized, plain-text title, UTC dates."""
    title = _clean_text(plain_text(e.title) if e.title_is_html else " ".join(e.title.split()))
    summary = _clean_text(sanitize_html(e.summary))
    link = strip_tracking(e.link.strip()) if e.link else None
    authors = [_clean_text(plain_text(a)) for a in e.authors if a and a.strip()]
    tags = [_clean_text(t) for t in e.tags if t]
    published = e.published
    backlog = False
    if published is not None and now + FUTURE_TOLERANCE < published <= now + FAR_FUTURE:
        published = now
    extra = {k: v for k, v in e.extra.items()}
    return {
        "key": _clean_key(entry_key(e)),
        "title": title,
        "link": _clean_key(link) if link else None,
        "canonical_url": canonical_url(link) if link else None,
        "summary": summary,
        "authors": authors,
        "tags": tags,
        "published_at": published,  # None: first-seen time (set below, kept on later updates)
        "backlog": backlog,
        "content_hash": _content_hash(title, link, summary, authors, tags, extra),
        "extra": extra,
    }


def store_feed(session: Session, source: Source | SourceRef, feed: ParsedFeed, now: datetime | None = None) -> IngestStats:
    """Upsert ``feed``'s entries for ``source`` inside the caller's transaction."""
    now = now or utcnow()
    stats = IngestStats(warning=feed.warning)
    rows: dict[str, dict[str, object]] = {}
    legacy: dict[str, str] = {}  # link key (how older versions keyed a GUID-less item) -> the key now
    for parsed in feed.entries:
        row = prepare(parsed, now)
        rows[row["key"]] = row  # type: ignore[index]  # a key repeated in one feed: the last one wins
        if not parsed.guid and parsed.link:
            legacy[_clean_key(legacy_link_key(parsed.link))] = row["key"]  # type: ignore[assignment]  # the last one, as stored then
    if not rows:
        return stats
    existing: dict[str, tuple[int, str, datetime]] = {}
    keys = list(rows)
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        for eid, key, chash, published in session.execute(
            select(Entry.id, Entry.key, Entry.content_hash, Entry.published_at).where(
                Entry.source_id == source.id, Entry.key.in_(chunk)
            )
        ):
            existing[key] = (eid, chash, published)
    adopted = _adopt_link_keys(session, source.id, legacy, rows, existing)
    inserts: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    # Honest dates: an undated item on a source's first fetch is its backlog, not this week's news (the
    # digest leaves backlog out); on later fetches an undated new item is new since the last one.
    first_fetch = not existing and session.scalar(select(Entry.id).where(Entry.source_id == source.id).limit(1)) is None
    for key, row in rows.items():
        old = existing.get(key)
        if old is None:
            row.update(source_id=source.id, first_seen_at=now, updated_at=now)
            if row["published_at"] is None:
                row["published_at"] = now
                row["backlog"] = first_fetch
            inserts.append(row)
        elif old[1] != row["content_hash"] or key in adopted:  # an adopted entry takes its new key
            row.update(id=old[0], updated_at=now)
            row.pop("backlog", None)  # an update keeps what the first sight decided
            if row["published_at"] is None:
                row["published_at"] = old[2]
            updates.append(row)
        else:
            stats.unchanged += 1
    inserted_ids: list[int] = []
    if inserts:
        # ON CONFLICT: a concurrent fetch of the same source may have inserted the same key meanwhile (that
        # fetch reports it). RETURNING gives the new ids without another query.
        for eid, key in insert_returning(session, Entry.__table__, inserts, conflict=("source_id", "key"), returning=("id", "key")):
            inserted_ids.append(eid)
            rows[key]["id"] = eid
    if updates:
        table = Entry.__table__
        session.execute(
            table.update().where(table.c.id == bindparam("b_id")),
            [{**{k: v for k, v in u.items() if k != "id"}, "b_id": u["id"]} for u in updates],
        )
    stats.new = len(inserted_ids)
    stats.updated = len(updates)
    stats.changed_entry_ids = inserted_ids + [int(u["id"]) for u in updates]  # type: ignore[call-overload]
    if stats.changed_entry_ids:
        from feedhub.papers.graph import EntryText, link_entries

        # The rows are in hand: the linker scans them instead of reading them back.
        known = {
            int(r["id"]): EntryText(r["link"], r["title"], r["summary"], r["extra"], r["authors"], r["published_at"], source.kind)  # type: ignore[arg-type]
            for r in (*inserts, *updates) if "id" in r
        }  # fmt: skip
        link_entries(session, stats.changed_entry_ids, known=known)
    return stats


def _adopt_link_keys(session: Session, source_id: int, legacy: dict[str, str], rows: dict[str, dict[str, object]],
                     existing: dict[str, tuple[int, str, datetime]]) -> set[str]:
    """Entries stored under a GUID-less item's link alone (before items sharing a link were told apart)
    are matched to that item now, so a re-fetch after the upgrade updates them instead of adding copies."""
    wanted = {old: new for old, new in legacy.items() if new not in existing and old not in rows}
    adopted: set[str] = set()
    keys = list(wanted)
    for i in range(0, len(keys), 500):
        for eid, key, chash, published in session.execute(
            select(Entry.id, Entry.key, Entry.content_hash, Entry.published_at).where(
                Entry.source_id == source_id, Entry.key.in_(keys[i : i + 500])
            )
        ):
            existing[wanted[key]] = (eid, chash, published)
            adopted.add(wanted[key])
    return adopted


def ingest_bytes(
    session: Session, source: Source, body: bytes, headers: Mapping[str, str] | None = None, now: datetime | None = None
) -> IngestStats:
    """Parse ``body`` with the source's parser and store it; records a recovered warning on the source."""
    feed = parse_bytes(source.kind, body, headers)
    stats = store_feed(session, source, feed, now)
    source.last_warning = stats.warning
    return stats
