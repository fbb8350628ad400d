"""``feedhub github refresh``: fill in repositories linked to papers from the GitHub REST API.

Which repositories: those linked to a paper (``paper_repos``), or every known one with ``all_repos``
(also those only linked from entries), or the ``names`` given; never-fetched first, then the longest
unrefreshed. A repository refreshed within ``max_age`` is skipped unless ``force``.

Per repository: a conditional GET of its metadata (the stored ``Repo.etag``); on 200 the description,
stars, topics and last push are stored, and when the last push moved (or it is the first fetch) the
README is read too. A README or description that names an arXiv paper links it to the repository
(provenance "in README", ``links.graph.link_repo_text``). The new ETag is stored only once the README
step is done, so a README that failed to load is read again next time. One transaction per repository.

Rate limits: when ``X-RateLimit-Remaining`` reaches 0 (or GitHub answers 403/429 for its limit), the
refresh stops and reports when it may resume; that time is kept in ``<home>/state/github-rate-limit.json``
so a refresh started before then stops at once without a request (``wait``: sleep until then, up to
``MAX_WAIT``, and go on). Unrefreshed repositories come first next time, so a run resumes where the
last one stopped. ``GITHUB_TOKEN`` (environment or config.toml) raises the limit from 60 to 5,000
requests an hour; a rejected token raises ``BadToken`` (a FeedhubError naming the variable, never the
token); repositories stored before it stay stored.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from sqlalchemy import Engine, select

from feedhub.errors import InvalidInput
from feedhub.fetch.http import FetchConfig, FetchError, make_client
from feedhub.github.client import API, TOKEN_ENV, BadToken, GitHubClient, RateLimited
from feedhub.links.repos import normalize_repo
from feedhub.store.db import session_factory
from feedhub.store.models import PaperRepo, Repo
from feedhub.store.types import utcnow

MAX_AGE = timedelta(hours=24)
UNREACHABLE_AFTER = 3  # transport failures in a row (timeouts, refused connections) end the run
MAX_WAIT = timedelta(hours=1, minutes=5)
STATE_FILE = Path("state") / "github-rate-limit.json"


@dataclass
class RepoResult:
    full_name: str
    status: str  # "updated" | "not modified" | "not found" | "error"
    stars: int | None = None
    papers: list[str] = field(default_factory=list)  # papers linked from the README/description
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"repo": self.full_name, "status": self.status, "stars": self.stars, "papers": self.papers, "error": self.error}


@dataclass
class RefreshReport:
    results: list[RepoResult] = field(default_factory=list)
    skipped_fresh: int = 0  # refreshed within max_age
    left: int = 0  # not reached because the rate limit stopped the run
    stopped: str | None = None  # why the run stopped early (rate limit, bad token)
    resume_at: datetime | None = None
    requests: int = 0
    rate_remaining: int | None = None
    rate_limit: int | None = None
    authenticated: bool = False

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def as_json(self) -> dict[str, Any]:
        return {
            "repos": [r.as_json() for r in self.results],
            "updated": self.count("updated"), "not_modified": self.count("not modified"),
            "not_found": self.count("not found"), "errors": self.count("error"),
            "skipped_fresh": self.skipped_fresh, "left": self.left, "stopped": self.stopped,
            "resume_at": self.resume_at.isoformat() if self.resume_at else None, "requests": self.requests,
            "rate_remaining": self.rate_remaining, "rate_limit": self.rate_limit, "authenticated": self.authenticated,
        }


def api_url(settings: Any, base_url: str | None = None) -> str:
    from feedhub.config import endpoint

    return base_url.rstrip("/") if base_url else endpoint(settings, "FEEDHUB_GITHUB_API", "github", "api_url", API)


# -- the rate-limit memo -------------------------------------------------------------------------------

def _state_path(settings: Any) -> Path | None:
    home = getattr(settings, "home", None)
    return Path(home) / STATE_FILE if home else None


def _system_clock() -> datetime:
    return datetime.now(timezone.utc)


def saved_resume_at(settings: Any, base: str, clock: Callable[[], datetime] = _system_clock) -> datetime | None:
    path = _state_path(settings)
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path and path.exists() else {}
        value = data.get(base)
        when = datetime.fromisoformat(value) if isinstance(value, str) else None
    except (OSError, ValueError, AttributeError):
        return None
    return when if when and when > clock() else None


def _save_resume_at(settings: Any, base: str, when: datetime | None) -> None:
    path = _state_path(settings)
    if path is None:
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        if not isinstance(data, dict):
            data = {}
        if when is None:
            if base not in data:
                return
            data.pop(base, None)
        else:
            data[base] = when.isoformat()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data), encoding="utf-8")
    except (OSError, ValueError):
        pass  # a memo only: without it the next run learns the limit from its first answer


# -- choosing -------------------------------------------------------------------------------------------

def select_repos(engine: Engine, *, names: Iterable[str] | None = None, all_repos: bool = False,
                 force: bool = False, max_age: timedelta = MAX_AGE, limit: int | None = None) -> tuple[list[tuple[str, str | None, datetime | None, datetime | None]], int]:  # fmt: skip
    """[(full_name, etag, pushed_at, fetched_at)] to refresh, and how many were skipped as fresh."""
    wanted: list[str] = []
    for n in names or []:
        full = normalize_repo(n)
        if full is None:
            raise InvalidInput(f"{n!r} is not a GitHub repository; use owner/name or its https://github.com/ URL")
        wanted.append(full)
    cutoff = utcnow() - max_age
    with session_factory(engine)() as session:
        if wanted:
            from feedhub.papers.graph import ensure_repos

            with session.begin():
                ensure_repos(session, wanted)
            query = select(Repo.full_name, Repo.etag, Repo.pushed_at, Repo.fetched_at).where(Repo.full_name.in_(wanted))
            force = True  # named explicitly: refreshed now
        else:
            query = select(Repo.full_name, Repo.etag, Repo.pushed_at, Repo.fetched_at)
            if not all_repos:
                query = query.where(Repo.id.in_(select(PaperRepo.repo_id)))
        rows = [tuple(r) for r in session.execute(query)]
    rows.sort(key=lambda r: (r[3] is not None, r[3] or datetime.min.replace(tzinfo=timezone.utc), r[0]))
    due = [r for r in rows if force or r[3] is None or r[3] < cutoff]
    skipped = len(rows) - len(due)
    if limit is not None:
        due = due[:limit]
    return due, skipped  # type: ignore[return-value]


# -- storing --------------------------------------------------------------------------------------------

def _store(engine: Engine, full_name: str, values: dict[str, Any], text: str | None) -> list[str]:
    from feedhub.papers.graph import IN_README, link_repo_text

    with session_factory(engine)() as session, session.begin():
        repo = session.scalar(select(Repo).where(Repo.full_name == full_name))
        if repo is None:  # removed meanwhile: nothing to fill in
            return []
        for k, v in values.items():
            setattr(repo, k, v)
        return link_repo_text(session, full_name, text, IN_README) if text else []


# -- the run ----------------------------------------------------------------------------------------------

async def _refresh(settings: Any, engine: Engine, todo: list[tuple[str, str | None, datetime | None, datetime | None]],
                   report: RefreshReport, base: str, cfg: FetchConfig, token: str | None, readme: bool,
                   on_result: Callable[[RepoResult], None] | None, clock: Callable[[], datetime]) -> None:  # fmt: skip
    async with make_client(cfg) as http:
        gh = GitHubClient(http, cfg, base_url=base, token=token, clock=clock)
        report.authenticated = gh.authenticated
        try:
            failures = 0
            for i, (full_name, etag, pushed_at, fetched_at) in enumerate(todo):
                result = await _one(engine, gh, full_name, etag, pushed_at, fetched_at, readme)
                report.results.append(result)
                if on_result:
                    on_result(result)
                failures = failures + 1 if result.status == "error" and result.error and not result.error.startswith("HTTP") else 0
                if failures >= UNREACHABLE_AFTER and i + 1 < len(todo):
                    report.left = len(todo) - i - 1
                    report.stopped = f"GitHub unreachable ({result.error}); stopped with {report.left} repositories left"
                    break
                if gh.rate.exhausted and i + 1 < len(todo):
                    reset = gh.rate.reset or clock() + timedelta(hours=1)
                    raise RateLimited(f"GitHub rate limit reached ({gh.rate.limit or '?'} requests an hour)", reset)
        except RateLimited as exc:
            done = len(report.results)
            report.left = len(todo) - done
            report.stopped = f"{exc}; stopped with {report.left} repositories left, resumes after {_hhmm(exc.reset)}"
            report.resume_at = exc.reset
            _save_resume_at(settings, base, exc.reset)
        except BadToken:
            report.left = len(todo) - len(report.results)
            raise  # the whole refresh is unauthorized: one line at the CLI; what was stored stays
        finally:
            report.requests = gh.requests
            report.rate_remaining = gh.rate.remaining
            report.rate_limit = gh.rate.limit


async def _one(engine: Engine, gh: GitHubClient, full_name: str, etag: str | None, pushed_at: datetime | None,
               fetched_at: datetime | None, readme: bool) -> RepoResult:  # fmt: skip
    loop = asyncio.get_running_loop()
    try:
        status, meta, new_etag = await gh.repo(full_name, etag)
        now = utcnow()
        if status == 304:
            await loop.run_in_executor(None, _store, engine, full_name, {"fetched_at": now}, None)
            return RepoResult(full_name, "not modified")
        if status in (404, 410, 451):
            await loop.run_in_executor(None, _store, engine, full_name, {"fetched_at": now}, None)
            return RepoResult(full_name, "not found", error=f"HTTP {status}: deleted, renamed away or private")
        if status != 200 or meta is None:
            return RepoResult(full_name, "error", error=f"HTTP {status} from GitHub; will retry next time")
        values: dict[str, Any] = {"description": meta.description, "stars": meta.stars, "topics": meta.topics,
                                  "pushed_at": meta.pushed_at, "etag": new_etag, "fetched_at": now}  # fmt: skip
        text = meta.description
        note = None
        if readme and (fetched_at is None or meta.pushed_at != pushed_at):  # a push may have changed the README
            if gh.rate.exhausted:
                # No request left for the README: keep the metadata but neither the ETag nor the fetch
                # time, so the next run asks again in full and reads the README then.
                del values["etag"], values["fetched_at"]
                note = "README next time (rate limit)"
            else:
                body = await gh.readme(full_name)
                text = "\n\n".join(t for t in (meta.description, body) if t)
        papers = await loop.run_in_executor(None, _store, engine, full_name, values, text)
        return RepoResult(full_name, "updated", stars=meta.stars, papers=papers, error=note)
    except (RateLimited, BadToken):
        raise
    except FetchError as exc:
        return RepoResult(full_name, "error", error=str(exc))


def _hhmm(when: datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()


def refresh_repos(
    settings: Any,
    engine: Engine,
    *,
    names: Iterable[str] | None = None,
    all_repos: bool = False,
    force: bool = False,
    limit: int | None = None,
    base_url: str | None = None,
    cfg: FetchConfig | None = None,
    wait: bool = False,
    readme: bool = True,
    max_age: timedelta = MAX_AGE,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[RepoResult], None] | None = None,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], datetime] = _system_clock,
) -> RefreshReport:
    """Refresh repository metadata (and README links) from the GitHub REST API; see the module docstring.
    ``sleep`` and ``clock`` are how long waits are taken and what time it is (tests pass a fake clock)."""
    import time

    base = api_url(settings, base_url)
    cfg = cfg or FetchConfig.from_settings(settings)
    token = settings.secret(TOKEN_ENV) if settings is not None else None
    sleep = sleep or time.sleep
    todo, skipped = select_repos(engine, names=names, all_repos=all_repos, force=force, max_age=max_age, limit=limit)
    report = RefreshReport(skipped_fresh=skipped)
    if on_start:
        on_start(len(todo))
    while True:
        resume = saved_resume_at(settings, base, clock)
        if resume is not None and todo:
            pause = resume - clock()
            if not wait or pause > MAX_WAIT:
                report.left = len(todo)
                report.resume_at = resume
                report.stopped = (f"GitHub rate limit reached earlier; {len(todo)} repositories wait until {_hhmm(resume)} "
                                  f"(rerun then, or with --wait)")  # fmt: skip
                return report
            sleep(max(pause.total_seconds(), 0) + 1)
        asyncio.run(_refresh(settings, engine, todo, report, base, cfg, token, readme, on_result, clock))
        if report.resume_at is None or not wait or report.left == 0 or report.stopped is None or "rate limit" not in report.stopped:
            if report.stopped is None:
                _save_resume_at(settings, base, None)
            return report
        todo = todo[len(todo) - report.left :]
        report.stopped = None
        report.resume_at = None
        report.left = 0


# -- listing ----------------------------------------------------------------------------------------------

def list_repos(engine: Engine, *, all_repos: bool = False) -> list[dict[str, Any]]:
    """Known repositories (those linked to papers, or all), most stars first, with their papers."""
    from sqlalchemy import func

    with session_factory(engine)() as session:
        papers = {rid: n for rid, n in session.execute(select(PaperRepo.repo_id, func.count()).group_by(PaperRepo.repo_id))}
        query = select(Repo)
        if not all_repos:
            query = query.where(Repo.id.in_(select(PaperRepo.repo_id)))
        rows = []
        for r in session.scalars(query):
            rows.append({
                "repo": r.full_name, "url": r.url, "stars": r.stars, "description": r.description, "topics": list(r.topics or []),
                "pushed_at": r.pushed_at.isoformat() if r.pushed_at else None,
                "fetched_at": r.fetched_at.isoformat() if r.fetched_at else None, "papers": papers.get(r.id, 0),
            })  # fmt: skip
    rows.sort(key=lambda d: (-(d["stars"] or -1), d["repo"]))
    return rows
