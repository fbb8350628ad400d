"""Saved papers: save with tags, unsave, list, and export as BibTeX or CSV."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedhub.errors import InvalidInput
from feedhub.links.ids import normalize_arxiv_id
from feedhub.store.models import Paper, Saved
from feedhub.store.types import utcnow

_TAG = re.compile(r"^[\w][\w.\-/+]*$", re.UNICODE)


def clean_tags(tags: Iterable[str]) -> list[str]:
    out: list[str] = []
    for raw in tags:
        for tag in raw.split(","):
            tag = tag.strip().lower()
            if not tag:
                continue
            if not _TAG.match(tag) or len(tag) > 64:
                raise InvalidInput(f"invalid tag {tag!r}; use letters, digits and - _ . / + (e.g. reading-group)")
            if tag not in out:
                out.append(tag)
    return out


@dataclass
class SaveResult:
    paper_id: str
    tags: list[str]
    created: bool  # False: it was saved already (tags merged)
    stub: bool  # the paper was not known yet: saved as a stub that enrichment fills in


def save(session: Session, paper_ref: str, tags: Iterable[str] = (), note: str | None = None) -> SaveResult:
    """Save a paper (tags are added to any it already has). An unknown but valid id becomes a stub."""
    pid = normalize_arxiv_id(paper_ref)
    new_tags = clean_tags(tags)
    stub = False
    if session.get(Paper, pid) is None:
        from feedhub.papers.graph import ensure_papers

        ensure_papers(session, [pid])
        stub = True
    row = session.get(Saved, pid)
    if row is None:
        session.add(Saved(paper_id=pid, saved_at=utcnow(), tags=new_tags, note=note))
        return SaveResult(pid, new_tags, True, stub)
    merged = list(row.tags or []) + [t for t in new_tags if t not in (row.tags or [])]
    row.tags = merged
    if note is not None:
        row.note = note
    return SaveResult(pid, merged, False, stub)


def unsave(session: Session, paper_ref: str, tags: Iterable[str] = ()) -> list[str] | None:
    """Remove the paper from the saved list, or only the given tags. Returns the tags left (None: removed)."""
    pid = normalize_arxiv_id(paper_ref)
    row = session.get(Saved, pid)
    if row is None:
        raise InvalidInput(f"{pid} is not saved; `feedhub saved` lists your saved papers")
    drop = clean_tags(tags)
    if drop:
        missing = [t for t in drop if t not in (row.tags or [])]
        if missing:
            raise InvalidInput(f"{pid} has no tag {missing[0]!r}; its tags: {', '.join(row.tags or []) or '(none)'}")
        row.tags = [t for t in row.tags if t not in drop]
        return list(row.tags)
    session.delete(row)
    return None


@dataclass
class SavedPaper:
    paper: Paper
    saved: Saved

    def to_json(self) -> dict[str, object]:
        p = self.paper
        return {
            "id": p.arxiv_id,
            "title": p.title,
            "authors": p.authors,
            "published_at": p.published_at.isoformat() if p.published_at else None,
            "categories": p.categories,
            "doi": p.doi,
            "tags": self.saved.tags,
            "saved_at": self.saved.saved_at.isoformat(),
            "note": self.saved.note,
            "url": f"https://arxiv.org/abs/{p.arxiv_id}",
        }


def list_saved(session: Session, tag: str | None = None) -> list[SavedPaper]:
    rows = session.execute(select(Paper, Saved).join(Saved, Saved.paper_id == Paper.arxiv_id).order_by(Saved.saved_at.desc()))
    out = [SavedPaper(p, s) for p, s in rows]
    if tag:
        want = clean_tags([tag])[0]
        out = [sp for sp in out if want in (sp.saved.tags or [])]
    return out


def tag_counts(session: Session) -> dict[str, int]:
    counts: dict[str, int] = {}
    for (tags,) in session.execute(select(Saved.tags)):
        for t in tags or []:
            counts[t] = counts.get(t, 0) + 1
    return counts


# --- export -----------------------------------------------------------------------------------

_BIB_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$",
                "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}  # fmt: skip


def _bib_escape(text: str) -> str:
    return "".join(_BIB_SPECIAL.get(ch, ch) for ch in " ".join(text.split()))


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]", "", folded)


_STOP = {"a", "an", "the", "on", "of", "for", "in", "to", "and", "with", "is", "are", "via", "towards", "toward"}


def citation_key(p: Paper, taken: set[str]) -> str:
    """Google-Scholar style: first author's last name + year + first significant title word (vaswani2017attention)."""
    last = _ascii_word(p.authors[0].split()[-1]).lower() if p.authors and p.authors[0].split() else "anon"
    year = str(p.published_at.year) if p.published_at else _year_from_id(p.arxiv_id)
    word = next((_ascii_word(w).lower() for w in p.title.split() if _ascii_word(w) and _ascii_word(w).lower() not in _STOP), "")
    key = f"{last}{year}{word}" or p.arxiv_id.replace("/", "")
    base, n = key, 1
    while key in taken:
        key = f"{base}{chr(ord('a') + n)}" if n < 26 else f"{base}{n}"
        n += 1
    taken.add(key)
    return key


def _year_from_id(arxiv_id: str) -> str:
    m = re.match(r"^(\d{2})(\d{2})\.", arxiv_id) or re.search(r"/(\d{2})(\d{2})\d+$", arxiv_id)
    if not m:
        return ""
    yy = int(m.group(1))
    return str(1900 + yy if yy > 90 else 2000 + yy)


def _bib_authors(authors: list[str]) -> str:
    # "First Last" -> "Last, First" keeps BibTeX from guessing wrong on multi-word names.
    out = []
    for a in authors:
        parts = a.split()
        out.append(f"{parts[-1]}, {' '.join(parts[:-1])}" if len(parts) > 1 else a)
    return " and ".join(_bib_escape(a) for a in out)


def to_bibtex(papers: list[SavedPaper]) -> str:
    taken: set[str] = set()
    chunks = []
    for sp in papers:
        p = sp.paper
        fields: list[tuple[str, str]] = [
            ("title", "{" + _bib_escape(p.title or p.arxiv_id) + "}"),  # double braces keep capitals
            ("author", _bib_authors(list(p.authors or [])) or "{Unknown}"),
            ("year", str(p.published_at.year) if p.published_at else _year_from_id(p.arxiv_id)),
            ("eprint", p.arxiv_id),
            ("archivePrefix", "arXiv"),
        ]
        if p.primary_category or p.categories:
            fields.append(("primaryClass", p.primary_category or p.categories[0]))
        if p.doi:
            fields.append(("doi", _bib_escape(p.doi)))
        if p.journal_ref:
            fields.append(("journal", _bib_escape(p.journal_ref)))
        fields.append(("url", f"https://arxiv.org/abs/{p.arxiv_id}"))
        if p.published_at:
            fields.append(("month", p.published_at.strftime("%b").lower()))
        if sp.saved.tags:
            fields.append(("keywords", _bib_escape(", ".join(sp.saved.tags))))
        kind = "article" if p.journal_ref else "misc"
        body = ",\n".join(f"  {k} = {{{v}}}" if k != "month" else f"  {k} = {v}" for k, v in fields if v)
        chunks.append(f"@{kind}{{{citation_key(p, taken)},\n{body}\n}}\n")
    return "\n".join(chunks)


CSV_COLUMNS = ["id", "title", "authors", "year", "published_at", "categories", "doi", "tags", "saved_at", "url"]


def to_csv(papers: list[SavedPaper]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for sp in papers:
        p = sp.paper
        writer.writerow([
            p.arxiv_id, p.title, "; ".join(p.authors or []), p.published_at.year if p.published_at else _year_from_id(p.arxiv_id),
            p.published_at.isoformat() if p.published_at else "", " ".join(p.categories or []), p.doi or "",
            " ".join(sp.saved.tags or []), sp.saved.saved_at.isoformat(), f"https://arxiv.org/abs/{p.arxiv_id}",
        ])  # fmt: skip
    return buf.getvalue()


def export(session: Session, fmt: str, tag: str | None = None) -> str:
    papers = list_saved(session, tag)
    if fmt == "bibtex":
        return to_bibtex(papers)
    if fmt == "csv":
        return to_csv(papers)
    raise InvalidInput(f"unknown format {fmt!r}; use bibtex or csv")

