"""GitHub Atom sources end to end: `source add github:... --tags`, fetched from a loopback server,
entries linked to their repository and the paper their notes name."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from feedhub.fetch.http import FetchConfig
from feedhub.fetch.runner import fetch_sources
from feedhub.store.db import session_factory
from feedhub.store.models import Entry, EntryRepo, PaperRepo, Repo
from feedhub.subscriptions.manage import SourceSpec, add_source
from tests.httpserver import FeedServer, Reply
from tests.sources.test_github import TAGS_ATOM


def test_tags_feed_links_repo_and_paper(engine) -> None:  # type: ignore[no-untyped-def]
    with FeedServer() as server:
        url = server.route("/carpedm20/ENAS-pytorch/tags.atom", Reply(body=TAGS_ATOM, content_type="application/atom+xml", etag='"t1"'))
        with session_factory(engine)() as session, session.begin():
            add_source(session, SourceSpec(kind="github", url=url, section="code"))
        cfg = FetchConfig(allow_private=True, deadline=5.0)
        first = asyncio.run(fetch_sources(engine, cfg, force=True)).results[0]
        second = asyncio.run(fetch_sources(engine, cfg, force=True)).results[0]
    assert (first.status, first.new) == ("ok", 1) and second.status == "not modified"
    with session_factory(engine)() as session:
        (entry,) = session.scalars(select(Entry))
        assert entry.extra["github"] == {"feed": "tags", "repo": "carpedm20/enas-pytorch", "ref": "v0.1"}
        repo_id = session.scalar(select(Repo.id).where(Repo.full_name == "carpedm20/enas-pytorch"))
        assert session.get(EntryRepo, (entry.id, repo_id)) is not None
        # an entry about a repository that names one paper: the paper's code
        assert session.get(PaperRepo, ("1802.03268", repo_id)) is not None


def feedhub(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FEEDHUB_HOME": str(home), "COLUMNS": "200"}
    env.pop("FEEDHUB_DB_URL", None)
    return subprocess.run([sys.executable, "-m", "feedhub", *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize(
    ("args", "url", "name"),
    [
        (("github:pytorch/pytorch",), "https://github.com/pytorch/pytorch/releases.atom", "pytorch/pytorch releases"),
        (("github:pytorch/pytorch", "--releases"), "https://github.com/pytorch/pytorch/releases.atom", "pytorch/pytorch releases"),
        (("github:pytorch/pytorch", "--tags"), "https://github.com/pytorch/pytorch/tags.atom", "pytorch/pytorch tags"),
        (("github:pytorch/pytorch", "--commits"), "https://github.com/pytorch/pytorch/commits.atom", "pytorch/pytorch commits"),
        (("github:karpathy",), "https://github.com/karpathy.atom", "GitHub karpathy activity"),
    ],
)
def test_cli_source_add_github(tmp_path: Path, args: tuple[str, ...], url: str, name: str) -> None:
    home = tmp_path / "home"
    out = feedhub(home, "source", "add", *args)
    assert out.returncode == 0 and f"added source 1: {name} ({url})" in " ".join(out.stdout.split()), out.stderr
    (row,) = json.loads(feedhub(home, "source", "list", "--json").stdout)
    assert (row["kind"], row["section"], row["url"]) == ("github", "code", url)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("github:pytorch/pytorch", "--tags", "--commits"), "give one of --releases, --tags, --commits"),
        (("https://example.org/feed.xml", "--tags", "--no-check"), "--tags applies to github: sources only"),
        (("github:karpathy", "--commits"), "needs a repository"),
        (("github:not/a/repo",), "not a GitHub repository"),
        (("https://x.com/someone",), "feedhub reads X lists only"),
        (("bsky:bad handle",), "not a Bluesky handle"),
    ],
)
def test_cli_source_add_bad_input(tmp_path: Path, args: tuple[str, ...], needle: str) -> None:
    out = feedhub(tmp_path / "home", "source", "add", *args)
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert out.returncode == 1 and len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], out.stderr
