"""X lists through the API v2: ``GET /2/lists/:id/tweets`` with a bearer token (``X_BEARER_TOKEN``).

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
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Mapping

from feedhub.fetch.http import FetchConfig, FetchError, HttpResult, get
from feedhub.social import secret, setting
from feedhub.social.urls import X_DEFAULT_MAX_POSTS, x_list_id

API = "https://api.x.com"
TOKEN_ENV = "X_BEARER_TOKEN"
FIELDS = "tweet.fields=created_at,entities,author_id,referenced_tweets&expansions=author_id"


def api_base(settings: Any) -> str:
    return setting(settings, "FEEDHUB_X_API", "x", "api_url", API)


def max_posts(options: Mapping[str, Any] | None) -> int:
    value = (options or {}).get("max_posts", X_DEFAULT_MAX_POSTS)
    if isinstance(value, bool) or not isinstance(value, int):
        return X_DEFAULT_MAX_POSTS
    return max(1, min(value, 100))


def list_tweets_url(base: str, list_id: str, limit: int) -> str:
    return f"{base}/2/lists/{list_id}/tweets?max_results={limit}&{FIELDS}"


async def fetch(
    client: Any, url: str, cfg: FetchConfig, *, etag: str | None = None, last_modified: str | None = None,
    options: Mapping[str, Any] | None = None, settings: Any = None,
) -> HttpResult:
    list_id = x_list_id(url)
    if list_id is None:
        raise FetchError(f"{url} is not an X list URL; use https://x.com/i/lists/ID")
    token = secret(settings, TOKEN_ENV)
    if not token:
        raise FetchError(f"X lists need an API bearer token: set {TOKEN_ENV} (developer.x.com; the API bills per post read)")
    api = list_tweets_url(api_base(settings), list_id, max_posts(options))
    http = await get(client, api, cfg, etag=etag, last_modified=last_modified,
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
            headers["retry-after"] = str(max(int(reset) - int(time.time()), 0))
            http = replace(http, headers=headers)
    return replace(http, moved_to=None)
