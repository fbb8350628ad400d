"""The digest as data: choose and rank stories, describe each, store the week as a ``Digest`` row.

Every renderer works from the dict ``build`` returns (the JSON format, stable keys), so a stored digest
renders again (the Atom feed of past weeks) without the entries it was made from.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedhub.digest import i18n
from feedhub.digest.i18n import SECTION_ORDER
from feedhub.digest.score import evidence, order_key, score
from feedhub.digest.sections import assign
from feedhub.digest.stories import Item, Story, chunks, collect, own_key, without_cycle_collection
from feedhub.digest.window import Window
from feedhub.links.html import excerpt, plain_text
from feedhub.store.models import Digest, Paper
from feedhub.store.types import utcnow

FORMAT = "feedhub-digest/1"
MAX_AUTHORS = 3
MAX_CODE = 3
MAX_RELATED = 3
MAX_WHY_LINKS = 5
MIN_LINKED_VOTERS = 2  # a page nobody shared needs this many posts linking it to stand as a story
SUMMARY_CHARS = 220
_EPOCH = datetime.min.replace(tzinfo=timezone.utc)
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


def build(session: Session, window: Window, *, lang: str = "en", per_section: int = 4, member: str | None = None,
          people: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Collect, section, score and choose the window's stories; returns the digest as a dict. ``member``: the
    digest of one member (their signal); None: the group's. Dismissed and excluded stories never show; pinned
    ones and a followed author's or repository's always do, first in their section. ``people``: config.toml's
    [people] (validated), so one person on several networks counts once."""
    with without_cycle_collection():
        return _build(session, window, lang=lang, per_section=per_section, member=member, people=people)


def _build(session: Session, window: Window, *, lang: str, per_section: int, member: str | None,
           people: Mapping[str, Any] | None) -> dict[str, Any]:
    stories = [s for s in collect(session, window, member, people) if not (s.interest and s.interest.excluded)]
    before = shown_before(session, window)
    candidates: list[Story] = []
    papers_without_evidence = 0
    for story in stories:
        story.shown_before = before.get(story.key)
        assign(story)
        if not _forced(story) and not evidence(story):
            # Never shown (the loop below skips it wherever it ranks), so it is neither scored nor sorted:
            # most of a week's listed papers. Counted as the loop would count it.
            if not story.shown_before and not _passing_link(story) and story.section == "papers":
                papers_without_evidence += 1
            continue
        score(story, window)
        candidates.append(story)
    chosen: dict[str, list[Story]] = {s: [] for s in SECTION_ORDER}
    rest: list[Story] = []
    for story in sorted(candidates, key=lambda s: (not _forced(s), order_key(s))):
        found = evidence(story)
        if not _forced(story):  # a pinned or followed story is shown whatever the week's evidence
            if story.shown_before and "people" not in found:
                continue  # featured before, and nobody new pointed at it this week
            if _passing_link(story):
                continue  # a page one article links in passing is not a story of its own
            if not found:  # a listed paper nobody pointed at, without code or interest: a candidate, not a story
                if story.section == "papers":
                    papers_without_evidence += 1
                continue
        bucket = chosen[story.section]
        if len(bucket) < per_section or _forced(story):
            bucket.append(story)
        elif story.votes() or story.members:
            rest.append(story)
    also = rest[: also_count(per_section)]
    shown = [s for ss in chosen.values() for s in ss] + also
    details = _details(session, shown)
    notes = {sec: "" for sec in SECTION_ORDER}
    if len(chosen["papers"]) < per_section and stories:
        notes["papers"] = i18n.papers_note(lang, len(chosen["papers"]), papers_without_evidence)
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
            {"id": sec, "title": i18n.section_title(lang, sec), "note": notes[sec],
             "stories": [_story_json(s, details, lang) for s in chosen[sec]]}
            for sec in SECTION_ORDER
        ],  # fmt: skip
        "also": [_story_json(s, details, lang) for s in also],
    }


def _passing_link(story: Story) -> bool:
    """A page or repository with no entry of its own that fewer than MIN_LINKED_VOTERS people linked."""
    return not story.members and story.kind in ("url", "repo") and len(story.voters()) < MIN_LINKED_VOTERS


def _forced(story: Story) -> bool:
    """Pinned by a rule or by a follow (search.interests): always shown, first in its section."""
    return bool(story.interest and (story.interest.pinned or story.interest.followed))


SHOWN_LOOKBACK = timedelta(weeks=12)


def shown_before(session: Session, window: Window) -> dict[str, str]:
    """Story key -> the earlier digest (its week label) that featured it in a section."""
    found: dict[str, str] = {}
    rows = session.execute(
        select(Digest.week, Digest.stories)
        .where(Digest.window_end <= window.start + timedelta(hours=14), Digest.window_start < window.start,
               Digest.window_end > window.start - SHOWN_LOOKBACK)
        .order_by(Digest.window_start)
    )  # fmt: skip
    for week, model in rows:
        for section in (model or {}).get("sections", []):
            for story in section.get("stories", []):
                if isinstance(story, dict) and isinstance(story.get("key"), str):
                    found[story["key"]] = week
    return found


@dataclass
class _Details:
    abstracts: dict[str, str]
    titles: dict[str, str]
    categories: dict[str, list[str]] = field(default_factory=dict)


MAX_CATEGORIES = 4  # a paper card shows its primary category first, then a few cross-lists


def _details(session: Session, shown: list[Story]) -> _Details:
    """Abstracts and related-paper titles, loaded only for the stories that are shown."""
    ids = sorted({s.paper_id for s in shown if s.paper_id} | {p for s in shown for p in s.related[:MAX_RELATED]})
    abstracts: dict[str, str] = {}
    titles: dict[str, str] = {}
    authors: dict[str, list[str]] = {}
    categories: dict[str, list[str]] = {}
    for chunk in chunks(ids):
        for pid, title, abstract, names, cats in session.execute(
            select(Paper.arxiv_id, Paper.title, Paper.abstract, Paper.authors, Paper.categories).where(Paper.arxiv_id.in_(chunk))
        ):
            abstracts[pid] = abstract or ""
            titles[pid] = title or ""
            authors[pid] = list(names or [])
            categories[pid] = [str(c) for c in cats or []]
    for story in shown:  # the week's papers were read without titles and authors (see stories._window_papers)
        if story.paper is not None and story.paper_id in titles:
            story.paper.title = titles[story.paper_id]
            story.paper.authors = authors[story.paper_id]
    return _Details(abstracts, titles, categories)


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
            i.role == "share",
            not i.title.strip(),
            -len(_clean_title(i.title)),
            -i.weight,
            i.published_at.timestamp() if i.published_at else 0.0,
            i.id,
        ),
    )


_ANNOUNCE = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*[\w-]+\s*(Abstract:\s*)?", re.I)
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


def clean_text(text: str) -> str:
    """Summary text without arXiv's announcement prefix ("arXiv:2611.14201v1 Announce Type: new Abstract:")."""
    return _ANNOUNCE.sub("", text).strip()


def sentence_trim(text: str, limit: int = SUMMARY_CHARS) -> str:
    """``text`` cut at the last sentence end within ``limit`` (else at a word, with an ellipsis)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, limit)]
    if ends and ends[-1] >= limit // 3:
        return text[: ends[-1]]
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.-") + "…"


def _entry_text(item: Item) -> str:
    if item.blurb:
        return item.blurb
    summary = item.summary
    if len(summary) >= 600 and item.source_kind != "arxiv":
        from feedhub.sources.newsletter import clean_summary

        return clean_text(clean_summary(summary, title=item.title))
    return clean_text(plain_text(summary))


def _summary(story: Story, lead: Item | None, title: str, details: _Details) -> str:
    """The best text: an editor's blurb (a newsletter item), then a titled post's own text, then the paper's
    abstract (trimmed at a sentence), then what shares said; never boilerplate or arXiv's prefix."""
    blurbs = [i for i in story.all_items() if i.role == "item" and i.blurb]
    blurbs.sort(key=lambda i: (-i.weight, -len(i.blurb), i.id, i.sub))
    for item in blurbs:
        text = sentence_trim(item.blurb)
        if text and text != title:
            return text
    titled = [i for i in story.members if i.title.strip() and i.role in ("entry", "item") and (i.summary or i.blurb)]
    titled.sort(key=lambda i: (i is not lead, -i.weight, i.published_at.timestamp() if i.published_at else 0.0, i.id))
    for item in titled:
        text = sentence_trim(_entry_text(item))
        if text and text != title:
            return text
    if story.paper_id and details.abstracts.get(story.paper_id):
        return sentence_trim(clean_text(plain_text(details.abstracts[story.paper_id])))
    for item in story.members + story.mentions:  # listings, untitled posts, then shares
        text = sentence_trim(_entry_text(item))
        if text and text != title:
            return text
    return ""


def _title(story: Story, lead: Item | None, lang: str) -> str:
    if story.paper and story.paper.title.strip():
        return _clean_title(story.paper.title)
    if lead is not None and lead.title.strip() and lead.role != "share":
        title = _clean_title(lead.title)
        if story.repo and lead.source_kind == "github":
            name = story.repo.split("/", 1)[1]
            if name not in title.lower():
                title = f"{name} {title}"
        return title
    for item in story.all_items():  # the text of a link that points at it (a newsletter item's title, a card)
        anchor = item.anchors.get(story.key, "")
        if anchor and not anchor.lower().startswith(("http://", "https://")):
            return _clean_title(anchor)
    if story.repo:
        return _display_repo(story)
    if lead is not None and lead.title.strip():
        return _clean_title(lead.title)
    if story.paper_id:
        return f"arXiv:{story.paper_id}"
    for item in story.members:
        text = excerpt(item.summary, 90)
        if text:
            return text
    link = lead.link if lead else None
    host = urlsplit(link).hostname if link and safe_url(link) else None
    return i18n.t(lang, "untitled") + (f" ({host})" if host else "")


def _display_repo(story: Story) -> str:
    return story.repos[0].full_name if story.repos else (story.repo or "")


def _compact(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}".rstrip("0").rstrip(".") + "M"
    if n >= 1000:
        return f"{n / 1000:.1f}".rstrip("0").rstrip(".") + "k"
    return str(n)


def why(story: Story, lang: str) -> tuple[str, list[dict[str, str]]]:
    """A plain-words line saying why the story is here, and the posts that made its mentions (linked)."""
    voters = story.voters()
    people = [item for key, (_, item) in voters.items() if key.startswith("person:")]
    newsletters = {i.source_id for i in story.votes() if i.role == "item"}
    feeds = {item.source_id for key, (_, item) in voters.items() if key.startswith("source:") and item.role != "item"}
    interest = list(story.interest.why) if story.interest is not None else []  # "you follow …", "like 3 papers you saved …"
    parts: list[str] = list(interest)
    if people:
        parts.append(i18n.why(lang, "people", len(people)))
    if newsletters:
        parts.append(i18n.why(lang, "newsletters", len(newsletters)))
    if feeds:
        parts.append(i18n.why(lang, "feeds", len(feeds)))
    if story.repos and not story.shown_before:
        stars = max((r.stars or 0) for r in story.repos)
        parts.append(i18n.t(lang, "why.code") + (f" {_compact(stars)}★" if stars else ""))
    if story.repros and not story.shown_before:
        parts.append(i18n.t(lang, "why.repro"))
    if story.similarity >= 0.2 and not story.shown_before and not interest:
        parts.append(i18n.t(lang, "why.saved"))
    if story.saved:
        parts.append(i18n.t(lang, "why.you_saved"))
    if not parts and any(i.role == "listing" for i in story.members):
        parts.append(i18n.t(lang, "why.listed"))
    if story.shown_before:
        parts.append(i18n.t(lang, "why.shown_before", week=story.shown_before))
    links: list[dict[str, str]] = []
    seen: set[str] = set()
    # each person's first post that points at the story (the story's own entry is not a mention of it)
    pointing: dict[str, Item] = {}
    for item in sorted(story.votes(), key=lambda i: (i.published_at or _EPOCH, i.id, i.sub)):
        if not (item.role == "entry" and own_key(item)[1] == story.key):
            pointing.setdefault(item.person(), item)
    for key, _ in sorted(voters.items(), key=lambda kv: (-kv[1][0], kv[1][1].id, kv[1][1].sub)):
        item = pointing.get(key)
        if item is None:
            continue
        url = safe_url(item.link) if item.role != "item" else None
        label = item.label()
        if label in seen:
            continue
        seen.add(label)
        links.append({"label": label, "url": url or ""})
        if len(links) >= MAX_WHY_LINKS:
            break
    return " · ".join(parts), links


def _source_links(story: Story) -> list[dict[str, str | None]]:
    """Each source of the story (in ``sources`` order) with the link of its item: where the story was
    mentioned, so a reader can open the newsletter item or the post itself."""
    found: dict[str, str | None] = {}
    if story.members or story.mentions:
        for item in sorted(story.all_items(), key=lambda i: (i.source_id, i.id)):
            name = item.source_name or f"source {item.source_id}"
            if found.get(name) is None:
                found[name] = safe_url(item.link)
    return [{"name": n, "url": u} for n, u in found.items()]


def _story_json(story: Story, details: _Details, lang: str) -> dict[str, Any]:
    lead = _lead(story)
    url = f"https://arxiv.org/abs/{story.paper_id}" if story.paper_id else None
    if url is None and story.repo:
        url = f"https://github.com/{_display_repo(story)}"
    if url is None and story.kind == "url":
        url = safe_url(story.key[4:])
    if url is None and lead is not None:
        url = safe_url(lead.link)
    paper = None
    if story.paper_id:
        authors = story.paper.authors if story.paper else []
        paper = {
            "arxiv_id": story.paper_id,
            "authors": authors[:MAX_AUTHORS],
            "et_al": len(authors) > MAX_AUTHORS,
            "url": f"https://arxiv.org/abs/{story.paper_id}",
            "pdf": f"https://arxiv.org/pdf/{story.paper_id}",
            "categories": details.categories.get(story.paper_id, [])[:MAX_CATEGORIES],
        }
    when = story.earliest()
    title = _title(story, lead, lang)
    why_text, why_links = why(story, lang)
    explain = [{"factor": n, "points": p, "detail": d} for n, p, d in story.factors]
    notes = sorted({i.issue_note for i in story.members if i.issue_note})
    explain += [{"factor": "note", "points": 0.0, "detail": n} for n in notes]
    return {
        "key": story.key,
        "section": story.section,
        "title": title,
        "url": url,
        "summary": _summary(story, lead, title, details),
        "published_at": when.isoformat() if when else None,
        "sources": list(story.source_weights()),
        "source_links": _source_links(story),
        "mentions": len(story.members) + len(story.mentions),
        "why": why_text,
        "why_links": why_links,
        "paper": paper,
        "code": [{"repo": r.full_name, "url": r.url, "stars": r.stars} for r in story.repos[:MAX_CODE]],
        "repro": [{"name": r.name, "command": f"feedhub repro run {r.name}", "verdict": r.verdict} for r in story.repros],
        "related": [
            {"arxiv_id": p, "title": _clean_title(details.titles.get(p, "")) or f"arXiv:{p}", "url": f"https://arxiv.org/abs/{p}"}
            for p in story.related[:MAX_RELATED]
        ],
        "score": story.score,
        "explain": explain,
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
