"""Stories, not entries: the window's entries and papers clustered by paper id and canonical URL.

An entry belongs to exactly one story:
- its link is an arXiv page (abs, pdf, any version)          -> the paper's story
- it has no title and mentions exactly one paper (a social post pointing at a paper) -> that paper's story
- its link is a GitHub repository (any page of it)            -> the repository's story
- else its canonical URL (https, no www., no trailing slash, fragment or tracking parameters)
- else (no link) a story of its own.
Every paper an entry mentions without being its story is a *mention* of that paper's story. Papers
published in the window, and recent papers mentioned in it, are stories even with no entry of their own.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Iterator, Sequence, TypeVar
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedhub.digest.window import Window
from feedhub.links.repos import normalize_repo
from feedhub.links.urls import canonical_url
from feedhub.store.models import Entry, EntryRepo, Paper, PaperEntry, PaperRepo, PaperRepro, Repo, Run, Source

CHUNK = 500
# A paper mentioned this week but first published long before is old news, not a highlighted paper.
MENTIONED_PAPER_MAX_AGE = timedelta(days=31)
_ARXIV_ABS = "https://arxiv.org/abs/"
_NEW_ID = re.compile(r"^(\d{2})(\d{2})\.\d{4,5}$")

T = TypeVar("T")


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


@dataclass
class Item:
    """One entry of the window, with its source."""

    id: int
    source_id: int
    source_name: str
    source_kind: str
    source_section: str | None
    weight: float
    title: str
    link: str | None
    canonical: str | None
    summary: str
    tags: list[str]
    published_at: datetime | None
    papers: list[str] = field(default_factory=list)  # arXiv ids this entry links or mentions


@dataclass
class PaperInfo:
    arxiv_id: str
    title: str
    authors: list[str]
    published_at: datetime | None


@dataclass
class RepoInfo:
    full_name: str
    stars: int | None
    official: bool = False

    @property
    def url(self) -> str:
        return f"https://github.com/{self.full_name}"


@dataclass
class ReproInfo:
    name: str
    verdict: str | None  # of the latest run, if any


@dataclass
class Story:
    key: str  # "arxiv:1802.03268", "github:owner/name", "url:https://...", "entry:12"
    kind: str  # paper | repo | url | entry
    members: list[Item] = field(default_factory=list)  # entries that are this story
    mentions: list[Item] = field(default_factory=list)  # entries elsewhere that mention its paper
    paper: PaperInfo | None = None
    repos: list[RepoInfo] = field(default_factory=list)
    repros: list[ReproInfo] = field(default_factory=list)
    related: list[str] = field(default_factory=list)  # papers a non-paper story mentions
    similarity: float = 0.0  # to the member's (or the group's) saved papers
    interest: Any = None  # search.interests.Interest: why-line, pinned, excluded, followed (None: no signal)
    # set by sections.py and score.py
    section: str = "posts"
    section_reason: str = ""
    score: float = 0.0
    factors: list[tuple[str, float, str]] = field(default_factory=list)

    paper_id: str | None = None  # set from the key
    repo: str | None = None
    _latest: datetime | None = None
    _latest_known: bool = False

    def __post_init__(self) -> None:
        rest = self.key.split(":", 1)[1]
        self.paper_id = rest if self.kind == "paper" else None
        self.repo = rest if self.kind == "repo" else None

    def all_items(self) -> list[Item]:
        return self.members + self.mentions

    def source_weights(self) -> dict[str, float]:
        """Distinct sources that carry or mention this story -> their weight."""
        found: dict[str, float] = {}
        if self.members or self.mentions:
            for item in sorted(self.all_items(), key=lambda i: (i.source_id, i.id)):
                found.setdefault(item.source_name or f"source {item.source_id}", item.weight)
        return found

    def latest(self) -> datetime | None:
        if not self._latest_known:
            dates = [i.published_at for i in self.all_items() if i.published_at is not None]
            self._latest = max(dates) if dates else (self.paper.published_at if self.paper else None)
            self._latest_known = True
        return self._latest

    def earliest(self) -> datetime | None:
        dates = [i.published_at for i in self.members if i.published_at is not None]
        if dates:
            return min(dates)
        if self.paper and self.paper.published_at:
            return self.paper.published_at
        dates = [i.published_at for i in self.mentions if i.published_at is not None]
        return min(dates) if dates else None


def github_repo(canonical: str | None) -> str | None:
    """``owner/name`` (lower-case) for any github.com page of a repository (links.repos decides)."""
    if not canonical or urlsplit(canonical).hostname != "github.com":
        return None
    return normalize_repo(canonical)


def arxiv_month(arxiv_id: str) -> datetime | None:
    """The month a new-style id was assigned (``1802.03268`` -> Feb 2018): a date for stub papers."""
    m = _NEW_ID.match(arxiv_id)
    if not m:
        return None
    year, month = 2000 + int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        return None
    return datetime(year, month, 1, tzinfo=timezone.utc)


def own_key(item: Item) -> tuple[str, str]:
    """(kind, key) of the story an entry belongs to by its own link."""
    canon = item.canonical or canonical_url(item.link)
    if canon:
        if canon.startswith(_ARXIV_ABS):
            return "paper", "arxiv:" + canon[len(_ARXIV_ABS) :]
        repo = github_repo(canon)
        if repo:
            return "repo", "github:" + repo
        return "url", "url:" + canon
    return "entry", f"entry:{item.id}"


def load_items(session: Session, window: Window) -> list[Item]:
    """The window's entries (index-backed on ``published_at``) with their sources and papers."""
    query = (
        select(
            Entry.id, Entry.source_id, Source.name, Source.kind, Source.section, Source.weight, Entry.title,
            Entry.link, Entry.canonical_url, Entry.summary, Entry.tags, Entry.published_at,
        )
        .join(Source, Source.id == Entry.source_id)
        .where(Entry.published_at >= window.start, Entry.published_at < window.end)
        .order_by(Entry.published_at, Entry.id)
    )
    items = [
        Item(
            id=r[0], source_id=r[1], source_name=r[2] or "", source_kind=r[3] or "rss", source_section=r[4],
            weight=float(r[5] if r[5] is not None else 1.0), title=r[6] or "", link=r[7], canonical=r[8],
            summary=r[9] or "", tags=list(r[10] or []), published_at=r[11],
        )
        for r in session.execute(query)
    ]
    by_id = {i.id: i for i in items}
    for chunk in chunks(list(by_id)):
        rows = session.execute(
            select(PaperEntry.entry_id, PaperEntry.paper_id).where(PaperEntry.entry_id.in_(chunk)).order_by(
                PaperEntry.entry_id, PaperEntry.paper_id
            )
        )
        for eid, pid in rows:
            by_id[eid].papers.append(pid)
    return items


def _load_papers(session: Session, ids: Iterable[str]) -> dict[str, PaperInfo]:
    out: dict[str, PaperInfo] = {}
    for chunk in chunks(sorted(set(ids))):
        for pid, title, authors, published in session.execute(
            select(Paper.arxiv_id, Paper.title, Paper.authors, Paper.published_at).where(Paper.arxiv_id.in_(chunk))
        ):
            out[pid] = PaperInfo(pid, title or "", list(authors or []), published)
    return out


def _in_window(window: Window):  # type: ignore[no-untyped-def]
    return (Paper.published_at >= window.start) & (Paper.published_at < window.end)


def _window_papers(session: Session, window: Window) -> dict[str, PaperInfo]:
    """The week's papers (index-backed): ids and dates only; titles and authors are read for the shown few."""
    rows = session.execute(select(Paper.arxiv_id, Paper.published_at).where(_in_window(window)))
    return {pid: PaperInfo(pid, "", [], published) for pid, published in rows}


def cluster(items: list[Item]) -> tuple[dict[str, Story], dict[str, list[Item]]]:
    """Group items into stories; returns (stories by key, mentioning items by paper id)."""
    stories: dict[str, Story] = {}
    mentioned: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        kind, key = own_key(item)
        own_paper = key.split(":", 1)[1] if kind == "paper" else None
        others = [p for p in item.papers if p != own_paper]
        if own_paper is None and not item.title.strip() and len(others) == 1:
            kind, key, own_paper, others = "paper", f"arxiv:{others[0]}", others[0], []
        story = stories.get(key)
        if story is None:
            story = stories[key] = Story(key=key, kind=kind)
        story.members.append(item)
        for pid in others:
            mentioned[pid].append(item)
    return stories, mentioned


def collect(session: Session, window: Window, member: str | None = None) -> list[Story]:
    """Every candidate story of the window, with its paper, code, reproductions and saved-similarity."""
    items = load_items(session, window)
    stories, mentioned = cluster(items)
    window_papers = _window_papers(session, window)
    wanted = {s.paper_id for s in stories.values() if s.paper_id} | set(mentioned)
    papers = dict(window_papers)
    papers.update(_load_papers(session, wanted - set(window_papers)))

    oldest = window.start - MENTIONED_PAPER_MAX_AGE
    for pid, mentioning in mentioned.items():
        key = f"arxiv:{pid}"
        if key not in stories:
            info = papers.get(pid)
            when = (info.published_at if info else None) or arxiv_month(pid)
            if when is None or when < oldest:
                continue  # old paper: it shows under the mentioning story, not as this week's paper
            stories[key] = Story(key=key, kind="paper")
        stories[key].mentions.extend(i for i in mentioning if i not in stories[key].members)
    for pid in window_papers:
        stories.setdefault(f"arxiv:{pid}", Story(key=f"arxiv:{pid}", kind="paper"))

    for story in stories.values():
        if story.paper_id:
            story.paper = papers.get(story.paper_id) or PaperInfo(story.paper_id, "", [], None)
        else:
            related: list[str] = []
            for item in story.members:
                related.extend(p for p in item.papers if p not in related)
            story.related = related

    in_window = set(window_papers)
    _attach_code(session, stories, items, window, in_window)
    _attach_repros(session, stories, window, in_window)
    _attach_similarity(session, stories, member)
    return sorted(stories.values(), key=lambda s: s.key)


def _paper_rows(session: Session, query, column, paper_ids: set[str], window: Window, in_window: set[str]):  # type: ignore[no-untyped-def]
    """Rows of ``query`` for ``paper_ids``: the week's papers through one join on the date index, the
    few others (papers of older weeks that entries link) by id."""
    if in_window:
        yield from session.execute(query.join(Paper, Paper.arxiv_id == column).where(_in_window(window)))
    for chunk in chunks(sorted(paper_ids - in_window)):
        yield from session.execute(query.where(column.in_(chunk)))


def _attach_code(session: Session, stories: dict[str, Story], items: list[Item], window: Window, in_window: set[str]) -> None:
    paper_ids = {s.paper_id for s in stories.values() if s.paper_id}
    by_paper: dict[str, list[RepoInfo]] = defaultdict(list)
    query = select(PaperRepo.paper_id, Repo.full_name, Repo.stars, PaperRepo.official).join(Repo, Repo.id == PaperRepo.repo_id)
    for pid, name, stars, official in _paper_rows(session, query, PaperRepo.paper_id, paper_ids, window, in_window):
        if pid in paper_ids:
            by_paper[pid].append(RepoInfo(name, stars, bool(official)))
    repo_names = sorted({s.repo for s in stories.values() if s.repo})
    known: dict[str, RepoInfo] = {}
    for chunk in chunks(repo_names):
        for name, stars in session.execute(select(Repo.full_name, Repo.stars).where(Repo.full_name.in_(chunk))):
            known[name.lower()] = RepoInfo(name, stars)
    by_entry: dict[int, list[RepoInfo]] = defaultdict(list)
    for chunk in chunks([i.id for i in items]):
        for eid, name, stars in session.execute(
            select(EntryRepo.entry_id, Repo.full_name, Repo.stars)
            .join(Repo, Repo.id == EntryRepo.repo_id)
            .where(EntryRepo.entry_id.in_(chunk))
        ):
            by_entry[eid].append(RepoInfo(name, stars))
    for story in stories.values():
        found: dict[str, RepoInfo] = {}
        if story.repo:
            stored = known.get(story.repo)
            found[story.repo] = RepoInfo(_display_name(story), stored.stars if stored else None)
        for repo in by_paper.get(story.paper_id or "", []):
            found.setdefault(repo.full_name.lower(), repo)
        for item in story.members:
            for repo in by_entry.get(item.id, []):
                found.setdefault(repo.full_name.lower(), repo)
        story.repos = sorted(found.values(), key=lambda r: (not r.official, -(r.stars or 0), r.full_name))


def _display_name(story: Story) -> str:
    """``owner/name`` as the link spells it (the key is lower-case)."""
    for item in story.members:
        canon = item.canonical or canonical_url(item.link) or ""
        segs = [x for x in urlsplit(canon).path.split("/") if x]
        if len(segs) >= 2 and f"{segs[0]}/{segs[1].removesuffix('.git')}".lower() == story.repo:
            return f"{segs[0]}/{segs[1].removesuffix('.git')}"
    return story.repo or ""


def _attach_repros(session: Session, stories: dict[str, Story], window: Window, in_window: set[str]) -> None:
    paper_ids = {s.paper_id for s in stories.values() if s.paper_id} | {p for s in stories.values() for p in s.related}
    names: dict[str, list[str]] = defaultdict(list)
    query = select(PaperRepro.paper_id, PaperRepro.repro_name)
    for pid, name in sorted(_paper_rows(session, query, PaperRepro.paper_id, paper_ids, window, in_window)):
        if pid in paper_ids:
            names[pid].append(name)
    if not names:
        return
    verdicts: dict[str, str] = {}
    all_names = sorted({n for ns in names.values() for n in ns})
    for chunk in chunks(all_names):
        for name, verdict in session.execute(
            select(Run.repro_name, Run.verdict).where(Run.repro_name.in_(chunk)).order_by(Run.repro_name, Run.started_at, Run.id)
        ):
            verdicts[name] = verdict  # ordered by time: the last one wins
    for story in stories.values():
        pids = [story.paper_id] if story.paper_id else story.related
        seen: list[str] = []
        for pid in pids:
            seen.extend(n for n in names.get(pid or "", []) if n not in seen)
        story.repros = [ReproInfo(n, verdicts.get(n)) for n in seen]


def _attach_similarity(session: Session, stories: dict[str, Story], member: str | None = None) -> None:
    """The member's (None: the group's) signal from search.interests: the learned similarity to their saved
    papers (a paper is never scored against itself), rules, follows and dismissals."""
    from feedhub.search import interests

    if not stories or not interests.has_signal(session, member):
        return
    ordered = sorted(stories.values(), key=lambda s: s.key)
    found = interests.signal(session, member, interests.story_subjects(session, ordered))
    for story in ordered:
        it = found.get(story.key)
        if it is not None:
            story.interest = it
            story.similarity = max(0.0, min(1.0, float(it.score)))
