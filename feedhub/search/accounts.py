"""Signing in to ``feedhub serve``: members' passwords (argon2), one-time sign-in links, browser sessions with
their CSRF tokens, API tokens, and the server's options (read-only guest access).

Secrets are random (``secrets.token_urlsafe``) and only their SHA-256 is stored, so a copy of the database
signs nobody in. A sign-in link works once and expires; a session expires after ``SESSION_DAYS``. Every
function takes ``now`` (the clock), so tests never wait."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from feedhub.errors import InvalidInput
from feedhub.search import members
from feedhub.store.models import Member, WebOption, WebToken

SIGNIN_MINUTES = 60 * 24  # a link printed by `feedhub serve` or `member add` works once, within a day
SESSION_DAYS = 14
MIN_PASSWORD = 10
LANGS = ("en", "ko")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _hasher():  # type: ignore[no-untyped-def]
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id with the library's current defaults (RFC 9106 low-memory profile)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")
    return str(_hasher().hash(password))


def new_password() -> str:
    return secrets.token_urlsafe(12)


def add_member(session: Session, name: str, *, admin: bool = False, password: str | None = None) -> Member:
    row = members.add(session, name)
    row.is_admin = admin
    if password is not None:
        row.password_hash = hash_password(password)
    session.flush()
    return row


def set_password(session: Session, member: Member, password: str) -> None:
    member.password_hash = hash_password(password)
    session.flush()


def set_lang(session: Session, member: Member, lang: str) -> None:
    if lang not in LANGS:
        raise InvalidInput(f"unknown language {lang!r}; use one of: {', '.join(LANGS)}")
    member.lang = lang
    session.flush()


def check_password(session: Session, name: str, password: str) -> Member | None:
    """The member when ``password`` is theirs; None otherwise (unknown name, no password set, wrong password).
    An unknown name still costs one hash, so timing does not tell which names exist."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    found = session.scalar(select(Member).where(Member.name == (name or "").strip())) if name else None
    hasher = _hasher()
    try:
        hasher.verify(found.password_hash if found is not None and found.password_hash else _dummy_hash(), password or "")
    except (VerificationError, VerifyMismatchError, InvalidHashError):
        return None
    if found is None or not found.password_hash:
        return None  # an unknown name, or a member without a password, never signs in
    if hasher.check_needs_rehash(found.password_hash):
        found.password_hash = hasher.hash(password)
    return found


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash of a random secret: an unknown name still costs one verification, so timing tells no names."""
    return str(_hasher().hash(secrets.token_urlsafe(16)))


def _issue(session: Session, member: Member, kind: str, now: datetime, ttl: timedelta | None) -> tuple[str, WebToken]:
    token = secrets.token_urlsafe(32)
    row = WebToken(member_id=member.id, kind=kind, token_hash=_hash(token), csrf=secrets.token_urlsafe(24), created_at=now,
                   expires_at=None if ttl is None else now + ttl)  # fmt: skip
    session.add(row)
    session.flush()
    return token, row


def signin_link_token(session: Session, member: Member, now: datetime) -> str:
    """A one-time sign-in secret for ``member``: ``/signin/TOKEN`` signs them in once."""
    return _issue(session, member, "signin", now, timedelta(minutes=SIGNIN_MINUTES))[0]


def _live(session: Session, token: str, kind: str, now: datetime) -> WebToken | None:
    if not token or len(token) > 200:
        return None
    row = session.scalar(select(WebToken).where(WebToken.token_hash == _hash(token), WebToken.kind == kind))
    if row is None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None  # expired (forgotten at the member's next sign-in); reads never write
    return row


def redeem_signin(session: Session, token: str, now: datetime) -> Member | None:
    """The member a sign-in link belongs to; the link is spent either way."""
    row = _live(session, token, "signin", now)
    if row is None:
        return None
    member = session.get(Member, row.member_id)
    session.delete(row)
    session.flush()
    return member


@dataclass
class WebSession:
    token: str  # the cookie's value (shown once, when made)
    csrf: str
    member: Member
    expires_at: datetime | None = None


def start_session(session: Session, member: Member, now: datetime) -> WebSession:
    token, row = _issue(session, member, "session", now, timedelta(days=SESSION_DAYS))
    # sign-in is a good moment to forget this member's expired sessions
    session.execute(delete(WebToken).where(WebToken.member_id == member.id, WebToken.expires_at <= now))
    return WebSession(token=token, csrf=row.csrf, member=member)


def session_of(session: Session, token: str, now: datetime) -> WebSession | None:
    row = _live(session, token, "session", now)
    if row is None:
        return None
    member = session.get(Member, row.member_id)
    return None if member is None else WebSession(token=token, csrf=row.csrf, member=member, expires_at=row.expires_at)


def end_session(session: Session, token: str) -> None:
    session.execute(delete(WebToken).where(WebToken.token_hash == _hash(token), WebToken.kind == "session"))


def new_api_token(session: Session, member: Member, now: datetime) -> str:
    """A fresh API token for ``member`` (``Authorization: Bearer TOKEN``); the old one stops working."""
    session.execute(delete(WebToken).where(WebToken.member_id == member.id, WebToken.kind == "api"))
    return _issue(session, member, "api", now, None)[0]


def api_member(session: Session, token: str, now: datetime) -> Member | None:
    row = _live(session, token, "api", now)
    return None if row is None else session.get(Member, row.member_id)


def can_sign_in(session: Session) -> bool:
    """Some member has a password: the server may face a network."""
    return session.scalar(select(Member.id).where(Member.password_hash.is_not(None)).limit(1)) is not None


def option(session: Session, key: str, default: str = "") -> str:
    row = session.get(WebOption, key)
    return default if row is None else row.value


def set_option(session: Session, key: str, value: str) -> None:
    row = session.get(WebOption, key)
    if row is None:
        session.add(WebOption(key=key, value=value))
    else:
        row.value = value
    session.flush()


def guest_access(session: Session) -> bool:
    return option(session, "guest") == "on"
