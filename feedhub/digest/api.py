"""What ``feedhub digest`` calls: make (and store) a week's digest, render it, list stored ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping

from sqlalchemy import Engine

from feedhub.digest import build as build_mod
from feedhub.digest import i18n
from feedhub.digest.window import Window
from feedhub.errors import InvalidInput
from feedhub.store.db import session_factory, transaction
from feedhub.store.types import utcnow

FORMATS = ("md", "html", "json", "atom", "eml")
SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json", ".atom": "atom",
            ".xml": "atom", ".eml": "eml"}  # fmt: skip
MAX_PER_SECTION = 50


def output_format(fmt: str | None, out: Path | None) -> str:
    """``--format`` wins; else ``--out``'s suffix; else Markdown."""
    if fmt:
        if fmt not in FORMATS:
            raise InvalidInput(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
        return fmt
    if out is not None:
        found = SUFFIXES.get(out.suffix.lower())
        if found is None:
            raise InvalidInput(f"cannot tell the format from {out.name!r}; add --format {'|'.join(FORMATS)}")
        return found
    return "md"


@dataclass
class DigestResult:
    model: dict[str, Any]
    text: str  # the rendering asked for
    changed: bool  # stored anew (first time, or new items arrived)
    stories: int


def render(model: dict[str, Any], fmt: str, *, explain: bool = False, feed: list[tuple[dict[str, Any], Any]] | None = None,
           sender: str | None = None, to: list[str] | None = None, feed_url: str | None = None, install_id: str | None = None,
           now: Any = None) -> str:  # fmt: skip
    if fmt == "md":
        from feedhub.digest import render_md

        return render_md.render(model, explain=explain)
    if fmt == "html":
        from feedhub.digest import render_html

        return render_html.render(model, explain=explain)
    if fmt == "json":
        from feedhub.digest import render_json

        return render_json.render(model)
    if fmt == "atom":
        from feedhub.digest import render_atom

        return render_atom.render(feed or [], lang=model["lang"], explain=explain, feed_url=feed_url, install_id=install_id)
    if fmt == "eml":
        from feedhub.digest import render_eml

        return render_eml.render(model, explain=explain, sender=sender, to=to or [], when=now or utcnow())
    raise InvalidInput(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")


def make_digest(
    engine: Engine,
    window: Window,
    *,
    lang: str = "en",
    per_section: int = 4,
    fmt: str = "md",
    explain: bool = False,
    sender: str | None = None,
    to: list[str] | None = None,
    feed_url: str | None = None,
    install_id: str | None = None,
    now: datetime | None = None,
    member: str | None = None,
    people: Mapping[str, Any] | None = None,
) -> DigestResult:
    """Build the window's digest, store it (unchanged weeks stay as they were), render it as ``fmt``.

    The Atom feed holds finished weeks only: a week still running (its end after ``now``) is stored, and
    published once it is over. ``now`` is the clock (tests pass one). ``member``: one member's digest
    (``--for NAME``), rendered but not stored over the group's week. ``people``: config.toml's [people]
    (``Settings.section("people")``): one person's handles on every network."""
    i18n.check_lang(lang)
    if not 1 <= per_section <= MAX_PER_SECTION:
        raise InvalidInput(f"--per-section {per_section}: use 1..{MAX_PER_SECTION}")
    from feedhub.digest import render_md

    with transaction(engine) as session:
        model = build_mod.build(session, window, lang=lang, per_section=per_section, member=member, people=people)
        changed = False
        if member is None:
            row, changed = build_mod.save(session, model, render_md.render(model), window)
        feed = None
        if fmt == "atom":
            from feedhub.digest.render_atom import FEED_SIZE

            cutoff = now or utcnow()
            finished = [r for r in build_mod.list_digests(session, lang=lang) if r.stories and _aware(r.window_end) <= cutoff]
            feed = [(r.stories, r.created_at) for r in finished[:FEED_SIZE]]
    stories = sum(len(s["stories"]) for s in model["sections"]) + len(model["also"])
    text = render(model, fmt, explain=explain, feed=feed, sender=sender, to=to, feed_url=feed_url, install_id=install_id, now=now)
    return DigestResult(model=model, text=text, changed=changed, stories=stories)


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def install_id(home: Path) -> str:
    """This data dir's random id (made on first use): Atom ids of two installs never collide."""
    import uuid

    path = home / "install-id"
    try:
        text = path.read_text(encoding="ascii").strip()
        return str(uuid.UUID(text))
    except (OSError, ValueError):
        pass
    value = str(uuid.uuid4())
    try:
        home.mkdir(parents=True, exist_ok=True)
        path.write_text(value + "\n", encoding="ascii")
    except OSError:
        pass  # a read-only data dir: ids stay unique to this run's feed, which is still better than none
    return value


def email_message(model: dict[str, Any], *, sender: str, to: list[str], explain: bool = False):  # type: ignore[no-untyped-def]
    from feedhub.digest.render_eml import message
    from feedhub.store.types import utcnow

    return message(model, sender=sender, to=to, when=utcnow(), explain=explain)


def stored_digests(engine: Engine, limit: int | None = None) -> list[dict[str, Any]]:
    with session_factory(engine)() as session:
        return [build_mod.digest_json(r) for r in build_mod.list_digests(session, limit=limit)]


def send_model(model: dict[str, Any], secret: Callable[[str], str | None], *, explain: bool = False) -> list[str]:
    """E-mail ``model`` with the SMTP settings; returns the recipients."""
    from feedhub.digest.send import send, smtp_settings

    settings = smtp_settings(secret)
    send(email_message(model, sender=settings.sender, to=settings.to, explain=explain), settings)
    return settings.to
