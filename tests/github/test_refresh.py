"""Repository metadata from a loopback GitHub REST API built from its documented answers: ETags,
README links ("in README"), rate limits (stop, remember, resume), a rejected token that never leaks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import select

from feedhub.config import Settings
from feedhub.errors import FeedhubError, InvalidInput
from feedhub.github.client import BadToken
from feedhub.github.refresh import list_repos, refresh_repos, saved_resume_at
from feedhub.papers.graph import ensure_repos, link_paper_repos
from feedhub.store.db import session_factory
from feedhub.store.models import Base, PaperRepo, Repo
from tests.httpserver import FeedServer, Reply, Request

TOKEN = "ghp_FEEDHUBfakeTOKEN0123456789abcdefXYZ"

REPOS: dict[str, dict[str, Any]] = {
    "carpedm20/ENAS-pytorch": {
        "description": "PyTorch implementation of Efficient Neural Architecture Search via Parameters Sharing",
        "stargazers_count": 2700, "topics": ["nas", "pytorch"], "pushed_at": "2018-02-21T10:00:00Z",
        "readme": "# ENAS-pytorch\n\nPyTorch port of [ENAS](https://arxiv.org/abs/1802.03268).\n",
    },
    "allenai/bilm-tf": {
        "description": "Tensorflow implementation of contextualized word representations from bi-directional language models",
        "stargazers_count": 1600, "topics": [], "pushed_at": "2018-02-20T10:00:00Z",
        "readme": "# bilm-tf\n\nCode for *Deep contextualized word representations*, arXiv:1802.05365.\n",
    },
    "uber/horovod": {
        "description": "Distributed training framework (see https://arxiv.org/abs/1802.05799)",
        "stargazers_count": 8000, "topics": ["deep-learning"], "pushed_at": "2018-02-22T21:04:11Z",
        "readme": None,  # 404: no README
    },
}


@dataclass
class FakeClock:
    """The time both the fake GitHub and feedhub read; sleeping moves it on, nothing waits."""

    now: float = 1_519_200_000.0  # 2018-02-21

    def time(self) -> float:
        return self.now

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now, timezone.utc)

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeGitHub:
    """The REST API's answers for /repos/{o}/{n} and /repos/{o}/{n}/readme, with a primary rate limit."""

    server: FeedServer
    token: str | None = None
    limit: int = 5000
    remaining: int = 5000
    reset_in: int = 3600
    reset_at: float = 0.0
    etags: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    clock: FakeClock = field(default_factory=FakeClock)

    def rate_headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": str(int(self.reset_at)), "X-RateLimit-Used": str(self.limit - self.remaining)}

    def __call__(self, r: Request) -> Reply:
        with self.lock:
            now = self.clock.time()
            if now >= self.reset_at:
                self.reset_at, self.remaining = now + self.reset_in, self.limit
            if self.token and r.headers.get("authorization") != f"Bearer {self.token}":
                return Reply(401, b'{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}',
                             content_type="application/json")
            if self.remaining <= 0:
                return Reply(403, b'{"message":"API rate limit exceeded"}', headers=self.rate_headers(), content_type="application/json")
            path = r.target.split("?", 1)[0]
            parts = path.strip("/").split("/")
            full = next((k for k in REPOS if k.lower() == "/".join(parts[1:3]).lower()), None)
            if full is None:
                self.remaining -= 1
                return Reply(404, b'{"message":"Not Found"}', headers=self.rate_headers(), content_type="application/json")
            data = REPOS[full]
            if len(parts) == 4 and parts[3] == "readme":
                self.remaining -= 1
                assert r.headers.get("accept") == "application/vnd.github.raw"
                if data["readme"] is None:
                    return Reply(404, b'{"message":"Not Found"}', headers=self.rate_headers(), content_type="application/json")
                return Reply(body=data["readme"].encode(), headers=self.rate_headers(), content_type="text/plain")
            etag = f'W/"{abs(hash(json.dumps({k: v for k, v in data.items() if k != "readme"}, sort_keys=True)))}"'
            if r.headers.get("if-none-match") == etag:  # GitHub: a 304 with a token does not count
                return Reply(304, headers={**self.rate_headers(), "ETag": etag})
            self.remaining -= 1
            body = {"id": 1, "full_name": full, "description": data["description"], "stargazers_count": data["stargazers_count"],
                    "topics": data["topics"], "pushed_at": data["pushed_at"], "archived": False, "html_url": f"https://github.com/{full}"}
            return Reply(body=json.dumps(body).encode(), headers={**self.rate_headers(), "ETag": etag}, content_type="application/json")


@pytest.fixture()
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    with FeedServer() as server:
        fake = FakeGitHub(server)
        for prefix in ("/repos/" + k.lower() for k in REPOS):  # feedhub asks in lower case; GitHub ignores case
            server.route(prefix, fake)
            server.route(prefix + "/readme", fake)
        server.route("/repos/nobody/gone", fake)
        yield fake


def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(home=tmp_path / "home", db_url=db_url, allow_private=True)


def seed(engine) -> None:  # type: ignore[no-untyped-def]
    with session_factory(engine)() as session, session.begin():
        link_paper_repos(session, [("1802.03268", "carpedm20/ENAS-pytorch"), ("1802.05799", "uber/horovod")], "in abstract")
        ensure_repos(session, ["allenai/bilm-tf"])  # linked from an entry only, no paper yet


def refresh(tmp_path, engine, github, **kw):  # type: ignore[no-untyped-def]
    return refresh_repos(settings(tmp_path, str(engine.url)), engine, base_url=github.server.url(""), clock=github.clock.datetime, **kw)


def test_metadata_readme_links_and_etags(tmp_path, engine, github) -> None:  # type: ignore[no-untyped-def]
    seed(engine)
    report = refresh(tmp_path, engine, github)
    assert sorted((r.full_name, r.status) for r in report.results) == [("carpedm20/enas-pytorch", "updated"), ("uber/horovod", "updated")]
    assert not report.authenticated and report.stopped is None
    with session_factory(engine)() as session:
        enas = session.scalar(select(Repo).where(Repo.full_name == "carpedm20/enas-pytorch"))
        assert (enas.stars, enas.topics, enas.pushed_at.isoformat()) == (2700, ["nas", "pytorch"], "2018-02-21T10:00:00+00:00")
        assert enas.etag and enas.fetched_at is not None and "Architecture Search" in enas.description
        links = {(p.paper_id, p.provenance) for p in session.scalars(select(PaperRepo))}
        assert ("1802.03268", "in abstract") in links  # an existing link keeps its provenance
    # --all takes the entry-only repository too; its README names its paper
    report = refresh(tmp_path, engine, github, all_repos=True)
    assert [(r.full_name, r.status, r.papers) for r in report.results] == [("allenai/bilm-tf", "updated", ["1802.05365"])]
    assert report.skipped_fresh == 2
    with session_factory(engine)() as session:
        bilm = session.scalar(select(Repo.id).where(Repo.full_name == "allenai/bilm-tf"))
        assert session.get(PaperRepo, ("1802.05365", bilm)).provenance == "in README"
    # forced again: conditional requests, 304s, no README requests
    before = len(github.server.requests)
    report = refresh(tmp_path, engine, github, all_repos=True, force=True)
    assert {r.status for r in report.results} == {"not modified"} and report.requests == 3
    new = github.server.requests[before:]
    assert all(r.headers.get("if-none-match", "").startswith('W/"') for r in new)
    assert not any(r.target.endswith("/readme") for r in new)
    rows = list_repos(engine)
    assert [r["repo"] for r in rows] == ["uber/horovod", "carpedm20/enas-pytorch", "allenai/bilm-tf"]  # most stars first


def test_stars_change_without_push_skips_the_readme(tmp_path, engine, github, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    seed(engine)
    refresh(tmp_path, engine, github, names=["carpedm20/ENAS-pytorch"])
    monkeypatch.setitem(REPOS["carpedm20/ENAS-pytorch"], "stargazers_count", 2800)
    before = len(github.server.requests)
    report = refresh(tmp_path, engine, github, names=["https://github.com/carpedm20/ENAS-pytorch/tree/master"])
    assert [(r.status, r.stars) for r in report.results] == [("updated", 2800)]
    assert [r.target for r in github.server.requests[before:]] == ["/repos/carpedm20/enas-pytorch"]


def test_token_is_sent(tmp_path, engine, github, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    github.token = TOKEN
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    seed(engine)
    report = refresh(tmp_path, engine, github)
    assert report.authenticated and report.count("updated") == 2


def test_rate_limit_stops_remembers_and_resumes(tmp_path, engine, github) -> None:  # type: ignore[no-untyped-def]
    seed(engine)
    github.limit = github.remaining = 3
    github.reset_in = 3
    s = settings(tmp_path, str(engine.url))
    base = github.server.url("")
    report = refresh_repos(s, engine, base_url=base, all_repos=True, clock=github.clock.datetime)
    # 3 requests: repo + README of the first, then the second repository's metadata; the limit is spent,
    # so its README waits for the next run (neither its ETag nor its fetch time is kept)
    assert report.requests == 3 and report.rate_remaining == 0
    assert [(r.status, r.error) for r in report.results] == [("updated", None), ("updated", "README next time (rate limit)")]
    assert report.left == 1
    assert report.stopped and "rate limit" in report.stopped and "resumes after" in report.stopped
    assert saved_resume_at(s, base, github.clock.datetime) is not None  # remembered across processes (state file in the data dir)
    # started again before the reset: stops at once, without a request
    before = len(github.server.requests)
    again = refresh_repos(s, engine, base_url=base, all_repos=True, clock=github.clock.datetime)
    assert len(github.server.requests) == before and again.left == 2 and "reached earlier" in (again.stopped or "")
    # --wait: sleeps until the reset, then finishes the one left
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        github.clock.sleep(seconds)

    github.limit = 4  # the next window has room for both, READMEs included
    resumed = refresh_repos(s, engine, base_url=base, all_repos=True, wait=True, sleep=sleep, clock=github.clock.datetime)
    assert slept and resumed.stopped is None
    # the one left, and the one whose README was put off (with its README now)
    assert sorted((r.full_name, r.status, r.error) for r in resumed.results) == [
        ("carpedm20/enas-pytorch", "updated", None), ("uber/horovod", "updated", None)]
    assert saved_resume_at(s, base, github.clock.datetime) is None
    with session_factory(engine)() as session:
        assert session.scalar(select(Repo).where(Repo.fetched_at.is_(None))) is None


def test_secondary_rate_limit_and_missing_repos(tmp_path, engine, github) -> None:  # type: ignore[no-untyped-def]
    seed(engine)
    with session_factory(engine)() as session, session.begin():
        link_paper_repos(session, [("1706.03762", "nobody/gone")], "in abstract")
    report = refresh(tmp_path, engine, github, names=["nobody/gone"])
    assert [(r.status, r.error) for r in report.results] == [("not found", "HTTP 404: deleted, renamed away or private")]
    github.server.route("/repos/carpedm20/enas-pytorch", Reply(403, b'{"message":"You have exceeded a secondary rate limit"}',
                                                                headers={"Retry-After": "60"}, content_type="application/json"))
    report = refresh(tmp_path, engine, github, force=True, names=["carpedm20/ENAS-pytorch", "uber/horovod"])
    assert report.stopped and "secondary rate limit" in report.stopped and report.left == 2
    assert report.resume_at.timestamp() - github.clock.time() == 60


@pytest.mark.parametrize("name", ["not a repo", "https://github.com/features/copilot", "owner/"])
def test_bad_names(tmp_path, engine, github, name: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="not a GitHub repository"):
        refresh(tmp_path, engine, github, names=[name])


def test_rejected_token_raises_and_keeps_nothing_secret(tmp_path, engine, github, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    github.token = "the-right-one"
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    seed(engine)
    with pytest.raises(BadToken) as caught:
        refresh(tmp_path, engine, github)
    assert "GITHUB_TOKEN was rejected (HTTP 401" in str(caught.value) and TOKEN not in str(caught.value)
    assert isinstance(caught.value, FeedhubError)
    with engine.connect() as conn:
        dump = "\n".join(repr(row) for t in Base.metadata.sorted_tables for row in conn.execute(t.select()))
    assert TOKEN not in dump


def _cli(home: Path, *args: str, token: str | None = None, api: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FEEDHUB_HOME": str(home), "COLUMNS": "200", "FEEDHUB_GITHUB_API": api}
    env.pop("FEEDHUB_DB_URL", None)
    env.pop("GITHUB_TOKEN", None)
    if token:
        env["GITHUB_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "feedhub", *args], capture_output=True, text=True, env=env, timeout=120)


def test_cli_refresh_and_expired_token(tmp_path: Path, github) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    api = github.server.url("")
    ok = _cli(home, "github", "refresh", "carpedm20/ENAS-pytorch", "--allow-private", "--json", api=api)
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert data["updated"] == 1 and data["repos"][0]["repo"] == "carpedm20/enas-pytorch" and data["authenticated"] is False
    table = _cli(home, "github", "repos", "--all", api=api)
    assert "carpedm20/enas-pytorch" in table.stdout and "2700" in table.stdout
    github.token = "the-right-one"
    outputs = [
        _cli(home, "github", "refresh", "--allow-private", "--force", "--all", token=TOKEN, api=api),
        _cli(home, "github", "refresh", "--allow-private", "--force", "--all", "--json", token=TOKEN, api=api),
        _cli(home, "github", "refresh", "uber/horovod", "--allow-private", token=TOKEN, api=api),
    ]
    for p in outputs:
        assert p.returncode == 1 and "Traceback" not in p.stdout + p.stderr
        lines = [line for line in p.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: GITHUB_TOKEN was rejected"), p.stderr
    text = "".join(p.stdout + p.stderr for p in outputs)
    assert TOKEN not in text
    for path in home.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    bad = _cli(home, "github", "refresh", "not/a/repo", "--allow-private", api=api)
    assert bad.returncode == 1 and "not a GitHub repository" in bad.stderr


def test_cli_refuses_loopback_without_allow_private(tmp_path: Path, github) -> None:  # type: ignore[no-untyped-def]
    out = _cli(tmp_path / "home", "github", "refresh", "carpedm20/ENAS-pytorch", "--json", api=github.server.url(""))
    assert out.returncode == 1 and out.stderr.startswith("error: refused: 127.0.0.1 is a loopback address") and not out.stdout
    assert github.server.requests == []


def test_unreachable_api_stops_after_three_failures(tmp_path, engine) -> None:  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with session_factory(engine)() as session, session.begin():
        ensure_repos(session, ["a/one", "a/two", "a/three", "a/four", "a/five"])
    report = refresh_repos(settings(tmp_path, str(engine.url)), engine, base_url=f"http://127.0.0.1:{port}", all_repos=True)
    assert [r.status for r in report.results] == ["error"] * 3 and report.left == 2
    assert report.stopped and report.stopped.startswith("GitHub unreachable (cannot connect")
