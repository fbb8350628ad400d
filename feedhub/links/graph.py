"""The paper <-> entry <-> repo graph: scan entries for arXiv ids and link them to papers."""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedhub.links.ids import find_arxiv_ids
from feedhub.store.models import Entry, Paper, PaperEntry
from feedhub.store.types import utcnow
from feedhub.store.upsert import upsert


def ensure_papers(session: Session, arxiv_ids: Iterable[str]) -> None:
    """Create stub papers for ids not yet known; enrichment fills them in later."""
    now = utcnow()
    rows = [{"arxiv_id": i, "first_seen_at": now, "title": "", "abstract": "", "authors": [], "categories": [],
             "version": 1} for i in dict.fromkeys(arxiv_ids)]
    upsert(session, Paper.__table__, rows, conflict=("arxiv_id",))


def link_entries(session: Session, entry_ids: list[int]) -> None:
    """Find arXiv ids in each entry's link, title and summary; link the entry to those papers."""
    if not entry_ids:
        return
    links: list[dict[str, object]] = []
    for i in range(0, len(entry_ids), 500):
        chunk = entry_ids[i : i + 500]
        for eid, link, title, summary in session.execute(
            select(Entry.id, Entry.link, Entry.title, Entry.summary).where(Entry.id.in_(chunk))
        ):
            for pid in find_arxiv_ids(" ".join(filter(None, (link, title, summary)))):
                links.append({"paper_id": pid, "entry_id": eid, "provenance": "mentioned in entry"})
    if links:
        ensure_papers(session, [str(link["paper_id"]) for link in links])
        upsert(session, PaperEntry.__table__, links, conflict=("paper_id", "entry_id"))
