"""E-mail: a multipart/alternative message (Markdown text + the HTML page) as an ``.eml`` file."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any, Sequence

from feedhub.digest import i18n, render_html, render_md
from feedhub.digest.build import content_hash

DEFAULT_FROM = "feedhub <feedhub@localhost>"
DEFAULT_TO = "you@localhost"


SUBJECT_HEADLINE_CHARS = 70


def headline(model: dict[str, Any]) -> str | None:
    """The week's top story: the first story of the first section that has one."""
    for section in model["sections"]:
        if section["stories"]:
            return " ".join(str(section["stories"][0]["title"]).split()) or None
    return None


def subject(model: dict[str, Any]) -> str:
    """``AI digest 2018-W08: <the top story>``, so the inbox says what the week was about."""
    lang = model["lang"]
    label = i18n.t(lang, "subject", label=i18n.week_title(lang, model["week"]))
    top = headline(model)
    if not top:
        return label
    if len(top) > SUBJECT_HEADLINE_CHARS:
        top = top[: SUBJECT_HEADLINE_CHARS - 1].rstrip() + "…"
    return f"{label}: {top}"


def message(
    model: dict[str, Any],
    *,
    sender: str | None = None,
    to: Sequence[str] = (),
    when: datetime | None = None,
    explain: bool = False,
) -> EmailMessage:
    lang = model["lang"]
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = subject(model)
    msg["From"] = sender or DEFAULT_FROM
    msg["To"] = ", ".join(to) if to else DEFAULT_TO
    if when is not None:
        msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<digest-{content_hash(model)[:24]}@feedhub.invalid>"
    msg["Content-Language"] = lang
    msg.set_content(render_md.render(model, explain=explain), subtype="plain", charset="utf-8")
    msg.add_alternative(render_html.render(model, explain=explain), subtype="html", charset="utf-8")
    return msg


def render(model: dict[str, Any], *, explain: bool = False, sender: str | None = None, to: Sequence[str] = (),
           when: datetime | None = None) -> str:  # fmt: skip
    """The ``.eml`` file; ``when`` is its ``Date:`` (a message without one is invalid to most mail tools)."""
    return message(model, explain=explain, sender=sender, to=to, when=when).as_string()
