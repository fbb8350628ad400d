"""Helpers for digest tests: small, real stores for digest tests: sources and entries go through the real ingest path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from feedhub.fetch.ingest import store_feed
from feedhub.sources import ParsedEntry, ParsedFeed
from feedhub.store.db import transaction
from feedhub.store.models import Paper, PaperRepo, PaperRepro, Repo, Run, Source

UTC = timezone.utc
NOW = datetime(2018, 3, 1, tzinfo=UTC)  # "today" for ingest: after the sample week


def at(day: int, hour: int = 12, month: int = 2) -> datetime:
    return datetime(2018, month, day, hour, tzinfo=UTC)


def entry(title: str, link: str | None, summary: str = "", *, when: datetime | None = None, tags: tuple[str, ...] = (),
          guid: str | None = None, authors: tuple[str, ...] = ()) -> ParsedEntry:  # fmt: skip
    return ParsedEntry(guid=guid, link=link, title=title, summary=summary, tags=list(tags), published=when, authors=list(authors))


@dataclass
class Store:
    engine: Any

    def source(self, name: str, *, section: str | None = None, kind: str = "rss", weight: float = 1.0, url: str | None = None) -> int:
        with transaction(self.engine) as s:
            src = Source(kind=kind, url=url or f"https://{name.lower().replace(' ', '-')}.example.org/feed", name=name,
                         section=section, weight=weight, enabled=True, error_count=0, options={})  # fmt: skip
            s.add(src)
            s.flush()
            return src.id

    def feed(self, source_id: int, *entries: ParsedEntry) -> None:
        with transaction(self.engine) as s:
            src = s.get(Source, source_id)
            store_feed(s, src, ParsedFeed(title=src.name, link=None, entries=list(entries), format="rss20"), now=NOW)

    def paper(self, arxiv_id: str, title: str, *, authors: tuple[str, ...] = ("A. Author",), published: datetime | None = None,
              abstract: str = "An abstract.") -> None:  # fmt: skip
        with transaction(self.engine) as s:
            p = s.get(Paper, arxiv_id)
            if p is None:
                p = Paper(arxiv_id=arxiv_id, version=1, categories=[])
                s.add(p)
            p.title, p.authors, p.published_at, p.abstract = title, list(authors), published, abstract

    def repo(self, full_name: str, stars: int | None, paper: str | None = None) -> None:
        with transaction(self.engine) as s:
            r = Repo(full_name=full_name.lower(), stars=stars, topics=[])
            s.add(r)
            s.flush()
            if paper:
                s.add(PaperRepo(paper_id=paper, repo_id=r.id, provenance="added by user", official=True))

    def repro(self, paper: str, name: str, verdict: str | None = None) -> None:
        with transaction(self.engine) as s:
            s.add(PaperRepro(paper_id=paper, repro_name=name, provenance="registry"))
            if verdict:
                s.add(Run(repro_name=name, verdict=verdict, params={}, metrics=[], figures=[], started_at=NOW))


