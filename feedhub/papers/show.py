"""One paper with everything known about it (``feedhub paper show``), and a user's paper <-> repo link."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from feedhub.errors import InvalidInput
from feedhub.links.ids import normalize_arxiv_id
from feedhub.links.repos import normalize_repo, repo_url
from feedhub.papers.graph import BY_USER, link_paper_repos
from feedhub.store.models import Entry, Paper, PaperEntry, PaperRepo, PaperRepro, Repo, Run, Source


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@functools.cache
def _statements() -> dict[str, Any]:
    """paper_detail's selects, built once with bound parameters: building a statement costs more than running
    it on a page that is asked for every paper, again and again."""
    key = bindparam("key")
    return {
        "paper": select(Paper.arxiv_id, Paper.version, Paper.title, Paper.authors, Paper.abstract, Paper.categories, Paper.primary_category,
                        Paper.published_at, Paper.updated_at, Paper.doi, Paper.journal_ref, Paper.comment, Paper.license).where(Paper.arxiv_id == key),
        "mentions": select(Entry.id, Entry.title, Entry.published_at, Entry.link, Entry.extra, Source.name, Source.kind, PaperEntry.provenance)
        .join(PaperEntry, PaperEntry.entry_id == Entry.id)
        .join(Source, Source.id == Entry.source_id)
        .where(PaperEntry.paper_id == key)
        .order_by(Entry.published_at, Entry.id),
        "code": select(Repo.full_name, Repo.stars, Repo.description, PaperRepo.provenance, PaperRepo.official)
        .join(Repo, Repo.id == PaperRepo.repo_id)
        .where(PaperRepo.paper_id == key),
        "repros": select(PaperRepro.repro_name, PaperRepro.provenance).where(PaperRepro.paper_id == key).order_by(PaperRepro.repro_name),
        "last_run": select(Run.id, Run.verdict, Run.started_at, Run.reason)
        .where(Run.repro_name == bindparam("name"))
        .order_by(Run.started_at.desc(), Run.id.desc())
        .limit(1),
    }  # fmt: skip


def paper_detail(session: Session, arxiv_id: str) -> dict[str, Any]:
    """The paper as a JSON-ready dict: metadata, versions, mentions, code, reproductions.

    Read with Core selects of the columns shown (the types still convert), not ORM objects: the web's paper
    page runs this on every ask, and building and tracking objects was most of its time."""
    key = normalize_arxiv_id(arxiv_id)
    conn = session.connection()
    sql = _statements()
    arg = {"key": key}
    paper = conn.execute(sql["paper"], arg).first()
    if paper is None:
        raise InvalidInput(
            f"no paper {key} in the store; it appears once a source mentions it, or import it: "
            "`feedhub import arxiv-snapshot FILE`"
        )
    mentions = []
    versions: dict[int, str | None] = {}
    for entry_id, entry_title, entry_published, entry_link, entry_extra, source_name, source_kind, provenance in conn.execute(sql["mentions"], arg):
        extra = entry_extra or {}
        mentions.append(
            {
                "source": source_name,
                "source_kind": source_kind,
                "entry_id": entry_id,
                "title": entry_title,
                "date": _iso(entry_published),
                "link": entry_link,
                "provenance": provenance,
                "announce_type": extra.get("announce_type") if extra.get("arxiv_id") == key else None,
            }
        )
        if extra.get("arxiv_id") == key and extra.get("version"):
            versions.setdefault(int(extra["version"]), _iso(entry_published))
    if paper.published_at:
        versions.setdefault(1, _iso(paper.published_at))
    if paper.updated_at and paper.version:
        versions.setdefault(paper.version, _iso(paper.updated_at))
    code = [
        {
            "repo": full_name,
            "url": repo_url(full_name),
            "stars": stars,
            "description": description,
            "provenance": provenance,
            "official": official,
        }
        for full_name, stars, description, provenance, official in conn.execute(sql["code"], arg)
    ]
    code.sort(key=lambda c: (not c["official"], -(c["stars"] or 0), c["repo"]))
    repros = []
    for repro_name, repro_provenance in conn.execute(sql["repros"], arg):
        run = conn.execute(sql["last_run"], {"name": repro_name}).first()
        repros.append(
            {
                "name": repro_name,
                "provenance": repro_provenance,
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
