"""The paper <-> entry <-> repo graph: scan entries for arXiv ids and GitHub repositories and link them.

Provenance of a link (the ``provenance`` column):

* ``in listing``: an arXiv listing announced the paper (the entry *is* the paper's announcement);
* ``mentioned in entry``: any other entry names the paper (URL, ``arXiv:`` id, ...);
* ``in abstract``: the paper's abstract or comment links the repository;
* ``in README``: a repository's README or description names the paper (``link_repo_text``);
* ``imported``: the Papers-with-Code links dump; ``added by user``: ``feedhub paper link``.

When an entry implies paper <-> repo (the rule): an entry that names exactly one paper and exactly one
repository is about that paper and its code, so the two are linked ("mentioned in entry"). An entry
*about a repository* (a GitHub source's entry, or an entry whose own link is the repository) that
names exactly one paper links that paper to its repository even when other repositories are named too;
from a GitHub source (release notes, commits) the link is ``in release notes``: a framework's release that
mentions a paper is not the paper's code, and the digest gives such a repository no credit on the paper.
An entry naming several papers (a newsletter issue in one item, a reading list) implies nothing: a
wrong "implements" link is worse than a missing one. Repositories an arXiv listing's abstract links are
the paper's code ("in abstract").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Iterator, Mapping, NamedTuple, Sequence

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from feedhub.links.ids import find_arxiv_ids
from feedhub.links.repos import find_repos, normalize_repo
from feedhub.store.models import Entry, EntryRepo, Paper, PaperEntry, PaperRepo, Repo, Source
from feedhub.store.types import utcnow
from feedhub.store.upsert import _insert, upsert

IN_LISTING = "in listing"
MENTIONED = "mentioned in entry"
IN_ABSTRACT = "in abstract"
IN_README = "in README"
IN_RELEASE = "in release notes"  # a GitHub release/commit entry of the repo names the paper: not its code
IMPORTED = "imported"
BY_USER = "added by user"

PAPER_FIELDS = (
    "version", "title", "abstract", "authors", "categories", "primary_category", "published_at", "updated_at",
    "doi", "journal_ref", "comment", "license", "enriched_at",
)  # fmt: skip
_NULLABLE_KEEP = ("primary_category", "doi", "journal_ref", "comment", "license", "updated_at")


def ensure_papers(session: Session, arxiv_ids: Iterable[str]) -> None:
    """Create stub papers for ids not yet known; enrichment fills them in later."""
    now = utcnow()
    rows = [{"arxiv_id": i, "first_seen_at": now, "title": "", "abstract": "", "authors": [], "categories": [],
             "version": 1} for i in dict.fromkeys(arxiv_ids)]
    for i in range(0, len(rows), 2000):
        upsert(session, Paper.__table__, rows[i : i + 2000], conflict=("arxiv_id",))


def upsert_papers(
    session: Session, rows: Sequence[dict[str, Any]], *, keep_first_date: bool = False, _repo_cache: dict[str, int] | None = None
) -> None:
    """Insert or fill papers from full metadata (a listing, the API, a snapshot).

    A row replaces what is stored only when its version is at least the stored one (or the stored paper
    is a stub): an older version never overwrites a newer. Fields the row lacks (None) keep their stored
    value. ``keep_first_date``: the row's ``published_at`` is an announcement date, weaker than a stored
    first-version date (listings); otherwise it is authoritative (API, snapshot).
    """
    if not rows:
        return
    table = Paper.__table__
    now = utcnow()
    full = [{**{f: None for f in PAPER_FIELDS}, "first_seen_at": now, "enriched_at": now, **r} for r in rows]
    for r in full:
        r["version"] = r["version"] or 1
        for f in ("title", "abstract"):
            r[f] = r[f] or ""
        for f in ("authors", "categories"):
            r[f] = r[f] or []
    stmt = _insert(session, table)
    ex = stmt.excluded
    set_: dict[str, Any] = {f: ex[f] for f in PAPER_FIELDS}
    for f in _NULLABLE_KEEP:
        set_[f] = func.coalesce(ex[f], table.c[f])
    if keep_first_date:
        set_["published_at"] = func.coalesce(table.c.published_at, ex.published_at)
    else:
        set_["published_at"] = func.coalesce(ex.published_at, table.c.published_at)
    stmt = stmt.on_conflict_do_update(
        index_elements=["arxiv_id"], set_=set_, where=(ex.version >= table.c.version) | (table.c.title == "")
    )
    for i in range(0, len(full), 1000):
        session.execute(stmt, full[i : i + 1000])
    pairs = [(r["arxiv_id"], repo) for r in full for repo in repos_in_paper_text(r.get("abstract"), r.get("comment"))]
    if pairs:
        # Every paper of ``full`` exists now: only the repositories need creating.
        link_paper_repos(session, pairs, IN_ABSTRACT, _known_papers={r["arxiv_id"] for r in full}, _repo_ids=_repo_cache)


def _mentions_github(text: str) -> bool:
    # Plain substring tests: a case-insensitive regex search is ~50x slower, and this runs per paper.
    return "ithub" in text or "ITHUB" in text


def repos_in_paper_text(abstract: str | None, comment: str | None) -> list[str]:
    """Repositories a paper's abstract or comment links (authors' own code, usually)."""
    found = find_repos(abstract) if abstract and _mentions_github(abstract) else []
    if comment and _mentions_github(comment):
        found += [r for r in find_repos(comment) if r not in found]
    return found


def ensure_repos(session: Session, full_names: Iterable[str]) -> dict[str, int]:
    """``owner/name`` -> repos.id, creating bare rows for new repositories (metadata comes later)."""
    names = list(dict.fromkeys(n.lower() for n in full_names))
    ids: dict[str, int] = {}
    for i in range(0, len(names), 500):
        chunk = names[i : i + 500]
        upsert(session, Repo.__table__, [{"full_name": n, "topics": []} for n in chunk], conflict=("full_name",))
        ids.update(session.execute(select(Repo.full_name, Repo.id).where(Repo.full_name.in_(chunk))).all())
    return ids


def link_paper_repos(
    session: Session, pairs: Iterable[tuple[str, str]], provenance: str, *, official: bool = False,
    update_provenance: bool = False, _known_papers: set[str] | frozenset[str] = frozenset(),
    _repo_ids: dict[str, int] | None = None,
) -> int:
    """Link (arxiv_id, owner/name) pairs; papers and repos are created as needed. An existing link keeps
    its provenance unless ``update_provenance`` (a user's explicit link); ``official`` is only ever raised.
    Returns the number of pairs given (after de-duplication)."""
    pairs = list(dict.fromkeys((p, r.lower()) for p, r in pairs))
    if not pairs:
        return 0
    # _known_papers / _repo_ids (internal): papers and repositories already created in this transaction,
    # so a batch does not upsert them a second time. _repo_ids is filled with the ones created here.
    new_papers = [p for p, _ in pairs if p not in _known_papers] if _known_papers else [p for p, _ in pairs]
    if new_papers:
        ensure_papers(session, new_papers)
    repo_ids = _repo_ids if _repo_ids is not None else {}
    missing = [r for _, r in pairs if r not in repo_ids]
    if missing:
        repo_ids.update(ensure_repos(session, missing))
    rows = [{"paper_id": p, "repo_id": repo_ids[r], "provenance": provenance, "official": official} for p, r in pairs]
    table = PaperRepo.__table__
    stmt = _insert(session, table)
    set_: dict[str, Any] = {"official": table.c.official | stmt.excluded.official}
    if update_provenance:
        set_["provenance"] = stmt.excluded.provenance
    else:  # any other evidence outranks a release note's mention
        set_["provenance"] = case((table.c.provenance == IN_RELEASE, stmt.excluded.provenance), else_=table.c.provenance)
    stmt = stmt.on_conflict_do_update(index_elements=["paper_id", "repo_id"], set_=set_)
    for i in range(0, len(rows), 1000):
        session.execute(stmt, rows[i : i + 1000])
    return len(pairs)


def _listing_paper(extra: dict[str, Any], title: str, authors: list[str], published: datetime | None) -> dict[str, Any]:
    update = bool(extra.get("is_update"))
    categories = list(extra.get("categories") or [])
    return {
        "arxiv_id": extra["arxiv_id"],
        "version": int(extra.get("version") or 1),
        "title": title,
        "abstract": extra.get("abstract") or "",
        "authors": authors,
        "categories": categories,
        "primary_category": categories[0] if categories else None,
        # A new announcement dates the first version; a replacement dates the latest one.
        "published_at": None if update else published,
        "updated_at": published,
        "doi": extra.get("doi"),
        "journal_ref": extra.get("journal_ref"),
        "license": extra.get("license"),
    }


class EntryText(NamedTuple):
    """What the linker reads of an entry (and of its source)."""

    link: str | None
    title: str
    summary: str
    extra: dict[str, Any] | None
    authors: list[str] | None
    published: datetime | None
    kind: str


def link_entries(session: Session, entry_ids: list[int], known: Mapping[int, EntryText] | None = None) -> None:
    """Scan entries (link, title, summary) for arXiv ids and repositories; link papers and repos.

    Listing entries fill their paper's metadata (a replacement updates the paper, it is not a new
    paper); other ids become stub papers that ``feedhub.papers.enrich`` looks up later. ``known``: entries
    the caller holds already (as stored), which are not read back.
    """
    if not entry_ids:
        return
    paper_links: dict[tuple[str, int], str] = {}
    listing_rows: dict[str, dict[str, Any]] = {}
    entry_repos: set[tuple[int, str]] = set()
    implied: list[tuple[str, str]] = []
    released: list[tuple[str, str]] = []
    abstract_pairs: list[tuple[str, str]] = []
    for eid, (link, title, summary, extra, authors, published, kind) in _entry_texts(session, entry_ids, known or {}):
            extra = extra or {}
            listed = extra.get("arxiv_id") if (extra.get("listing") or kind == "arxiv") else None
            text = " ".join(filter(None, (link, title, summary)))
            ids = find_arxiv_ids(text, context=bool(listed))
            if listed:
                row = _listing_paper(extra, title, list(authors or []), published)
                prev = listing_rows.get(listed)
                if prev is None or row["version"] >= prev["version"]:
                    listing_rows[listed] = row
                paper_links[(listed, eid)] = IN_LISTING
            for pid in ids:
                paper_links.setdefault((pid, eid), MENTIONED)
            repos = find_repos(text)
            own = normalize_repo(link) if link and "github" in link.lower() else None
            for r in repos:
                entry_repos.add((eid, r))
            if listed:
                abstract_pairs.extend((listed, r) for r in repos)
                continue
            if own and len(ids) == 1:
                (released if kind == "github" else implied).append((ids[0], own))
            elif len(ids) == 1 and len(repos) == 1:
                implied.append((ids[0], repos[0]))
    # Papers and repositories created earlier in this batch are not upserted again (same rows, less work).
    repo_ids: dict[str, int] = {}
    if listing_rows:
        upsert_papers(session, list(listing_rows.values()), keep_first_date=True, _repo_cache=repo_ids)
    if paper_links:
        ensure_papers(session, [p for p, _ in paper_links if p not in listing_rows])
        rows = [{"paper_id": p, "entry_id": e, "provenance": prov} for (p, e), prov in paper_links.items()]
        for i in range(0, len(rows), 1000):
            upsert(session, PaperEntry.__table__, rows[i : i + 1000], conflict=("paper_id", "entry_id"), update=("provenance",))
    if entry_repos:
        missing = [r for _, r in entry_repos if r not in repo_ids]
        if missing:
            repo_ids.update(ensure_repos(session, missing))
        rows = [{"entry_id": e, "repo_id": repo_ids[r]} for e, r in sorted(entry_repos)]
        upsert(session, EntryRepo.__table__, rows, conflict=("entry_id", "repo_id"))
    known = {p for p, _ in paper_links}
    if abstract_pairs:
        link_paper_repos(session, abstract_pairs, IN_ABSTRACT, _known_papers=known, _repo_ids=repo_ids)
    if implied:
        link_paper_repos(session, implied, MENTIONED, _known_papers=known, _repo_ids=repo_ids)
    if released:
        link_paper_repos(session, released, IN_RELEASE, _known_papers=known, _repo_ids=repo_ids)


def _entry_texts(session: Session, entry_ids: list[int], known: Mapping[int, EntryText]) -> Iterator[tuple[int, EntryText]]:
    """The entries' texts: those in ``known`` as given, the others read from the store."""
    to_read = []
    for eid in entry_ids:
        if eid in known:
            yield eid, known[eid]
        else:
            to_read.append(eid)
    for i in range(0, len(to_read), 500):
        query = (
            select(Entry.id, Entry.link, Entry.title, Entry.summary, Entry.extra, Entry.authors, Entry.published_at, Source.kind)
            .join(Source, Source.id == Entry.source_id)
            .where(Entry.id.in_(to_read[i : i + 500]))
        )
        for eid, *text in session.execute(query):
            yield eid, EntryText(*text)


def link_repo_text(session: Session, full_name: str, text: str, provenance: str = IN_README, *, max_papers: int = 1) -> list[str]:
    """Hook for GitHub sources: a repository's README or description names papers -> paper <-> repo.

    A README that names at most ``max_papers`` papers is about them; one that names more (a list of
    baselines, an awesome-list) links only a paper named in its first 1,500 characters (title and
    badges), and only the first such. Returns the linked ids.
    """
    repo = normalize_repo(full_name)
    if repo is None or not text:
        return []
    ids = find_arxiv_ids(text)
    if len(ids) > max_papers:
        head = find_arxiv_ids(text[:1500])
        ids = head[:1]
    if ids:
        link_paper_repos(session, [(i, repo) for i in ids], provenance)
    return ids
