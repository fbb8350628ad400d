"""Researchers' lists: fetchers for sources whose URL is not the URL to GET (Bluesky lists, X lists).

The fetch runner's hook: for a source of kind K, ``fetcher_for(K)`` returns an async function or None
(None: a plain conditional GET of the source URL, as for any feed). A fetcher has the signature::

    async def fetch(client, url, cfg, *, etag, last_modified, options, settings) -> HttpResult

``client`` is the run's one guarded ``httpx.AsyncClient`` and ``cfg`` its ``FetchConfig``: fetchers make
their requests with ``feedhub.fetch.http.get`` (SSRF guard, body cap, deadline, redirects). They may
make several requests (Bluesky: resolve the handle, then read the list) and return the last response;
its body goes to the kind's parser in ``feedhub.sources``, and 304/429/5xx are handled by the runner
as for any feed. A fetcher raises ``FetchError`` with a one-line message for what only it can explain
(a missing or rejected token: the message names the variable and never contains the token). The
returned ``HttpResult`` never carries ``moved_to``: an API's redirect must not rewrite the source URL.

Modules are imported when first needed, so ``feedhub --help`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any, Awaitable, Callable

Fetcher = Callable[..., Awaitable[Any]]
FETCHERS: dict[str, str] = {
    "bluesky": "feedhub.social.bluesky:fetch",
    "x": "feedhub.social.x:fetch",
}


def fetcher_for(kind: str) -> Fetcher | None:
    target = FETCHERS.get(kind)
    if target is None:
        return None
    mod, _, fn = target.partition(":")
    return getattr(importlib.import_module(mod), fn)  # type: ignore[no-any-return]


def setting(settings: Any, env: str, section: str, key: str, default: str) -> str:
    """An endpoint base URL: the environment variable, else ``[section] key`` in config.toml, else the default."""
    import os

    value = os.environ.get(env)
    if value:
        return value.rstrip("/")
    if settings is not None:
        block = settings.get(section, {})
        if isinstance(block, dict) and block.get(key):
            return str(block[key]).rstrip("/")
    return default


def secret(settings: Any, env: str) -> str | None:
    import os

    if settings is not None:
        return settings.secret(env)  # type: ignore[no-any-return]
    return os.environ.get(env) or None
