"""Cold start: seed a member's saved papers from what their reference manager exports.

Read: BibTeX (bibtexparser: what Zotero, Mendeley, JabRef and Google Scholar write), Zotero's CSL-JSON,
Zotero RDF, or a plain list of arXiv ids / URLs (one or more a line). Every entry with an arXiv id
(``eprint``, an arxiv.org URL, a 10.48550 DOI, "arXiv:..." in a journal or note field) is saved with its
keywords as tags and its note; a paper feedhub does not know yet is kept as a stub filled from the file
(title, abstract, authors), so the model can learn from it before the next fetch looks it up.

A broken BibTeX entry is reported with its line and the rest is imported; an entry without an arXiv id is
counted and skipped (feedhub's papers are arXiv papers). Nothing already saved is changed except that
new tags are added.
"""

from __future__ import annotations

import json
import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from feedhub.errors import InvalidInput
from feedhub.links.files import read_capped
from feedhub.links.ids import find_arxiv_ids
from feedhub.search.saved import clean_tags, save
from feedhub.store.models import Paper

MAX_BYTES = 64 * 1024 * 1024


@dataclass
class Found:
    arxiv_id: str
    title: str = ""
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    note: str | None = None


@dataclass
class ImportReport:
    format: str
    saved: int = 0  # newly saved
    already: int = 0  # saved before (tags merged)
    stubs: int = 0  # papers not known yet, kept from the file until enrichment
    without_id: int = 0  # entries with no arXiv id
    problems: list[str] = field(default_factory=list)  # one line each: "line 12: ..."

    def to_json(self) -> dict[str, Any]:
        return {"format": self.format, "saved": self.saved, "already_saved": self.already, "stubs": self.stubs,
                "without_arxiv_id": self.without_id, "problems": self.problems}  # fmt: skip


def sniff(text: str, name: str = "") -> str:
    head = text.lstrip()[:2000]
    suffix = Path(name).suffix.lower()
    if suffix in (".json", ".csljson") or head.startswith(("[", "{")):
        return "csl-json"
    if suffix == ".rdf" or "<rdf:RDF" in head or "rdf-syntax-ns" in head:
        return "rdf"
    if suffix in (".bib", ".bibtex") or re.search(r"^\s*@\w+\s*[{(]", text, re.M):
        return "bibtex"
    return "ids"


def read_library(path: Path) -> tuple[str, list[Found], list[str], int]:
    data = read_capped(path, MAX_BYTES, "library file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    fmt = sniff(text, path.name)
    if fmt == "bibtex":
        found, problems, without = parse_bibtex(text)
    elif fmt == "csl-json":
        found, problems, without = parse_csl_json(text)
    elif fmt == "rdf":
        found, problems, without = parse_rdf(text)
    else:
        found, problems, without = parse_ids(text)
    return fmt, found, problems, without


def _first_id(*values: str) -> str | None:
    for v in values:
        if v:
            ids = find_arxiv_ids(v, context=True) or find_arxiv_ids(v)
            if ids:
                return ids[0]
    return None


def _tags(raw: str) -> list[str]:
    out = []
    for t in re.split(r"[,;]", raw or ""):
        t = re.sub(r"[^\w.\-/+]+", "-", t.strip().lower()).strip("-")
        if t:
            try:
                out.extend(clean_tags([t]))
            except InvalidInput:
                continue
    return out


def latex_to_text(value: str) -> str:
    from pylatexenc.latex2text import LatexNodes2Text

    try:
        return " ".join(LatexNodes2Text(math_mode="verbatim").latex_to_text(value).split())
    except Exception:  # pylatexenc gives up on some malformed TeX: keep the raw value
        return " ".join(value.replace("{", "").replace("}", "").split())


def parse_bibtex(text: str) -> tuple[list[Found], list[str], int]:
    import bibtexparser

    from feedhub.search.saved import split_name

    logger = logging.getLogger("bibtexparser")
    previous = logger.level, logger.propagate
    logger.setLevel(logging.CRITICAL + 1)  # its own warnings would reach stderr; we report broken entries ourselves
    logger.propagate = False
    try:
        lib = bibtexparser.parse_string(text)
    finally:
        logger.setLevel(previous[0])
        logger.propagate = previous[1]
    problems = []
    for block in lib.failed_blocks:
        raw = (getattr(block, "raw", "") or "").strip().splitlines()
        head = raw[0][:60] if raw else ""
        problems.append(f"line {block.start_line + 1}: cannot read the entry {head!r} (unbalanced braces or a missing comma?); skipped")
    found: list[Found] = []
    without = 0
    for e in lib.entries:
        f = {k.lower(): str(v.value) for k, v in e.fields_dict.items()}
        eprint = f.get("eprint", "")
        prefix = (f.get("archiveprefix") or f.get("eprinttype") or "").lower()
        pid = _first_id(f"arXiv:{eprint}" if eprint and (prefix in ("arxiv", "") or "arxiv" in eprint.lower()) else "",
                        f.get("url", ""), f.get("doi", ""), f.get("journal", ""), f.get("note", ""), f.get("howpublished", ""), e.key)  # fmt: skip
        if pid is None:
            without += 1
            continue
        names = [n.strip() for n in re.split(r"\s+and\s+", f.get("author", "")) if n.strip()]
        authors = []
        for n in names:
            p = split_name(n)
            authors.append(latex_to_text(" ".join(x for x in (p.first, p.von, p.last, p.jr) if x)))
        found.append(Found(pid, latex_to_text(f.get("title", "")), latex_to_text(f.get("abstract", "")), authors,
                           _tags(f.get("keywords", "")), latex_to_text(f.get("annote", "") or f.get("comment", "")) or None))  # fmt: skip
    return found, problems, without


def parse_csl_json(text: str) -> tuple[list[Found], list[str], int]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"not valid CSL-JSON: {exc.msg} at line {exc.lineno}; export again from Zotero (File > Export Library > CSL JSON)") from None
    items = data if isinstance(data, list) else data.get("items", []) if isinstance(data, dict) else []
    found, problems, without = [], [], 0
    for k, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(f"item {k + 1}: not an object; skipped")
            continue
        pid = _first_id(str(item.get("number", "")), str(item.get("URL", "")), str(item.get("DOI", "")), str(item.get("archive_location", "")),
                        str(item.get("note", "")), str(item.get("id", "")))  # fmt: skip
        if pid is None:
            without += 1
            continue
        authors = []
        for a in item.get("author", []) or []:
            if isinstance(a, dict):
                parts = [a.get("given", ""), a.get("non-dropping-particle", "") or a.get("dropping-particle", ""), a.get("family", ""), a.get("suffix", "")]
                name = " ".join(p for p in parts if p) or a.get("literal", "")
                if name:
                    authors.append(name)
        tags = _tags(", ".join(str(x) for x in item.get("keyword", "").split(",")) if isinstance(item.get("keyword"), str) else "")
        found.append(Found(pid, str(item.get("title", "")), str(item.get("abstract", "")), authors, tags, None))
    return found, problems, without


_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "bib": "http://purl.org/net/biblio#",
    "z": "http://www.zotero.org/namespaces/export#",
}


def parse_rdf(text: str) -> tuple[list[Found], list[str], int]:
    if "<!ENTITY" in text:
        raise InvalidInput("this RDF file declares XML entities, which feedhub does not expand; export it again from Zotero")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise InvalidInput(f"not valid Zotero RDF: {exc}; export again from Zotero (File > Export Library > Zotero RDF)") from None
    found, without = [], 0
    tags_by_item: dict[str, list[str]] = {}
    for item in list(root):
        title_el = item.find("dc:title", _NS)
        if title_el is None:
            continue  # journals, attachments, notes, people
        values = [v for el in item.iter() for v in (el.text or "", *el.attrib.values())]
        pid = _first_id(*values)
        if pid is None:
            without += 1
            continue
        authors = []
        for person in item.iter(f"{{{_NS['foaf']}}}Person"):
            given = (person.findtext("foaf:givenName", "", _NS) or "").strip()
            family = (person.findtext("foaf:surname", "", _NS) or "").strip()
            if given or family:
                authors.append(f"{given} {family}".strip())
        tags = [t for s in item.findall("dc:subject", _NS) for t in _tags(s.text or s.findtext(".//rdf:value", "", _NS) or "")]
        about = item.attrib.get(f"{{{_NS['rdf']}}}about", "")
        tags_by_item[about] = tags
        found.append(Found(pid, " ".join((title_el.text or "").split()), " ".join((item.findtext("dcterms:abstract", "", _NS) or "").split()), authors, tags, None))
    return found, [], without


def parse_ids(text: str) -> tuple[list[Found], list[str], int]:
    found, problems = [], []
    seen: set[str] = set()
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        ids = find_arxiv_ids(line, context=True) or find_arxiv_ids(line)
        if not ids:
            problems.append(f"line {n}: no arXiv id in {line[:60]!r}; skipped")
        for pid in ids:
            if pid not in seen:
                seen.add(pid)
                found.append(Found(pid))
    return found, problems, 0


def import_library(session: Session, path: Path, member_id: int, tags: list[str] | None = None) -> ImportReport:
    """Save every paper of the file for the member (see the module docstring). One transaction: the caller's."""
    fmt, found, problems, without = read_library(path)
    extra = clean_tags(tags or [])
    report = ImportReport(fmt, without_id=without, problems=problems)
    if not found and not problems and not without:
        raise InvalidInput(f"{path} holds no entries; export a BibTeX, CSL-JSON or Zotero RDF library, or list arXiv ids one a line")
    for f in found:
        res = save(session, f.arxiv_id, f.tags + extra, f.note, member_id=member_id)
        if res.created:
            report.saved += 1
        else:
            report.already += 1
        if res.stub:
            report.stubs += 1
            paper = session.get(Paper, f.arxiv_id)
            if paper is not None and not paper.title:
                paper.title = f.title
                paper.abstract = f.abstract
                paper.authors = f.authors
    return report
