"""Mastodon profile and hashtag RSS (``https://<host>/@<user>.rss``, ``https://<host>/tags/<tag>.rss``).

Mastodon's items have no ``<title>``; the ``<description>`` is the post's HTML, whose links carry the
full URL in ``href`` (the visible text is shortened with ``<span class="invisible">``), and the
``<guid>``/``<link>`` is the post's URL. Outbound links are rewritten to show their full URL. Boosts are not in these feeds, so there are no reposts to merge.
The title is made from the post's text; ``extra["links"]`` lists the outbound links (not mentions or
hashtags); ``extra["mastodon"]`` says which feed (``profile`` or ``tag``) and the author's account.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any, Mapping

from feedhub.sources import feed as feedmod
from feedhub.sources.base import ParsedFeed
from feedhub.sources.bluesky import title_from
from feedhub.sources.sanitize import plain_text

_PROFILE = re.compile(r"https?://(?P<host>[^/]+)/@(?P<user>[A-Za-z0-9_]+)")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        a = dict(attrs)
        href = a.get("href") or ""
        classes = (a.get("class") or "").split()
        rel = (a.get("rel") or "").split()
        if "mention" in classes or "hashtag" in classes or "tag" in rel:
            return
        if href.startswith(("http://", "https://")) and href not in self.links:
            self.links.append(href)


def outbound_links(fragment: str) -> list[str]:
    p = _Links()
    try:
        p.feed(fragment or "")
        p.close()
    except Exception:  # malformed HTML: what was found so far
        pass
    return p.links


_ANCHOR = re.compile(r"<a\b(?P<attrs>[^>]*)>(?P<inner>.*?)</a>", re.S | re.I)
_HREF = re.compile(r"""\bhref\s*=\s*(?:"(?P<d>[^"]*)"|'(?P<s>[^']*)')""", re.I)


def full_link_text(fragment: str) -> str:
    """Outbound links show their full URL: Mastodon hides part of it in ``<span class="invisible">``,
    and the visible part alone ("github.com/o/ENAS") would name the wrong repository."""

    def repl(m: re.Match[str]) -> str:
        attrs = m.group("attrs")
        if re.search(r"\b(?:mention|hashtag)\b", attrs) or re.search(r"""rel\s*=\s*["'][^"']*\btag\b""", attrs):
            return m.group(0)
        h = _HREF.search(attrs)
        href = html.unescape(h.group("d") if h and h.group("d") is not None else (h.group("s") if h else "") or "")
        if not href.startswith(("http://", "https://")):
            return m.group(0)
        return f"<a{attrs}>{html.escape(href, quote=False)}</a>"

    return _ANCHOR.sub(repl, fragment or "")


def parse(body: bytes, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    parsed = feedmod.parse(body, headers)
    feed_link = parsed.link or ""
    kind = "tag" if "/tags/" in feed_link else "profile"
    account = None
    m = _PROFILE.match(feed_link)
    if m:
        account = f"@{m.group('user')}@{m.group('host')}"
    for entry in parsed.entries:
        if not entry.title.strip():
            entry.title = title_from(plain_text(entry.summary)) or "(post)"
            entry.title_is_html = False
        who = account
        if kind == "tag" and entry.link:
            pm = _PROFILE.match(entry.link)
            who = f"@{pm.group('user')}@{pm.group('host')}" if pm else None
        if not entry.authors and who:
            entry.authors = [parsed.title.strip() or who] if kind == "profile" else [who]
        info: dict[str, Any] = {"feed": kind}
        if who:
            info["account"] = who
        entry.summary = full_link_text(entry.summary)
        entry.extra = {**entry.extra, "mastodon": info, "links": outbound_links(entry.summary)}
    return parsed
