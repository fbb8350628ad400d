"""The pages: sign-in, this week, search, a paper, a reproduction, saved, rules and follows, sources.

Each route parses its request, calls the library (in a worker thread: the library is synchronous) and renders
a template. Every state-changing request is a POST through ``route(write=True)``, which checks the CSRF token."""

from __future__ import annotations

import asyncio
import functools
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from feedhub.errors import InvalidInput
from feedhub.store.db import transaction
from feedhub.web import i18n
from feedhub.web.app import (
    LANG_COOKIE,
    PRE_COOKIE,
    SESSION_COOKIE,
    WEEK_TTL,
    FetchStatus,
    NotFound,
    Server,
    Viewer,
    client_key,
    lang_of,
    local_redirect,
    page,
    route,
    server,
)

PAGE_SIZE = 20
WEEK_PAGES_KEPT = 200  # rendered week pages kept (see week)
FIGURE_TYPES = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
LIMITED = object()  # a sign-in refused by the rate limit (SIGNIN_LIMIT failures in SIGNIN_WINDOW)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _back(request: Request, form: dict[str, str], default: str) -> RedirectResponse:
    return RedirectResponse(local_redirect(form.get("next"), default), status_code=303)


# -- signing in ---------------------------------------------------------------------------------------------

async def signin_form(request: Request) -> Response:
    srv = server(request)
    if srv.problem:
        from feedhub.web.app import problem_page

        return problem_page(request, None, 503, srv.problem, "problem.title")
    token = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
    response = page(request, None, "signin.html", next=local_redirect(request.query_params.get("next"), "/week"), csrf=token,
                    message=request.query_params.get("m"))  # fmt: skip
    response.set_cookie(PRE_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request), path="/signin")
    return response


async def signin_post(request: Request) -> Response:
    from feedhub.search import accounts

    srv = server(request)
    if srv.problem:
        from feedhub.web.app import problem_page

        return problem_page(request, None, 503, srv.problem, "problem.title")
    data = await request.form()
    form = {k: v for k, v in data.items() if isinstance(v, str)}
    cookie = request.cookies.get(PRE_COOKIE, "")
    lang = lang_of(request, None)
    if not cookie or not secrets.compare_digest(form.get("csrf", ""), cookie):
        from feedhub.web.app import problem_page

        return problem_page(request, None, 403, i18n.text(lang, "error.csrf"))
    name = form.get("name", "").strip()[:64]
    keys = (client_key(request), "name:" + name.lower())
    target = local_redirect(form.get("next"), "/week")

    def check() -> Any:
        if srv.limited(*keys):
            return LIMITED
        with transaction(srv.engine) as session:
            member = accounts.check_password(session, name, form.get("password", ""))
            started = None if member is None else accounts.start_session(session, member, srv.clock())
        if started is None:
            srv.failed(*keys)
        return started

    started = await run_in_threadpool(check)
    if started is LIMITED:
        return page(request, None, "signin.html", status=429, next=target, csrf=cookie, message=i18n.text(lang, "signin.limited"), name=name)
    if started is None:
        return page(request, None, "signin.html", status=401, next=target, csrf=cookie, message=i18n.text(lang, "signin.failed"), name=name)
    return _signed_in(request, started.token, target)


def _signed_in(request: Request, token: str, target: str) -> Response:
    from feedhub.search.accounts import SESSION_DAYS

    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_DAYS * 86400, httponly=True, samesite="lax", secure=_secure(request), path="/")
    response.delete_cookie(PRE_COOKIE, path="/signin")
    return response


async def signin_link(request: Request) -> Response:
    """``/signin/TOKEN``: a one-time link (printed by ``feedhub serve`` or ``feedhub member link``)."""
    from feedhub.search import accounts

    srv = server(request)
    if srv.problem:
        from feedhub.web.app import problem_page

        return problem_page(request, None, 503, srv.problem, "problem.title")
    token = request.path_params["token"]

    def redeem() -> Any:
        if srv.limited(client_key(request)):
            return LIMITED
        with transaction(srv.engine) as session:
            member = accounts.redeem_signin(session, token, srv.clock())
            started = None if member is None else accounts.start_session(session, member, srv.clock())
        if started is None:
            srv.failed(client_key(request))
        return started

    started = await run_in_threadpool(redeem)
    if started is LIMITED:
        return page(request, None, "signin.html", status=429, next="/week", csrf="", message=i18n.text(lang_of(request, None), "signin.limited"))
    if started is None:
        return RedirectResponse("/signin?m=" + "link", status_code=303)
    return _signed_in(request, started.token, local_redirect(request.query_params.get("next"), "/week"))


@route(write=True)
async def signout(request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
    from feedhub.search import accounts

    srv = server(request)

    def end() -> None:
        with transaction(srv.engine) as session:
            accounts.end_session(session, viewer.session_token or "")

    await run_in_threadpool(end)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def home(request: Request) -> Response:
    return RedirectResponse("/week", status_code=303)


# -- this week ---------------------------------------------------------------------------------------------

def week_model(srv: Server, spec: str, lang: str, member: str | None) -> dict[str, Any]:
    """The digest of week ``spec`` (group's when ``member`` is None), built once and reused for WEEK_TTL or until
    a fetch or this member's feedback changes it."""
    return _week_entry(srv, spec, lang, member)[0]


def _week_entry(srv: Server, spec: str, lang: str, member: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The week's model and its stories' rendered bodies (the part every member sees alike), kept together so a
    body never outlives the model it was rendered from."""
    from feedhub.digest.api import make_digest
    from feedhub.digest.window import iso_week

    try:
        window = iso_week(spec, srv.tz)
    except InvalidInput as exc:
        raise NotFound(str(exc)) from None
    key = (window.label, lang, member)
    now = srv.clock()
    with srv.lock:
        cached = srv.weeks.get(key)
    if cached is not None and now - cached[0] < WEEK_TTL:
        return cached[1], cached[2]
    model = make_digest(srv.engine, window, lang=lang, fmt="json", member=member, now=now,
                        people=srv.settings.section("people")).model
    bodies: dict[str, Any] = {}
    with srv.lock:
        srv.weeks[key] = (now, model, bodies)
    return model, bodies


def _story_bodies(srv: Server, model: dict[str, Any], bodies: dict[str, Any], lang: str) -> dict[str, Any]:
    """Render each shown story's body once per built week (title, summary, paper, code, why, mentions: the
    markup is the same for every member); the page adds each member's own buttons around it."""
    missing = [s for section in model["sections"] for s in section["stories"] if s["key"] not in bodies]
    if missing:
        macro = srv.templates.get_template("_macros.html").module.story_body
        t = i18n.translator(lang)
        rendered = {s["key"]: macro(s, t) for s in missing}
        with srv.lock:
            bodies.update(rendered)
    return bodies


def _neighbours(label: str) -> tuple[str | None, str | None]:
    from datetime import date

    try:
        year, week = label.split("-W")
        monday = date.fromisocalendar(int(year), int(week), 1)
    except (ValueError, TypeError):
        return None, None
    prev, nxt = monday - timedelta(days=7), monday + timedelta(days=7)
    return f"{prev.isocalendar()[0]}-W{prev.isocalendar()[1]:02d}", f"{nxt.isocalendar()[0]}-W{nxt.isocalendar()[1]:02d}"


def _saved_and_dismissed(srv: Server, viewer: Viewer) -> tuple[set[str], set[str]]:
    if viewer.member_id is None:
        return set(), set()
    from sqlalchemy import select

    from feedhub.store.models import Dismissal, Saved

    with srv.reader.connect() as conn:  # Core reads: ids, not objects (read on every ask: `feedhub paper save` may run beside)
        saved = set(conn.execute(select(Saved.paper_id).where(Saved.member_id == viewer.member_id)).scalars())
        dismissed = set(conn.execute(select(Dismissal.target).where(Dismissal.member_id == viewer.member_id)).scalars())
    return saved, dismissed


@route()
async def week(request: Request, viewer: Viewer) -> Response:
    srv = server(request)
    spec = request.path_params.get("week", "this")
    if spec == "pick":  # the week box of the page (works without JavaScript)
        from urllib.parse import quote

        return RedirectResponse("/week/" + quote((request.query_params.get("w") or "this").strip(), safe=""), status_code=303)
    if spec.endswith(".html"):
        spec = spec[: -len(".html")]
    lang = lang_of(request, viewer)
    mine = request.query_params.get("for") == "me" and not viewer.guest

    def load() -> tuple[dict[str, Any], dict[str, Any], set[str], set[str]]:  # one trip to a worker thread
        model, bodies = _week_entry(srv, spec, lang, viewer.name if mine else None)
        return (model, _story_bodies(srv, model, bodies, lang), *_saved_and_dismissed(srv, viewer))

    model, bodies, saved, dismissed = await run_in_threadpool(load)
    # The rendered page is reused for the same session, address and language while its week (the cached model,
    # the same object), the member's saves and dismissals (read above on every ask) are unchanged.
    key = (viewer.session_token, request.url.path, request.url.query, lang)
    with srv.lock:
        hit = srv.week_pages.get(key)
    if hit is not None and hit[0] is model and hit[1] == saved and hit[2] == dismissed:
        return HTMLResponse(hit[3])
    prev, nxt = _neighbours(model["week"])
    from feedhub.digest import i18n as digest_i18n

    strings = digest_i18n.STRINGS[model["lang"]]
    title = strings["title.week" if "W" in model["week"] else "title.range"].format(label=model["week"])
    answer = page(request, viewer, "week.html", model=model, bodies=bodies, mine=mine, prev=prev, next_week=nxt, saved=saved, dismissed=dismissed,
                  title=title, also_title=strings["also"])  # fmt: skip
    with srv.lock:
        if len(srv.week_pages) >= WEEK_PAGES_KEPT:
            srv.week_pages.clear()
        srv.week_pages[key] = (model, saved, dismissed, bytes(answer.body))
    return answer


@route(api=True)
async def feed(request: Request, viewer: Viewer) -> Response:
    """The Atom feed of finished weeks at ``/week/feed.atom`` (``rel=self``; each week at ``/week/WEEK.html``)."""
    from feedhub.digest.api import install_id, render
    from feedhub.digest.build import list_digests

    srv = server(request)
    lang = lang_of(request, viewer)
    url = str(request.url_for("feed"))

    def build() -> str:
        from feedhub.digest.render_atom import FEED_SIZE

        now = srv.clock()
        with srv.read() as session:
            rows = [r for r in list_digests(session, lang=lang) if r.stories and _aware(r.window_end) <= now][:FEED_SIZE]
            items = [(r.stories, r.created_at) for r in rows]
        return render({"lang": lang}, "atom", feed=items, feed_url=url, install_id=install_id(srv.settings.home))

    text = await run_in_threadpool(build)
    return Response(text, media_type="application/atom+xml; charset=utf-8")


def _aware(when: datetime) -> datetime:
    from datetime import timezone

    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


# -- search ---------------------------------------------------------------------------------------------

def search_options(params: Any, page_no: int, size: int = PAGE_SIZE):  # type: ignore[no-untyped-def]
    """The search page's controls -> the library's options; a bad value is an InvalidInput with a hint."""
    from feedhub.links.dates import parse_date
    from feedhub.search.service import Options

    def when(name: str) -> datetime | None:
        value = (params.get(name) or "").strip()
        if not value:
            return None
        try:
            return parse_date(value, end=name == "until")
        except (ValueError, InvalidInput):
            raise InvalidInput(f"{name}: {value!r} is not a date; use YYYY-MM-DD") from None

    kind = params.get("kind") or None
    if kind not in (None, "paper", "entry"):
        raise InvalidInput("kind: use paper or entry")
    sort = params.get("sort") or "relevance"
    cats = [c for c in (params.get("cat") or "").replace(",", " ").split() if c]
    authors = [a.strip() for a in (params.get("author") or "").split(",") if a.strip()]
    return Options(since=when("since"), until=when("until"), categories=cats, authors=authors, saved=params.get("saved") == "1",
                   has_code=params.get("has_code") == "1", kind=kind, sort=sort, limit=size + 1, offset=(page_no - 1) * size, count=True)  # fmt: skip


def page_number(params: Any) -> int:
    try:
        value = int(params.get("page") or 1)
    except ValueError:
        raise InvalidInput("page: a number, 1 or more") from None
    if not 1 <= value <= 500:
        raise InvalidInput("page: a number from 1 to 500")
    return value


SEARCH_TTL = timedelta(minutes=5)  # a results page is reused this long, unless a POST, a fetch or new rows come first
SEARCHES_KEPT = 1000


def run_search(srv: Server, viewer: Viewer, params: Any) -> dict[str, Any]:
    """One results page. The same page asked again (paging back, the back button, a language switch, a group
    reading the same topic) is reused while nothing it shows can have changed: never across a POST (a save or a
    dismissal), a fetch of this server, new or updated rows in the store (its watermark, which is what tells the
    index to catch up, is read on every ask), nor past SEARCH_TTL (stars refreshed by another process)."""
    from feedhub.search.index import read_watermark
    from feedhub.search.readdb import read_db

    q = (params.get("q") or "").strip()
    page_no = page_number(params)
    opts = search_options(params, page_no)
    if not q and not (opts.saved or opts.has_code or opts.categories or opts.authors or opts.since or opts.until or opts.kind):
        return {"q": q, "hits": [], "notes": [], "more": False, "page": page_no, "took_ms": 0.0, "asked": False, "total": 0}
    key = (viewer.member_id, q, repr(opts))
    now = srv.clock()
    with read_db(srv.settings.db_url) as db:
        mark = read_watermark(db)
    with srv.lock:
        hit = srv.searches.get(key)
    if hit is not None and hit[1] == mark and timedelta(0) <= now - hit[0] < SEARCH_TTL:
        return hit[2]
    found = _run_search(srv, viewer, q, page_no, opts)
    with srv.lock:
        if len(srv.searches) >= SEARCHES_KEPT:
            srv.searches.clear()
        srv.searches[key] = (now, mark, found)
    return found


def _run_search(srv: Server, viewer: Viewer, q: str, page_no: int, opts: Any) -> dict[str, Any]:
    from feedhub.search.service import search

    # the count of every match is kept while the member pages through the same search (until a POST or a fetch)
    count_key = (viewer.member_id, q, repr(replace(opts, offset=0, count=False)))
    with srv.lock:
        known = srv.counts.get(count_key)
    result = search(srv.member_settings(viewer), q or "*", replace(opts, count=known is None), notify=lambda _msg: None)
    if known is None and result.total is not None:
        with srv.lock:
            if len(srv.counts) > 1000:
                srv.counts.clear()
            srv.counts[count_key] = result.total
    else:
        result.total = known
    hits = result.hits[:PAGE_SIZE]
    return {"q": q, "hits": hits, "notes": result.notes, "more": len(result.hits) > PAGE_SIZE, "page": page_no, "took_ms": result.took_ms,
            "asked": True, "total": result.total}  # fmt: skip


@route()
async def search_page(request: Request, viewer: Viewer) -> Response:
    srv = server(request)
    params = request.query_params
    try:
        found = await run_in_threadpool(run_search, srv, viewer, params)
        error = None
    except InvalidInput as exc:  # a malformed query is the search page with the one-line explanation
        found, error = {"q": params.get("q", ""), "hits": [], "notes": [], "more": False, "page": 1, "took_ms": 0.0, "asked": True, "total": 0}, str(exc)
    from urllib.parse import urlencode

    keep = {k: v for k, v in params.items() if k != "page" and v}

    def page_link(n: int) -> str:
        return "/search?" + urlencode({**keep, "page": str(n)})

    return page(request, viewer, "search.html", status=400 if error else 200, found=found, error=error, params=params, page_link=page_link)


# -- a paper ------------------------------------------------------------------------------------------------

def paper_key(arxiv_id: str) -> str:
    """The paper an address names (links.ids' normal form); anything else is a friendly 404."""
    from feedhub.links.ids import normalize_arxiv_id

    try:
        key = normalize_arxiv_id(arxiv_id)
    except InvalidInput:
        key = None
    if not key:
        raise NotFound(f"{arxiv_id!r} is not an arXiv id (e.g. 1412.6980)")
    return key


@functools.cache
def _member_marks() -> dict[str, Any]:
    """The member's saved row and dismissal of one paper (the paper page's buttons), built once."""
    from sqlalchemy import bindparam, select

    from feedhub.store.models import Dismissal, Saved

    member = bindparam("member")
    return {"saved": select(Saved.tags, Saved.note).where(Saved.member_id == member, Saved.paper_id == bindparam("key")),
            "dismissed": select(Dismissal.target).where(Dismissal.member_id == member, Dismissal.target == bindparam("target"))}  # fmt: skip


def paper_view(srv: Server, viewer: Viewer, arxiv_id: str) -> dict[str, Any]:
    from feedhub.papers.reproductions import list_reproductions, run_json, runs_of
    from feedhub.papers.show import paper_detail

    key = paper_key(arxiv_id)
    with srv.read() as session:
        try:
            detail = paper_detail(session, key)
        except InvalidInput as exc:
            raise NotFound(str(exc)) from None
        saved, dismissed = None, False
        if viewer.member_id:  # Core reads built once, as paper_detail's: rows, not tracked objects
            conn = session.connection()
            arg = {"member": viewer.member_id, "key": key, "target": f"arxiv:{key}"}
            saved = conn.execute(_member_marks()["saved"], arg).first()
            dismissed = conn.execute(_member_marks()["dismissed"], arg).first() is not None
        known = {r["name"]: r for r in list_reproductions(session)} if detail["reproductions"] else {}
        for r in detail["reproductions"]:
            r["claim"] = known.get(r["name"], {}).get("claim")
            runs = runs_of(session, r["name"])
            r["run"] = _with_figures(run_json(runs[0])) if runs else None
    return {"paper": detail, "saved": saved, "dismissed": dismissed}


RELATED_TTL = timedelta(hours=6)


def related_papers(srv: Server, arxiv_id: str) -> list[Any] | None:
    """The papers nearest to this one (None without the [recommend] extra), reused for RELATED_TTL or until a
    fetch: it takes a model fit, so the paper page loads it apart (its own address, filled in by the script)."""
    from feedhub.search.recommend import have_sklearn, related

    key = paper_key(arxiv_id)
    if not have_sklearn():
        return None
    now = srv.clock()
    with srv.lock:
        cached = srv.related.get(key)
    if cached is not None and now - cached[0] < RELATED_TTL:
        return cached[1]
    with srv.read() as session:
        try:
            found = related(session, key, limit=8, settings=srv.settings)
        except InvalidInput as exc:
            raise NotFound(str(exc)) from None
    with srv.lock:
        srv.related[key] = (now, found)
    return found


@route()
async def paper(request: Request, viewer: Viewer) -> Response:
    srv = server(request)
    ref = request.path_params["arxiv_id"]
    if ref.endswith("/related"):  # /paper/ID/related: the related papers, a page of its own (or the fragment the script asks for)
        ref = ref[: -len("/related")]
        found = await run_in_threadpool(related_papers, srv, ref)
        fragment = request.query_params.get("fragment") == "1"
        return page(request, viewer, "_related.html" if fragment else "related.html", arxiv_id=ref, related=found)
    view = await run_in_threadpool(paper_view, srv, viewer, ref)
    return page(request, viewer, "paper.html", **view)


def _feedback(srv: Server, viewer: Viewer, action: str, form: dict[str, str]) -> None:
    from feedhub.search import interests, saved

    assert viewer.member_id is not None
    ref = form.get("target", "").strip()
    if not ref:
        raise InvalidInput("nothing to act on: the form has no target")
    with transaction(srv.engine) as session:
        if action == "save":
            tags = [t for t in form.get("tags", "").replace(",", " ").split() if t]
            saved.save(session, ref, tags=tags, note=form.get("note") or None, member_id=viewer.member_id)
        elif action == "unsave":
            saved.unsave(session, ref, member_id=viewer.member_id)
        elif action == "dismiss":
            interests.dismiss(session, ref, viewer.member_id)
        elif action == "undismiss":
            interests.undismiss(session, ref, viewer.member_id)
        else:
            raise NotFound(action)
    srv.forget_weeks(viewer.name)


@route(write=True)
async def act(request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
    """save / unsave / dismiss / undismiss a paper or a story; back to where the form was."""
    srv = server(request)
    await run_in_threadpool(_feedback, srv, viewer, request.path_params["action"], form)
    return _back(request, form, "/week")


# -- reproductions -----------------------------------------------------------------------------------------

def _with_figures(run: dict[str, Any]) -> dict[str, Any]:
    """A run (``run_json``) with the addresses of its figures on this server."""
    figures = run.get("figures") or []
    run["figure_links"] = [f"/runs/{run['id']}/figure/{i}" for i, f in enumerate(figures) if Path(str(f)).suffix.lower() in FIGURE_TYPES]
    return run


def repro_view(srv: Server, name: str) -> dict[str, Any]:
    from feedhub.papers.reproductions import get_reproduction, run_json, runs_of

    try:
        rep = get_reproduction(name)
    except InvalidInput as exc:
        raise NotFound(str(exc)) from None
    with srv.read() as session:
        runs = [run_json(r) for r in runs_of(session, name)]
    from reproductions.report import design_text, judgement_rows, reflow

    runs = [_with_figures(r) for r in runs]
    papers = [{"title": p.title, "authors": list(p.authors), "year": p.year, "arxiv": p.arxiv, "url": p.link(),
               "venue": p.venue} for p in rep.papers]  # fmt: skip
    kind = getattr(rep, "kind", "reproduction")
    # the report's words (reproductions.report): the design the experiment states before it runs, and the last
    # run's verdict per arm with its estimate and interval (runs stored before migration 0006 have none)
    checks = judgement_rows(runs[0].get("judgement") if runs else None, kind)  # type: ignore[arg-type]
    return {"rep": {"name": rep.name, "title": rep.title, "claim": rep.claim, "module": rep.module, "kind": kind}, "papers": papers, "runs": runs,
            "command": f"feedhub repro run {rep.name} --quick", "design": reflow(design_text(rep)), "arms": checks}  # fmt: skip


@route()
async def repro(request: Request, viewer: Viewer) -> Response:
    view = await run_in_threadpool(repro_view, server(request), request.path_params["name"])
    return page(request, viewer, "repro.html", **view)


@route()
async def repros(request: Request, viewer: Viewer) -> Response:
    from feedhub.papers.reproductions import list_reproductions

    srv = server(request)

    def load() -> list[dict[str, Any]]:
        with srv.read() as session:
            return list_reproductions(session)

    return page(request, viewer, "repros.html", rows=await run_in_threadpool(load))


def figure_file(srv: Server, run_id: int, index: int) -> Path:
    """A run's figure, only from that run's own folder, only an image; anything else is not found."""
    from feedhub.store.models import Run

    with srv.read() as session:
        run = session.get(Run, run_id)
        if run is None or not run.out_dir or not 0 <= index < len(run.figures or []):
            raise NotFound()
        folder = Path(run.out_dir).resolve()
        path = Path(str(run.figures[index])).resolve()
    if path.suffix.lower() not in FIGURE_TYPES or not path.is_relative_to(folder) or not path.is_file():
        raise NotFound()
    return path


@route()
async def figure(request: Request, viewer: Viewer) -> Response:
    path = await run_in_threadpool(figure_file, server(request), int(request.path_params["run_id"]), int(request.path_params["index"]))
    return FileResponse(path, media_type=FIGURE_TYPES[path.suffix.lower()], headers={"content-security-policy": "default-src 'none'; style-src 'unsafe-inline'"})


# -- saved, rules and follows --------------------------------------------------------------------------------

@route(member=True)
async def saved_page(request: Request, viewer: Viewer) -> Response:
    from feedhub.search.saved import list_saved, tag_counts

    srv = server(request)
    tag = request.query_params.get("tag") or None

    def load() -> tuple[list[dict[str, Any]], dict[str, int]]:
        assert viewer.member_id is not None
        with srv.read() as session:
            return [s.to_json() for s in list_saved(session, tag=tag, member_id=viewer.member_id)], tag_counts(session, member_id=viewer.member_id)

    rows, tags = await run_in_threadpool(load)
    return page(request, viewer, "saved.html", rows=rows, tags=tags, tag=tag)


@route(member=True)
async def saved_bibtex(request: Request, viewer: Viewer) -> Response:
    from feedhub.search.saved import export

    srv = server(request)

    def load() -> str:
        assert viewer.member_id is not None
        with srv.read() as session:
            return export(session, "bibtex", member_id=viewer.member_id)

    text = await run_in_threadpool(load)
    return Response(text, media_type="application/x-bibtex; charset=utf-8", headers={"content-disposition": 'attachment; filename="saved.bib"'})


def interests_view(srv: Server, viewer: Viewer) -> dict[str, Any]:
    from sqlalchemy import select

    from feedhub.search.interests import follow_label, list_follows, list_rules
    from feedhub.store.models import Dismissal

    assert viewer.member_id is not None
    with srv.read() as session:
        rules = [r.to_json() for r in list_rules(session, viewer.member_id, now=srv.clock())]
        follows = [{"spec": f"{f.kind}:{f.value}" if f.kind != "author" else f'author:"{f.value}"', "kind": f.kind, "label": follow_label(f)}
                   for f in list_follows(session, viewer.member_id)]  # fmt: skip
        dismissed = list(session.scalars(select(Dismissal.target).where(Dismissal.member_id == viewer.member_id).order_by(Dismissal.created_at.desc()).limit(200)))
    return {"rules": rules, "follows": follows, "dismissed": dismissed}


@route(member=True)
async def interests_page(request: Request, viewer: Viewer) -> Response:
    view = await run_in_threadpool(interests_view, server(request), viewer)
    return page(request, viewer, "interests.html", **view)


def _interest_change(srv: Server, viewer: Viewer, action: str, form: dict[str, str]) -> None:
    from feedhub.search import interests

    assert viewer.member_id is not None
    with transaction(srv.engine) as session:
        if action == "rule-add":
            interests.add_rule(session, form.get("action", ""), form.get("expression", ""), viewer.member_id)
        elif action == "rule-remove":
            try:
                rule_id = int(form.get("id", ""))
            except ValueError:
                raise InvalidInput("no rule id in the form") from None
            interests.remove_rule(session, rule_id, viewer.member_id)
        elif action == "follow":
            interests.follow(session, form.get("spec", ""), viewer.member_id)
        elif action == "unfollow":
            interests.unfollow(session, form.get("spec", ""), viewer.member_id)
        else:
            raise NotFound(action)
    srv.forget_weeks(viewer.name)


@route(write=True)
async def interests_post(request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
    await run_in_threadpool(_interest_change, server(request), viewer, request.path_params["action"], form)
    return _back(request, form, "/interests")


# -- settings: language, guest access -------------------------------------------------------------------------

@route(write=True)
async def set_lang(request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
    from feedhub.search import accounts
    from feedhub.store.models import Member

    srv = server(request)
    lang = form.get("lang", "")
    if lang not in i18n.LANGS:
        raise InvalidInput(f"unknown language {lang!r}; use one of: {', '.join(i18n.LANGS)}")

    def store() -> None:
        with transaction(srv.engine) as session:
            member = session.get(Member, viewer.member_id)
            if member is not None:
                accounts.set_lang(session, member, lang)

    await run_in_threadpool(store)
    response = _back(request, form, "/week")
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="lax", secure=_secure(request), path="/")
    return response


@route(write=True, admin=True)
async def set_guest(request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
    from feedhub.search import accounts

    srv = server(request)

    def store() -> None:
        with transaction(srv.engine) as session:
            accounts.set_option(session, "guest", "on" if form.get("guest") == "on" else "off")

    await run_in_threadpool(store)
    return _back(request, form, "/sources")


# -- sources and the background fetch ------------------------------------------------------------------------

def sources_view(srv: Server) -> dict[str, Any]:
    from feedhub.search import accounts
    from feedhub.subscriptions.manage import list_sources, source_json

    with srv.read() as session:
        rows = [source_json(s, n) for s, n in list_sources(session)]
        guest = accounts.guest_access(session)
    for r in rows:
        r["state"], r["todo"] = _health(r)
    fetch = srv.fetch
    if srv.shared and srv.fetch_every is not None:  # any process's last fetch, and why this one could not take its turn
        fetch = shared_fetch_status(srv)
        if srv.fetch.error:
            fetch = replace(fetch, error=srv.fetch.error)
    return {"rows": rows, "guest": guest, "fetch": fetch, "fetch_every": every_text(srv.fetch_every)}


def every_text(every: timedelta | None) -> str | None:
    """--fetch-every as it was written: 1d, 6h, 90m."""
    if every is None:
        return None
    minutes = int(every.total_seconds() // 60)
    for unit, size in (("d", 1440), ("h", 60)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"


def _health(r: dict[str, Any]) -> tuple[str, str]:
    if not r["enabled"]:
        return "disabled", f"feedhub source enable {r['id']}"
    if int(r["error_count"] or 0) >= 3:
        return "paused", f"check the URL, then: feedhub fetch --source {r['id']} --force"
    if r["last_error"]:
        return "error", f"it is retried with back-off; to see the error now: feedhub fetch --source {r['id']} --force"
    if r["last_warning"]:
        return "warning", ""
    return "ok", ""


@route(admin=True)
async def sources(request: Request, viewer: Viewer) -> Response:
    view = await run_in_threadpool(sources_view, server(request))
    return page(request, viewer, "sources.html", **view)


FETCH_KEY = "fetch"  # web_options: the last background fetch of a shared server (--workers N), as JSON
SHARED_FETCH_TICK = timedelta(minutes=1)  # how often each process of a shared server asks whether a fetch is due


def _run_fetch(srv: Server) -> str:
    """Fetch every due source (the CLI's `feedhub fetch`); its summary line."""
    from feedhub.fetch.runner import run_fetch

    totals = run_fetch(srv.engine, srv.settings).totals()
    return ", ".join(f"{v} {k}" for k, v in totals.items()) or "nothing due"


def _fetch_problem(exc: Exception) -> str:
    from feedhub.store.db import describe_error

    return describe_error(exc) or f"{type(exc).__name__}: {exc}"


def fetch_once(srv: Server, run: Callable[[Server], str] = _run_fetch) -> None:
    """One background fetch, taking turns with any other fetch of this database (the same lock as the CLI's).
    On a shared server (--workers N) every process calls this: see shared_fetch."""
    if srv.shared:
        shared_fetch(srv, run)
        return
    from feedhub.store.locks import exclusive

    srv.fetch.running, srv.fetch.last_started, srv.fetch.error = True, srv.clock(), None
    try:
        with exclusive(srv.engine, "fetch", notify=lambda _msg: None):
            srv.fetch.summary = run(srv)
    except Exception as exc:  # a fetch that cannot run is shown on the sources page; the server goes on
        srv.fetch.error = _fetch_problem(exc)
    finally:
        srv.fetch.running, srv.fetch.last_finished = False, srv.clock()
        srv.forget_weeks(everyone=True)
        with srv.lock:
            srv.related.clear()


def shared_fetch_status(srv: Server) -> FetchStatus:
    """The last background fetch of any process of a shared server, as the store keeps it (a Core read)."""
    import json

    from sqlalchemy import select

    from feedhub.store.models import WebOption

    with srv.reader.connect() as conn:
        value = conn.execute(select(WebOption.value).where(WebOption.key == FETCH_KEY)).scalar()
    try:
        data = json.loads(value) if value else {}
    except ValueError:  # written by no feedhub: as if no fetch had run
        data = {}
    when = {k: datetime.fromisoformat(data[k]) if isinstance(data.get(k), str) else None for k in ("started", "finished")}
    return FetchStatus(running=bool(data.get("running")), last_started=when["started"], last_finished=when["finished"],
                       summary=data.get("summary"), error=data.get("error"))  # fmt: skip


def _store_fetch_status(srv: Server, status: FetchStatus) -> None:
    import json

    from feedhub.search import accounts

    def iso(t: datetime | None) -> str | None:
        return t.isoformat() if t is not None else None

    value = json.dumps({"running": status.running, "started": iso(status.last_started), "finished": iso(status.last_finished),
                        "summary": status.summary, "error": status.error})  # fmt: skip
    with transaction(srv.engine) as session:
        accounts.set_option(session, FETCH_KEY, value)


def shared_fetch(srv: Server, run: Callable[[Server], str] = _run_fetch) -> bool:
    """One turn of a shared server's background fetch. Every process ticks (SHARED_FETCH_TICK); the one that gets
    the fetch lock without waiting, and finds that no process has fetched in the last ``fetch_every``, fetches;
    the others, and every process while a `feedhub fetch` runs, skip their turn. The outcome is kept in the store
    (web_options "fetch"), so every process's sources page shows it, and the other processes forget their caches
    at their next request (Server.changed). True when this process fetched."""
    from feedhub.store.locks import exclusive

    try:
        with exclusive(srv.engine, "fetch", wait=False) as held:
            if not held:
                return False
            last = shared_fetch_status(srv)
            now = srv.clock()
            if last.last_finished is not None and srv.fetch_every is not None and now < last.last_finished + srv.fetch_every:
                return False
            status = replace(last, running=True, last_started=now)
            _store_fetch_status(srv, status)
            try:
                status.summary, status.error = run(srv), None
            except Exception as exc:  # shown on every process's sources page; the loop goes on
                status.error = _fetch_problem(exc)
            status.running, status.last_finished = False, srv.clock()
            _store_fetch_status(srv, status)
        srv.changed()
    except Exception as exc:  # the store or its lock cannot be reached: this process shows why and goes on
        srv.fetch.error = _fetch_problem(exc)
        return False
    srv.fetch.error = None
    srv.forget_weeks(everyone=True)
    with srv.lock:
        srv.related.clear()
    return True


async def fetch_loop(srv: Server, every: timedelta, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                     fetch: Callable[[Server], None] = fetch_once) -> None:  # fmt: skip
    """``--fetch-every``: a fetch at start, then one each ``every`` after the last one ended (a slow fetch never
    overlaps the next); a failed fetch is shown on the sources page and the loop goes on. A shared server's
    processes each ask every SHARED_FETCH_TICK (at most ``every``), and one of them fetches when it is due."""
    tick = min(every, SHARED_FETCH_TICK) if srv.shared else every
    while True:
        await run_in_threadpool(fetch, srv)
        await sleep(tick.total_seconds())


def routes() -> list[Route]:
    return [
        Route("/", home),
        Route("/signin", signin_form, methods=["GET"]),
        Route("/signin", signin_post, methods=["POST"]),
        Route("/signin/{token}", signin_link, methods=["GET"]),
        Route("/signout", signout, methods=["POST"]),
        Route("/week", week),
        Route("/week/feed.atom", feed, name="feed"),
        Route("/week/{week}", week),
        Route("/search", search_page),
        Route("/paper/{arxiv_id:path}", paper),
        Route("/act/{action}", act, methods=["POST"]),
        Route("/repro", repros),
        Route("/repro/{name}", repro),
        Route("/runs/{run_id:int}/figure/{index:int}", figure),
        Route("/saved", saved_page),
        Route("/saved.bib", saved_bibtex),
        Route("/interests", interests_page),
        Route("/interests/{action}", interests_post, methods=["POST"]),
        Route("/settings/lang", set_lang, methods=["POST"]),
        Route("/settings/guest", set_guest, methods=["POST"]),
        Route("/sources", sources),
    ]
