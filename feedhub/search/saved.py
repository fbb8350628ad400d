"""Saved papers, per member: save with tags, unsave, list, export as BibTeX or CSV (search/library.py imports)."""

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
from feedhub.store.models import DEFAULT_MEMBER_ID, Dismissal, Paper, Saved
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


def save(session: Session, paper_ref: str, tags: Iterable[str] = (), note: str | None = None, member_id: int = DEFAULT_MEMBER_ID) -> SaveResult:
    """Save a paper for a member (tags are added to any it already has; a dismissal of it is lifted).
    An unknown but valid id becomes a stub."""
    pid = normalize_arxiv_id(paper_ref)
    new_tags = clean_tags(tags)
    stub = False
    if session.get(Paper, pid) is None:
        from feedhub.papers.graph import ensure_papers

        ensure_papers(session, [pid])
        stub = True
    dismissed = session.get(Dismissal, (member_id, f"arxiv:{pid}"))
    if dismissed is not None:  # saving is the opposite of "not interested": the newer signal wins
        session.delete(dismissed)
    row = session.get(Saved, (member_id, pid))
    if row is None:
        session.add(Saved(member_id=member_id, paper_id=pid, saved_at=utcnow(), tags=new_tags, note=note))
        return SaveResult(pid, new_tags, True, stub)
    merged = list(row.tags or []) + [t for t in new_tags if t not in (row.tags or [])]
    row.tags = merged
    if note is not None:
        row.note = note
    return SaveResult(pid, merged, False, stub)


def unsave(session: Session, paper_ref: str, tags: Iterable[str] = (), member_id: int = DEFAULT_MEMBER_ID) -> list[str] | None:
    """Remove the paper from the member's saved list, or only the given tags. Returns the tags left (None: removed)."""
    pid = normalize_arxiv_id(paper_ref)
    row = session.get(Saved, (member_id, pid))
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


def list_saved(session: Session, tag: str | None = None, member_id: int = DEFAULT_MEMBER_ID) -> list[SavedPaper]:
    rows = session.execute(
        select(Paper, Saved).join(Saved, Saved.paper_id == Paper.arxiv_id).where(Saved.member_id == member_id).order_by(Saved.saved_at.desc(), Saved.paper_id)
    )
    out = [SavedPaper(p, s) for p, s in rows]
    if tag:
        want = clean_tags([tag])[0]
        out = [sp for sp in out if want in (sp.saved.tags or [])]
    return out


def tag_counts(session: Session, member_id: int = DEFAULT_MEMBER_ID) -> dict[str, int]:
    counts: dict[str, int] = {}
    for (tags,) in session.execute(select(Saved.tags).where(Saved.member_id == member_id)):
        for t in tags or []:
            counts[t] = counts.get(t, 0) + 1
    return counts


# --- export -----------------------------------------------------------------------------------

_BIB_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$",
                "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}  # fmt: skip
_MATH = re.compile(r"(?<!\\)\$(?:[^$\\]|\\.)+?(?<!\\)\$")  # $...$ with no unescaped $ inside
_TEX_COMMAND = re.compile(r"\\(?:[A-Za-z]+|[^A-Za-z\s])")


def _bib_escape(text: str) -> str:
    """Plain text (a note, a DOI, a tag) as a BibTeX value: every special character escaped."""
    return "".join(_BIB_SPECIAL.get(ch, ch) for ch in " ".join(text.split()))


def _balanced(text: str) -> bool:
    depth = 0
    for k, ch in enumerate(text):
        if ch in "{}" and k and text[k - 1] == "\\":
            continue
        depth += 1 if ch == "{" else -1 if ch == "}" else 0
        if depth < 0:
            return False
    return depth == 0


def tex_value(text: str) -> str:
    """A title or name as arXiv gives it, which is TeX already: math (``$\\ell_1$``), commands (``\\"o``) and
    balanced braces are kept; a bare & % # (which would break LaTeX) is escaped, and so is the rest when the
    braces do not balance."""
    text = " ".join((text or "").split())
    if not _balanced(text):
        return _bib_escape(text)
    out: list[str] = []
    pos = 0
    for m in _MATH.finditer(text):
        out.append(_escape_outside_math(text[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_escape_outside_math(text[pos:]))
    return "".join(out)


def _escape_outside_math(text: str) -> str:
    out: list[str] = []
    k = 0
    while k < len(text):
        m = _TEX_COMMAND.match(text, k)
        if m:
            out.append(m.group(0))
            k = m.end()
            continue
        ch = text[k]
        out.append("\\" + ch if ch in "&%#" else r"\$" if ch == "$" else ch)
        k += 1
    return "".join(out)


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]", "", folded)


_STOP = {"a", "an", "the", "on", "of", "for", "in", "to", "and", "with", "is", "are", "via", "towards", "toward"}
_SUFFIX = re.compile(r"^(?:jr|sr|ii|iii|iv|v)\.?$", re.I)


@dataclass
class NameParts:
    first: str
    von: str
    last: str
    jr: str


def split_name(name: str) -> NameParts:
    """A name as papers print it ("Ludwig van Beethoven", "Martin Luther King Jr.", "Vaswani, Ashish") split by
    BibTeX's own rules (bibtexparser's parser); a trailing Jr./Sr./II/III is the "jr" part, as BibTeX wants it."""
    from bibtexparser.middlewares.names import parse_single_name_into_parts

    name = " ".join((name or "").split()).strip(" ,")
    jr = ""
    if "," not in name:
        words = name.split()
        if len(words) > 2 and _SUFFIX.match(words[-1]):
            jr, name = words[-1], " ".join(words[:-1])
    try:
        parts = parse_single_name_into_parts(name, strict=False)
    except Exception:  # the parser rejects some odd strings (a lone comma): keep the whole name as the last name
        return NameParts("", "", name, jr)
    return NameParts(" ".join(parts.first), " ".join(parts.von), " ".join(parts.last), jr or " ".join(parts.jr))


def bibtex_name(name: str) -> str:
    """"von Last, Jr., First": the form BibTeX never guesses wrong."""
    p = split_name(name)
    last = f"{p.von} {p.last}".strip()
    if not last:
        return tex_value(name)
    if p.jr:
        return tex_value(f"{last}, {p.jr}, {p.first}".rstrip(", "))
    return tex_value(f"{last}, {p.first}" if p.first else last)


def citation_key(p: Paper, taken: set[str]) -> str:
    """Google-Scholar style: first author's last name + year + first significant title word (vaswani2017attention)."""
    surname = split_name(p.authors[0]).last.split() if p.authors else []
    last = _ascii_word(surname[-1]).lower() if surname else ""
    last = last or "anon"
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
    return " and ".join(bibtex_name(a) for a in authors if a.strip())


def to_bibtex(papers: list[SavedPaper]) -> str:
    taken: set[str] = set()
    chunks = []
    for sp in papers:
        p = sp.paper
        fields: list[tuple[str, str]] = [
            ("title", "{" + tex_value(p.title or p.arxiv_id) + "}"),  # double braces keep capitals
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
            fields.append(("journal", tex_value(p.journal_ref)))
        fields.append(("url", f"https://arxiv.org/abs/{p.arxiv_id}"))
        if p.published_at:
            fields.append(("month", p.published_at.strftime("%b").lower()))
        if sp.saved.tags:
            fields.append(("keywords", _bib_escape(", ".join(sp.saved.tags))))
        if sp.saved.note and sp.saved.note.strip():
            fields.append(("note", _bib_escape(sp.saved.note)))
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


def export(session: Session, fmt: str, tag: str | None = None, member_id: int = DEFAULT_MEMBER_ID) -> str:
    papers = list_saved(session, tag, member_id)
    if fmt == "bibtex":
        return to_bibtex(papers)
    if fmt == "csv":
        return to_csv(papers)
    raise InvalidInput(f"unknown format {fmt!r}; use bibtex or csv")

