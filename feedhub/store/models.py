"""The feedhub schema: SQLAlchemy 2 typed models. Every change here needs an alembic revision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from feedhub.store.types import UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON(), list[Any]: JSON()}


class Source(Base):
    """A feed or endpoint to pull."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="rss")
    url: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text, default="")
    section: Mapped[str | None] = mapped_column(String(16))  # the section it usually feeds
    weight: Mapped[float] = mapped_column(Float, default=1.0)  # digest ranking, user-settable
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # conditional GET
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    # scheduling and errors
    next_check_at: Mapped[datetime | None]
    last_fetched_at: Mapped[datetime | None]
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_warning: Mapped[str | None] = mapped_column(Text)  # e.g. malformed XML that was recovered
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)  # kind-specific settings
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entries: Mapped[list[Entry]] = relationship(back_populates="source", cascade="all, delete-orphan", passive_deletes=True)


class Entry(Base):
    """One item as a source gave it."""

    __tablename__ = "entries"
    __table_args__ = (
        UniqueConstraint("source_id", "key", name="uq_entries_source_key"),
        Index("ix_entries_published_at", "published_at"),
        Index("ix_entries_canonical_url", "canonical_url"),
        Index("ix_entries_updated_at", "updated_at"),  # search index watermark (0002)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(Text)  # GUID, else normalized URL, else hash of title+content
    title: Mapped[str] = mapped_column(Text, default="")  # plain text
    link: Mapped[str | None] = mapped_column(Text)
    canonical_url: Mapped[str | None] = mapped_column(Text)  # for clustering stories
    summary: Mapped[str] = mapped_column(Text, default="")  # sanitized HTML
    authors: Mapped[list[str]] = mapped_column(default=list)
    tags: Mapped[list[str]] = mapped_column(default=list)
    published_at: Mapped[datetime]
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)  # kind-specific fields (announce type, ...)
    # undated and seen on its source's first fetch: old posts, not this week's (0003_digest)
    backlog: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    source: Mapped[Source] = relationship(back_populates="entries")


class Paper(Base):
    """One arXiv paper; the id without version is the key."""

    __tablename__ = "papers"
    __table_args__ = (
        Index("ix_papers_published_at", "published_at"),
        Index("ix_papers_first_seen_at", "first_seen_at"),  # search index watermark (0002)
        Index("ix_papers_enriched_at", "enriched_at"),
    )

    arxiv_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(Text, default="")
    abstract: Mapped[str] = mapped_column(Text, default="")
    authors: Mapped[list[str]] = mapped_column(default=list)
    categories: Mapped[list[str]] = mapped_column(default=list)
    primary_category: Mapped[str | None] = mapped_column(String(32))
    published_at: Mapped[datetime | None]  # first version
    updated_at: Mapped[datetime | None]  # latest version
    doi: Mapped[str | None] = mapped_column(Text)
    journal_ref: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    license: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    enriched_at: Mapped[datetime | None]  # when the arXiv API (or a listing/snapshot) filled it in


class Repo(Base):
    """A GitHub repository."""

    __tablename__ = "repos"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200), unique=True)  # owner/name, lower-case
    description: Mapped[str | None] = mapped_column(Text)
    stars: Mapped[int | None] = mapped_column(Integer)
    topics: Mapped[list[str]] = mapped_column(default=list)
    pushed_at: Mapped[datetime | None]
    etag: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime | None]

    @property
    def url(self) -> str:
        return f"https://github.com/{self.full_name}"


class PaperEntry(Base):
    """A paper mentioned in (or listed by) an entry."""

    __tablename__ = "paper_entries"

    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.arxiv_id", ondelete="CASCADE"), primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True, index=True)
    provenance: Mapped[str] = mapped_column(String(32), default="mentioned in entry")


class PaperRepo(Base):
    """A repository that implements a paper."""

    __tablename__ = "paper_repos"

    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.arxiv_id", ondelete="CASCADE"), primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repos.id", ondelete="CASCADE"), primary_key=True, index=True)
    provenance: Mapped[str] = mapped_column(String(32), default="mentioned in entry")
    official: Mapped[bool] = mapped_column(Boolean, default=False)


class EntryRepo(Base):
    """A repository linked from an entry (so a post about a repo finds its stars)."""

    __tablename__ = "entry_repos"

    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repos.id", ondelete="CASCADE"), primary_key=True, index=True)


class PaperRepro(Base):
    """A runnable reproduction (registry name) of a paper's method."""

    __tablename__ = "paper_repros"

    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.arxiv_id", ondelete="CASCADE"), primary_key=True)
    repro_name: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    provenance: Mapped[str] = mapped_column(String(32), default="registry")


DEFAULT_MEMBER_ID = 1  # created by migration 0003: a single user is this member, and nothing changes for them
DEFAULT_MEMBER = "default"


class Member(Base):
    """A person of the group; saved papers, dismissals, rules and follows belong to a member (0003)."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # feedhub serve (0005): who may change the server, the argon2 hash of a password (None: sign-in links only), the page language
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    password_hash: Mapped[str | None] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8), default="en", server_default="en")


class WebToken(Base):
    """A secret a member holds for ``feedhub serve``, stored as its SHA-256 only: a one-time sign-in link
    (``signin``), a browser session (``session``, with its CSRF token) or an API token (``api``)."""

    __tablename__ = "web_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]


class WebOption(Base):
    """A setting of the server the admin changes from the page (``guest``: read-only access without signing in)."""

    __tablename__ = "web_options"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SigninFailure(Base):
    """A failed sign-in to ``feedhub serve`` (a wrong password or a spent link), by client address and by name:
    the rate limit counts these, so it holds across restarts and for every server process on the database."""

    __tablename__ = "signin_failures"
    __table_args__ = (Index("ix_signin_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]


class Saved(Base):
    """A paper a member saved."""

    __tablename__ = "saved"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, default=DEFAULT_MEMBER_ID)
    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.arxiv_id", ondelete="CASCADE"), primary_key=True, index=True)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    tags: Mapped[list[str]] = mapped_column(default=list)
    note: Mapped[str | None] = mapped_column(Text)


class Dismissal(Base):
    """"Not interested": a story a member dismissed, by the digest's story key (``arxiv:ID``, ``github:owner/name``,
    ``url:https://...``, ``entry:N``). It never comes back for that member and trains their model as a negative."""

    __tablename__ = "dismissals"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    target: Mapped[str] = mapped_column(String(512), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Rule(Base):
    """A member's include / exclude / pin rule (search/rules.py holds the language)."""

    __tablename__ = "rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(8))  # include | exclude | pin
    expression: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Follow(Base):
    """An author, repository or lab (a list of authors and/or blogs) a member follows."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("member_id", "kind", "value", name="uq_follows_member_kind_value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # author | repo | lab
    value: Mapped[str] = mapped_column(Text)  # the author's name, owner/name, the lab's name
    authors: Mapped[list[str]] = mapped_column(default=list)  # a lab's authors
    blogs: Mapped[list[str]] = mapped_column(default=list)  # a lab's blogs (source URLs or names)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaperFeatures(Base):
    """A paper's cached text features for the learned ranking: its embedding and its token counts, computed
    once per (model, text) so that ranking a week's papers does not tokenize them again."""

    __tablename__ = "paper_features"

    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.arxiv_id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(String(32))
    text_hash: Mapped[str] = mapped_column(String(16))
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float16, L2-normalised
    tokens: Mapped[bytes] = mapped_column(LargeBinary)  # uint16 token ids then uint16 counts


class Run(Base):
    """One run of a reproduction."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    repro_name: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    mode: Mapped[str] = mapped_column(String(16), default="quick")
    device: Mapped[str] = mapped_column(String(16), default="cpu")
    seed: Mapped[int] = mapped_column(Integer, default=0)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    metrics: Mapped[list[Any]] = mapped_column(default=list)
    verdict: Mapped[str] = mapped_column(String(32))
    # the verdict library's judgement (reproductions.verdicts.Judgement.to_dict): estimate, interval, n, each arm
    judgement: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    paper_figure: Mapped[str] = mapped_column(Text, default="")
    measured: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[list[str]] = mapped_column(default=list)
    out_dir: Mapped[str | None] = mapped_column(Text)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class Digest(Base):
    """A generated week."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("week", "tz", "lang", name="uq_digests_week_tz_lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(String(32))  # 2018-W08, or "2018-02-19..2018-02-25"
    tz: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(8), default="en")
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))
    stories: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the JSON rendering
    markdown: Mapped[str] = mapped_column(Text, default="")
