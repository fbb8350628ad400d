"""A small GitHub REST client: one repository's metadata and README, politely.

* ``GET {api}/repos/{owner}/{name}`` with ``If-None-Match: <stored ETag>``: 304 means nothing changed
  (and, with a token, does not count against the rate limit); 200 gives ``description``,
  ``stargazers_count``, ``topics``, ``pushed_at``.
* ``GET {api}/repos/{owner}/{name}/readme`` with ``Accept: application/vnd.github.raw``: the README's
  raw text (404: the repository has none).
* Every response's ``X-RateLimit-Remaining`` / ``X-RateLimit-Reset`` is read: the caller stops when
  nothing remains. 403/429 with ``X-RateLimit-Remaining: 0`` (primary limit) or ``Retry-After``
  (secondary limit) raise ``RateLimited`` with the time to resume.
* The token (``GITHUB_TOKEN``) goes in the ``Authorization`` header only; 401 raises ``BadToken``,
  whose message names the variable and never the token.

Requests go through ``feedhub.fetch.http.get`` on the run's guarded client (SSRF guard, body cap,
deadline, redirects: a renamed repository answers 301 to its new place).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from feedhub.errors import FeedhubError
from feedhub.fetch.http import FetchConfig, HttpResult, get

API = "https://api.github.com"
TOKEN_ENV = "GITHUB_TOKEN"
JSON = "application/vnd.github+json"
RAW = "application/vnd.github.raw"
API_VERSION = "2022-11-28"
README_CHARS = 200_000  # what is scanned for arXiv ids: a README's head names its paper


class BadToken(FeedhubError):
    """GitHub rejected the token (HTTP 401)."""


class RateLimited(FeedhubError):
    """The rate limit is used up; ``reset`` is when requests may resume."""

    def __init__(self, message: str, reset: datetime) -> None:
        super().__init__(message)
        self.reset = reset


@dataclass
class RateState:
    limit: int | None = None
    remaining: int | None = None
    reset: datetime | None = None

    def update(self, headers: dict[str, str]) -> None:
        for attr, name in (("limit", "x-ratelimit-limit"), ("remaining", "x-ratelimit-remaining")):
            value = headers.get(name, "")
            if value.strip().isdigit():
                setattr(self, attr, int(value))
        reset = headers.get("x-ratelimit-reset", "")
        if reset.strip().isdigit():
            self.reset = datetime.fromtimestamp(int(reset), tz=timezone.utc)

    @property
    def exhausted(self) -> bool:
        return self.remaining is not None and self.remaining <= 0


@dataclass
class RepoMeta:
    full_name: str  # as GitHub spells it now (a renamed repository answers with its new name)
    description: str | None
    stars: int | None
    topics: list[str] = field(default_factory=list)
    pushed_at: datetime | None = None
    archived: bool = False


def _iso(value: Any) -> datetime | None:
    from feedhub.sources.base import iso_date

    return iso_date(value)


def parse_repo(body: bytes) -> RepoMeta:
    import json

    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise FeedhubError("GitHub sent a repository answer that is not JSON; try again later") from None
    if not isinstance(data, dict) or not isinstance(data.get("full_name"), str):
        raise FeedhubError("GitHub's repository answer has no full_name; try again later")
    stars = data.get("stargazers_count")
    topics = data.get("topics")
    desc = data.get("description")
    return RepoMeta(
        full_name=data["full_name"],
        description=desc if isinstance(desc, str) else None,
        stars=stars if isinstance(stars, int) and not isinstance(stars, bool) else None,
        topics=[t for t in topics if isinstance(t, str)] if isinstance(topics, list) else [],
        pushed_at=_iso(data.get("pushed_at")),
        archived=bool(data.get("archived")),
    )


class GitHubClient:
    def __init__(self, client: Any, cfg: FetchConfig, *, base_url: str = API, token: str | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:  # fmt: skip
        self._client = client
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._cfg = cfg
        self.base_url = base_url.rstrip("/")
        self._auth = {"Authorization": f"Bearer {token}"} if token else {}
        self.authenticated = bool(token)
        self.rate = RateState()
        self.requests = 0

    def _headers(self, accept: str) -> dict[str, str]:
        return {"Accept": accept, "X-GitHub-Api-Version": API_VERSION, **self._auth}

    async def _get(self, path: str, accept: str, etag: str | None = None) -> HttpResult:
        http = await get(self._client, f"{self.base_url}{path}", self._cfg, etag=etag, headers=self._headers(accept))
        self.requests += 1
        self.rate.update(http.headers)
        self._check(http)
        return http

    def _check(self, http: HttpResult) -> None:
        if http.status == 401:
            how = f"{TOKEN_ENV} was rejected (HTTP 401 Bad credentials): the token is invalid, revoked or expired"
            if not self.authenticated:  # a proxy or test server asking for credentials we never sent
                raise BadToken("GitHub asked for credentials (HTTP 401); set GITHUB_TOKEN to a valid token")
            raise BadToken(f"{how}; create a new token, or unset {TOKEN_ENV} to use the anonymous limit (60 requests an hour)")
        if http.status in (403, 429):
            now = self._clock()
            retry = http.headers.get("retry-after", "").strip()
            if retry.isdigit():
                raise RateLimited(f"GitHub's secondary rate limit (HTTP {http.status}): asked to wait {retry} s", now + timedelta(seconds=int(retry)))
            if self.rate.exhausted or http.headers.get("x-ratelimit-remaining") == "0":
                reset = self.rate.reset or now + timedelta(hours=1)
                raise RateLimited(f"GitHub rate limit reached (HTTP {http.status}, {self.rate.limit or '?'} requests an hour)", reset)

    async def repo(self, full_name: str, etag: str | None = None) -> tuple[int, RepoMeta | None, str | None]:
        """(status, metadata on 200, ETag). 304: not modified; 404/410/451: gone or hidden; 403: denied."""
        http = await self._get(f"/repos/{full_name}", JSON, etag)
        if http.status == 200:
            return 200, parse_repo(http.body), http.headers.get("etag")
        return http.status, None, http.headers.get("etag")

    async def readme(self, full_name: str) -> str | None:
        """The README's raw text, or None when the repository has none."""
        http = await self._get(f"/repos/{full_name}/readme", RAW)
        if http.status != 200:
            return None
        return http.body[: README_CHARS * 4].decode("utf-8", "replace")[:README_CHARS]
