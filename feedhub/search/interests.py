"""What a member told feedhub they like: dismissals ("not interested", with undo), follows, rules, and
``signal``, the one function the digest and recommendations ask: for each item, the learned score, the
words of its why-line, and whether a rule pins or excludes it or a follow names it.

Group and member: ``member=None`` asks for the group (every member's saves train the model; a pin or a
follow of anyone shows the item; an item is hidden only when every member who said anything hid it).
A named member gets their own signal only. A dismissal beats a pin for that one item (it is the more
specific word); a pin beats an exclude rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from feedhub.errors import InvalidInput
from feedhub.links.ids import arxiv_key
from feedhub.links.repos import normalize_repo
from feedhub.links.urls import canonical_url
from feedhub.search import rules as rules_mod
from feedhub.search.members import resolve
from feedhub.search.rules import Subject, author_matches, fold
from feedhub.store.models import Dismissal, Entry, Follow, Member, Paper, PaperEntry, PaperFeatures, PaperRepo, Repo, Rule, Saved, Source
from feedhub.store.types import utcnow

__all__ = ["Subject", "Interest", "signal", "dismiss", "undismiss", "target_key", "follow", "unfollow", "list_follows", "add_rule",
           "remove_rule", "list_rules", "paper_docs", "paper_subjects"]  # fmt: skip

RECENT_BACKGROUND = 500  # the newest papers join the candidates as the model's background (cached features)
WHY_MIN_SCORE = 0.5


# --- targets: what can be dismissed ------------------------------------------------------------


def target_key(session: Session, ref: str) -> str:
    """The digest's story key for what the user typed: an arXiv id or URL -> ``arxiv:ID``, a GitHub repository
    (owner/name or any github.com URL) -> ``github:owner/name``, ``entry:N`` -> that entry's story, any other
    URL -> ``url:`` + its canonical form."""
    ref = (ref or "").strip()
    if not ref:
        raise InvalidInput("nothing to dismiss; give an arXiv id, owner/name, a URL or entry:N")
    m = re.fullmatch(r"(?:entry:|#)?(\d+)", ref) if ref.startswith(("entry:", "#")) else None
    if m:
        entry = session.get(Entry, int(m.group(1)))
        if entry is None:
            raise InvalidInput(f"no entry {m.group(1)}; `feedhub entries` lists them")
        link = entry.canonical_url or canonical_url(entry.link)
        if link:
            return _url_key(link)
        return f"entry:{entry.id}"
    key = arxiv_key(ref)
    if key:
        return f"arxiv:{key}"
    if ref.startswith("github:"):  # a story key as the digest (and the web page) gives it
        ref = ref[len("github:") :]
    elif ref.startswith("url:"):
        ref = ref[len("url:") :]
    if re.fullmatch(r"[\w.-]+/[\w.-]+", ref):
        repo = normalize_repo(ref)
        if repo:
            return f"github:{repo}"
    if ref.startswith(("http://", "https://")):
        link = canonical_url(ref)
        if link:
            return _url_key(link)
    raise InvalidInput(f"cannot tell what {ref!r} is; give an arXiv id (1706.03762), owner/name, a URL or entry:N")


def _url_key(link: str) -> str:
    key = arxiv_key(link) if "arxiv.org/" in link else None
    if key:
        return f"arxiv:{key}"
    if link.startswith("https://github.com/"):
        repo = normalize_repo(link)
        if repo:
            return f"github:{repo}"
    return f"url:{link}"


def dismiss(session: Session, ref: str, member_id: int) -> tuple[str, bool]:
    """"Not interested" in ``ref`` for this member: (its key, False when it was dismissed already). A saved paper
    stays saved; the dismissal is the newer word and wins in the digest."""
    key = target_key(session, ref)
    if session.get(Dismissal, (member_id, key)) is not None:
        return key, False
    session.add(Dismissal(member_id=member_id, target=key, created_at=utcnow()))
    return key, True


def undismiss(session: Session, ref: str, member_id: int) -> str:
    key = target_key(session, ref)
    row = session.get(Dismissal, (member_id, key))
    if row is None:
        raise InvalidInput(f"{key} is not dismissed; nothing to undo")
    session.delete(row)
    return key


# --- follows -----------------------------------------------------------------------------------

_FOLLOW = re.compile(r'^(author|repo|lab):\s*(?:"([^"]*)"|(.+))$', re.I | re.S)


def parse_follow(spec: str) -> tuple[str, str]:
    m = _FOLLOW.match((spec or "").strip())
    if not m:
        raise InvalidInput(f'cannot read {spec!r}; use author:"Name", repo:owner/name or lab:NAME')
    kind = m.group(1).lower()
    value = " ".join((m.group(2) if m.group(2) is not None else m.group(3) or "").split())
    if not value:
        raise InvalidInput(f"{kind}: needs a value, e.g. {kind}:\"...\"")
    if kind == "repo":
        repo = normalize_repo(value)
        if not repo:
            raise InvalidInput(f"{value!r} is not a GitHub repository; use repo:owner/name")
        value = repo
    return kind, value


def follow(session: Session, spec: str, member_id: int, authors: Iterable[str] = (), blogs: Iterable[str] = ()) -> tuple[Follow, bool]:
    kind, value = parse_follow(spec)
    authors = [" ".join(a.split()) for a in authors if a.strip()]
    blogs = [b.strip() for b in blogs if b.strip()]
    if (authors or blogs) and kind != "lab":
        raise InvalidInput("--author and --blog describe a lab: use them with lab:NAME")
    row = session.scalar(select(Follow).where(Follow.member_id == member_id, Follow.kind == kind, Follow.value == value))
    if row is not None:
        if authors or blogs:
            row.authors = list(dict.fromkeys(list(row.authors or []) + authors))
            row.blogs = list(dict.fromkeys(list(row.blogs or []) + blogs))
        return row, False
    row = Follow(member_id=member_id, kind=kind, value=value, authors=authors, blogs=blogs, created_at=utcnow())
    session.add(row)
    session.flush()
    return row, True


def unfollow(session: Session, spec: str, member_id: int) -> None:
    kind, value = parse_follow(spec)
    gone = session.execute(delete(Follow).where(Follow.member_id == member_id, Follow.kind == kind, Follow.value == value))
    if not gone.rowcount:
        raise InvalidInput(f"you do not follow {kind}:{value}; `feedhub follows` lists what you follow")


def list_follows(session: Session, member_id: int) -> list[Follow]:
    return list(session.scalars(select(Follow).where(Follow.member_id == member_id).order_by(Follow.kind, Follow.value)))


def follow_label(f: Follow) -> str:
    return f.value if f.kind != "repo" else f"github.com/{f.value}"


def _follows_match(f: Follow, s: Subject) -> bool:
    if f.kind == "author":
        return author_matches(f.value, s.authors)
    if f.kind == "repo":
        return f.value.lower() in (r.lower() for r in s.repos)
    # a lab: its authors, its blogs (a source whose name or URL contains it), else its name among the sources
    if any(author_matches(a, s.authors) for a in f.authors or []):
        return True
    blogs = [fold(b) for b in (f.blogs or [])] or [fold(f.value)]
    return any(b in fold(src) for b in blogs for src in s.sources)


# --- rules -------------------------------------------------------------------------------------


def add_rule(session: Session, action: str, expression: str, member_id: int) -> Rule:
    action = rules_mod.check_action(action)
    rules_mod.parse(expression)  # a syntax error is one line, before anything is stored
    row = Rule(member_id=member_id, action=action, expression=" ".join(expression.split()), created_at=utcnow())
    session.add(row)
    session.flush()
    return row


def remove_rule(session: Session, rule_id: int, member_id: int) -> Rule:
    row = session.get(Rule, rule_id)
    if row is None or row.member_id != member_id:
        raise InvalidInput(f"no rule {rule_id} for this member; `feedhub rule list` shows the ids")
    session.delete(row)
    return row


@dataclass
class RuleUse:
    id: int
    action: str
    expression: str
    touched: int  # items of the last 7 days it matched

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "action": self.action, "expression": self.expression, "touched_this_week": self.touched}


def list_rules(session: Session, member_id: int, now: datetime | None = None) -> list[RuleUse]:
    """The member's rules, each with how many papers and entries of the last 7 days it touched."""
    rows = list(session.scalars(select(Rule).where(Rule.member_id == member_id).order_by(Rule.id)))
    if not rows:
        return []
    now = now or utcnow()
    subjects = week_subjects(session, now - timedelta(days=7), now)
    out = []
    for r in rows:
        node = rules_mod.parse(r.expression)
        out.append(RuleUse(r.id, r.action, r.expression, sum(1 for s in subjects if rules_mod.matches(node, s))))
    return out


def week_subjects(session: Session, start: datetime, end: datetime) -> list[Subject]:
    """Papers published and entries posted in [start, end), as rule subjects."""
    from feedhub.links.html import plain_text

    ids = [r[0] for r in session.execute(select(Paper.arxiv_id).where(Paper.published_at >= start, Paper.published_at < end))]
    subjects = list(paper_subjects(session, ids).values())
    query = (
        select(Entry.id, Entry.title, Entry.summary, Entry.authors, Entry.link, Entry.canonical_url, Entry.tags, Source.name, Source.url)
        .join(Source, Source.id == Entry.source_id)
        .where(Entry.published_at >= start, Entry.published_at < end)
    )
    for eid, title, summary, authors, link, canon, tags, sname, surl in session.execute(query):
        canon = canon or canonical_url(link)
        key = _url_key(canon) if canon else f"entry:{eid}"
        repos = [key[7:]] if key.startswith("github:") else []
        subjects.append(Subject(key, title or "", plain_text(summary or ""), list(authors or []), list(tags or []), [sname or "", surl or ""], repos))
    return subjects


def paper_subjects(session: Session, ids: Iterable[str]) -> dict[str, Subject]:
    ids = list(dict.fromkeys(ids))
    out: dict[str, Subject] = {}
    for chunk in _chunks(ids):
        for pid, title, abstract, authors, cats in session.execute(
            select(Paper.arxiv_id, Paper.title, Paper.abstract, Paper.authors, Paper.categories).where(Paper.arxiv_id.in_(chunk))
        ):
            out[pid] = Subject(f"arxiv:{pid}", title or "", abstract or "", list(authors or []), list(cats or []), [], [], pid)
        for pid, name in session.execute(
            select(PaperRepo.paper_id, Repo.full_name).join(Repo, Repo.id == PaperRepo.repo_id).where(PaperRepo.paper_id.in_(chunk))
        ):
            if pid in out:
                out[pid].repos.append(name)
        for pid, sname, surl in session.execute(
            select(PaperEntry.paper_id, Source.name, Source.url)
            .join(Entry, Entry.id == PaperEntry.entry_id)
            .join(Source, Source.id == Entry.source_id)
            .where(PaperEntry.paper_id.in_(chunk))
        ):
            if pid in out and sname not in out[pid].sources:
                out[pid].sources.extend([sname or "", surl or ""])
    return out


def _chunks(values: list[Any], size: int = 500) -> Iterable[list[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


# --- paper features (cached) -------------------------------------------------------------------


def paper_docs(session: Session, ids: Iterable[str], persist: bool = True) -> dict[str, Any]:
    """ranking.Doc for each paper with a title or abstract; features from ``paper_features`` when its text is
    unchanged, else computed now (and stored when ``persist``: the caller's transaction commits them)."""
    import numpy as np

    from feedhub.search import embedding, ranking

    ids = list(dict.fromkeys(ids))
    docs: dict[str, Any] = {}
    texts: dict[str, str] = {}
    terms_texts: dict[str, str] = {}
    for chunk in _chunks(ids):
        for pid, title, abstract, authors, cats in session.execute(
            select(Paper.arxiv_id, Paper.title, Paper.abstract, Paper.authors, Paper.categories).where(Paper.arxiv_id.in_(chunk))
        ):
            if not (title or abstract or "").strip():
                continue
            docs[pid] = ranking.Doc(pid, title or "", abstract or "", list(authors or []), list(cats or []))
            texts[pid] = f"{title or ''}. {abstract or ''}"
            terms_texts[pid] = ranking.terms_text(title, abstract)
    hashes = {pid: embedding.text_hash(f"{ranking.TERMS}\n{t}") for pid, t in texts.items()}  # new terms: recomputed
    cached: dict[str, PaperFeatures] = {}
    for chunk in _chunks(list(docs)):
        for row in session.scalars(select(PaperFeatures).where(PaperFeatures.paper_id.in_(chunk))):
            cached[row.paper_id] = row
    todo = [pid for pid in docs if pid not in cached or cached[pid].text_hash != hashes[pid] or cached[pid].model != embedding.MODEL]
    if todo:
        try:
            enc = embedding.load().encode([texts[p] for p in todo])
            vectors = list(enc.vectors)
        except embedding.EmbeddingUnavailable:
            vectors = [None] * len(todo)
        terms = ranking.hashed_terms([terms_texts[p] for p in todo])
        for pid, vec, (tids, tcounts) in zip(todo, vectors, terms):
            d = docs[pid]
            d.vector, d.token_ids, d.token_counts = vec, tids, tcounts
            if persist and vec is not None:
                blob = tids.astype("<i4").tobytes() + tcounts.astype("<f4").tobytes()
                row = cached.get(pid) or PaperFeatures(paper_id=pid)
                row.model, row.text_hash, row.vector, row.tokens = embedding.MODEL, hashes[pid], vec.astype("<f2").tobytes(), blob
                if pid not in cached:
                    session.add(row)
    for pid, row in cached.items():
        if pid in docs and pid not in todo:
            d = docs[pid]
            d.vector = np.frombuffer(row.vector, dtype="<f2").astype(np.float32)
            n = len(row.tokens) // 8
            d.token_ids = np.frombuffer(row.tokens[: 4 * n], dtype="<i4").astype(np.int32)
            d.token_counts = np.frombuffer(row.tokens[4 * n :], dtype="<f4").astype(np.float32)
    if persist and todo:
        session.flush()
    return docs


# --- the signal --------------------------------------------------------------------------------


@dataclass
class Interest:
    score: float = 0.0  # the learned similarity to what the member saved, 0..1 (0 without a model)
    why: list[str] = field(default_factory=list)  # phrases for the why-line
    pinned: bool = False
    excluded: bool = False  # dismissed, or an exclude rule without a pin
    dismissed: bool = False
    followed: list[str] = field(default_factory=list)  # "Yann LeCun", "github.com/owner/name"
    included: int = 0  # include rules that match
    saved: bool = False  # a paper the member (or someone in the group) saved

    def why_line(self) -> str:
        return "; ".join(self.why)


@dataclass
class _Person:
    id: int
    saved: set[str]
    dismissed: set[str]
    rules: list[tuple[str, str, Any]]  # (action, expression, node)
    follows: list[Follow]


def _people(session: Session, member: str | None) -> list[_Person]:
    if member is not None:
        members = [resolve(session, member)]
    else:
        members = list(session.scalars(select(Member).order_by(Member.id)))
    out = []
    for m in members:
        saved = {r[0] for r in session.execute(select(Saved.paper_id).where(Saved.member_id == m.id))}
        dismissed = {r[0] for r in session.execute(select(Dismissal.target).where(Dismissal.member_id == m.id))}
        rules = [(r.action, r.expression, rules_mod.parse(r.expression)) for r in session.scalars(select(Rule).where(Rule.member_id == m.id).order_by(Rule.id))]
        out.append(_Person(m.id, saved, dismissed, rules, list_follows(session, m.id)))
    return out


def has_signal(session: Session, member: str | None) -> bool:
    """Whether the member (None: anyone) has saved, dismissed, ruled or followed anything: else ``signal`` is moot."""
    who = resolve(session, member).id if member is not None else None
    for model in (Saved, Dismissal, Rule, Follow):
        query = select(model.member_id).limit(1)
        if who is not None:
            query = query.where(model.member_id == who)
        if session.scalar(query) is not None:
            return True
    return False


def story_subjects(session: Session, stories: list[Any]) -> list[Subject]:
    """Subjects for the digest's stories (duck-typed: key, paper_id, members, mentions, repos): a paper story
    reads its paper's title, abstract, authors and categories; every story its entries' text and sources."""
    from feedhub.links.html import plain_text

    papers = paper_subjects(session, [s.paper_id for s in stories if s.paper_id])
    out = []
    for st in stories:
        items = list(st.members) + list(st.mentions)
        base = papers.get(st.paper_id) if st.paper_id else None
        sub = Subject(st.key, base.title if base else "", base.text if base else "", list(base.authors) if base else [],
                      list(base.categories) if base else [], list(base.sources) if base else [], list(base.repos) if base else [], st.paper_id)  # fmt: skip
        if not sub.title:
            sub.title = next((i.title for i in st.members if i.title.strip()), "")
        sub.text = " ".join([sub.text] + [plain_text(i.summary) for i in st.members][:5])
        for i in items:
            for value in (i.source_name, getattr(i, "link", None) or ""):
                if value and value not in sub.sources:
                    sub.sources.append(value)
        for r in st.repos:
            if r.full_name not in sub.repos:
                sub.repos.append(r.full_name)
        out.append(sub)
    return out


def signal(session: Session, member: str | None, subjects: list[Subject], persist: bool = True, explain: int = 60) -> dict[str, Interest]:
    """For each subject (by key): learned score, why-line phrases, pinned / excluded / followed.

    ``member``: a member's name, or None for the group. Papers are scored by the member's model (saves as
    positives, dismissals as negatives, the candidates and the newest papers as the background); a paper
    is never scored against itself. ``explain``: how many of the best-scored papers get words in their
    why-line (the rest only their rules and follows)."""
    people = _people(session, member)
    out = {s.key: Interest() for s in subjects}
    if not people:
        return out
    speaking = [p for p in people if p.saved or p.dismissed or p.rules or p.follows]
    if not speaking:
        return out
    for s in subjects:
        it = out[s.key]
        hidden_by: list[bool] = []
        for p in people:  # the group hides an item only when every member hid it
            pin = excl = False
            for action, expression, node in p.rules:
                if rules_mod.matches(node, s):
                    if action == "pin":
                        pin = True
                        if f"pinned by the rule {expression}" not in it.why:
                            it.why.append(f"pinned by the rule {expression}")
                    elif action == "exclude":
                        excl = True
                    else:
                        it.included += 1
            for f in p.follows:
                if _follows_match(f, s):
                    label = follow_label(f)
                    if label not in it.followed:
                        it.followed.append(label)
            dismissed = s.key in p.dismissed
            it.pinned = it.pinned or (pin and not dismissed)
            hidden_by.append(dismissed or (excl and not pin))
            if dismissed:
                it.dismissed = True
        if hidden_by and all(hidden_by):
            it.excluded = True
            it.pinned = False
        if it.followed:
            it.why.insert(0, "you follow " + ", ".join(it.followed))
        it.saved = bool(s.paper_id) and any(s.paper_id in p.saved for p in people)
    try:
        _learned(session, people, subjects, out, persist, explain)
    except ImportError:  # the learned ranking needs feedhub[recommend]; rules, follows and dismissals work without it
        pass
    return out


def _learned(session: Session, people: list[_Person], subjects: list[Subject], out: dict[str, Interest], persist: bool, explain: int) -> None:
    from feedhub.search import ranking

    saved = sorted(set().union(*(p.saved for p in people))) if people else []
    if not saved:
        return
    dismissed = sorted({t[6:] for p in people for t in p.dismissed if t.startswith("arxiv:")} - set(saved))
    paper_ids = [s.paper_id for s in subjects if s.paper_id]
    if not paper_ids:
        return
    recent = [r[0] for r in session.execute(select(Paper.arxiv_id).where(Paper.title != "").order_by(Paper.first_seen_at.desc(), Paper.arxiv_id).limit(RECENT_BACKGROUND))]
    docs = paper_docs(session, saved + dismissed + paper_ids + recent, persist=persist)
    pos = [docs[i] for i in saved if i in docs]
    if not pos:
        return
    neg = [docs[i] for i in dismissed if i in docs]
    background = [docs[i] for i in dict.fromkeys(paper_ids + recent) if i in docs]
    model = ranking.Model(pos, neg, background)
    scored = [s for s in subjects if s.paper_id in docs]
    scores = model.score([docs[s.paper_id] for s in scored])  # type: ignore[index]
    for s, sc in zip(scored, scores):
        out[s.key].score = round(float(sc), 4)
    best = sorted(scored, key=lambda s: -out[s.key].score)[:explain]
    for s in best:
        it = out[s.key]
        if it.score < WHY_MIN_SCORE:
            continue
        doc = docs[s.paper_id]  # type: ignore[index]
        near = [d for d, sim in model.nearest_saved(doc) if sim > 0.05]
        if not near:
            continue
        titles = "; ".join(f"“{short_title(d.title)}”" for d in near[:2])
        phrase = f"like {len(near)} paper{'s' if len(near) > 1 else ''} you saved: {titles}"
        words = ranking.shared_words(doc, near)
        if words:
            phrase += f" (shared: {', '.join(words)})"
        it.why.append(phrase)


def short_title(title: str, n: int = 60) -> str:
    title = " ".join((title or "").split())
    return title if len(title) <= n else title[: n - 1].rstrip() + "…"
