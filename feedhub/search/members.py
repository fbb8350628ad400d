"""Members: the people of a group sharing one database. A single user is the default member and never
needs to name it; ``--member NAME`` / ``FEEDHUB_MEMBER`` picks another (it must have been added)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedhub.errors import InvalidInput
from feedhub.store.models import DEFAULT_MEMBER, DEFAULT_MEMBER_ID, Dismissal, Follow, Member, Rule, Saved

_NAME = re.compile(r"^[\w][\w.\-]{0,63}$", re.UNICODE)


def clean_name(name: str) -> str:
    name = (name or "").strip()
    if not _NAME.match(name):
        raise InvalidInput(f"invalid member name {name!r}; use letters, digits, '.', '-' or '_' (at most 64), e.g. alice")
    return name


def _names(session: Session) -> list[str]:
    return [n for (n,) in session.execute(select(Member.name).order_by(Member.id))]


def default_member(session: Session) -> Member:
    row = session.get(Member, DEFAULT_MEMBER_ID)
    if row is None:  # removed by hand, or a database whose default row was deleted: put it back
        row = Member(id=DEFAULT_MEMBER_ID, name=DEFAULT_MEMBER)
        session.add(row)
        session.flush()
    return row


def resolve(session: Session, name: str | None) -> Member:
    """The member called ``name`` (None: the default member). An unknown name is a one-line error."""
    if name is None or not name.strip():
        return default_member(session)
    found = session.scalar(select(Member).where(Member.name == name.strip()))
    if found is None:
        known = ", ".join(_names(session)) or DEFAULT_MEMBER
        raise InvalidInput(f"unknown member {name.strip()!r} (members: {known}); add it with `feedhub member add {name.strip()}`")
    return found


def add(session: Session, name: str) -> Member:
    name = clean_name(name)
    if session.scalar(select(Member.id).where(Member.name == name)) is not None:
        raise InvalidInput(f"member {name!r} exists already; `feedhub member list` shows the members")
    default_member(session)
    row = Member(name=name)
    session.add(row)
    session.flush()
    return row


@dataclass
class MemberSummary:
    id: int
    name: str
    saved: int
    dismissed: int
    rules: int
    follows: int

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "saved": self.saved, "dismissed": self.dismissed, "rules": self.rules, "follows": self.follows}


def list_members(session: Session) -> list[MemberSummary]:
    default_member(session)

    def counts(model) -> dict[int, int]:  # type: ignore[no-untyped-def]
        return {m: int(n) for m, n in session.execute(select(model.member_id, func.count()).group_by(model.member_id))}

    saved, dismissed, rules, follows = counts(Saved), counts(Dismissal), counts(Rule), counts(Follow)
    return [
        MemberSummary(m.id, m.name, saved.get(m.id, 0), dismissed.get(m.id, 0), rules.get(m.id, 0), follows.get(m.id, 0))
        for m in session.scalars(select(Member).order_by(Member.id))
    ]
