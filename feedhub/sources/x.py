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

Fetching a list (``fetch``, the kind's fetcher): X lists through the API v2: ``GET /2/lists/:id/tweets`` with a bearer token (``X_BEARER_TOKEN``).

One request per fetch, never a second page: ``max_results`` is the source option ``max_posts``
(1-100, default 20), because X bills every post an API call returns (pay-per-usage: the same post
read twice in one UTC day counts once; prices in X's Developer Console). At the defaults (20 posts,
every 4 hours) a list costs at most 120 post reads a day. The request asks for
``tweet.fields=created_at,entities,author_id,referenced_tweets`` and ``expansions=author_id``, what
``feedhub.sources.x`` needs to expand t.co links and name authors.

Errors: no token -> a message naming ``X_BEARER_TOKEN``; 401 -> the token is invalid or expired (the
message names the variable, never the token); 403 -> not allowed for this app or list; 404 -> no such
list; 429 -> the runner backs off until ``x-rate-limit-reset``. The API base is https://api.x.com, or
``FEEDHUB_X_API`` / ``[x] api_url`` in config.toml (tests point it at a loopback server).

Bridges (kind ``bridge``) are ordinary RSS/Atom; entries whose link is a tweet on a Nitter host or on
twitter.com are rewritten to the same ``https://x.com/<user>/status/<id>`` link and ``x:<id>`` key, so a
bridge's retweet (whose link is the original tweet) and the original are one entry too.
"""

from __future__ import annotations

import html
import json
import re
import time
from dataclasses import replace
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from feedhub.config import endpoint, secret
from feedhub.errors import FeedhubError, FetchError, InvalidInput, NotAFeed
from feedhub.sources import feed as feedmod
from feedhub.sources.base import Get, HttpResult, ParsedEntry, ParsedFeed, SourceSpec, as_dict, iso_date, merge_names
from feedhub.sources.bluesky import title_from

now: Callable[[], float] = time.time  # the clock a rate-limit reset is measured against (tests replace it)

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
    entities = as_dict(post.get("entities"))
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
        meta = as_dict(data.get("meta"))
        if isinstance(errors, list) and errors:
            first = as_dict(errors[0])
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
        reposters = merge_names(list(seen.extra["x"].get("reposted_by", [])), entry.extra["x"].get("reposted_by", []))
        # The original's text is complete; a retweet's may be truncated. Keep the original's entry.
        keep = entry if "repost_id" in seen.extra["x"] and "repost_id" not in entry.extra["x"] else seen
        if reposters:
            keep.extra["x"]["reposted_by"] = reposters
        entries[entry.guid] = keep
    meta = as_dict(data.get("meta"))
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


# -- adding a source -----------------------------------------------------------------------------------

_X_LIST_PATH = re.compile(r"^/i/lists/(?P<id>\d{1,25})/?$")
_X_HOSTS = ("x.com", "www.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com", "mobile.x.com")
X_DEFAULT_MAX_POSTS = 20
X_DEFAULT_INTERVAL_MINUTES = 240


def _spec(**kw: Any) -> SourceSpec:
    return SourceSpec(**kw)


def x_list_url(list_id: str) -> str:
    if not re.fullmatch(r"\d{1,25}", list_id.strip()):
        raise InvalidInput(f"{list_id!r} is not an X list id (digits); copy the list's URL, https://x.com/i/lists/ID")
    return f"https://x.com/i/lists/{list_id.strip()}"


def x_list_id(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if (parts.hostname or "").lower() not in _X_HOSTS:
        return None
    m = _X_LIST_PATH.match(parts.path)
    return m.group("id") if m else None


def _x_spec(list_id: str) -> SourceSpec:
    return _spec(kind="x", url=x_list_url(list_id), name=f"X list {list_id}", section="posts",
                 options={"max_posts": X_DEFAULT_MAX_POSTS, "interval_minutes": X_DEFAULT_INTERVAL_MINUTES})


def shorthand(rest: str, options: Mapping[str, Any]) -> SourceSpec:
    """``x:list/<id>`` or ``x:<list URL>``."""
    rest = rest.strip()
    if rest.startswith(("https://", "http://")):
        found = x_list_id(rest)
        if found is None:
            raise InvalidInput(_X_ONLY_LISTS)
        return _x_spec(found)
    return _x_spec(rest.removeprefix("list/").removeprefix("lists/"))


_X_ONLY_LISTS = ("feedhub reads X lists only (https://x.com/i/lists/ID, through the API with X_BEARER_TOKEN); "
                 "for one account use an RSS bridge (a Nitter or RSSHub URL) or put the account in a list")  # fmt: skip


def recognize(url: str, forced: bool, options: Mapping[str, Any]) -> SourceSpec | None:
    """An X list URL; any other x.com URL is refused with what to do instead (unless a kind was forced)."""
    list_id = x_list_id(url)
    if list_id is not None:
        return _x_spec(list_id)
    if not forced and (urlsplit(url).hostname or "").lower() in _X_HOSTS:
        raise InvalidInput(_X_ONLY_LISTS)
    return None


def recognize_bridge(url: str, forced: bool, options: Mapping[str, Any]) -> SourceSpec | None:
    """A Nitter or RSSHub bridge (an ordinary feed of X posts): by host name, or any URL when forced."""
    host = (urlsplit(url).hostname or "").lower()
    if forced or "nitter" in host or "rsshub" in host:
        return _spec(kind="bridge", url=url, name="", section="posts")
    return None


# -- fetching a list -----------------------------------------------------------------------------------

API = "https://api.x.com"
TOKEN_ENV = "X_BEARER_TOKEN"
FIELDS = "tweet.fields=created_at,entities,author_id,referenced_tweets&expansions=author_id"


def api_base(settings: Any) -> str:
    return endpoint(settings, "FEEDHUB_X_API", "x", "api_url", API)


def max_posts(options: Mapping[str, Any] | None) -> int:
    value = (options or {}).get("max_posts", X_DEFAULT_MAX_POSTS)
    if isinstance(value, bool) or not isinstance(value, int):
        return X_DEFAULT_MAX_POSTS
    return max(1, min(value, 100))


def list_tweets_url(base: str, list_id: str, limit: int) -> str:
    return f"{base}/2/lists/{list_id}/tweets?max_results={limit}&{FIELDS}"


async def fetch(
    get: Get, url: str, *, etag: str | None = None, last_modified: str | None = None,
    options: Mapping[str, Any] | None = None, settings: Any = None,
) -> HttpResult:
    list_id = x_list_id(url)
    if list_id is None:
        raise FetchError(f"{url} is not an X list URL; use https://x.com/i/lists/ID")
    token = secret(settings, TOKEN_ENV)
    if not token:
        raise FetchError(f"X lists need an API bearer token: set {TOKEN_ENV} (developer.x.com; the API bills per post read)")
    api = list_tweets_url(api_base(settings), list_id, max_posts(options))
    http = await get(api, etag=etag, last_modified=last_modified,
                     headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    if http.status == 401:
        raise FetchError(f"X rejected {TOKEN_ENV} (HTTP 401): the token is invalid, revoked or expired; set a valid bearer token")
    if http.status == 403:
        raise FetchError(f"X refused list {list_id} (HTTP 403): the app's access level may not include list posts, or the list is private")
    if http.status == 404:
        raise FetchError(f"X has no list {list_id} (HTTP 404); check the list URL")
    if http.status == 402:
        raise FetchError("X answered 402 Payment Required: the app's API credits are used up; add credits or disable this source")
    if http.status == 429 and "retry-after" not in http.headers:
        reset = http.headers.get("x-rate-limit-reset", "")
        if reset.isdigit():
            headers = dict(http.headers)
            headers["retry-after"] = str(max(int(reset) - int(now()), 0))
            http = replace(http, headers=headers)
    return replace(http, moved_to=None)
