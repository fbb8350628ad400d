"""Bluesky lists through the public AppView, no login: handle -> DID -> list AT-URI -> getListFeed.

A list's web URL ``https://bsky.app/profile/<handle>/lists/<rkey>`` names its owner by handle; the API
wants ``at://<did>/app.bsky.graph.list/<rkey>``. So a fetch is two requests:

1. ``GET {appview}/xrpc/com.atproto.identity.resolveHandle?handle=<handle>`` -> ``{"did": ...}`` (skipped
   when the URL already has a DID; remembered for the rest of the process);
2. ``GET {appview}/xrpc/app.bsky.feed.getListFeed?list=<at-uri>&limit=<n>`` -> the list members' recent
   posts and reposts, newest first (parsed by ``feedhub.sources.bluesky``).

``{appview}`` is https://public.api.bsky.app, or ``FEEDHUB_BSKY_APPVIEW`` / ``[bluesky] appview`` in
config.toml (tests point it at a loopback server). ``limit`` is the source option ``limit`` (1-100, 50).
Profile RSS sources (``.../profile/<handle>/rss``) are a plain GET.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping
from urllib.parse import quote

from feedhub.fetch.http import FetchConfig, FetchError, HttpResult, get
from feedhub.social import setting
from feedhub.social.urls import check_actor, parse_bluesky_url

APPVIEW = "https://public.api.bsky.app"
DEFAULT_LIMIT = 50
JSON = {"Accept": "application/json"}
_DIDS: dict[tuple[str, str], str] = {}  # (appview, handle) -> DID, for this process


def appview(settings: Any) -> str:
    return setting(settings, "FEEDHUB_BSKY_APPVIEW", "bluesky", "appview", APPVIEW)


async def resolve_handle(client: Any, base: str, handle: str, cfg: FetchConfig) -> str:
    key = (base, handle)
    if key in _DIDS:
        return _DIDS[key]
    url = f"{base}/xrpc/com.atproto.identity.resolveHandle?handle={quote(handle, safe='')}"
    http = await get(client, url, cfg, headers=JSON)
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
    client: Any, url: str, cfg: FetchConfig, *, etag: str | None = None, last_modified: str | None = None,
    options: Mapping[str, Any] | None = None, settings: Any = None,
) -> HttpResult:
    found = parse_bluesky_url(url)
    if found is None or found[1] is None:  # profile RSS (or anything else): an ordinary feed
        return await get(client, url, cfg, etag=etag, last_modified=last_modified)
    actor, rkey, _ = found
    actor = check_actor(actor)
    base = appview(settings)
    did = actor if actor.startswith("did:") else await resolve_handle(client, base, actor, cfg)
    limit = (options or {}).get("limit", DEFAULT_LIMIT)
    limit = max(1, min(int(limit), 100)) if isinstance(limit, int) else DEFAULT_LIMIT
    api = f"{base}/xrpc/app.bsky.feed.getListFeed?list={quote(list_uri(did, rkey), safe='')}&limit={limit}"
    http = await get(client, api, cfg, etag=etag, last_modified=last_modified, headers=JSON)
    if http.status == 400:
        raise FetchError(f"Bluesky does not know the list {rkey} of {actor} (HTTP 400); check the list URL, it may have been deleted")
    if http.status in (401, 403):
        raise FetchError(f"Bluesky refused the list (HTTP {http.status}); the public AppView serves public lists only")
    return replace(http, moved_to=None)
