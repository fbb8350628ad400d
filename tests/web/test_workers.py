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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_with_two_workers_signs_in_and_serves_the_week(tmp_path: Path) -> None:
    env = {**os.environ, "FEEDHUB_HOME": str(tmp_path / "h"), "FEEDHUB_ARXIV_ENRICH": "0"}
    env.pop("FEEDHUB_DB_URL", None)
    assert subprocess.run([sys.executable, "-m", "feedhub", "demo"], env=env, capture_output=True, timeout=300).returncode == 0
    bad = subprocess.run([sys.executable, "-m", "feedhub", "serve", "--workers", "2", "--fetch-every", "1h"], env=env,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert bad.returncode == 1 and "--fetch-every runs in one process" in bad.stderr and "Traceback" not in bad.stderr
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "feedhub", "serve", "--workers", "2", "--port", str(port), "--tz", "UTC"],
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
        token = csrf_of(c.get("/week/2018-W08").text)
        assert all(TITLE in c.get("/week/2018-W08").text for _ in range(8))
        assert c.post("/act/dismiss", data={"csrf": token, "target": "arxiv:1802.05365"}).status_code == 303
        assert all(TITLE not in c.get("/week/2018-W08").text for _ in range(8))
        assert c.post("/signout", data={"csrf": token}).status_code == 303
        c.close()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
