"""Stories, not entries: the window's entries and papers clustered by paper id, repository and canonical
URL, with the mention graph that says who pointed at each.

Every entry has a role:
- listing: an arXiv listing's announcement of a paper (a candidate, never a vote);
- share: a post whose substance is its link (a social post, a repost, an untitled item): it joins what it
  links as a *mention* instead of standing alone;
- item: one item of a newsletter issue (``feedhub.sources.newsletter`` splits the issue at read time):
  a mention of what it links, with its heading as a section hint and its blurb as a candidate summary;
- entry: a post with substance of its own: it is a story (a *member* of the story its own link names) and
  also a mention of every paper, repository and page it links.
A story's own link decides its key: an arXiv page -> the paper, a GitHub repository -> the repository,
else the canonical URL (https, no www., no trailing slash, fragment or tracking parameters), else the
entry alone. Papers published in the window, and recent papers mentioned in it, are stories even with no
entry of their own. Undated items of a source's first fetch (``Entry.backlog``) are not this week's.
"""

from __future__ import annotations

import gc
import html as html_mod
import re
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Iterator, Mapping, Sequence, TypeVar
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedhub.config import person_handle, profile_handle, site_url
from feedhub.digest.window import Window
from feedhub.links.redirects import unwrap_redirect
from feedhub.links.repos import normalize_repo
from feedhub.links.urls import canonical_url
from feedhub.sources.newsletter import split_issue
from feedhub.store.models import Entry, EntryRepo, Paper, PaperEntry, PaperRepo, PaperRepro, Repo, Run, Source

CHUNK = 500
# A paper mentioned this week but first published long before is old news, not a highlighted paper.
MENTIONED_PAPER_MAX_AGE = timedelta(days=31)
SOCIAL_KINDS = frozenset({"bluesky", "mastodon", "x", "bridge"})
FEED_KINDS = frozenset({"rss", "jsonfeed"})
# An entry whose HTML is this long with this many links may be a newsletter issue: try to split it.
ISSUE_MIN_CHARS = 1200
ISSUE_MIN_LINKS = 4
# A substantive post counts as a mention of at most this many pages it links (a long link list is not
# a vote for each).
MAX_URL_MENTIONS = 6
_ARXIV_ABS = "https://arxiv.org/abs/"
# A new-style arXiv abs URL as canonical_url writes it: canonical_url returns it unchanged (checked for
# every YYMM and number length in tests/digest/test_stories.py), so url_key needs no parsing for it.
_CANONICAL_ABS = re.compile(r"https://arxiv\.org/abs/(\d{4}\.\d{4,5})")
_NEW_ID = re.compile(r"^(\d{2})(\d{2})\.\d{4,5}$")
_ANCHOR = re.compile(r"<a\s[^>]*?href=\"([^\"]*)\"[^>]*>(.*?)</a>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")
_PROFILE_HOSTS = frozenset({"bsky.app", "twitter.com", "x.com", "mastodon.social", "threads.net", "instagram.com",
                            "facebook.com", "linkedin.com"})  # fmt: skip
_SKIP_URL = re.compile(r"^mailto:|/intent/|/sharer|/share\?|/hashtag/|/tags?/", re.I)

T = TypeVar("T")


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector paused while a digest is made (collect and build, nested or not): a week's
    tens of thousands of stories and items hold no reference cycles (reference counting frees them), yet each
    burst of allocations set off collections that walked them all, a quarter of the build's time
    (benchmarks/bench_digest.py). Garbage of other threads made meanwhile is collected once it is back on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _rows(session: Session, statement: Any) -> Any:
    """Rows of a plain column select, through the session's connection: the same rows and types as
    ``session.execute`` without the ORM's per-row machinery (the digest reads thousands of rows and no
    objects; nothing is pending in its session when it reads)."""
    return session.connection().execute(statement).all()


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


@dataclass
class Item:
    """One entry of the window (or one item of a newsletter issue), with its source."""

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
    authors: list[str] = field(default_factory=list)
    papers: list[str] = field(default_factory=list)  # arXiv ids this entry links or mentions
    listed: list[str] = field(default_factory=list)  # arXiv ids this entry announces (a listing)
    repos: list[str] = field(default_factory=list)  # owner/name (lower-case) this entry links
    role: str = "entry"  # entry | share | item | listing
    blurb: str = ""  # an editor's blurb (a newsletter item's)
    heading: str = ""  # the newsletter section it sat under
    issue_note: str = ""  # set when an issue-like entry had no item structure (shown whole)
    sub: int = 0  # the item's number inside its issue (0: the entry itself)
    anchors: dict[str, str] = field(default_factory=dict)  # canonical URL -> the link's text
    alias: str = ""  # the person of config.toml's [people] whose handle this entry matches ("": none)

    @property
    def key(self) -> tuple[int, int]:
        return (self.id, self.sub)

    def person(self) -> str:
        """Who made this mention: the [people] person it matches, else the author where the entry names one,
        else its source (by id). A newsletter's item is the newsletter's, never its linked author's."""
        if self.role != "item" and self.alias:
            return "person:=" + self.alias
        if self.role != "item" and self.authors:
            name = self.authors[0].strip().lower()
            m = re.search(r"\(@([^)]+)\)", name)
            return "person:" + (m.group(1) if m else name.lstrip("@"))
        return f"source:{self.source_id}"


    def label(self) -> str:
        """Who, in words: the person's [people] name, the author, else the source's name."""
        if self.role != "item" and self.alias:
            return self.alias
        return (self.authors[0] if self.authors and self.role != "item" else self.source_name) or "?"


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
    members: list[Item] = field(default_factory=list)  # entries that are this story, and shares/items of it
    mentions: list[Item] = field(default_factory=list)  # posts elsewhere that also point at it
    paper: PaperInfo | None = None
    repos: list[RepoInfo] = field(default_factory=list)  # its own code (never a repo that merely mentions it)
    repros: list[ReproInfo] = field(default_factory=list)
    related: list[str] = field(default_factory=list)  # papers a non-paper story mentions
    similarity: float = 0.0  # to the member's (or the group's) saved papers (never to itself)
    saved: bool = False  # the member (or someone in the group) saved this paper
    interest: Any = None  # search.interests.Interest: why-line, pinned, excluded, followed (None: no signal)
    # set by sections.py and score.py
    section: str = "posts"
    section_reason: str = ""
    score: float = 0.0
    factors: list[tuple[str, float, str]] = field(default_factory=list)
    shown_before: str | None = None  # the earlier digest that featured it

    paper_id: str | None = None  # set from the key
    repo: str | None = None
    _latest: datetime | None = None
    _latest_known: bool = False
    _voters: dict[str, tuple[float, Item]] | None = None
    _voters_of: tuple[int, int] = (-1, -1)  # (members, mentions) counted when _voters was made

    def __post_init__(self) -> None:
        rest = self.key.split(":", 1)[1]
        self.paper_id = rest if self.kind == "paper" else None
        self.repo = rest if self.kind == "repo" else None

    def all_items(self) -> list[Item]:
        return self.members + self.mentions

    def votes(self) -> list[Item]:
        """The items that count as someone pointing at the story: everything but listings."""
        return [i for i in self.all_items() if i.role != "listing"]

    def voters(self) -> dict[str, tuple[float, Item]]:
        """Distinct people (or, where no person is known, sources by id) -> (weight, their first item).
        Made once per story (section, score, evidence and why-line all ask) and again if an item was added."""
        size = (len(self.members), len(self.mentions))
        if self._voters is not None and self._voters_of == size:
            return self._voters
        found: dict[str, tuple[float, Item]] = {}
        for item in sorted(self.votes(), key=lambda i: (i.published_at or datetime.min.replace(tzinfo=timezone.utc), i.id, i.sub)):
            who = item.person()
            w = max(item.weight, 0.0)
            if who not in found or w > found[who][0]:
                found[who] = (w, found[who][1] if who in found else item)
        self._voters, self._voters_of = found, size
        return found

    def source_weights(self) -> dict[str, float]:
        """Distinct sources (by id) that carry or mention this story -> their weight, named for display."""
        by_id: dict[int, tuple[str, float]] = {}
        for item in sorted(self.all_items(), key=lambda i: (i.source_id, i.id, i.sub)):
            by_id.setdefault(item.source_id, (item.source_name or f"source {item.source_id}", item.weight))
        found: dict[str, float] = {}
        for sid, (name, weight) in by_id.items():
            label = name if name not in found else f"{name} (#{sid})"
            found[label] = weight
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


# url_key's answers during one collect (cleared at its start): an entry's own link is asked for by the
# clustering, its outbound links, the sections and the why-line; canonical_url is the digest's costliest step.
_URL_KEYS: dict[str, tuple[str, str] | None] = {}
_URL_KEYS_MAX = 200_000


def url_key(url: str | None) -> tuple[str, str] | None:
    """(kind, key) of the story a URL names, or None for no usable URL."""
    if not url:
        return None
    try:
        return _URL_KEYS[url]
    except KeyError:
        pass
    found = _url_key(url)
    if len(_URL_KEYS) >= _URL_KEYS_MAX:
        _URL_KEYS.clear()
    _URL_KEYS[url] = found
    return found


def _url_key(url: str) -> tuple[str, str] | None:
    m = _CANONICAL_ABS.fullmatch(url)
    if m:  # already canonical (entries store their canonical URL): what canonical_url would give back
        return "paper", "arxiv:" + m.group(1)
    canon = canonical_url(url)
    if not canon:
        return None
    if canon.startswith(_ARXIV_ABS):
        return "paper", "arxiv:" + canon[len(_ARXIV_ABS) :]
    repo = github_repo(canon)
    if repo:
        return "repo", "github:" + repo
    return "url", "url:" + canon


def own_key(item: Item) -> tuple[str, str]:
    """(kind, key) of the story an entry belongs to by its own link."""
    found = url_key(item.canonical or item.link)
    return found if found else ("entry", f"entry:{item.id}")


def _is_profile(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    segs = [s for s in parts.path.split("/") if s]
    if host in _PROFILE_HOSTS:
        return "post" not in segs and "status" not in segs and "posts" not in segs
    return len(segs) == 1 and segs[0].startswith("@")  # a Mastodon profile


def outbound(item: Item, own: str | None = None) -> list[tuple[str, str, str]]:
    """(kind, key, link text) of every story the entry's text links, in order, without its own (``own``:
    its own key, where the caller has it)."""
    if own is None:
        own = own_key(item)[1]
    found: dict[str, tuple[str, str, str]] = {}
    if "href" in item.summary:
        for href, text in _ANCHOR.findall(item.summary):
            url = unwrap_redirect(html_mod.unescape(href).strip())
            if _SKIP_URL.search(url) or _is_profile(url):
                continue
            k = url_key(url)
            if k and k[1] != own and k[1] not in found:
                found[k[1]] = (k[0], k[1], " ".join(html_mod.unescape(_TAG.sub("", text)).split()))
    for pid in item.papers:
        key = f"arxiv:{pid}"
        if key != own and key not in found:
            found[key] = ("paper", key, "")
    for repo in item.repos:
        key = f"github:{repo}"
        if key != own and key not in found:
            found[key] = ("repo", key, "")
    return list(found.values())


_NETWORK = {"x": "x", "bridge": "x", "bluesky": "bsky", "mastodon": "mastodon"}
_AT_HANDLE = re.compile(r"\(@([^()\s]+)\)\s*$")


def identities(item: Item, feed_url: str | None) -> Iterator[str]:
    """Every spelling of who wrote ``item`` that a [people] handle can name (config.person_handle's forms):
    its author's handle on its network, the profile its post URL names, its author's name, and its
    source's feed URL with each shorter path above it."""
    author = item.authors[0].strip() if item.authors else ""
    m = _AT_HANDLE.search(author)
    handle = m.group(1) if m else (author[1:] if author.startswith("@") and " " not in author else "")
    name = author[: m.start()].strip() if m else ("" if handle else author)
    network = _NETWORK.get(item.source_kind)
    if handle and network:
        try:
            yield person_handle(f"{network}:{handle}")
        except ValueError:
            pass
    if item.link:
        found = profile_handle(item.link)
        if found:
            yield found
    if name:
        yield "name:" + " ".join(name.split()).lower()
    site = site_url(feed_url) if feed_url else None
    while site and site.count("/") >= 2:
        yield site
        site = site.rsplit("/", 1)[0] if site.count("/") > 2 else None


def attach_people(session: Session, items: list[Item], people: Mapping[str, Any]) -> None:
    """Set ``Item.alias`` where config.toml's [people] (validated) claims one of the item's identities."""
    owner = {handle: name for name, person in people.items() for handle in person.get("handles", ())}
    if not owner or not items:
        return
    feeds: dict[int, str] = {}
    for sid, url in _rows(session, select(Source.id, Source.url).where(Source.id.in_(sorted({i.source_id for i in items})))):
        feeds[sid] = url
    for item in items:
        for who in identities(item, feeds.get(item.source_id)):
            if who in owner:
                item.alias = owner[who]
                break


def load_items(session: Session, window: Window) -> list[Item]:
    """The window's entries (index-backed on ``published_at``; backlog excluded) with sources, papers, repos."""
    in_window = (Entry.published_at >= window.start, Entry.published_at < window.end, Entry.backlog.is_not(True))
    query = (
        select(
            Entry.id, Entry.source_id, Source.name, Source.kind, Source.section, Source.weight, Entry.title,
            Entry.link, Entry.canonical_url, Entry.summary, Entry.tags, Entry.published_at, Entry.authors,
        )
        .join(Source, Source.id == Entry.source_id)
        .where(*in_window)
        .order_by(Entry.published_at, Entry.id)
    )
    items = [
        Item(
            id=r[0], source_id=r[1], source_name=r[2] or "", source_kind=r[3] or "rss", source_section=r[4],
            weight=float(r[5] if r[5] is not None else 1.0), title=r[6] or "", link=r[7], canonical=r[8],
            summary=r[9] or "", tags=list(r[10] or []), published_at=r[11], authors=list(r[12] or []),
        )
        for r in _rows(session, query)
    ]
    by_id = {i.id: i for i in items}
    # The window's paper links in one join on the entries' date index (not thousands of ids bound in chunks);
    # per entry in paper id order, as before.
    paper_links = (
        select(PaperEntry.entry_id, PaperEntry.paper_id, PaperEntry.provenance)
        .join(Entry, Entry.id == PaperEntry.entry_id)
        .where(*in_window)
        .order_by(PaperEntry.entry_id, PaperEntry.paper_id)
    )
    for eid, pid, provenance in _rows(session, paper_links) if by_id else ():
        item = by_id.get(eid)
        if item is not None:
            item.papers.append(pid)
            if provenance == "in listing":
                item.listed.append(pid)
    for chunk in chunks(list(by_id)):
        for eid, name in _rows(session,
            select(EntryRepo.entry_id, Repo.full_name).join(Repo, Repo.id == EntryRepo.repo_id).where(EntryRepo.entry_id.in_(chunk))
        ):
            if name.lower() not in by_id[eid].repos:
                by_id[eid].repos.append(name.lower())
    return items


def _plain_len(summary: str) -> int:
    return len(" ".join(html_mod.unescape(_TAG.sub(" ", summary)).split()))


def expand(item: Item) -> list[Item]:
    """The entry with its role set; a newsletter issue becomes its items (each a mention of what it links)."""
    if item.listed or item.source_kind == "arxiv":
        item.role = "listing"
        return [item]
    if item.source_kind in SOCIAL_KINDS or not item.title.strip() or not item.link:
        item.role = "share"
        return [item]
    if item.source_kind in FEED_KINDS and len(item.summary) >= ISSUE_MIN_CHARS and item.summary.count("href=") + item.summary.count("](") >= ISSUE_MIN_LINKS:
        issue = split_issue(item.summary, title=item.title)
        if issue.structured:
            out = []
            for n, it in enumerate(issue.items, 1):
                k = url_key(it.url)
                sub = Item(
                    id=item.id, source_id=item.source_id, source_name=item.source_name, source_kind=item.source_kind,
                    source_section=None, weight=item.weight, title=it.title, link=it.url, canonical=canonical_url(it.url),
                    summary="", tags=[it.heading] if it.heading else [], published_at=item.published_at,
                    role="item", blurb=it.blurb, heading=it.heading, sub=n,
                )
                if k is not None:
                    sub.anchors[k[1]] = it.title
                out.append(sub)
            return out
        item.issue_note = "newsletter issue without item structure: shown whole" if _looks_like_issue(item) else ""
    return [item]


_ISSUE_WORDS = re.compile(r"newsletter|weekly|digest|roundup|issue|#\s?\d+|week in|this week", re.I)


def _looks_like_issue(item: Item) -> bool:
    return bool(_ISSUE_WORDS.search(item.title) or _ISSUE_WORDS.search(item.source_name))


def cluster(items: list[Item]) -> tuple[dict[str, Story], dict[str, list[Item]]]:
    """Group items into stories; returns (stories by key, mentioning items by paper id for papers not yet stories)."""
    stories: dict[str, Story] = {}
    mentioned: dict[str, list[Item]] = defaultdict(list)

    def story(kind: str, key: str) -> Story:
        found = stories.get(key)
        if found is None:
            found = stories[key] = Story(key=key, kind=kind)
        return found

    pending: list[tuple[Item, list[tuple[str, str, str]]]] = []
    for entry in items:
        for item in expand(entry):
            kind, key = own_key(item)
            targets = [] if item.role == "listing" else outbound(item, key)
            if item.role == "item":
                item.anchors[key] = item.title
            for t in targets:
                if t[2]:
                    item.anchors.setdefault(t[1], t[2])
            if item.role == "share" and targets:
                # its substance is its link: it joins what it links first (and mentions the rest)
                kind, key = targets[0][0], targets[0][1]
                targets = targets[1:]
            story(kind, key).members.append(item)
            if item.role == "listing":
                continue
            urls = 0
            for tkind, tkey, _ in targets:
                if tkind == "url":
                    urls += 1
                    if urls > MAX_URL_MENTIONS:
                        continue
                pending.append((item, [(tkind, tkey, "")]))
    for item, targets in pending:
        for tkind, tkey, _ in targets:
            if tkind == "paper" and tkey not in stories:
                mentioned[tkey.split(":", 1)[1]].append(item)
                continue
            target = story(tkind, tkey)
            if item not in target.mentions and item not in target.members:
                target.mentions.append(item)
    return stories, mentioned


def collect(session: Session, window: Window, member: str | None = None, people: Mapping[str, Any] | None = None) -> list[Story]:
    """Every candidate story of the window, with its paper, code, reproductions and saved-similarity.
    ``people``: config.toml's [people], validated: one person's handles on every network count once."""
    with without_cycle_collection():
        return _collect(session, window, member, people)


def _collect(session: Session, window: Window, member: str | None, people: Mapping[str, Any] | None) -> list[Story]:
    _URL_KEYS.clear()  # each digest canonicalizes its URLs afresh (no answer outlives the collect that asked)
    items = load_items(session, window)
    if people:
        attach_people(session, items, people)
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
                # old paper: it shows under the mentioning story, not as this week's paper
                continue
            stories[key] = Story(key=key, kind="paper")
        stories[key].mentions.extend(i for i in mentioning if i not in stories[key].members and i not in stories[key].mentions)
    for pid in window_papers:
        key = f"arxiv:{pid}"
        if key not in stories:  # (a Story is built only where none is: thousands of papers a week)
            stories[key] = Story(key=key, kind="paper")

    for story in stories.values():
        if story.paper_id:
            story.paper = papers.get(story.paper_id) or PaperInfo(story.paper_id, "", [], None)
        else:
            related: list[str] = []
            for item in story.members:
                related.extend(p for p in item.papers if p not in related)
            story.related = related

    in_window = set(window_papers)
    _attach_code(session, stories, window, in_window)
    _attach_repros(session, stories, window, in_window)
    _attach_similarity(session, stories, member)
    return sorted(stories.values(), key=lambda s: s.key)


def _load_papers(session: Session, ids: Iterable[str]) -> dict[str, PaperInfo]:
    out: dict[str, PaperInfo] = {}
    for chunk in chunks(sorted(set(ids))):
        for pid, title, authors, published in _rows(session,
            select(Paper.arxiv_id, Paper.title, Paper.authors, Paper.published_at).where(Paper.arxiv_id.in_(chunk))
        ):
            out[pid] = PaperInfo(pid, title or "", list(authors or []), published)
    return out


def _in_window(window: Window):  # type: ignore[no-untyped-def]
    return (Paper.published_at >= window.start) & (Paper.published_at < window.end)


def _window_papers(session: Session, window: Window) -> dict[str, PaperInfo]:
    """The week's papers (index-backed): ids and dates only; titles and authors are read for the shown few."""
    rows = _rows(session, select(Paper.arxiv_id, Paper.published_at).where(_in_window(window)))
    return {pid: PaperInfo(pid, "", [], published) for pid, published in rows}


def _paper_rows(session: Session, query, column, paper_ids: set[str], window: Window, in_window: set[str]):  # type: ignore[no-untyped-def]
    """Rows of ``query`` for ``paper_ids``: the week's papers through one join on the date index, the
    few others (papers of older weeks that entries link) by id."""
    if in_window:
        yield from _rows(session, query.join(Paper, Paper.arxiv_id == column).where(_in_window(window)))
    for chunk in chunks(sorted(paper_ids - in_window)):
        yield from _rows(session, query.where(column.in_(chunk)))


# Where a paper's own code comes from; a repository whose release notes merely mention the paper
# ("in release notes") gets no credit on the paper.
OWN_CODE = frozenset({"in abstract", "in README", "imported", "added by user", "mentioned in entry", "official"})


def _attach_code(session: Session, stories: dict[str, Story], window: Window, in_window: set[str]) -> None:
    """A paper's own repositories (``OWN_CODE``; official first); a repository story is its own code."""
    paper_ids = {s.paper_id for s in stories.values() if s.paper_id}
    by_paper: dict[str, list[RepoInfo]] = defaultdict(list)
    query = select(PaperRepo.paper_id, Repo.full_name, Repo.stars, PaperRepo.official, PaperRepo.provenance).join(
        Repo, Repo.id == PaperRepo.repo_id
    )
    for pid, name, stars, official, provenance in _paper_rows(session, query, PaperRepo.paper_id, paper_ids, window, in_window):
        if pid in paper_ids and (official or provenance in OWN_CODE):
            by_paper[pid].append(RepoInfo(name, stars, bool(official)))
    repo_names = sorted({s.repo for s in stories.values() if s.repo})
    known: dict[str, RepoInfo] = {}
    for chunk in chunks(repo_names):
        for name, stars in _rows(session, select(Repo.full_name, Repo.stars).where(Repo.full_name.in_(chunk))):
            known[name.lower()] = RepoInfo(name, stars)
    for story in stories.values():
        found: dict[str, RepoInfo] = {}
        if story.repo:
            stored = known.get(story.repo)
            found[story.repo] = RepoInfo(_display_name(story), stored.stars if stored else None)
        for repo in by_paper.get(story.paper_id or "", []):
            found.setdefault(repo.full_name.lower(), repo)
        story.repos = sorted(found.values(), key=lambda r: (not r.official, -(r.stars or 0), r.full_name)) if found else []


def _display_name(story: Story) -> str:
    """``owner/name`` as the link spells it (the key is lower-case)."""
    for item in story.all_items():
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
        for name, verdict in _rows(session,
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
    papers, rules, follows and dismissals. A saved paper is marked saved and gets no similarity points
    (it is never scored against itself)."""
    from feedhub.search import interests

    if not stories or not interests.has_signal(session, member):
        return
    ordered = sorted(stories.values(), key=lambda s: s.key)
    found = interests.signal(session, member, interests.story_subjects(session, ordered))
    for story in ordered:
        it = found.get(story.key)
        if it is not None:
            story.interest = it
            story.saved = it.saved
            if not story.saved:
                story.similarity = max(0.0, min(1.0, float(it.score)))
