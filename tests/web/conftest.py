"""A real ``feedhub serve`` app under uvicorn on 127.0.0.1 (a free port), on SQLite and PostgreSQL, with the
sample week loaded, two members (alice: admin with a password; bob: a member with a password) and an
injected clock the tests move instead of waiting."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import httpx
import pytest

from feedhub.config import load_settings
from feedhub.search import accounts
from feedhub.store import open_store
from feedhub.store.db import transaction

ALICE_PW = "alice-password-1"
BOB_PW = "bob-password-22"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2018, 3, 1, 12, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Site:
    base: str
    clock: Clock
    engine: Any
    settings: Any
    app: Any

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, follow_redirects=False, timeout=30)

    def link(self, name: str = "alice") -> str:
        from feedhub.search.members import resolve

        with transaction(self.engine) as s:
            return "/signin/" + accounts.signin_link_token(s, resolve(s, name), self.clock())

    def signed_in(self, name: str = "alice") -> httpx.Client:
        c = self.client()
        r = c.get(self.link(name))
        assert r.status_code == 303 and r.headers["location"] == "/week"
        return c


def serve_app(app: Any) -> Iterator[str]:
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(1000):  # readiness, not timing: the server says when it listens
        if server.started:
            break
        time.sleep(0.01)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One loaded store and server per backend and test module (loading the sample takes seconds)."""
    import os

    from feedhub.ops.demo import load_demo
    from feedhub.web.app import create_app
    from tests.conftest import PG_URL, _reset_postgres, missing

    tmp = tmp_path_factory.mktemp("site")
    if request.param == "postgresql":
        if not PG_URL:
            missing("FEEDHUB_TEST_PG_URL not set: run the suite through scripts/test.sh to include PostgreSQL")
        _reset_postgres(PG_URL)
        db_url = PG_URL
    else:
        db_url = f"sqlite:///{tmp / 'feedhub.db'}"
    old = os.environ.get("FEEDHUB_ARXIV_ENRICH")
    os.environ["FEEDHUB_ARXIV_ENRICH"] = "0"
    settings = load_settings(db=db_url, home=tmp / "home")
    engine = open_store(db_url)
    load_demo(engine, settings)
    clock = Clock()
    with transaction(engine) as s:
        accounts.add_member(s, "alice", admin=True, password=ALICE_PW)
        accounts.add_member(s, "bob", password=BOB_PW)
    app = create_app(settings, clock=clock, tz="UTC")
    for base in serve_app(app):
        yield Site(base=base, clock=clock, engine=engine, settings=settings, app=app)
    engine.dispose()
    if old is None:
        os.environ.pop("FEEDHUB_ARXIV_ENRICH", None)
    else:
        os.environ["FEEDHUB_ARXIV_ENRICH"] = old


@pytest.fixture()
def site(served: Site) -> Site:
    """The module's server, as a fresh one would be: clock, limiter, caches, members' feedback and tokens reset."""
    from sqlalchemy import delete, update

    from feedhub.store.models import Dismissal, Follow, Member, Rule, Run, Saved, SigninFailure, WebOption, WebToken

    served.clock.now = Clock().now
    srv = served.app.state.server
    with transaction(served.engine) as s:
        s.execute(delete(SigninFailure))
    srv.forget_weeks(everyone=True)
    srv.forget_viewers()
    srv.related.clear()
    with transaction(served.engine) as s:
        for model in (Saved, Dismissal, Rule, Follow, WebToken, WebOption, Run):
            s.execute(delete(model))
        s.execute(update(Member).values(lang="en"))
    return served
