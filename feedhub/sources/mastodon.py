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
from urllib.parse import quote, urlsplit

from feedhub.errors import InvalidInput
from feedhub.links.html import plain_text
from feedhub.sources import feed as feedmod
from feedhub.sources.base import ParsedFeed, SourceSpec
from feedhub.sources.bluesky import title_from

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


# -- adding a source -----------------------------------------------------------------------------------

_MASTO_USER = re.compile(r"^/@(?P<user>[A-Za-z0-9_]{1,64})(?P<rss>\.rss)?/?$")
_MASTO_TAG = re.compile(r"^/tags/(?P<tag>[^/.?#]{1,100})(?P<rss>\.rss)?/?$")
# Sites that use /@name for things that are not Mastodon profiles.
NOT_MASTODON = ("medium.com", "youtube.com", "tiktok.com", "threads.net", "threads.com", "substack.com", "bsky.app",
                "x.com", "twitter.com", "github.com", "npmjs.com", "figma.com", "vimeo.com", "flickr.com", "dev.to")  # fmt: skip
# Servers where a /tags/<tag> URL is surely a Mastodon hashtag (elsewhere say --kind mastodon).
KNOWN_MASTODON = ("mastodon.social", "mastodon.online", "sigmoid.social", "fosstodon.org", "hachyderm.io",
                  "mstdn.social", "mas.to", "infosec.exchange", "scholar.social", "mathstodon.xyz",
                  "social.vivaldi.net", "techhub.social", "mastodon.world", "aus.social", "sciences.social")  # fmt: skip


def _spec(**kw: Any) -> SourceSpec:
    return SourceSpec(**kw)


def _host_in(host: str, names: tuple[str, ...]) -> bool:
    return any(host == n or host.endswith("." + n) for n in names)


def shorthand(rest: str, options: Mapping[str, Any]) -> SourceSpec:
    """``mastodon:@user@host`` (a profile), ``mastodon:host/tags/TAG`` or ``mastodon:#tag@host``."""
    rest = rest.strip()
    m = re.match(r"^@?(?P<user>[A-Za-z0-9_]{1,64})@(?P<host>[A-Za-z0-9.-]+\.[A-Za-z]{2,})$", rest)
    if m:
        host = m.group("host").lower()
        return _spec(kind="mastodon", url=f"https://{host}/@{m.group('user')}.rss", name=f"@{m.group('user')}@{host}", section="posts")
    m = re.match(r"^#(?P<tag>[^\s@/]{1,100})@(?P<host>[A-Za-z0-9.-]+\.[A-Za-z]{2,})$", rest)
    if m:
        host = m.group("host").lower()
        return _mastodon_tag(host, m.group("tag"))
    url = rest if rest.startswith(("https://", "http://")) else "https://" + rest.lstrip("/")
    found = recognize_mastodon(url, explicit=True)
    if found is None:
        raise InvalidInput(f"mastodon:{rest}: use mastodon:@user@host, mastodon:#tag@host or a profile/tag URL")
    return found


def _mastodon_tag(host: str, tag: str, scheme: str = "https") -> SourceSpec:
    tag = tag.lstrip("#")
    if not tag or any(c.isspace() for c in tag):
        raise InvalidInput(f"invalid hashtag {tag!r}")
    return _spec(kind="mastodon", url=f"{scheme}://{host}/tags/{quote(tag, safe='')}.rss", name=f"#{tag} on {host}", section="posts")


def recognize_mastodon(url: str, *, explicit: bool = False) -> SourceSpec | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or parts.query:
        return None
    m = _MASTO_USER.match(parts.path)
    if m and (explicit or not _host_in(host, NOT_MASTODON)):
        netloc = parts.netloc.lower()
        # The scheme the user gave is kept: an http:// server (a local or test instance) is not rewritten.
        return _spec(kind="mastodon", url=f"{parts.scheme}://{netloc}/@{m.group('user')}.rss", name=f"@{m.group('user')}@{host}", section="posts")
    m = _MASTO_TAG.match(parts.path)
    if m and (explicit or _host_in(host, KNOWN_MASTODON)):
        return _mastodon_tag(parts.netloc.lower(), m.group("tag"), parts.scheme)
    return None


def recognize(url: str, forced: bool, options: Mapping[str, Any]) -> SourceSpec | None:
    """A Mastodon profile (``https://HOST/@USER``) or, on well-known servers or when forced, a tag URL."""
    return recognize_mastodon(url, explicit=forced)
