"""One paper with everything known about it (``feedhub paper show``), and a user's paper <-> repo link."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedhub.errors import InvalidInput
from feedhub.links.ids import normalize_arxiv_id
from feedhub.links.repos import normalize_repo, repo_url
from feedhub.papers.graph import BY_USER, link_paper_repos
from feedhub.store.models import Entry, Paper, PaperEntry, PaperRepo, PaperRepro, Repo, Run, Source


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def paper_detail(session: Session, arxiv_id: str) -> dict[str, Any]:
    """The paper as a JSON-ready dict: metadata, versions, mentions, code, reproductions."""
    key = normalize_arxiv_id(arxiv_id)
    paper = session.get(Paper, key)
    if paper is None:
        raise InvalidInput(
            f"no paper {key} in the store; it appears once a source mentions it, or import it: "
            "`feedhub import arxiv-snapshot FILE`"
        )
    mentions = []
    query = (
        select(Entry, Source.name, Source.kind, PaperEntry.provenance)
        .join(PaperEntry, PaperEntry.entry_id == Entry.id)
        .join(Source, Source.id == Entry.source_id)
        .where(PaperEntry.paper_id == key)
        .order_by(Entry.published_at, Entry.id)
    )
    versions: dict[int, str | None] = {}
    for entry, source_name, source_kind, provenance in session.execute(query):
        extra = entry.extra or {}
        mentions.append(
            {
                "source": source_name,
                "source_kind": source_kind,
                "entry_id": entry.id,
                "title": entry.title,
                "date": _iso(entry.published_at),
                "link": entry.link,
                "provenance": provenance,
                "announce_type": extra.get("announce_type") if extra.get("arxiv_id") == key else None,
            }
        )
        if extra.get("arxiv_id") == key and extra.get("version"):
            versions.setdefault(int(extra["version"]), _iso(entry.published_at))
    if paper.published_at:
        versions.setdefault(1, _iso(paper.published_at))
    if paper.updated_at and paper.version:
        versions.setdefault(paper.version, _iso(paper.updated_at))
    code = [
        {
            "repo": repo.full_name,
            "url": repo_url(repo.full_name),
            "stars": repo.stars,
            "description": repo.description,
            "provenance": link.provenance,
            "official": link.official,
        }
        for link, repo in session.execute(
            select(PaperRepo, Repo).join(Repo, Repo.id == PaperRepo.repo_id).where(PaperRepo.paper_id == key)
        )
    ]
    code.sort(key=lambda c: (not c["official"], -(c["stars"] or 0), c["repo"]))
    repros = []
    for repro in session.scalars(select(PaperRepro).where(PaperRepro.paper_id == key).order_by(PaperRepro.repro_name)):
        run = session.scalars(
            select(Run).where(Run.repro_name == repro.repro_name).order_by(Run.started_at.desc(), Run.id.desc()).limit(1)
        ).first()
        repros.append(
            {
                "name": repro.repro_name,
                "provenance": repro.provenance,
                "latest_run": None
                if run is None
                else {"id": run.id, "verdict": run.verdict, "started_at": _iso(run.started_at), "reason": run.reason},
            }
        )
    return {
        "arxiv_id": paper.arxiv_id,
        "url": f"https://arxiv.org/abs/{paper.arxiv_id}",
        "version": paper.version,
        "title": paper.title,
        "authors": list(paper.authors or []),
        "abstract": paper.abstract,
        "categories": list(paper.categories or []),
        "primary_category": paper.primary_category,
        "published_at": _iso(paper.published_at),
        "updated_at": _iso(paper.updated_at),
        "doi": paper.doi,
        "journal_ref": paper.journal_ref,
        "comment": paper.comment,
        "license": paper.license,
        "enriched": bool(paper.title),
        "versions": [{"version": v, "date": d} for v, d in sorted(versions.items())],
        "mentions": mentions,
        "code": code,
        "reproductions": repros,
    }


def link_paper(session: Session, arxiv_id: str, repo: str) -> tuple[str, str]:
    """The user says ``repo`` implements ``arxiv_id`` (provenance "added by user"); returns (id, owner/name)."""
    key = normalize_arxiv_id(arxiv_id)
    full_name = normalize_repo(repo)
    if full_name is None:
        raise InvalidInput(f"{repo!r} is not a GitHub repository; give owner/name or https://github.com/owner/name")
    link_paper_repos(session, [(key, full_name)], BY_USER, update_provenance=True)
    return key, full_name
