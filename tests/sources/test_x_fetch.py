"""An X list fetched end to end from a loopback API: bearer token, per-fetch cap, reposts as one story,
401/403/429 handled, and the token never written anywhere (output, error, database)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from feedhub.fetch.http import FetchConfig
from feedhub.fetch.runner import fetch_sources
from feedhub.store.db import session_factory
from feedhub.store.models import Base, Entry, PaperEntry, Source
from feedhub.subscriptions.manage import add_source, resolve_spec
from tests.httpserver import FeedServer, Reply, Request
from tests.sources.test_x import ORIGINAL, RETWEET, answer

TOKEN = "AAAAfeedhubFAKEtoken-7c1e9b2d-DO-NOT-LEAK"
LIST = "https://x.com/i/lists/1234567890"
PATH = "/2/lists/1234567890/tweets"


@pytest.fixture()
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedServer]:
    with FeedServer() as server:
        monkeypatch.setenv("FEEDHUB_X_API", server.url(""))
        monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
        yield server


def cfg() -> FetchConfig:
    return FetchConfig(allow_private=True, connect_timeout=2.0, read_timeout=2.0, deadline=5.0)


def add(engine, options: dict | None = None) -> int:  # type: ignore[no-untyped-def]
    with session_factory(engine)() as session, session.begin():
        source, _ = add_source(session, resolve_spec(LIST, options=options))
        return source.id


def fetch(engine):  # type: ignore[no-untyped-def]
    return asyncio.run(fetch_sources(engine, cfg(), force=True)).results[0]


def dump(engine) -> str:  # type: ignore[no-untyped-def]
    """Every row of every table, as text."""
    with engine.connect() as conn:
        return "\n".join(repr(row) for table in Base.metadata.sorted_tables for row in conn.execute(table.select()))


def authorized(handler):  # type: ignore[no-untyped-def]
    def route(r: Request) -> Reply:
        if r.headers.get("authorization") != f"Bearer {TOKEN}":
            return Reply(status=401, body=b'{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}',
                         content_type="application/json")
        return handler(r)

    return route


def test_list_tweets_with_token_and_cap(engine, api: FeedServer) -> None:  # type: ignore[no-untyped-def]
    api.route(PATH, authorized(lambda r: Reply(body=answer(ORIGINAL, RETWEET), content_type="application/json")))
    sid = add(engine, {"max_posts": 5})
    result = fetch(engine)
    assert result.status == "ok", result.error
    assert result.new == 1  # the retweet is the original's story
    (request,) = api.hits(PATH) or [r for r in api.requests if r.target.startswith(PATH)]
    q = parse_qs(urlsplit(request.target).query)
    assert q["max_results"] == ["5"]
    assert q["tweet.fields"] == ["created_at,entities,author_id,referenced_tweets"] and q["expansions"] == ["author_id"]
    with session_factory(engine)() as session:
        (entry,) = session.scalars(select(Entry))
        assert entry.key == "x:1001" and entry.link == "https://x.com/adaexample/status/1001"
        assert entry.extra["x"]["reposted_by"] == ["lin_ml"]
        assert {p.paper_id for p in session.scalars(select(PaperEntry))} == {"1802.03268"}
        source = session.get(Source, sid)
        assert source.options["max_posts"] == 5 and source.url == LIST
        # X sources are checked every 4 hours by default (interval_minutes), to bound the posts billed
        assert source.next_check_at is not None and source.next_check_at > source.last_fetched_at + __import__("datetime").timedelta(hours=3)
    assert TOKEN not in dump(engine)


@pytest.mark.parametrize(
    ("status", "needle"),
    [
        (401, "X rejected X_BEARER_TOKEN (HTTP 401)"),
        (403, "HTTP 403"),
        (404, "no list 1234567890"),
        (402, "credits"),
    ],
)
def test_api_errors_name_the_variable_not_the_token(engine, api: FeedServer, status: int, needle: str) -> None:  # type: ignore[no-untyped-def]
    api.route(PATH, Reply(status=status, body=b'{"title":"nope"}', content_type="application/json"))
    sid = add(engine)
    result = fetch(engine)
    assert result.status == "error" and needle in (result.error or ""), result.error
    assert TOKEN not in (result.error or "")
    with session_factory(engine)() as session:
        assert session.get(Source, sid).error_count == 1
    assert TOKEN not in dump(engine)


def test_missing_token_makes_no_request(engine, api: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("X_BEARER_TOKEN")
    add(engine)
    result = fetch(engine)
    assert result.status == "error" and "set X_BEARER_TOKEN" in (result.error or "")
    assert api.requests == []


def test_rate_limit_waits_until_reset(engine, api: FeedServer) -> None:  # type: ignore[no-untyped-def]
    reset = int(time.time()) + 900
    api.route(PATH, Reply(status=429, body=b"{}", headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}))
    sid = add(engine)
    result = fetch(engine)
    assert result.status == "error" and "429" in (result.error or "")
    with session_factory(engine)() as session:
        source = session.get(Source, sid)
        wait = (source.next_check_at - source.last_fetched_at).total_seconds()
        assert 850 <= wait <= 960


def test_api_error_body_with_200(engine, api: FeedServer) -> None:  # type: ignore[no-untyped-def]
    api.route(PATH, Reply(body=b'{"errors":[{"detail":"Could not find list with id: [1234567890].","title":"Not Found Error"}]}',
                          content_type="application/json"))
    add(engine)
    result = fetch(engine)
    assert result.status == "error" and "Could not find list" in (result.error or "")


def _cli(home: Path, api: FeedServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FEEDHUB_HOME": str(home), "COLUMNS": "200", "FEEDHUB_X_API": api.url(""), "X_BEARER_TOKEN": TOKEN}
    env.pop("FEEDHUB_DB_URL", None)
    return subprocess.run([sys.executable, "-m", "feedhub", *args], capture_output=True, text=True, env=env, timeout=120)


def test_cli_expired_token_is_never_shown(tmp_path: Path, api: FeedServer) -> None:
    api.route(PATH, Reply(status=401, body=b'{"title":"Unauthorized","status":401}', content_type="application/json"))
    home = tmp_path / "home"
    added = _cli(home, api, "source", "add", LIST, "--max-posts", "10")
    assert added.returncode == 0 and "added source 1" in added.stdout, added.stderr
    outputs = [added]
    outputs.append(_cli(home, api, "fetch", "--allow-private"))
    outputs.append(_cli(home, api, "fetch", "--allow-private", "--force", "--json"))
    outputs.append(_cli(home, api, "--debug", "fetch", "--allow-private", "--force"))
    outputs.append(_cli(home, api, "source", "list", "--json"))
    text = "".join(p.stdout + p.stderr for p in outputs)
    assert "X_BEARER_TOKEN" in text and "HTTP 401" in text and "Traceback" not in text
    assert TOKEN not in text
    listed = json.loads(outputs[-1].stdout)
    assert listed[0]["kind"] == "x" and "X_BEARER_TOKEN" in listed[0]["last_error"]
    for path in home.rglob("*"):  # the database (and its WAL), the index, any state file
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_cli_source_add_flags(tmp_path: Path, api: FeedServer) -> None:
    home = tmp_path / "home"
    bad = _cli(home, api, "source", "add", "github:pytorch/pytorch", "--max-posts", "5")
    assert bad.returncode == 1 and "--max-posts applies to X lists only" in bad.stderr
    help_text = _cli(home, api, "source", "add", "--help").stdout
    assert "bills every post" in " ".join(help_text.split())
