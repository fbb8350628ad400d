"""``feedhub serve`` over real HTTP: nothing without a session, CSRF on every POST, one-time links, the
sign-in limit, safe figure and static routes, friendly problem pages, the JSON API, guest access."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from feedhub.search import accounts
from feedhub.store.db import transaction
from feedhub.store.models import Run
from tests.web.conftest import ALICE_PW, BOB_PW, Site, serve_app

PAGES = ["/week", "/week/2018-W08", "/week/2018-W08.html", "/search?q=adam", "/paper/1802.05365", "/repro", "/repro/adam",
         "/saved", "/saved.bib", "/interests", "/sources", "/runs/1/figure/0", "/week/pick?w=2018-W08"]  # fmt: skip
API = ["/api/v1/digest", "/api/v1/digest/2018-W08", "/api/v1/search?q=adam", "/api/v1/paper/1802.05365", "/api/v1/saved", "/week/feed.atom"]
POSTS = ["/act/save", "/act/unsave", "/act/dismiss", "/act/undismiss", "/interests/rule-add", "/interests/rule-remove",
         "/interests/follow", "/interests/unfollow", "/settings/lang", "/settings/guest", "/signout"]  # fmt: skip


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def test_every_route_without_a_session_redirects_or_answers_401(site: Site) -> None:
    c = site.client()
    for path in PAGES:
        r = c.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/signin?next="), path
        assert "Deep contextualized" not in r.text
    for path in API:
        r = c.get(path)
        assert r.status_code == 401, path
        assert r.json()["error"].startswith("sign in")
    for path in POSTS:
        r = c.post(path, data={"csrf": "x", "target": "1802.05365"})
        assert r.status_code == 403, path
    assert c.get("/static/feedhub.css").status_code == 200  # static assets and sign-in need no session
    assert c.get("/signin").status_code == 200


def test_every_post_needs_the_sessions_csrf_token(site: Site) -> None:
    c = site.signed_in("alice")
    good = csrf_of(c.get("/week/2018-W08").text)
    for path in POSTS:
        for data in ({"target": "1802.05365"}, {"csrf": "wrong", "target": "1802.05365"}, {"csrf": good + "x", "target": "1802.05365"}):
            r = c.post(path, data=data)
            assert r.status_code == 403, (path, data)
    # another member's token does not work either
    other = csrf_of(site.signed_in("bob").get("/week/2018-W08").text)
    assert c.post("/act/save", data={"csrf": other, "target": "1802.05365"}).status_code == 403
    assert c.get("/saved").text.count("/paper/1802.05365") == 0
    # the right one does
    r = c.post("/act/save", data={"csrf": good, "target": "1802.05365", "next": "/saved"})
    assert r.status_code == 303 and r.headers["location"] == "/saved"
    assert "/paper/1802.05365" in c.get("/saved").text


def test_a_sign_in_link_works_once_and_sets_a_safe_cookie(site: Site) -> None:
    link = site.link("bob")
    c = site.client()
    r = c.get(link)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "feedhub_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on loopback; behind https it is Secure (below)
    assert c.get("/week/2018-W08").status_code == 200
    again = site.client().get(link)
    assert again.status_code == 303 and again.headers["location"] == "/signin?m=link"


def test_cookies_are_secure_behind_https(site: Site) -> None:
    from starlette.testclient import TestClient

    with TestClient(site.app, base_url="https://feeds.example.org") as tc:
        r = tc.get(site.link("bob"), follow_redirects=False)
        assert r.status_code == 303 and "Secure" in r.headers["set-cookie"]


def test_password_sign_in_and_its_rate_limit(site: Site) -> None:
    c = site.client()
    page = c.get("/signin?next=/paper/1802.05365")
    token = csrf_of(page.text)
    r = c.post("/signin", data={"csrf": token, "name": "bob", "password": BOB_PW, "next": "/paper/1802.05365"})
    assert r.status_code == 303 and r.headers["location"] == "/paper/1802.05365"
    assert c.get("/paper/1802.05365").status_code == 200
    # an outside "next" is never followed
    c2 = site.client()
    t2 = csrf_of(c2.get("/signin").text)
    r = c2.post("/signin", data={"csrf": t2, "name": "bob", "password": BOB_PW, "next": "//evil.example.org/"})
    assert r.headers["location"] == "/week"
    # five wrong passwords, then even the right one waits
    c3 = site.client()
    t3 = csrf_of(c3.get("/signin").text)
    for _ in range(5):
        assert c3.post("/signin", data={"csrf": t3, "name": "alice", "password": "wrong-password"}).status_code == 401
    blocked = c3.post("/signin", data={"csrf": t3, "name": "alice", "password": ALICE_PW})
    assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.text
    site.clock.advance(minutes=16)
    assert c3.post("/signin", data={"csrf": t3, "name": "alice", "password": ALICE_PW}).status_code == 303
    # the sign-in form's own CSRF token is checked
    assert site.client().post("/signin", data={"csrf": "x", "name": "alice", "password": ALICE_PW}).status_code == 403


def test_sessions_expire_and_sign_out_ends_them(site: Site) -> None:
    c = site.signed_in("bob")
    assert c.get("/saved").status_code == 200
    token = csrf_of(c.get("/saved").text)
    assert c.post("/signout", data={"csrf": token}).status_code == 303
    assert c.get("/saved").status_code == 303
    c = site.signed_in("bob")
    site.clock.advance(days=15)
    assert c.get("/saved").status_code == 303


def test_a_session_removed_elsewhere_stops_within_the_lookup_cache_time(site: Site) -> None:
    """Who a cookie belongs to is cached for VIEWER_TTL (no query per page view); a session deleted by another
    process (the CLI, another server) must stop working once that time has passed, and its expiry never waits."""
    from sqlalchemy import delete

    from feedhub.store.models import WebToken
    from feedhub.web.app import VIEWER_TTL

    c = site.signed_in("bob")
    assert c.get("/saved").status_code == 200
    with transaction(site.engine) as s:
        s.execute(delete(WebToken).where(WebToken.kind == "session"))
    site.clock.advance(seconds=VIEWER_TTL.total_seconds() + 1)
    assert c.get("/saved").status_code == 303
    c = site.signed_in("bob")
    site.clock.advance(days=accounts.SESSION_DAYS, seconds=-3)
    assert c.get("/saved").status_code == 200  # looked up (and cached) 3 s before the session expires
    site.clock.advance(seconds=4)  # expired while still cached: not served a second longer
    assert c.get("/saved").status_code == 303


def test_pages_carry_a_strict_csp_and_no_inline_script(site: Site) -> None:
    c = site.signed_in("alice")
    for path in ["/week/2018-W08", "/search?q=elmo", "/paper/1802.05365", "/repro/adam", "/saved", "/interests", "/sources", "/signin", "/nope"]:
        r = c.get(path)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp, path
        assert r.headers["x-content-type-options"] == "nosniff"
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", r.text) is None, path  # every script is a file of this server
        assert "https://cdn" not in r.text and "//unpkg" not in r.text


def test_traversal_on_static_and_figure_routes_is_404(site: Site, tmp_path: Path) -> None:
    run_dir = tmp_path / "runs" / "adam-1"
    run_dir.mkdir(parents=True)
    png = run_dir / "curve.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\nsecret")
    with transaction(site.engine) as s:
        run = Run(repro_name="adam", mode="quick", verdict="reproduced", figures=[str(png), str(secret), str(run_dir / ".." / "secret.png"),
                  "/etc/passwd"], out_dir=str(run_dir))  # fmt: skip
        s.add(run)
        s.flush()
        rid = run.id
    c = site.signed_in("bob")
    ok = c.get(f"/runs/{rid}/figure/0")
    assert ok.status_code == 200 and ok.headers["content-type"] == "image/png"
    for path in [f"/runs/{rid}/figure/1", f"/runs/{rid}/figure/2", f"/runs/{rid}/figure/3", f"/runs/{rid}/figure/9", "/runs/99999/figure/0",
                 "/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py", "/static/%2e%2e%2f%2e%2e%2fconfig.py", "/static/nope.css"]:  # fmt: skip
        r = c.get(path)
        assert r.status_code == 404, path
        assert b"secret" not in r.content and b"import" not in r.content
    assert f'src="/runs/{rid}/figure/0"' in c.get("/repro/adam").text
    paper = c.get("/paper/1412.6980").text  # Adam's paper shows its reproduction's verdict and figure
    assert 'href="/repro/adam"' in paper and f'src="/runs/{rid}/figure/0"' in paper and "reproduced" in paper


def test_unknown_things_are_friendly_404_pages_and_a_bad_query_is_explained(site: Site) -> None:
    c = site.signed_in("bob")
    for path in ["/nope", "/week/2018-W99", "/week/last-year", "/paper/9999.99999", "/paper/not-an-id", "/repro/no-such-method"]:
        r = c.get(path)
        assert r.status_code == 404, path
        assert 'id="problem"' in r.text and "Traceback" not in r.text and "<html" in r.text
    r = c.get("/search", params={"q": "adam", "since": "yesterday-ish"})
    assert r.status_code == 400 and "is not a date; use YYYY-MM-DD" in r.text and 'name="q"' in r.text
    r = c.get("/search", params={"q": "adam", "page": "0"})
    assert r.status_code == 400 and "page:" in r.text
    r = c.get("/search", params={"q": '"unclosed (author:'})
    assert r.status_code in (200, 400) and "Traceback" not in r.text and 'name="q"' in r.text
    assert c.get("/api/v1/paper/9999.99999").status_code == 404


def test_search_page_filters_paging_and_counts(site: Site) -> None:
    c = site.signed_in("bob")
    r = c.get("/search", params={"q": "learning"})
    assert r.status_code == 200 and 'id="count"' in r.text
    hits = r.text.count('class="hit"')
    assert hits >= 2
    only_papers = c.get("/search", params={"q": "learning", "kind": "paper"}).text
    assert only_papers.count('class="hit"') <= hits and "/paper/" in only_papers
    r = c.get("/api/v1/search", params={"q": "learning", "kind": "paper"})
    assert r.status_code == 200 and all(h["kind"] == "paper" for h in r.json()["hits"])


def test_search_counts_every_match_not_only_the_page(site: Site) -> None:
    """"N results" is every match (the API's total too): walking the pages finds exactly that many, and a
    dismissed paper leaves the count with its hit."""
    c = site.signed_in("bob")
    api = c.get("/api/v1/search", params={"q": "learning"}).json()
    total = api["total"]
    seen: list[str] = []
    page = 1
    while True:
        body = c.get("/api/v1/search", params={"q": "learning", "page": page}).json()
        assert body["total"] == total
        seen += [f"{h['kind']}:{h['id']}" for h in body["hits"]]
        if not body["more"]:
            break
        page += 1
    assert total == len(seen) == len(set(seen)) and total > 0
    html = c.get("/search", params={"q": "learning"}).text
    assert re.search(rf'id="count">{total:,} results · 1–{min(total, 20)} shown', html), html[html.find('id="count"') - 20 :][:200]
    paper = next(h["id"] for h in api["hits"] if h["kind"] == "paper")
    assert c.post("/act/dismiss", data={"csrf": csrf_of(html), "target": paper}).status_code == 303
    assert c.get("/api/v1/search", params={"q": "learning"}).json()["total"] == total - 1


def test_the_week_the_paper_and_feedback(site: Site) -> None:
    c = site.signed_in("bob")
    week = c.get("/week/2018-W08").text
    assert "Deep contextualized word representations" in week and "Why:" in week
    token = csrf_of(week)
    paper = c.get("/paper/1802.05365").text
    assert "allenai/bilm-tf" in paper and "https://arxiv.org/pdf/1802.05365" in paper and "Mentions" in paper
    assert 'href="/paper/1802.05365/related"' in paper  # the related papers load apart (they take a model fit)
    related = c.get("/paper/1802.05365/related")
    assert related.status_code == 200 and "<html" in related.text and 'class="related"' in related.text
    fragment = c.get("/paper/1802.05365/related?fragment=1").text
    assert "<html" not in fragment and 'href="/paper/' in fragment and "1802.05365\"" not in fragment
    assert c.get("/paper/9999.99999/related").status_code == 404
    # dismiss it: gone from bob's week, still in alice's
    assert c.post("/act/dismiss", data={"csrf": token, "target": "arxiv:1802.05365", "next": "/week/2018-W08"}).status_code == 303
    assert "Deep contextualized word representations" not in c.get("/week/2018-W08").text
    assert "Deep contextualized word representations" in site.signed_in("alice").get("/week/2018-W08").text
    assert "arxiv:1802.05365" in c.get("/interests").text
    assert c.post("/act/undismiss", data={"csrf": token, "target": "arxiv:1802.05365"}).status_code == 303
    assert "Deep contextualized word representations" in c.get("/week/2018-W08").text
    # save with tags and a note
    assert c.post("/act/save", data={"csrf": token, "target": "1802.05365", "tags": "reading-group, nlp", "note": "week 3"}).status_code == 303
    saved = c.get("/saved").text
    assert "reading-group" in saved and "week 3" in saved
    assert "@" in c.get("/saved.bib").text
    # rules and follows
    assert c.post("/interests/rule-add", data={"csrf": token, "action": "exclude", "expression": "crypto"}).status_code == 303
    bad = c.post("/interests/rule-add", data={"csrf": token, "action": "exclude", "expression": '"unclosed'})
    assert bad.status_code == 400 and 'id="problem"' in bad.text
    assert c.post("/interests/follow", data={"csrf": token, "spec": 'author:"Matthew E. Peters"'}).status_code == 303
    page = c.get("/interests").text
    assert "crypto" in page and "Matthew E. Peters" in page


def test_language_is_per_member(site: Site) -> None:
    c = site.signed_in("bob")
    token = csrf_of(c.get("/week/2018-W08").text)
    assert c.post("/settings/lang", data={"csrf": token, "lang": "ko", "next": "/week/2018-W08"}).status_code == 303
    page = c.get("/week/2018-W08").text
    assert '<html lang="ko">' in page and "이번 주" in page and "주목할 논문" in page
    assert '<html lang="en">' in site.signed_in("alice").get("/week/2018-W08").text
    assert c.post("/settings/lang", data={"csrf": token, "lang": "xx"}).status_code == 400


def test_sources_are_for_the_admin_and_guest_access_is_read_only(site: Site) -> None:
    bob = site.signed_in("bob")
    assert bob.get("/sources").status_code == 403
    alice = site.signed_in("alice")
    page = alice.get("/sources").text
    assert "The Wild Week in ML (sample)" in page and "Background fetch" in page
    token = csrf_of(page)
    guest = site.client()
    assert guest.get("/week/2018-W08").status_code == 303
    assert alice.post("/settings/guest", data={"csrf": token, "guest": "on"}).status_code == 303
    assert guest.get("/week/2018-W08").status_code == 200
    assert guest.get("/paper/1802.05365").status_code == 200
    assert guest.get("/saved").status_code == 403 and guest.get("/sources").status_code == 403
    assert guest.post("/act/save", data={"csrf": "", "target": "1802.05365"}).status_code == 403
    assert bob.post("/settings/guest", data={"csrf": csrf_of(bob.get("/saved").text), "guest": "off"}).status_code == 403
    assert alice.post("/settings/guest", data={"csrf": token, "guest": "off"}).status_code == 303
    assert guest.get("/week/2018-W08").status_code == 303


def test_json_api_with_a_members_token(site: Site) -> None:
    from feedhub.search.members import resolve

    with transaction(site.engine) as s:
        token = accounts.new_api_token(s, resolve(s, "bob"), site.clock())
    h = {"Authorization": f"Bearer {token}"}
    c = site.client()
    digest = c.get("/api/v1/digest/2018-W08", headers=h).json()
    assert [s["id"] for s in digest["sections"]] == ["news", "posts", "code", "papers"]
    paper = c.get("/api/v1/paper/1802.05365", headers=h).json()
    assert paper["arxiv_id"] == "1802.05365" and paper["saved"] is None and paper["code"]
    assert c.get("/api/v1/saved", headers=h).json() == []
    assert c.get("/api/v1/search", params={"q": "elmo"}, headers=h).json()["hits"]
    assert c.get("/api/v1/digest", headers={"Authorization": "Bearer nope"}).status_code == 401
    with transaction(site.engine) as s:
        accounts.new_api_token(s, resolve(s, "bob"), site.clock())  # a new token replaces the old one
    assert c.get("/api/v1/saved", headers=h).status_code == 401


def test_atom_feed_of_finished_weeks(site: Site) -> None:
    c = site.signed_in("bob")
    assert c.get("/week/2018-W08").status_code == 200  # the week is built (and stored) once it is read
    r = c.get("/week/feed.atom")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    assert f'rel="self" type="application/atom+xml" href="{site.base}/week/feed.atom"' in r.text
    assert f'href="{site.base}/week/2018-W08.html"' in r.text
    assert c.get("/week/2018-W08.html").status_code == 200


def test_background_fetch_pulls_sources_under_the_fetch_lock_and_shows_its_summary(site: Site) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from feedhub.store.locks import exclusive
    from feedhub.store.models import Source
    from feedhub.web.pages import fetch_once

    feed = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Loop</title><link>http://127.0.0.1/</link>'
            b"<item><title>Fetched in the background</title><link>https://loop.example.org/1</link><guid>loop-1</guid>"
            b"<pubDate>Wed, 21 Feb 2018 10:00:00 GMT</pubDate><description>A post.</description></item></channel></rss>")  # fmt: skip

    class Feed(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(feed)))
            self.end_headers()
            self.wfile.write(feed)

        def log_message(self, *args: object) -> None:
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    srv = site.app.state.server
    with transaction(site.engine) as s:
        s.add(Source(kind="rss", url=f"http://127.0.0.1:{http.server_address[1]}/feed.xml", name="Loopback feed", enabled=True, weight=1.0,
                     error_count=0, options={}))  # fmt: skip
    srv.settings.allow_private = True  # the test's feed is on loopback
    try:
        assert "Fetched in the background" not in site.signed_in("alice").get("/week/2018-W08").text  # built and cached
        with exclusive(site.engine, "fetch"):  # another fetch holds the lock: the server's waits its turn (in a thread)
            worker = threading.Thread(target=fetch_once, args=(srv,))
            worker.start()
            worker.join(timeout=0.5)
            assert worker.is_alive() and srv.fetch.running
        worker.join(timeout=60)
        assert not worker.is_alive()
    finally:
        srv.settings.allow_private = False
        http.shutdown()
    assert srv.fetch.error is None and not srv.fetch.running and "1 new" in (srv.fetch.summary or "")
    alice = site.signed_in("alice")
    assert "Fetched in the background" in alice.get("/week/2018-W08").text  # the week was rebuilt after the fetch
    assert "1 new" in alice.get("/sources").text


def test_fetch_every_fetches_at_start_then_after_each_interval_and_survives_a_failed_fetch(site: Site) -> None:
    import asyncio
    from datetime import timedelta

    from feedhub.web.pages import fetch_loop, fetch_once

    srv = site.app.state.server
    fetches: list[tuple[str | None, str | None]] = []
    waits: list[float] = []

    def fetch(s: object) -> None:
        fetch_once(srv)  # the real one, and its outcome as the sources page shows it
        fetches.append((srv.fetch.summary, srv.fetch.error))
        if len(fetches) == 2:
            srv.engine, saved = None, srv.engine  # the store goes away for one run: an error shown, the loop goes on
            try:
                fetch_once(srv)
            finally:
                srv.engine = saved
            fetches.append((None, srv.fetch.error))

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            raise asyncio.CancelledError  # the server stops

    try:
        asyncio.run(fetch_loop(srv, timedelta(hours=1), sleep=sleep, fetch=fetch))
    except asyncio.CancelledError:
        pass
    assert waits == [3600.0, 3600.0, 3600.0]
    assert len(fetches) == 4 and fetches[1] == fetches[0] and fetches[3] == fetches[0]
    assert fetches[0][0] and "sources" in fetches[0][0] and fetches[0][1] is None  # a summary, no error
    assert fetches[2][1]  # the failed run's one line, and the next run after it went on


def test_a_missing_or_old_database_is_a_page_for_the_admin(tmp_path: Path) -> None:
    from feedhub.config import load_settings
    from feedhub.store import open_store
    from feedhub.store.db import downgrade
    from feedhub.web.app import create_app

    missing = load_settings(db=f"sqlite:///{tmp_path / 'none.db'}", home=tmp_path / "h")
    for base in serve_app(create_app(missing)):
        for path in ["/week", "/signin", "/paper/1802.05365", "/api/v1/digest"]:
            r = httpx.get(base + path)
            assert r.status_code == 503 and "feedhub demo" in r.text and "Traceback" not in r.text, path
    old_url = f"sqlite:///{tmp_path / 'old.db'}"
    downgrade(open_store(old_url), "0004")
    for base in serve_app(create_app(load_settings(db=old_url, home=tmp_path / "h"))):
        r = httpx.get(base + "/week")
        assert r.status_code == 503 and "feedhub db upgrade" in r.text


def test_serve_refuses_a_public_interface_until_a_member_has_a_password(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "FEEDHUB_HOME": str(tmp_path / "h"), "FEEDHUB_ARXIV_ENRICH": "0"}
    env.pop("FEEDHUB_DB_URL", None)

    def feedhub(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "feedhub", *args], env=env, capture_output=True, text=True, timeout=120)

    r = feedhub("serve", "--host", "0.0.0.0")
    assert r.returncode != 0 and "refusing to listen on 0.0.0.0" in r.stderr and "member add NAME --admin --password" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = feedhub("serve", "--fetch-every", "2m")
    assert r.returncode != 0 and "at least 5m" in r.stderr
    r = feedhub("member", "add", "carol", "--admin", "--password", "--url", "https://feeds.example.org")
    assert r.returncode == 0 and "https://feeds.example.org/signin/" in r.stdout and "password for carol" in r.stdout
    token = feedhub("member", "token", "carol")
    assert token.returncode == 0 and len(token.stdout.strip()) > 30


def test_a_reproduction_page_shows_what_the_report_shows(site: Site) -> None:
    """The page a reviewer opens from the web: the design stated before the run, the kind (a check is not
    counted), and the last run's verdict for each arm with its estimate and interval, as the report writes them."""
    import html

    from reproductions.registry import get
    from reproductions.report import design_text, judgement_rows
    from reproductions.verdicts import combine, paired_ratio

    judgement = combine([paired_ratio([2.0, 2.2, 1.9], [1.0, 1.0, 1.0], label="SGD / Adam"),
                         paired_ratio([1.0, 1.4, 0.8], [1.0, 1.0, 1.0], label="RMSProp / Adam")])  # fmt: skip
    with transaction(site.engine) as s:
        s.add(Run(repro_name="adam", mode="quick", verdict=judgement.verdict, judgement=judgement.to_dict(), reason=judgement.reason))
    page = site.signed_in("bob").get("/repro/adam").text
    rows = judgement_rows(judgement.to_dict())
    assert [r[0] for r in rows] == ["SGD / Adam", "RMSProp / Adam"] and rows[0][1] == "reproduced" and rows[1][1] == "inconclusive"
    arms = page[page.index('id="arms"') : page.index("</table>", page.index('id="arms"'))]
    for label, verdict, text in rows:
        assert html.escape(label) in arms and html.escape(text) in arms and "[" in text, (label, text)
        assert f">{verdict}<" in arms
    assert html.escape(design_text(get("adam")).splitlines()[0]) in page and 'id="design"' in page
    assert "counted in the reproduced rate" in page
    check = site.signed_in("bob").get("/repro/running-average").text
    assert "it holds or fails and is not counted as a reproduction" in check
    # a run stored before the judgement was kept (migration 0006) still shows its verdict and reason, no table
    with transaction(site.engine) as s:
        s.add(Run(repro_name="nesterov", mode="quick", verdict="reproduced", reason="an older run's words"))
    older = site.signed_in("bob").get("/repro/nesterov").text
    assert "an older run&#39;s words" in older and 'id="arms"' not in older


def test_the_sign_in_limit_holds_across_a_restart_and_another_server_process(site: Site) -> None:
    """Failures are counted in the database: a second server on the same store (a restart, or another process
    of a group's server) refuses the sixth try as the first does, and the window still ends it."""
    from feedhub.web.app import create_app

    c = site.client()
    token = csrf_of(c.get("/signin").text)
    for _ in range(5):
        assert c.post("/signin", data={"csrf": token, "name": "bob", "password": "wrong-password"}).status_code == 401
    other_app = create_app(site.settings, clock=site.clock, tz="UTC")
    for base in serve_app(other_app):
        other = httpx.Client(base_url=base, follow_redirects=False)
        t2 = csrf_of(other.get("/signin").text)
        refused = other.post("/signin", data={"csrf": t2, "name": "bob", "password": BOB_PW})
        assert refused.status_code == 429 and "Too many failed sign-ins" in refused.text
        site.clock.advance(minutes=16)
        assert other.post("/signin", data={"csrf": t2, "name": "bob", "password": BOB_PW}).status_code == 303
        other.close()


def test_a_search_asked_again_shows_what_changed_since(site: Site) -> None:
    """A results page asked again may be reused (pages.run_search), but never shows a stale store: a paper that
    lands in the store with no POST on this server (a `feedhub fetch` from a timer) is found at the next ask,
    and stars refreshed by another process show once SEARCH_TTL has passed."""
    from datetime import datetime, timezone

    from sqlalchemy import delete, select, update

    from feedhub.store.models import Paper, PaperRepo, Repo
    from feedhub.web.pages import SEARCH_TTL

    c = site.signed_in("bob")
    assert "Zebrafish" not in c.get("/search", params={"q": "zebrafish"}).text
    with transaction(site.engine) as s:
        repo_id, stars = s.execute(select(Repo.id, Repo.stars).join(PaperRepo, PaperRepo.repo_id == Repo.id)
                                   .where(PaperRepo.paper_id == "1802.05365")).first()  # fmt: skip
    before = c.get("/search", params={"q": "contextualized word representations"}).text
    assert "1802.05365" in before and "★98765" not in before
    try:
        with transaction(site.engine) as s:
            s.add(Paper(arxiv_id="1601.99999", title="Zebrafish larvae tracked by a small network", abstract="Zebrafish.",
                        authors=["A. Fish"], categories=["cs.CV"], primary_category="cs.CV",
                        published_at=datetime(2016, 1, 5, tzinfo=timezone.utc), first_seen_at=datetime.now(timezone.utc)))  # fmt: skip
            s.execute(update(Repo).where(Repo.id == repo_id).values(stars=98765))
        found = c.get("/search", params={"q": "zebrafish"}).text
        assert "Zebrafish larvae tracked by a small network" in found and "1601.99999" in found
        site.clock.advance(seconds=SEARCH_TTL.total_seconds() + 1)
        assert "★98765" in c.get("/search", params={"q": "contextualized word representations"}).text
    finally:
        with transaction(site.engine) as s:
            s.execute(delete(Paper).where(Paper.arxiv_id == "1601.99999"))
            s.execute(update(Repo).where(Repo.id == repo_id).values(stars=stars))


def test_a_snippet_is_escaped_inside_and_outside_its_marks() -> None:
    from feedhub.search.query import parse_query
    from feedhub.search.service import _highlight_words, make_snippet
    from feedhub.web.filters import marked

    text = 'Adam <img src=x onerror=alert(1)> beats "adam&co" <b>adam</b>'
    snippet, marks = make_snippet(text, _highlight_words(parse_query("adam")))
    html = str(marked(snippet, marks))
    assert html.count("<mark>") == 3 and "<img" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;b&gt;<mark>adam</mark>&lt;/b&gt;" in html and "&#34;" in html


def test_the_week_page_follows_a_dismissal_made_outside_the_server(site: Site) -> None:
    """The rendered week is reused (pages.week), but a dismissal or a save made by `feedhub paper dismiss` /
    `paper save` in a terminal beside the server (no POST here) shows at the next ask."""
    from feedhub.search import interests, saved
    from feedhub.search.members import resolve

    def actions(html: str) -> str:  # the buttons of the story of 1802.05365
        at = html.index("Deep contextualized word representations")
        start = html.index('<div class="actions">', at)
        assert html.find('<li class="story"', at, start) == -1, "no buttons under the story"
        return html[start : html.index("</div>", start)]

    c = site.signed_in("bob")
    first = c.get("/week/2018-W08").text
    assert 'name="target" value="1802.05365"' in actions(first) and '<span class="badge">Saved</span>' not in actions(first)
    assert c.get("/week/2018-W08").text == first  # asked again: the same page
    with transaction(site.engine) as s:
        bob = resolve(s, "bob").id
        saved.save(s, "1802.05365", member_id=bob)
    assert '<span class="badge">Saved</span>' in actions(c.get("/week/2018-W08").text)
    with transaction(site.engine) as s:
        interests.dismiss(s, "arxiv:1802.05365", bob)
    assert "Deep contextualized word representations" not in c.get("/week/2018-W08").text
