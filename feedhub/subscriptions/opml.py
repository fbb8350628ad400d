"""OPML subscription lists in and out (Feedly, Miniflux, newsboat, Inoreader, NetNewsWire ...).

Folders (nested outlines) are kept: the path is stored in ``Source.options["folder"]`` and written
back on export, and a folder named like a digest section (news, posts, code, papers, or a common
synonym such as "Blogs" or "arXiv") sets the source's section. feedhub's own kind and section ride
along as ``feedhubKind`` / ``feedhubSection`` attributes, which other readers ignore.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedhub.errors import FeedhubError, InvalidInput
from feedhub.links.files import TooLarge, read_capped
from feedhub.sources.kinds import SECTIONS, SOURCE_KINDS
from feedhub.store.models import Source

MAX_OPML_BYTES = 15 * 1024 * 1024
MAX_FOLDER_DEPTH = 32
SECTION_ALIASES = {
    "news": "news", "newsletter": "news", "newsletters": "news",
    "posts": "posts", "blog": "posts", "blogs": "posts", "articles": "posts", "people": "posts", "researchers": "posts",
    "code": "code", "github": "code", "projects": "code", "repos": "code", "software": "code",
    "papers": "papers", "paper": "papers", "arxiv": "papers", "research": "papers", "preprints": "papers",
}


@dataclass
class OpmlFeed:
    url: str
    title: str = ""
    html_url: str | None = None
    folder: list[str] = field(default_factory=list)  # outer to inner
    kind: str | None = None
    section: str | None = None


@dataclass
class ImportReport:
    added: list[tuple[int, str, str]] = field(default_factory=list)  # (id, name, url)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (url, why)
    invalid: list[tuple[str, str]] = field(default_factory=list)  # (title or url, why)

    def as_json(self) -> dict[str, object]:
        return {
            "added": [{"id": i, "name": n, "url": u} for i, n, u in self.added],
            "duplicates": [{"url": u, "reason": r} for u, r in self.duplicates],
            "invalid": [{"item": t, "reason": r} for t, r in self.invalid],
        }


def read_opml_file(path: Path) -> bytes:
    try:
        return read_capped(path, MAX_OPML_BYTES, "subscription list (OPML)")
    except TooLarge:
        raise
    except FeedhubError as exc:
        raise InvalidInput(str(exc)) from None


def parse_opml(data: bytes, name: str = "the file") -> list[OpmlFeed]:
    """Every feed outline (one with an xmlUrl), with the folder path it sits in."""
    if b"<!ENTITY" in data[:65536].upper():
        raise FeedhubError(f"{name} declares XML entities; refused (an OPML export never needs them)")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise FeedhubError(f"{name} is not readable OPML ({exc}); export the list again from your reader") from None
    if root.tag.lower() != "opml":
        raise FeedhubError(f"{name} is XML but not OPML (root element <{root.tag}>); export the list as OPML")
    body = root.find("body")
    if body is None:
        raise FeedhubError(f"{name} is OPML without a <body>; export the list again from your reader")
    feeds: list[OpmlFeed] = []
    # Depth-first with a stack, not recursion: a list of a thousand nested folders is data, not a crash.
    # A folder path is a chain of (parent, name) links, made into a list only for the feeds in it.
    Chain = tuple[object, str] | None
    stack: list[tuple[ET.Element, Chain, int]] = [(body, None, 0)]

    def path_of(chain: Chain) -> list[str]:
        names: list[str] = []
        while chain is not None:
            chain, name = chain  # type: ignore[assignment]
            names.append(name)
        return names[::-1]

    while stack:
        node, folder, start = stack.pop()
        children = list(node)
        for i in range(start, len(children)):
            outline = children[i]
            if outline.tag.lower() != "outline":
                continue
            a = {k: (v or "").strip() for k, v in outline.attrib.items()}
            lower = {k.lower(): v for k, v in a.items()}
            title = lower.get("title") or lower.get("text") or ""
            url = lower.get("xmlurl") or ""
            if url:
                feeds.append(OpmlFeed(url, title, lower.get("htmlurl") or None, path_of(folder),
                                      lower.get("feedhubkind") or None, lower.get("feedhubsection") or None))
            elif len(outline):
                stack.append((node, folder, i + 1))  # the rest of this folder after the subfolder, in order
                stack.append((outline, (folder, title or "untitled"), 0))
                break
    return feeds


def section_for(folder: list[str]) -> str | None:
    for name in reversed(folder):  # the innermost folder that names a section wins
        found = SECTION_ALIASES.get(name.strip().lower())
        if found:
            return found
    return None


def import_opml(session: Session, data: bytes, name: str = "the file", allow_files: bool = False) -> ImportReport:
    """Add every feed of an OPML list; duplicates (already subscribed, or listed twice) are reported, not added.

    A ``file://`` feed (or a path) is skipped unless ``allow_files``: a list from elsewhere has no business
    naming files on this machine (``file:///dev/zero``, ``/proc/...``, someone's key files)."""
    from feedhub.subscriptions.manage import add_source, resolve_spec

    report = ImportReport()
    seen: set[str] = set()
    for item in parse_opml(data, name):
        kind = item.kind if item.kind in SOURCE_KINDS else None
        section = item.section if item.section in SECTIONS else section_for(item.folder)
        try:
            spec = resolve_spec(item.url, name=item.title or None, section=section, kind=kind)
        except InvalidInput as exc:
            report.invalid.append((item.title or item.url, str(exc)))
            continue
        if spec.url.startswith("file:") and not allow_files:
            report.invalid.append((item.title or item.url, "a local file, not a web feed; skipped (import-opml --allow-files to import local files)"))
            continue
        if spec.url in seen:
            report.duplicates.append((spec.url, "listed twice in the file"))
            continue
        seen.add(spec.url)
        options = dict(spec.options or {})
        if item.folder:  # the outer MAX_FOLDER_DEPTH levels are kept (export writes them back as nested outlines)
            options["folder"] = "/".join(f.replace("/", "-")[:200] for f in item.folder[:MAX_FOLDER_DEPTH])
        if item.html_url:
            options["html_url"] = item.html_url
        spec.options = options
        source, created = add_source(session, spec)
        if created:
            report.added.append((source.id, source.name, source.url))
        else:
            report.duplicates.append((spec.url, f"already subscribed as source {source.id}"))
    return report


def export_opml(session: Session, title: str = "feedhub subscriptions") -> bytes:
    """All sources as OPML 2.0, folders as nested outlines (a source without a folder goes under its section)."""
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(datetime.now(timezone.utc), usegmt=True)
    body = ET.SubElement(opml, "body")
    folders: dict[tuple[str, ...], ET.Element] = {(): body}

    def folder_element(path: tuple[str, ...]) -> ET.Element:
        for depth in range(1, len(path) + 1):  # outer to inner, without recursion (folders may nest deeply)
            if path[:depth] not in folders:
                folders[path[:depth]] = ET.SubElement(folders[path[: depth - 1]], "outline", text=path[depth - 1], title=path[depth - 1])
        return folders[path]

    for s in session.scalars(select(Source).order_by(Source.id)):
        options = s.options or {}
        folder = options.get("folder")
        path = tuple(p for p in str(folder).split("/") if p) if folder else ((s.section,) if s.section else ())
        attrs = {"type": "rss", "text": s.name or s.url, "title": s.name or s.url, "xmlUrl": s.url}
        if options.get("html_url"):
            attrs["htmlUrl"] = str(options["html_url"])
        if s.kind != "rss":
            attrs["feedhubKind"] = s.kind
        if s.section and section_for(list(path)) != s.section:
            attrs["feedhubSection"] = s.section
        ET.SubElement(folder_element(path), "outline", attrs)
    ET.indent(opml)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(opml, encoding="utf-8") + b"\n"
