"""Markdown: the default output, and the text part of the e-mail. Feed text is escaped, links are http(s) only."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from feedhub.digest import i18n
from feedhub.digest.build import safe_url

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def md_text(text: str | None) -> str:
    """Feed text as literal Markdown: specials backslash-escaped, one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join((text or "").split()))


def md_url(url: str | None) -> str | None:
    url = safe_url(url)
    if url is None:
        return None
    return url.replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


def md_link(text: str, url: str | None) -> str:
    href = md_url(url)
    return f"[{md_text(text)}]({href})" if href else md_text(text)


def local_date(model: dict[str, Any], iso: str | None) -> date | None:
    if not iso:
        return None
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(model["tz"])).date()


def heading(model: dict[str, Any]) -> tuple[str, str]:
    """(title, dates line) in the digest's language."""
    lang = model["lang"]
    label = i18n.week_title(lang, model["week"])
    title = i18n.t(lang, "title.week" if "-W" in model["week"] else "title.range", label=label)
    first = date.fromisoformat(model["window"]["first_day"])
    last = date.fromisoformat(model["window"]["last_day"])
    return title, f"{i18n.format_range(lang, first, last)} ({model['tz']})"


def authors_line(lang: str, paper: dict[str, Any]) -> str:
    names = ", ".join(paper["authors"])
    if paper["et_al"]:
        names += (" " if lang == "ko" else ", ") + i18n.t(lang, "et_al") if names else ""
    return names


def explain_line(lang: str, story: dict[str, Any]) -> str:
    parts = [f"{f['factor']} {f['points']:.2f} ({f['detail']})" for f in story["explain"]]
    return f"{i18n.t(lang, 'score')} {story['score']:.2f} = " + (" + ".join(parts) if parts else "0")


def story_lines(model: dict[str, Any], story: dict[str, Any], n: int, explain: bool) -> list[str]:
    lang = model["lang"]
    head = f"{n}. **{md_link(story['title'], story['url'])}**"
    if story["summary"]:
        head += f" — {md_text(story['summary'])}"
    lines = [head]
    meta: list[str] = []
    when = local_date(model, story["published_at"])
    if when:
        meta.append(i18n.format_short_date(lang, when))
    if story["sources"]:
        meta.append(md_text(", ".join(story["sources"])))
    if story["mentions"] > 1:
        meta.append(i18n.mentions(lang, story["mentions"]))
    if meta:
        lines.append("   " + " · ".join(meta))
    detail: list[str] = []
    paper = story["paper"]
    if paper:
        if paper["authors"]:
            detail.append(md_text(authors_line(lang, paper)))
        detail.append(md_link(f"arXiv:{paper['arxiv_id']}", paper["url"]))
    if story["code"]:
        code = ", ".join(
            md_link(c["repo"], c["url"]) + (f" ★ {i18n.number(lang, c['stars'])}" if c["stars"] else "") for c in story["code"]
        )
        detail.append(f"{i18n.t(lang, 'code')}: {code}")
    for r in story["related"]:
        detail.append(md_link(f"arXiv:{r['arxiv_id']}", r["url"]) + f" {md_text(r['title'])}")
    for r in story["repro"]:
        verdict = f" ({i18n.t(lang, 'verdict')}: {md_text(i18n.verdict(lang, r['verdict']))})" if r["verdict"] else ""
        detail.append(f"{i18n.t(lang, 'reproduce')}: `{r['command'].replace('`', '')}`{verdict}")
    if detail:
        lines.append("   " + " · ".join(detail))
    if story.get("why"):
        lines.append("   " + md_text("why: " + story["why"]))
    if explain:
        lines.append("   " + md_text(explain_line(lang, story)))
    return lines


def render(model: dict[str, Any], *, explain: bool = False) -> str:
    lang = model["lang"]
    title, dates = heading(model)
    out = [f"# {md_text(title)}", "", f"*{md_text(dates)}*", ""]
    if not any(s["stories"] for s in model["sections"]) and not model["also"]:
        out += [i18n.t(lang, "empty"), ""]
        return "\n".join(out)
    for section in model["sections"]:
        out += [f"## {section['title']}", ""]
        if not section["stories"]:
            out += [f"*{i18n.t(lang, 'empty.section')}*", ""]
            continue
        for n, story in enumerate(section["stories"], 1):
            out += story_lines(model, story, n, explain)
        out.append("")
    if model["also"]:
        out += [f"## {i18n.t(lang, 'also')}", ""]
        for story in model["also"]:
            line = f"- {md_link(story['title'], story['url'])}"
            if story["sources"]:
                line += f" ({md_text(', '.join(story['sources']))})"
            out.append(line)
            if explain:
                out.append("  " + md_text(explain_line(lang, story)))
        out.append("")
    out.append(f"*{md_text(i18n.footer(lang, model['total_stories'], model['tz']))}*")
    return "\n".join(out) + "\n"
