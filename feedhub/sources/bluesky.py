"""Bluesky: a list's posts (``app.bsky.feed.getListFeed`` JSON) and a profile's RSS feed.

getListFeed answers ``{"feed": [FeedViewPost, ...], "cursor": ...}``; a FeedViewPost is ``{"post":
PostView, "reason"?: {"$type": "app.bsky.feed.defs#reasonRepost", "by": profile}, "reply"?: ...}`` and
a PostView carries ``uri`` (``at://<did>/app.bsky.feed.post/<rkey>``), ``author``, ``record`` (``text``,
``createdAt``, ``facets``, ``embed``, ``tags``) and ``embed`` (the hydrated view).

* Links: a post's text shows links shortened ("arxiv.org/abs/1802.0..."); the full URL is in a link
  facet (a UTF-8 byte range of the text). The summary is the text as HTML with every link facet
  replaced by a link showing its full URL (a shortened "github.com/o/ENAS..." would name the wrong
  repository), mentions linked to the profile and hashtags to the tag page, followed by an external
  embed (link card: its URL, title and description) and a quoted post's text, so the ids and
  repositories links.graph looks for are there in full. ``extra["links"]`` lists the full URLs.
* Reposts: the key is the *original* post's AT-URI whoever reposted it, so a post reposted by three
  list members is one entry (one story with its mentions), not four; ``extra["bluesky"]
  ["reposted_by"]`` names who reposted it in this response. Its date is the original post's.
* Link: ``https://bsky.app/profile/<author DID>/post/<rkey>``, stable when the author changes handle.

Fetching a list (``fetch``, the kind's fetcher):
Bluesky lists through the public AppView, no login: handle -> DID -> list AT-URI -> getListFeed.

A list's web URL ``https://bsky.app/profile/<handle>/lists/<rkey>`` names its owner by handle; the API
wants ``at://<did>/app.bsky.graph.list/<rkey>``. So a fetch is two requests:

1. ``GET {appview}/xrpc/com.atproto.identity.resolveHandle?handle=<handle>`` -> ``{"did": ...}`` (skipped
   when the URL already has a DID; remembered for the rest of the process);
2. ``GET {appview}/xrpc/app.bsky.feed.getListFeed?list=<at-uri>&limit=<n>`` -> the list members' recent
   posts and reposts, newest first (parsed by ``feedhub.sources.bluesky``).

``{appview}`` is https://public.api.bsky.app, or ``FEEDHUB_BSKY_APPVIEW`` / ``[bluesky] appview`` in
config.toml (tests point it at a loopback server). ``limit`` is the source option ``limit`` (1-100, 50).
Profile RSS sources (``.../profile/<handle>/rss``) are a plain GET.

Profile RSS (``https://bsky.app/profile/<handle>/rss``) is RSS 2.0 whose items have no title and whose
GUID is the post's AT-URI: read by feedparser, with a title made from the text.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from typing import Any, Mapping
from urllib.parse import quote, urlsplit

from feedhub.config import endpoint
from feedhub.errors import FetchError, InvalidInput, NotAFeed
from feedhub.links.html import plain_text
from feedhub.sources import feed as feedmod
from feedhub.sources.base import Get, HttpResult, ParsedEntry, ParsedFeed, SourceSpec, as_dict, iso_date, merge_names

WEB = "https://bsky.app"
TITLE_CHARS = 120
_LINK = "app.bsky.richtext.facet#link"
_MENTION = "app.bsky.richtext.facet#mention"
_TAG = "app.bsky.richtext.facet#tag"
_REPOST = "app.bsky.feed.defs#reasonRepost"

BSKY_WEB = "https://bsky.app"
APPVIEW = "https://public.api.bsky.app"
DEFAULT_LIMIT = 50
JSON = {"Accept": "application/json"}
_DIDS: dict[tuple[str, str], str] = {}  # (appview, handle) -> DID, for this process
# A handle is a domain name; a DID is did:plc:<base32> or did:web:<domain>.
_HANDLE = re.compile(r"^(?=.{3,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_DID = re.compile(r"^did:(?:plc:[a-z2-7]{24}|web:[A-Za-z0-9.:%-]{3,253})$")
_RKEY = re.compile(r"^[A-Za-z0-9._:~-]{1,512}$")
_BSKY_PATH = re.compile(r"^/profile/(?P<actor>[^/]+)(?:/lists/(?P<rkey>[^/]+)|/rss)?/?$")
_AT_LIST = re.compile(r"^at://(?P<actor>[^/]+)/app\.bsky\.graph\.list/(?P<rkey>[^/?#]+)$")


def _http(uri: Any) -> str | None:
    if isinstance(uri, str) and uri.startswith(("https://", "http://")) and " " not in uri:
        return uri
    return None


def title_from(text: str) -> str:
    """A one-line title from a post's text: its first line, cut at a word near TITLE_CHARS."""
    line = " ".join(text.strip().split("\n", 1)[0].split()) or " ".join(text.split())
    if len(line) <= TITLE_CHARS:
        return line
    cut = line[:TITLE_CHARS].rsplit(" ", 1)[0]
    return (cut or line[:TITLE_CHARS]) + "…"


def rich_text(text: str, facets: Any) -> tuple[str, list[str], list[str]]:
    """(HTML, full link URLs, hashtags) for a post's text and its facets (UTF-8 byte ranges)."""
    data = text.encode("utf-8")
    spans: list[tuple[int, int, str, str]] = []  # start, end, kind, target
    links: list[str] = []
    tags: list[str] = []
    for facet in facets if isinstance(facets, list) else []:
        if not isinstance(facet, dict):
            continue
        index = facet.get("index") or {}
        start, end = index.get("byteStart"), index.get("byteEnd")
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(data):
            continue
        for feature in facet.get("features") or []:
            if not isinstance(feature, dict):
                continue
            kind = feature.get("$type")
            if kind == _LINK and _http(feature.get("uri")):
                spans.append((start, end, "link", feature["uri"]))
                break
            if kind == _MENTION and isinstance(feature.get("did"), str):
                spans.append((start, end, "mention", f"{WEB}/profile/{feature['did']}"))
                break
            if kind == _TAG and isinstance(feature.get("tag"), str):
                tags.append(feature["tag"])
                spans.append((start, end, "tag", f"{WEB}/hashtag/{feature['tag']}"))
                break
    out: list[str] = []
    pos = 0
    for start, end, kind, target in sorted(spans):
        if start < pos:  # overlapping facets: keep the first
            continue
        try:
            label = data[start:end].decode("utf-8")
            out.append(_escape(data[pos:start].decode("utf-8")))
        except UnicodeDecodeError:  # a range that splits a character: not a valid facet
            continue
        if kind == "link" and target not in links:
            links.append(target)
        # A link's text is shortened on Bluesky ("github.com/o/ENAS..."): show the full URL instead, so
        # the id and repository finders never read a truncated one.
        shown = target if kind == "link" else label
        out.append(f'<a href="{html.escape(target, quote=True)}">{_escape(shown)}</a>')
        pos = end
    out.append(_escape(data[pos:].decode("utf-8", "replace")))
    return "".join(out), links, tags


def _escape(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>")


def _external(embed: Any) -> dict[str, Any] | None:
    """A link card from a post's embed (the hydrated view or the record), wherever it is nested."""
    if not isinstance(embed, dict):
        return None
    ext = embed.get("external")
    if isinstance(ext, dict) and _http(ext.get("uri")):
        return ext
    media = embed.get("media")  # recordWithMedia
    return _external(media) if media is not None else None


def _quoted(embed: Any) -> dict[str, Any] | None:
    """The quoted post (app.bsky.embed.record#view) as {"uri", "author", "text", "facets"}."""
    if not isinstance(embed, dict):
        return None
    rec = embed.get("record")
    if isinstance(rec, dict) and isinstance(rec.get("record"), dict):  # recordWithMedia#view nests once more
        rec = rec["record"]
    if not isinstance(rec, dict) or not isinstance(rec.get("value"), dict):
        return None
    value = rec["value"]
    author = rec.get("author") or {}
    return {"uri": rec.get("uri"), "author": author.get("handle") or author.get("did") or "",
            "text": str(value.get("text") or ""), "facets": value.get("facets")}


def facets_present(record: Mapping[str, Any]) -> bool:
    return bool(record.get("facets"))


def post_link(uri: str, author_did: str | None) -> str | None:
    """``https://bsky.app/profile/<did>/post/<rkey>`` for ``at://<did>/app.bsky.feed.post/<rkey>``."""
    if not uri.startswith("at://"):
        return None
    parts = uri[5:].split("/")
    if len(parts) != 3 or parts[1] != "app.bsky.feed.post":
        return None
    return f"{WEB}/profile/{author_did or parts[0]}/post/{parts[2]}"


def _entry(item: dict[str, Any]) -> ParsedEntry | None:
    post = item.get("post")
    if not isinstance(post, dict) or not isinstance(post.get("uri"), str):
        return None
    record = as_dict(post.get("record"))
    author = as_dict(post.get("author"))
    text = str(record.get("text") or "")
    body, links, tags = rich_text(text, record.get("facets"))
    parts = [f"<p>{body}</p>"] if body else []
    embed = post.get("embed") or record.get("embed")
    ext = _external(embed) or _external(record.get("embed"))
    if ext:
        uri = ext["uri"]
        title = html.escape(str(ext.get("title") or uri), quote=False)
        desc = html.escape(str(ext.get("description") or ""), quote=False)
        parts.append(f'<p><a href="{html.escape(uri, quote=True)}">{title}</a>{": " + desc if desc else ""}</p>')
        if uri not in links:
            links.append(uri)
    quoted = _quoted(post.get("embed"))
    if quoted and quoted["text"]:
        qbody, qlinks, _ = rich_text(quoted["text"], quoted["facets"])
        who = html.escape(f"@{quoted['author']}", quote=False) if quoted["author"] else "quoted post"
        parts.append(f"<blockquote><p>{who}: {qbody}</p></blockquote>")
        links.extend(u for u in qlinks if u not in links)
    did = author.get("did") if isinstance(author.get("did"), str) else None
    handle = author.get("handle") if isinstance(author.get("handle"), str) and author.get("handle") != "handle.invalid" else None
    name = (author.get("displayName") or "").strip() if isinstance(author.get("displayName"), str) else ""
    shown = f"{name} (@{handle})" if name and handle else (f"@{handle}" if handle else (name or did or ""))
    for t in record.get("tags") or []:
        if isinstance(t, str) and t not in tags:
            tags.append(t)
    info: dict[str, Any] = {"uri": post["uri"], "cid": post.get("cid"), "author_did": did, "author_handle": handle}
    reply = record.get("reply")
    if isinstance(reply, dict) and isinstance(reply.get("parent"), dict):
        info["reply_to"] = reply["parent"].get("uri")
    if quoted and quoted.get("uri"):
        info["quotes"] = quoted["uri"]
    for counter in ("likeCount", "repostCount", "replyCount", "quoteCount"):
        if isinstance(post.get(counter), int):
            info[counter.removesuffix("Count") + "_count"] = post[counter]
    reason = item.get("reason")
    if isinstance(reason, dict) and reason.get("$type") == _REPOST:
        by = reason.get("by") or {}
        info["reposted_by"] = [by.get("handle") or by.get("did") or "?"]
    # From the text with full link URLs: a shortened "github.com/o/ENAS..." in the title would be read too.
    title = title_from(plain_text(body) if facets_present(record) else text) or (str(ext.get("title") or "") if ext else "") or "(post)"
    return ParsedEntry(
        guid=post["uri"],
        link=post_link(post["uri"], did),
        title=title,
        title_is_html=False,
        summary="".join(parts),
        authors=[shown] if shown else [],
        tags=tags,
        published=iso_date(record.get("createdAt")) or iso_date(post.get("indexedAt")),
        extra={"bluesky": info, "links": links},
    )


def parse_list_feed(data: Mapping[str, Any]) -> ParsedFeed:
    entries: dict[str, ParsedEntry] = {}
    for item in data.get("feed") or []:
        if not isinstance(item, dict):
            continue
        entry = _entry(item)
        if entry is None or entry.guid is None:
            continue
        seen = entries.get(entry.guid)
        if seen is None:
            entries[entry.guid] = entry
            continue
        # The same post twice (posted, and reposted by other members): one entry, every reposter named.
        reposters = merge_names(list(seen.extra["bluesky"].get("reposted_by", [])), entry.extra["bluesky"].get("reposted_by", []))
        if reposters:
            seen.extra["bluesky"]["reposted_by"] = reposters
    return ParsedFeed(title="Bluesky list", link=None, entries=list(entries.values()), format="bluesky-listfeed",
                      extra={"cursor": data.get("cursor")})


def parse(body: bytes, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    """A getListFeed answer (JSON), or a profile's RSS feed."""
    head = body.lstrip()[:1] if body else b""
    if head in (b"{", b"["):
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise NotAFeed(f"Bluesky sent invalid JSON ({exc}); will retry later") from None
        if not isinstance(data, dict) or not isinstance(data.get("feed"), list):
            if isinstance(data, dict) and data.get("error"):
                raise NotAFeed(f"Bluesky error {data.get('error')}: {str(data.get('message') or '')[:200]}")
            raise NotAFeed("JSON that is not a Bluesky list feed (no \"feed\" array); check the source URL")
        return parse_list_feed(data)
    parsed = feedmod.parse(body, headers)
    for entry in parsed.entries:
        if not entry.title.strip():
            entry.title = title_from(plain_text(entry.summary)) or "(post)"
            entry.title_is_html = False
        entry.extra = {**entry.extra, "bluesky": {"uri": entry.guid}}
    return parsed


# -- adding a source -----------------------------------------------------------------------------------


def _spec(**kw: Any) -> SourceSpec:
    return SourceSpec(**kw)


def check_actor(actor: str) -> str:
    """A handle (lower-cased, leading @ dropped) or a DID; InvalidInput otherwise."""
    actor = actor.strip().removeprefix("@")
    if _DID.match(actor):
        return actor
    if _HANDLE.match(actor):
        return actor.lower()
    raise InvalidInput(f"{actor!r} is not a Bluesky handle or DID; use e.g. alice.bsky.social or did:plc:...")


def bluesky_list_url(actor: str, rkey: str) -> str:
    actor = check_actor(actor)
    if not _RKEY.match(rkey) or rkey in (".", ".."):
        raise InvalidInput(f"{rkey!r} is not a Bluesky list key; copy the list's URL from bsky.app")
    return f"{BSKY_WEB}/profile/{actor}/lists/{rkey}"


def parse_bluesky_url(url: str) -> tuple[str, str | None, bool] | None:
    """(actor, list rkey or None, is_rss) for a bsky.app profile/list URL; None for other URLs."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if (parts.hostname or "").lower() not in ("bsky.app", "www.bsky.app", "staging.bsky.app"):
        return None
    m = _BSKY_PATH.match(parts.path)
    if not m:
        return None
    return m.group("actor"), m.group("rkey"), parts.path.rstrip("/").endswith("/rss")


def _bluesky_spec(actor: str, rkey: str | None) -> SourceSpec:
    if rkey is None:
        actor = check_actor(actor)
        return _spec(kind="bluesky", url=f"{BSKY_WEB}/profile/{actor}/rss", name=f"Bluesky @{actor}", section="posts")
    url = bluesky_list_url(actor, rkey)
    return _spec(kind="bluesky", url=url, name=f"Bluesky list {check_actor(actor)}/{rkey}", section="posts")


def bsky_shorthand(rest: str) -> SourceSpec:
    """``bsky:<handle>/lists/<rkey>``, ``bsky:<handle>`` (profile RSS), ``bsky:at://<did>/app.bsky.graph.list/<rkey>``."""
    rest = rest.strip()
    m = _AT_LIST.match(rest)
    if m:
        return _bluesky_spec(m.group("actor"), m.group("rkey"))
    if rest.startswith("//"):
        rest = "https:" + rest
    if rest.startswith(("https://", "http://")):
        found = parse_bluesky_url(rest)
        if found is None:
            raise InvalidInput(f"{rest!r} is not a Bluesky profile or list URL; use https://bsky.app/profile/HANDLE/lists/RKEY")
        return _bluesky_spec(found[0], found[1])
    actor, sep, tail = rest.partition("/")
    if not sep:
        return _bluesky_spec(actor, None)
    rkey = tail.removeprefix("lists/").strip("/")
    if not rkey or "/" in rkey:
        raise InvalidInput(f"bsky:{rest}: use bsky:HANDLE/lists/RKEY (the end of the list's bsky.app URL) or bsky:HANDLE")
    return _bluesky_spec(actor, rkey)


def recognize(url: str, forced: bool, options: Mapping[str, Any]) -> SourceSpec | None:
    """A bsky.app profile or list URL; None for other URLs."""
    found = parse_bluesky_url(url)
    return _bluesky_spec(found[0], found[1]) if found is not None else None


def shorthand(rest: str, options: Mapping[str, Any]) -> SourceSpec:
    return bsky_shorthand(rest)


# -- fetching a list -----------------------------------------------------------------------------------

def appview(settings: Any) -> str:
    return endpoint(settings, "FEEDHUB_BSKY_APPVIEW", "bluesky", "appview", APPVIEW)


async def resolve_handle(get: Get, base: str, handle: str) -> str:
    key = (base, handle)
    if key in _DIDS:
        return _DIDS[key]
    url = f"{base}/xrpc/com.atproto.identity.resolveHandle?handle={quote(handle, safe='')}"
    http = await get(url, headers=JSON)
    if http.status == 400 or http.status == 404:
        raise FetchError(f"Bluesky handle {handle} not found (HTTP {http.status}); check the list URL (the handle may have changed)")
    if http.status == 429:
        raise FetchError("Bluesky rate limited the handle lookup (HTTP 429); will retry later")
    if http.status != 200:
        raise FetchError(f"Bluesky handle lookup failed (HTTP {http.status}); will retry later")
    import json

    try:
        did = json.loads(http.body).get("did")
    except (ValueError, AttributeError):
        did = None
    if not isinstance(did, str) or not did.startswith("did:"):
        raise FetchError(f"Bluesky answered the lookup of {handle} without a DID; will retry later")
    _DIDS[key] = did
    return did


def list_uri(did: str, rkey: str) -> str:
    return f"at://{did}/app.bsky.graph.list/{rkey}"


async def fetch(
    get: Get, url: str, *, etag: str | None = None, last_modified: str | None = None,
    options: Mapping[str, Any] | None = None, settings: Any = None,
) -> HttpResult:
    found = parse_bluesky_url(url)
    if found is None or found[1] is None:  # profile RSS (or anything else): an ordinary feed
        return await get(url, etag=etag, last_modified=last_modified)
    actor, rkey, _ = found
    if rkey is None:
        return await get(url, etag=etag, last_modified=last_modified)
    actor = check_actor(actor)
    base = appview(settings)
    did = actor if actor.startswith("did:") else await resolve_handle(get, base, actor)
    limit = (options or {}).get("limit", DEFAULT_LIMIT)
    limit = max(1, min(int(limit), 100)) if isinstance(limit, int) else DEFAULT_LIMIT
    api = f"{base}/xrpc/app.bsky.feed.getListFeed?list={quote(list_uri(did, rkey), safe='')}&limit={limit}"
    http = await get(api, etag=etag, last_modified=last_modified, headers=JSON)
    if http.status == 400:
        raise FetchError(f"Bluesky does not know the list {rkey} of {actor} (HTTP 400); check the list URL, it may have been deleted")
    if http.status in (401, 403):
        raise FetchError(f"Bluesky refused the list (HTTP {http.status}); the public AppView serves public lists only")
    return replace(http, moved_to=None)
