"""The ASGI app: one store opened at start, members signed in by cookie (pages) or bearer token (API), a CSRF
token on every POST, a strict Content-Security-Policy, and one-line pages for every problem.

``create_app(settings, clock=...)`` is what ``feedhub serve`` runs under uvicorn and what the tests start."""

from __future__ import annotations

import asyncio
import secrets
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Awaitable, Callable
from urllib.parse import quote, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from feedhub.config import Settings
from feedhub.errors import FeedhubError, InvalidInput
from feedhub.store.types import utcnow
from feedhub.web import i18n

HERE = Path(__file__).parent
SESSION_COOKIE = "feedhub_session"
PRE_COOKIE = "feedhub_csrf"  # the sign-in form's double-submit token (no session yet)
LANG_COOKIE = "feedhub_lang"  # a guest's language
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")  # fmt: skip
GENERATION_KEY = "generation"  # web_options: bumped by every POST of a shared server (--workers N)
SIGNIN_LIMIT = 5  # failed sign-ins per client (and per name) in SIGNIN_WINDOW before it answers 429
SIGNIN_WINDOW = timedelta(minutes=15)
WEEK_TTL = timedelta(minutes=10)  # a built week is reused this long (or until the next fetch or feedback)
# A session looked up in the store is trusted this long before it is looked up again (a page view then costs no
# query for who is asking). Signing out, and every POST, forget them all at once; a session's own expiry is
# still checked on every request, so a cached one never outlives it. A member removed from the command line
# (another process) loses the page within this time.
VIEWER_TTL = timedelta(seconds=10)
# Page work (store reads, rendering) runs in at most this many threads at once, not anyio's 40: the work is
# CPU-bound under the GIL, and 20 requests in 20 threads took turns slower than in 4 (bench at 1M papers, 20
# clients: paper p95 198 -> 118 ms, week 124 -> 90 ms, search 559 -> 435 ms). Four still let a background
# fetch or a slow PostgreSQL round trip wait without stopping the pages.
WORKER_THREADS = 4


@dataclass
class Viewer:
    """Who is asking: a member (with their session's CSRF token), or a read-only guest (member None)."""

    member_id: int | None
    name: str | None
    admin: bool
    lang: str
    csrf: str = ""
    session_token: str | None = None

    @property
    def guest(self) -> bool:
        return self.member_id is None


@dataclass
class FetchStatus:
    running: bool = False
    last_started: datetime | None = None
    last_finished: datetime | None = None
    summary: str | None = None
    error: str | None = None


@dataclass
class Server:
    """What every request shares: settings, the engine, the clock, caches, the sign-in limiter."""

    settings: Settings
    clock: Callable[[], datetime] = utcnow
    fetch_every: timedelta | None = None
    tz: str | None = None  # the weeks' time zone (None: the system's, as `feedhub digest`)
    engine: Any = None
    reader: Any = None  # reads (every page view) go here: see store.db.reader_engine
    problem: str | None = None  # the store cannot serve: a page says what to run
    templates: Any = None
    # (week, lang, member or None) -> (built at, the digest's model, its stories' rendered bodies by story key)
    weeks: dict[tuple[str, str, str | None], tuple[datetime, dict[str, Any], dict[str, Any]]] = field(default_factory=dict)
    related: dict[str, tuple[datetime, list[Any]]] = field(default_factory=dict)
    fetch: FetchStatus = field(default_factory=FetchStatus)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # session token -> (when looked up, the session's expiry, who): see VIEWER_TTL
    viewers: dict[str, tuple[datetime, datetime | None, Viewer | None]] = field(default_factory=dict)
    counts: dict[Any, int] = field(default_factory=dict)  # (member, query, options) -> every match (a search's total)
    # (member, query, options) -> (when, the store's watermark then, the page's results): see pages.run_search
    searches: dict[Any, tuple[datetime, Any, dict[str, Any]]] = field(default_factory=dict)
    # (session, path, query, lang) -> (the week's model, saves, dismissals, the rendered page): see pages.week
    week_pages: dict[Any, tuple[Any, set[str], set[str], bytes]] = field(default_factory=dict)
    # `feedhub serve --workers N`: several processes serve one store, each with these caches. A POST in any of
    # them bumps a counter in the store (web_options "generation"); every request first reads it, and a value
    # this process has not seen empties its caches. One process (shared=False) reads and writes none of this.
    shared: bool = False
    generation: int = 0

    def open(self) -> None:
        """Open the store without changing it: a missing database or one behind on migrations is a page."""
        from feedhub.store.db import current_revision, describe_error, is_at_head, make_engine, missing_sqlite_file

        missing = missing_sqlite_file(self.settings.db_url)
        if missing is not None:
            self.problem = i18n.text("en", "problem.missing").format(path=str(missing))
            return
        try:
            engine = make_engine(self.settings.db_url)
            if not is_at_head(engine):
                self.problem = i18n.text("en", "problem.migrate").format(current=current_revision(engine) or "empty")
                return
        except Exception as exc:  # the database cannot be reached or read: say why, once, on every page
            self.problem = describe_error(exc) or f"cannot open the database: {type(exc).__name__}; check --db / FEEDHUB_DB"
            return
        from feedhub.store.db import reader_engine

        self.engine = engine
        self.reader = reader_engine(engine)

    def read(self) -> Any:
        """A session for reading (never commit through it)."""
        from feedhub.store.db import session_factory

        return session_factory(self.reader)()

    def member_settings(self, viewer: Viewer) -> Settings:
        return replace(self.settings, member=viewer.name if viewer.member_id is not None else None)

    def forget_viewers(self) -> None:
        """After any POST: who is who, and the search counts (a dismissal changes them), are looked up again."""
        with self.lock:
            self.viewers.clear()
            self.counts.clear()
            self.searches.clear()
            self.week_pages.clear()

    def forget_all(self) -> None:
        with self.lock:
            self.viewers.clear()
            self.counts.clear()
            self.searches.clear()
            self.week_pages.clear()
            self.weeks.clear()
            self.related.clear()

    def sync(self) -> None:
        """Before a request of a shared server (runs a query: call it from a worker thread): if another process
        changed anything since this one last looked, forget every cache."""
        if not self.shared:
            return
        from sqlalchemy import select

        from feedhub.store.models import WebOption

        with self.reader.connect() as conn:  # a Core read: no ORM object for one value on every request
            value = conn.execute(select(WebOption.value).where(WebOption.key == GENERATION_KEY)).scalar()
        seen = int(value) if value is not None and str(value).isdigit() else 0
        if seen != self.generation:
            self.forget_all()
            self.generation = seen

    def changed(self) -> None:
        """After a POST of a shared server (a query: from a worker thread): tell the other processes. The counter
        is incremented in the database, so no change is lost; if it moved by more than this one step, another
        process changed something meanwhile, and this one forgets its caches too."""
        if not self.shared:
            return
        from sqlalchemy import Integer, Text, cast, select, update

        from feedhub.store.db import transaction
        from feedhub.store.models import WebOption

        with transaction(self.engine) as session:
            session.execute(update(WebOption).where(WebOption.key == GENERATION_KEY)
                            .values(value=cast(cast(WebOption.value, Integer) + 1, Text)))  # fmt: skip
            now = int(session.scalar(select(WebOption.value).where(WebOption.key == GENERATION_KEY)) or 0)
        if now != self.generation + 1:
            self.forget_all()
        self.generation = now

    def forget_weeks(self, member: str | None = None, everyone: bool = False) -> None:
        with self.lock:
            if everyone:
                self.counts.clear()
                self.searches.clear()
            for key in [k for k in self.weeks if everyone or k[2] == member or k[2] is None]:
                del self.weeks[key]
            self.week_pages.clear()

    # -- sign-in rate limit ---------------------------------------------------------------------------
    # Counted in the database (signin_failures), not in this process: a restart does not reset it, and every
    # server process on the database shares it. Both run queries: call them from a worker thread.
    def limited(self, *keys: str) -> bool:
        from sqlalchemy import func, select

        from feedhub.store.models import SigninFailure

        since = self.clock() - SIGNIN_WINDOW
        with self.read() as session:
            counts = session.execute(
                select(SigninFailure.key, func.count()).where(SigninFailure.key.in_([k[:200] for k in keys]), SigninFailure.at > since)
                .group_by(SigninFailure.key)
            ).all()  # fmt: skip
        return any(n >= SIGNIN_LIMIT for _, n in counts)

    def failed(self, *keys: str) -> None:
        from sqlalchemy import delete

        from feedhub.store.db import transaction
        from feedhub.store.models import SigninFailure

        now = self.clock()
        with transaction(self.engine) as session:
            session.execute(delete(SigninFailure).where(SigninFailure.at <= now - SIGNIN_WINDOW))  # the table stays small
            session.add_all([SigninFailure(key=k[:200], at=now) for k in keys])


def server(request: Request) -> Server:
    found = request.app.state.server
    assert isinstance(found, Server)
    return found


def client_key(request: Request) -> str:
    return "ip:" + (request.client.host if request.client else "?")


# -- rendering ------------------------------------------------------------------------------------------

def templates():  # type: ignore[no-untyped-def]
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("feedhub.web", "templates"), autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)  # fmt: skip
    from feedhub.web import filters

    env.filters.update(filters.FILTERS)
    env.globals.update(filters.GLOBALS)
    return env


def page(request: Request, viewer: Viewer | None, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    srv = server(request)
    lang = lang_of(request, viewer)
    body = srv.templates.get_template(template).render(viewer=viewer, lang=lang, t=i18n.translator(lang), request=request, path=request.url.path,
                                                   query=request.url.query, **context)  # fmt: skip
    return HTMLResponse(body, status_code=status)


def lang_of(request: Request, viewer: Viewer | None) -> str:
    asked = request.query_params.get("lang")
    if asked in i18n.LANGS:
        return str(asked)
    if viewer is not None and viewer.member_id is not None:
        return viewer.lang
    cookie = request.cookies.get(LANG_COOKIE)
    return cookie if cookie in i18n.LANGS else "en"


def problem_page(request: Request, viewer: Viewer | None, status: int, message: str, title_key: str = "error.title") -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    return page(request, viewer, "error.html", status=status, message=message, title_key=title_key)


# -- who is asking ----------------------------------------------------------------------------------------

_MISS = object()


def _cached_viewer(srv: Server, token: str | None) -> Viewer | None | object:
    """The cached answer of _viewer_from_cookie, or _MISS: a dict lookup, cheap enough for the event loop, so
    a signed-in reader's request takes no worker-thread trip to learn who they are."""
    key = token if token and len(token) <= 200 else ""
    now = srv.clock()
    with srv.lock:
        hit = srv.viewers.get(key)
    if hit is not None:
        checked, expires, viewer = hit
        if now - checked < VIEWER_TTL and now >= checked and (expires is None or now < expires):
            return viewer
    return _MISS


def _viewer_from_cookie(srv: Server, token: str | None) -> Viewer | None:
    """Who the session cookie belongs to (or a guest when guest access is on), cached for VIEWER_TTL."""
    from feedhub.search import accounts

    cached = _cached_viewer(srv, token)
    if cached is not _MISS:
        return cached  # type: ignore[return-value]
    now = srv.clock()
    key = token if token and len(token) <= 200 else ""
    viewer, expires = None, None
    with srv.read() as session:
        if key:
            found = accounts.session_of(session, key, now)
            if found is not None:
                m = found.member
                viewer = Viewer(m.id, m.name, bool(m.is_admin), m.lang or "en", csrf=found.csrf, session_token=key)
                expires = found.expires_at  # aware UTC already (store.types.UTCDateTime)
        if viewer is None and accounts.guest_access(session):
            viewer = Viewer(None, None, False, "en")
    with srv.lock:
        if len(srv.viewers) > 10_000:  # many distinct (or forged) cookies: start over rather than grow
            srv.viewers.clear()
        srv.viewers[key] = (now, expires, viewer)
    return viewer


def _viewer_from_bearer(srv: Server, header: str) -> Viewer | None:
    from feedhub.search import accounts

    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    with srv.read() as session:
        m = accounts.api_member(session, token.strip(), srv.clock())
        return None if m is None else Viewer(m.id, m.name, bool(m.is_admin), m.lang or "en")


Handler = Callable[..., Awaitable[Response]]


def route(*, api: bool = False, write: bool = False, admin: bool = False, member: bool = False) -> Callable[[Handler], Handler]:
    """Wrap a handler: the store must serve, a session (or the API token) must be there, a POST must carry
    the session's CSRF token, admin pages need an admin; library errors become a friendly page (never a trace)."""

    def wrap(handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            srv = server(request)
            if srv.problem:
                return problem_page(request, None, 503, srv.problem, "problem.title")
            if srv.shared:
                await run_in_threadpool(srv.sync)
            if api:
                viewer = await run_in_threadpool(_viewer_from_bearer, srv, request.headers.get("authorization", ""))
                if viewer is None and request.query_params.get("token"):  # feed readers cannot send headers
                    viewer = await run_in_threadpool(_viewer_from_bearer, srv, "Bearer " + request.query_params["token"])
                if viewer is None:
                    viewer = await run_in_threadpool(_viewer_from_cookie, srv, request.cookies.get(SESSION_COOKIE))
                if viewer is None:
                    return JSONResponse({"error": "sign in: send Authorization: Bearer TOKEN (`feedhub member token NAME` prints one)"},
                                        status_code=401, headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
            else:
                cookie = request.cookies.get(SESSION_COOKIE)
                cached = _cached_viewer(srv, cookie)
                viewer = await run_in_threadpool(_viewer_from_cookie, srv, cookie) if cached is _MISS else cached  # type: ignore[assignment]
                if viewer is None:
                    if request.method != "GET":
                        return problem_page(request, None, 403, i18n.text(lang_of(request, None), "error.signin_first"))
                    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                    return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)
            form: dict[str, str] = {}
            if request.method == "POST":
                data = await request.form()
                form = {k: v for k, v in data.items() if isinstance(v, str)}
                if viewer.guest or not viewer.csrf or not secrets.compare_digest(form.get("csrf", ""), viewer.csrf):
                    return problem_page(request, viewer, 403, i18n.text(viewer.lang, "error.csrf"))
            if (admin and not viewer.admin) or ((member or write) and viewer.guest):
                return problem_page(request, viewer, 403, i18n.text(lang_of(request, viewer), "error.admin" if admin else "error.signin_first"))
            try:
                if request.method != "POST":
                    return await handler(request, viewer)
                try:
                    return await handler(request, viewer, form)
                finally:  # a POST may sign out, change a language or guest access, or dismiss: look everyone up again
                    srv.forget_viewers()
                    if srv.shared:  # and so must the other processes of a shared server
                        await run_in_threadpool(srv.changed)
            except NotFound as exc:
                return problem_page(request, viewer, 404, str(exc) or i18n.text(lang_of(request, viewer), "error.not_found"), "error.not_found")
            except InvalidInput as exc:
                return problem_page(request, viewer, 400, str(exc))
            except FeedhubError as exc:
                return problem_page(request, viewer, 500, str(exc))

        endpoint.__name__ = handler.__name__
        return endpoint

    return wrap


class NotFound(Exception):
    """A week, paper, reproduction or page that is not there: a friendly 404."""


def local_redirect(target: str | None, default: str = "/") -> str:
    """Only a path on this site (``/...``, never ``//host`` or a scheme) is followed after sign-in or a form."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


# -- headers on every answer -------------------------------------------------------------------------------

class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
                         (b"x-frame-options", b"DENY"), (b"cross-origin-opener-policy", b"same-origin")]  # fmt: skip
                if not scope["path"].startswith("/static/"):
                    extra.append((b"cache-control", b"private, no-store"))
                headers += [(k, v) for k, v in extra if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class NotFoundStatic(StaticFiles):
    """Static assets; anything else under /static/ (a traversal, a missing file) is a plain 404."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except Exception:
            return Response("not found", status_code=404, media_type="text/plain")


# What the pages import on their first ask (the digest, search, a paper, the sources): `feedhub serve` imports
# them once it answers, then freezes what exists (see settle).
PAGE_MODULES = ("feedhub.digest.api", "feedhub.digest.render_md", "feedhub.papers.show", "feedhub.papers.reproductions",
                "feedhub.search.service", "feedhub.search.compiler", "feedhub.search.interests", "feedhub.search.rules",
                "feedhub.subscriptions.manage", "feedhub.links.tex", "tantivy")  # fmt: skip


def settle() -> None:
    """In a server process (never in a library caller's process: frozen objects are never collected): import
    what the pages use, then move every object that exists to the collector's permanent generation
    (gc.freeze). A full collection walks every tracked object: with the modules of a warm server (about 100,000
    objects) that took 70-120 ms at a time, a stall every request waiting then shares; frozen, about 20 ms."""
    import gc
    import importlib

    for name in PAGE_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional extra that is not installed: its pages say so
            continue
    gc.collect()
    gc.freeze()


def create_app(settings: Settings, *, clock: Callable[[], datetime] = utcnow, fetch_every: timedelta | None = None,
               tz: str | None = None, shared: bool = False, server_process: bool = False) -> Starlette:
    from contextlib import asynccontextmanager

    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware

    from feedhub.web import api, pages

    srv = Server(settings=settings, clock=clock, fetch_every=fetch_every, tz=tz, shared=shared)
    srv.templates = templates()
    srv.open()

    @asynccontextmanager
    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
        task = None
        if fetch_every is not None and srv.engine is not None:
            task = asyncio.create_task(pages.fetch_loop(srv, fetch_every))
        settling = asyncio.ensure_future(anyio.to_thread.run_sync(settle)) if server_process else None  # beside the first answers
        yield
        if settling is not None:
            settling.cancel()
        if task is not None:
            task.cancel()

    async def not_found(request: Request, exc: Exception) -> Response:
        code = exc.status_code if isinstance(exc, HTTPException) else 500
        if code == 405:
            return problem_page(request, None, 405, "this address does not take that method")
        if code == 404:
            return problem_page(request, None, 404, i18n.text(lang_of(request, None), "error.not_found"), "error.not_found")
        return problem_page(request, None, code, i18n.text("en", "error.server"))

    async def server_error(request: Request, exc: Exception) -> Response:
        import logging

        logging.getLogger("feedhub.web").exception("error answering %s", request.url.path)
        return problem_page(request, None, 500, i18n.text("en", "error.server"))

    routes = pages.routes() + api.routes() + [Mount("/static", app=NotFoundStatic(directory=HERE / "static"), name="static")]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)], lifespan=lifespan,
                    exception_handlers={404: not_found, 405: not_found, 500: server_error})  # fmt: skip
    app.state.server = srv
    return app


WORKER_ENV = "FEEDHUB_SERVE_WORKER"  # what `feedhub serve --workers N` passes its worker processes (JSON)


def start_shared(engine: Any) -> None:
    """Before the workers of ``feedhub serve --workers N`` start: the counter they share exists."""
    from feedhub.store.db import transaction
    from feedhub.store.models import WebOption

    with transaction(engine) as session:
        if session.get(WebOption, GENERATION_KEY) is None:
            session.add(WebOption(key=GENERATION_KEY, value="0"))


def worker_app() -> Starlette:
    """The app of one worker process of ``feedhub serve --workers N`` (uvicorn's factory): the parent's store,
    home, time zone and --fetch-every, from WORKER_ENV."""
    import json
    import os

    from feedhub.config import load_settings

    spec = json.loads(os.environ[WORKER_ENV])
    settings = load_settings(db=spec["db"], home=Path(spec["home"]), member=spec.get("member"))
    every = timedelta(seconds=spec["fetch_every"]) if spec.get("fetch_every") else None
    return create_app(settings, tz=spec.get("tz"), shared=True, fetch_every=every, server_process=True)


__all__ = ["create_app", "route", "page", "Viewer", "Server", "NotFound", "worker_app", "start_shared"]
