"""A group's server on several processes (`feedhub serve --workers N`): each process keeps its own caches, and a
change made through one (a dismissal, a sign-out) is seen by the others at their next request."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from feedhub.web.app import SESSION_COOKIE, create_app, start_shared
from tests.web.conftest import Site, serve_app
from tests.web.test_routes import csrf_of

TITLE = "Deep contextualized word representations"


def test_a_dismissal_and_a_sign_out_in_one_process_reach_the_others_at_once(site: Site) -> None:
    start_shared(site.engine)
    a_app = create_app(site.settings, clock=site.clock, tz="UTC", shared=True)
    b_app = create_app(site.settings, clock=site.clock, tz="UTC", shared=True)
    for a_base in serve_app(a_app):
        for b_base in serve_app(b_app):
            a = httpx.Client(base_url=a_base, follow_redirects=False)
            assert a.get(site.link("bob")).status_code == 303
            b = httpx.Client(base_url=b_base, follow_redirects=False, cookies={SESSION_COOKIE: a.cookies[SESSION_COOKIE]})
            # both processes have built the week, counted a search and looked the session up: their caches are warm
            week = a.get("/week/2018-W08").text
            assert TITLE in week and TITLE in b.get("/week/2018-W08").text and b.get("/saved").status_code == 200
            found = b.get("/api/v1/search", params={"q": "learning"}).json()
            paper = next(h["id"] for h in found["hits"] if h["kind"] == "paper")
            token = csrf_of(week)
            assert a.post("/act/dismiss", data={"csrf": token, "target": paper}).status_code == 303
            # the other process sees it at its next request, with no cache time to wait for
            assert b.get("/api/v1/search", params={"q": "learning"}).json()["total"] == found["total"] - 1
            assert a.post("/act/dismiss", data={"csrf": token, "target": "arxiv:1802.05365", "next": "/week/2018-W08"}).status_code == 303
            assert TITLE not in b.get("/week/2018-W08").text and TITLE not in a.get("/week/2018-W08").text
            # a sign-out through one process ends the session in the other at once, not after VIEWER_TTL
            assert a.post("/signout", data={"csrf": token}).status_code == 303
            assert b.get("/saved").status_code == 303
            a.close()
            b.close()


def test_fetch_every_on_several_processes_fetches_in_one_at_a_time_and_all_show_it(site: Site) -> None:
    from datetime import timedelta

    from sqlalchemy import delete

    from feedhub.store.db import transaction
    from feedhub.store.locks import exclusive
    from feedhub.store.models import WebOption
    from feedhub.web.pages import FETCH_KEY, every_text, shared_fetch

    start_shared(site.engine)
    with transaction(site.engine) as s:
        s.execute(delete(WebOption).where(WebOption.key == FETCH_KEY))  # no fetch has run on this store yet
    a_app = create_app(site.settings, clock=site.clock, tz="UTC", shared=True)
    b_app = create_app(site.settings, clock=site.clock, tz="UTC", shared=True)
    a, b = a_app.state.server, b_app.state.server
    a.fetch_every = b.fetch_every = timedelta(hours=1)  # as --fetch-every 1h (the loop itself is not started here)
    assert [every_text(timedelta(minutes=m)) for m in (60, 90, 1440)] == ["1h", "90m", "1d"]  # as the page shows it
    fetched: list[str] = []

    def run_a(srv: object) -> str:
        fetched.append("a")
        # while A fetches, B's turn finds the lock taken and skips it, without waiting
        assert shared_fetch(b, run_b) is False
        return "3 new, 2 sources"

    def run_b(srv: object) -> str:
        fetched.append("b")
        return "1 new, 2 sources"

    for a_base in serve_app(a_app):
        for b_base in serve_app(b_app):
            alice_a = httpx.Client(base_url=a_base, follow_redirects=False)
            assert alice_a.get(site.link("alice")).status_code == 303
            alice_b = httpx.Client(base_url=b_base, follow_redirects=False, cookies={SESSION_COOKIE: alice_a.cookies[SESSION_COOKIE]})
            assert alice_b.get("/week/2018-W08").status_code == 200 and b.weeks  # B has built and cached the week
            assert shared_fetch(a, run_a) is True and fetched == ["a"]
            # every process shows the last fetch, whichever process made it; B forgot the week it had built
            for client in (alice_a, alice_b):
                assert "3 new, 2 sources" in client.get("/sources").text
            assert not b.weeks
            assert shared_fetch(b, run_b) is False and shared_fetch(a, run_a) is False  # not due: it ran just now
            site.clock.advance(minutes=61)
            with exclusive(site.engine, "fetch"):  # a `feedhub fetch` from the CLI holds the lock: both skip
                assert shared_fetch(a, run_a) is False and shared_fetch(b, run_b) is False
            assert shared_fetch(b, run_b) is True and fetched == ["a", "b"]
            assert "1 new, 2 sources" in alice_a.get("/sources").text
            site.clock.advance(minutes=61)

            def broken(srv: object) -> str:
                raise OSError("the disk is full")

            assert shared_fetch(a, broken) is True  # a failed fetch is shown on every process's page; the next is due later
            assert "the disk is full" in alice_b.get("/sources").text
            assert shared_fetch(b, run_b) is False and fetched == ["a", "b"]
            alice_a.close()
            alice_b.close()
    with transaction(site.engine) as s:
        s.execute(delete(WebOption).where(WebOption.key == FETCH_KEY))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_with_two_workers_signs_in_and_serves_the_week(tmp_path: Path) -> None:
    env = {**os.environ, "FEEDHUB_HOME": str(tmp_path / "h"), "FEEDHUB_ARXIV_ENRICH": "0"}
    env.pop("FEEDHUB_DB_URL", None)
    assert subprocess.run([sys.executable, "-m", "feedhub", "demo"], env=env, capture_output=True, timeout=300).returncode == 0
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "feedhub", "serve", "--workers", "2", "--port", str(port), "--tz", "UTC",
                             "--fetch-every", "1h"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        link = ""
        assert proc.stderr is not None
        for line in proc.stderr:  # it prints the link before the workers start
            found = re.search(r"(http://\S+/signin/\S+)", line)
            if found:
                link = found.group(1)
                break
        assert link, "no sign-in link printed"
        base = f"http://127.0.0.1:{port}"
        for _ in range(3000):  # readiness, not timing: until uvicorn has bound its socket (then a worker answers)
            try:
                httpx.get(base + "/static/feedhub.css", timeout=60)
                break
            except httpx.ConnectError:
                time.sleep(0.01)
        # a fresh connection for every request, so both workers answer some of them
        c = httpx.Client(base_url=base, follow_redirects=False, timeout=30, limits=httpx.Limits(max_keepalive_connections=0))
        assert c.get(link.replace(f"http://127.0.0.1:{port}", "")).status_code == 303

        def fetch_line() -> str:
            found = re.search(r'<p id="fetch">.*?</p>', c.get("/sources").text, re.S)
            assert found, "no background-fetch line on the sources page"
            return found.group(0)

        for _ in range(3000):  # readiness: until the first background fetch (one worker's, at start) has ended
            line = fetch_line()
            if " · " in line and "running" not in line:
                break
            time.sleep(0.02)
        # every worker's page shows that one fetch, its summary and no error
        assert "1h" in line and "source" in line and "problem" not in line
        assert all(fetch_line() == line for _ in range(8))
        token = csrf_of(c.get("/week/2018-W08").text)
        assert all(TITLE in c.get("/week/2018-W08").text for _ in range(8))
        assert c.post("/act/dismiss", data={"csrf": token, "target": "arxiv:1802.05365"}).status_code == 303
        assert all(TITLE not in c.get("/week/2018-W08").text for _ in range(8))
        assert c.post("/signout", data={"csrf": token}).status_code == 303
        c.close()
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_a_server_process_imports_what_its_pages_use_and_freezes_it() -> None:
    """`feedhub serve` (server_process=True) settles after startup: the full collections later walk only what
    serving created, not the ~100,000 objects of its modules (measured in benchmarks/bench_serve.py)."""
    code = ("import gc, sys\nfrom feedhub.web.app import PAGE_MODULES, settle\nbefore = len(gc.get_objects())\nsettle()\n"
            "print(sorted(set(PAGE_MODULES) - set(sys.modules)), gc.get_freeze_count() > before, len(gc.get_objects()) < 1000)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[]", "True", "True"]  # every page module imported (a renamed one fails here); all frozen
