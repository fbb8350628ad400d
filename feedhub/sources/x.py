"""X: a list's posts (API v2 ``GET /2/lists/:id/tweets`` JSON), and RSS bridges (Nitter, RSSHub).

The API answers ``{"data": [Post, ...], "includes": {"users": [...]}, "meta": {...}}`` (``errors`` instead
of ``data`` when the list is unknown). A Post has ``id``, ``text``, ``created_at``, ``author_id``,
``entities.urls`` (``url`` the t.co link in the text, ``expanded_url`` / ``unwound_url`` the real one)
and ``referenced_tweets`` (``retweeted`` / ``quoted`` / ``replied_to``).

* Links: every t.co link in the text is replaced by a link to its full URL (``unwound_url``, else
  ``expanded_url``), so links.graph sees ``arxiv.org/abs/...`` and ``github.com/...``, not ``t.co``;
  ``extra["links"]`` lists them.
* Reposts: a retweet's key and link are the *original* post's (``referenced_tweets`` type
  ``retweeted``; the original author from the ``RT @user:`` prefix), so the same post reposted by
  several list members is one entry, one story with several mentions, not new stories;
  ``extra["x"]["reposted_by"]`` names the reposters seen in this response.
* Link: ``https://x.com/<username, lower-case>/status/<id>`` (``/i/status/<id>`` when unknown); key
  ``x:<id>``.

Bridges (kind ``bridge``) are ordinary RSS/Atom; entries whose link is a tweet on a Nitter host or on
twitter.com are rewritten to the same ``https://x.com/<user>/status/<id>`` link and ``x:<id>`` key, so a
bridge's retweet (whose link is the original tweet) and the original are one entry too.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any, Mapping
from urllib.parse import urlsplit

from feedhub.errors import FeedhubError, NotAFeed
from feedhub.sources import feed as feedmod
from feedhub.sources.base import ParsedEntry, ParsedFeed
from feedhub.sources.base import iso_date
from feedhub.sources.bluesky import title_from

_RT = re.compile(r"^RT @(?P<user>[A-Za-z0-9_]{1,15}):\s?")
_TCO = re.compile(r"https?://t\.co/[A-Za-z0-9]+")
_STATUS_PATH = re.compile(r"^/(?P<user>[A-Za-z0-9_]{1,15})/status(?:es)?/(?P<id>\d{1,25})")


class XApiError(FeedhubError):
    """The API answered with errors and no posts."""


def status_link(tweet_id: str, username: str | None) -> str:
    return f"https://x.com/{username.lower()}/status/{tweet_id}" if username else f"https://x.com/i/status/{tweet_id}"


def expand(text: str, urls: Any) -> tuple[str, list[str]]:
    """(HTML, full URLs): the text with each t.co link made a link to its full URL."""
    mapping: dict[str, tuple[str, str]] = {}
    for u in urls if isinstance(urls, list) else []:
        if not isinstance(u, dict) or not isinstance(u.get("url"), str):
            continue
        full = u.get("unwound_url") or u.get("expanded_url")
        if isinstance(full, str) and full.startswith(("http://", "https://")):
            # The full URL as the text too: display_url is shortened ("github.com/o/ENAS…") and would
            # name the wrong repository.
            mapping[u["url"]] = (full, full)
    links: list[str] = []
    out: list[str] = []
    pos = 0
    for m in _TCO.finditer(text):
        found = mapping.get(m.group(0))
        out.append(_escape(text[pos : m.start()]))
        if found:
            full, label = found
            out.append(f'<a href="{html.escape(full, quote=True)}">{html.escape(label, quote=False)}</a>')
            if full not in links:
                links.append(full)
        else:  # a t.co link the API did not expand (truncated retweet text): kept as it is
            out.append(_escape(m.group(0)))
        pos = m.end()
    out.append(_escape(text[pos:]))
    return "".join(out), links


def _escape(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>")


def _plain(text: str, urls: Any) -> str:
    """The text with t.co links replaced by their full URLs, for the title."""
    for u in urls if isinstance(urls, list) else []:
        if isinstance(u, dict) and isinstance(u.get("url"), str):
            full = u.get("unwound_url") or u.get("expanded_url") or u["url"]
            text = text.replace(u["url"], str(full))
    return html.unescape(text)  # the API escapes &, < and > in text


def _entry(post: Mapping[str, Any], users: Mapping[str, Mapping[str, Any]]) -> ParsedEntry | None:
    tid = post.get("id")
    if not isinstance(tid, str) or not tid.isdigit():
        return None
    text = html.unescape(str(post.get("text") or ""))  # the API sends &amp; &lt; &gt; in text
    user = users.get(str(post.get("author_id") or "")) or {}
    username = user.get("username") if isinstance(user.get("username"), str) else None
    refs = {r.get("type"): str(r.get("id")) for r in post.get("referenced_tweets") or [] if isinstance(r, dict) and r.get("id")}
    entities = post.get("entities") if isinstance(post.get("entities"), dict) else {}
    urls = entities.get("urls")
    info: dict[str, Any] = {"id": tid, "author_id": post.get("author_id"), "author": username}
    key_id, author_name, shown = tid, username, user.get("name")
    if "retweeted" in refs:
        key_id = refs["retweeted"]
        m = _RT.match(text)
        author_name = m.group("user") if m else None
        text = text[m.end() :] if m else text
        shown = None
        info["reposted_by"] = [username or str(post.get("author_id") or "?")]
        info["repost_id"] = tid
        info["id"] = key_id
    if "quoted" in refs:
        info["quotes"] = refs["quoted"]
    if "replied_to" in refs:
        info["reply_to"] = refs["replied_to"]
    body, links = expand(text, urls)
    authors = [f"{shown} (@{author_name})" if shown and author_name else f"@{author_name}"] if author_name else []
    return ParsedEntry(
        guid=f"x:{key_id}",
        link=status_link(key_id, author_name),
        title=title_from(_plain(text, urls)) or "(post)",
        title_is_html=False,
        summary=f"<p>{body}</p>" if body else "",
        authors=authors,
        published=iso_date(post.get("created_at")),
        extra={"x": info, "links": links},
    )


def parse(body: bytes, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    """The list-tweets answer -> entries; retweets merged into their original post."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotAFeed(f"X sent invalid JSON ({exc}); will retry later") from None
    if not isinstance(data, dict):
        raise NotAFeed("JSON that is not an X API answer; check the source")
    posts = data.get("data")
    if posts is None:
        errors = data.get("errors")
        meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
        if isinstance(errors, list) and errors:
            first = errors[0] if isinstance(errors[0], dict) else {}
            detail = str(first.get("detail") or first.get("title") or first.get("message") or "unknown error")[:200]
            raise XApiError(f"X API error: {detail}; check the list URL")
        if meta.get("result_count") == 0 or "meta" in data:
            posts = []  # an empty list: no posts, no error
        else:
            raise NotAFeed("JSON that is not an X list-tweets answer (no \"data\"); check the source")
    users = {str(u.get("id")): u for u in (data.get("includes") or {}).get("users") or [] if isinstance(u, dict)}
    entries: dict[str, ParsedEntry] = {}
    for post in posts if isinstance(posts, list) else []:
        if not isinstance(post, dict):
            continue
        entry = _entry(post, users)
        if entry is None or entry.guid is None:
            continue
        seen = entries.get(entry.guid)
        if seen is None:
            entries[entry.guid] = entry
            continue
        reposters = list(seen.extra["x"].get("reposted_by", []))
        for who in entry.extra["x"].get("reposted_by", []):
            if who not in reposters:
                reposters.append(who)
        # The original's text is complete; a retweet's may be truncated. Keep the original's entry.
        keep = entry if "repost_id" in seen.extra["x"] and "repost_id" not in entry.extra["x"] else seen
        if reposters:
            keep.extra["x"]["reposted_by"] = reposters
        entries[entry.guid] = keep
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    return ParsedFeed(title="X list", link=None, entries=list(entries.values()), format="x-api-v2",
                      extra={"result_count": meta.get("result_count")})


# -- bridges (Nitter, RSSHub): ordinary feeds, tweet links made canonical ------------------------------

def tweet_of(url: str | None) -> tuple[str, str] | None:
    """(username, id) when ``url`` is a tweet on x.com/twitter.com or a Nitter host; else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    twitterish = host in ("x.com", "twitter.com", "mobile.twitter.com", "www.twitter.com", "www.x.com") or "nitter" in host
    if not twitterish:
        return None
    m = _STATUS_PATH.match(parts.path)
    return (m.group("user"), m.group("id")) if m else None


def parse_bridge(body: bytes, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    parsed = feedmod.parse(body, headers)
    for entry in parsed.entries:
        tweet = tweet_of(entry.link) or tweet_of(entry.guid)
        if tweet is None:
            continue
        user, tid = tweet
        entry.link = status_link(tid, user)
        entry.guid = f"x:{tid}"
        info: dict[str, Any] = {"id": tid, "author": user}
        m = re.match(r"^RT by @(?P<by>[A-Za-z0-9_]{1,15}):\s*", entry.title or "")
        if m:  # Nitter's title for a retweet; the link is already the original's
            info["reposted_by"] = [m.group("by")]
            entry.title = entry.title[m.end() :]
        entry.extra = {**entry.extra, "x": info}
    return parsed
