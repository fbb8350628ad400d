"""The digest as data: choose and rank stories, describe each, store the week as a ``Digest`` row.

Every renderer works from the dict ``build`` returns (the JSON format, stable keys), so a stored digest
renders again (the Atom feed of past weeks) without the entries it was made from.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedhub.digest import i18n
from feedhub.digest.i18n import SECTION_ORDER
from feedhub.digest.score import order_key, score
from feedhub.digest.sections import assign
from feedhub.digest.stories import Item, Story, chunks, collect
from feedhub.digest.window import Window
from feedhub.links.html import excerpt, plain_text
from feedhub.store.models import Digest, Paper
from feedhub.store.types import utcnow

FORMAT = "feedhub-digest/1"
MAX_AUTHORS = 3
MAX_CODE = 3
MAX_RELATED = 3
SUMMARY_CHARS = 220
_ARXIV_SUFFIX = re.compile(r"\s*\(arXiv:[^)]*\)\s*$", re.I)


def safe_url(url: str | None) -> str | None:
    """Only absolute http(s) URLs are ever rendered as links."""
    if not url:
        return None
    url = url.strip()
    if any(ch in url for ch in "\x00\r\n\t") or " " in url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def also_count(per_section: int) -> int:
    return max(4, 2 * per_section)


def build(session: Session, window: Window, *, lang: str = "en", per_section: int = 4, member: str | None = None) -> dict[str, Any]:
    """Collect, section, score and choose the window's stories; returns the digest as a dict. ``member``: the
    digest of one member (their signal); None: the group's. Dismissed and excluded stories never show; pinned
    ones and a followed author's or repository's always do, first in their section."""
    stories = [s for s in collect(session, window, member) if not (s.interest and s.interest.excluded)]
    for story in stories:
        assign(story)
        score(story, window)
    chosen: dict[str, list[Story]] = {s: [] for s in SECTION_ORDER}
    rest: list[Story] = []
    for story in sorted(stories, key=lambda s: (not (s.interest and (s.interest.pinned or s.interest.followed)), order_key(s))):
        bucket = chosen[story.section]
        if len(bucket) < per_section or (story.interest and (story.interest.pinned or story.interest.followed)):
            bucket.append(story)
        elif story.members or story.mentions:  # a paper nobody mentioned is not worth a line
            rest.append(story)
    also = rest[: also_count(per_section)]
    shown = [s for ss in chosen.values() for s in ss] + also
    details = _details(session, shown)
    return {
        "format": FORMAT,
        "week": window.label,
        "tz": window.tz,
        "lang": lang,
        "window": {
            "start": window.start.isoformat(),
            "end": window.end.isoformat(),
            "first_day": window.first_day.isoformat(),
            "last_day": window.last_day.isoformat(),
        },
        "per_section": per_section,
        "total_stories": len(stories),
        "sections": [
            {"id": sec, "title": i18n.section_title(lang, sec), "stories": [_story_json(s, details, lang) for s in chosen[sec]]}
            for sec in SECTION_ORDER
        ],
        "also": [_story_json(s, details, lang) for s in also],
    }


@dataclass
class _Details:
    abstracts: dict[str, str]
    titles: dict[str, str]


def _details(session: Session, shown: list[Story]) -> _Details:
    """Abstracts and related-paper titles, loaded only for the stories that are shown."""
    ids = sorted({s.paper_id for s in shown if s.paper_id} | {p for s in shown for p in s.related[:MAX_RELATED]})
    abstracts: dict[str, str] = {}
    titles: dict[str, str] = {}
    authors: dict[str, list[str]] = {}
    for chunk in chunks(ids):
        for pid, title, abstract, names in session.execute(
            select(Paper.arxiv_id, Paper.title, Paper.abstract, Paper.authors).where(Paper.arxiv_id.in_(chunk))
        ):
            abstracts[pid] = abstract or ""
            titles[pid] = title or ""
            authors[pid] = list(names or [])
    for story in shown:  # the week's papers were read without titles and authors (see stories._window_papers)
        if story.paper is not None and story.paper_id in titles:
            story.paper.title = titles[story.paper_id]
            story.paper.authors = authors[story.paper_id]
    return _Details(abstracts, titles)


def _clean_title(title: str) -> str:
    return _ARXIV_SUFFIX.sub("", " ".join((title or "").split()))


def _lead(story: Story) -> Item | None:
    """The entry that best represents the story (its title, link and summary): the most descriptive
    title, then the heaviest source, then the earliest."""
    if not story.members:
        return None
    return min(
        story.members,
        key=lambda i: (
            not i.title.strip(),
            -len(_clean_title(i.title)),
            -i.weight,
            i.published_at.timestamp() if i.published_at else 0.0,
            i.id,
        ),
    )


def _title(story: Story, lead: Item | None, lang: str) -> str:
    if story.paper and story.paper.title.strip():
        return _clean_title(story.paper.title)
    if lead is not None and lead.title.strip():
        title = _clean_title(lead.title)
        if story.repo and lead.source_kind == "github":
            name = story.repo.split("/", 1)[1]
            if name not in title.lower():
                title = f"{name} {title}"
        return title
    if story.paper_id:
        return f"arXiv:{story.paper_id}"
    for item in story.members:
        text = excerpt(item.summary, 90)
        if text:
            return text
    link = lead.link if lead else None
    host = urlsplit(link).hostname if link and safe_url(link) else None
    return i18n.t(lang, "untitled") + (f" ({host})" if host else "")


def _summary(story: Story, lead: Item | None, title: str, details: _Details) -> str:
    """One line: the lead entry's summary, else a titled entry's, else the paper's abstract."""
    titled = [i for i in story.members if i.title.strip() and plain_text(i.summary)]
    titled.sort(key=lambda i: (i.source_kind == "arxiv", i is not lead, -i.weight, i.published_at.timestamp() if i.published_at else 0.0, i.id))
    for item in titled:
        text = excerpt(item.summary, SUMMARY_CHARS)
        if text and text != title:
            return text
    if story.paper_id and details.abstracts.get(story.paper_id):
        return excerpt(details.abstracts[story.paper_id], SUMMARY_CHARS)
    for item in story.members + story.mentions:  # untitled posts, then mentions
        text = excerpt(item.summary, SUMMARY_CHARS)
        if text and text != title:
            return text
    return ""


def _story_json(story: Story, details: _Details, lang: str) -> dict[str, Any]:
    lead = _lead(story)
    url = f"https://arxiv.org/abs/{story.paper_id}" if story.paper_id else None
    if url is None and lead is not None:
        url = safe_url(lead.link)
    if url is None and story.repo:
        url = f"https://github.com/{story.repo}"
    paper = None
    if story.paper_id:
        authors = story.paper.authors if story.paper else []
        paper = {
            "arxiv_id": story.paper_id,
            "authors": authors[:MAX_AUTHORS],
            "et_al": len(authors) > MAX_AUTHORS,
            "url": f"https://arxiv.org/abs/{story.paper_id}",
            "pdf": f"https://arxiv.org/pdf/{story.paper_id}",
        }
    when = story.earliest()
    title = _title(story, lead, lang)
    return {
        "key": story.key,
        "section": story.section,
        "title": title,
        "url": url,
        "summary": _summary(story, lead, title, details),
        "published_at": when.isoformat() if when else None,
        "sources": list(story.source_weights()),
        "mentions": len(story.members) + len(story.mentions),
        "paper": paper,
        "code": [{"repo": r.full_name, "url": r.url, "stars": r.stars} for r in story.repos[:MAX_CODE]],
        "repro": [{"name": r.name, "command": f"feedhub repro run {r.name}", "verdict": r.verdict} for r in story.repros],
        "related": [
            {"arxiv_id": p, "title": _clean_title(details.titles.get(p, "")) or f"arXiv:{p}", "url": f"https://arxiv.org/abs/{p}"}
            for p in story.related[:MAX_RELATED]
        ],
        "score": story.score,
        "why": story.interest.why_line() if story.interest else "",
        "explain": [{"factor": n, "points": p, "detail": d} for n, p, d in story.factors],
    }


def content_hash(model: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(model, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def save(session: Session, model: dict[str, Any], markdown: str, window: Window) -> tuple[Digest, bool]:
    """Store the week (one row per week, time zone and language); returns (row, changed).

    A re-run with the same content keeps the row as it was (its date included), so the Atom feed does
    not announce a week again unless new items arrived for it."""
    chash = content_hash(model)
    row = session.scalar(select(Digest).where(Digest.week == model["week"], Digest.tz == model["tz"], Digest.lang == model["lang"]))
    if row is not None and row.content_hash == chash:
        return row, False
    if row is None:
        row = Digest(week=model["week"], tz=model["tz"], lang=model["lang"])
        session.add(row)
    row.window_start = window.start
    row.window_end = window.end
    row.created_at = utcnow()
    row.content_hash = chash
    row.stories = model
    row.markdown = markdown
    session.flush()
    return row, True


def list_digests(session: Session, limit: int | None = None, lang: str | None = None) -> list[Digest]:
    query = select(Digest).order_by(Digest.window_start.desc(), Digest.created_at.desc(), Digest.id.desc())
    if lang:
        query = query.where(Digest.lang == lang)
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def digest_json(row: Digest) -> dict[str, Any]:
    model = row.stories or {}
    return {
        "id": row.id,
        "week": row.week,
        "tz": row.tz,
        "lang": row.lang,
        "window_start": row.window_start.isoformat(),
        "window_end": row.window_end.isoformat(),
        "created_at": row.created_at.isoformat(),
        "stories": sum(len(s.get("stories", [])) for s in model.get("sections", [])) + len(model.get("also", [])),
        "content_hash": row.content_hash,
    }
