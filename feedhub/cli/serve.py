"""``feedhub serve``: the study group's page (and JSON API) under uvicorn."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Optional

import typer

from feedhub.cli.context import app_context
from feedhub.cli.text import clean
from feedhub.errors import InvalidInput


def parse_every(text: str):  # type: ignore[no-untyped-def]
    """``30m``, ``1h``, ``6h``, ``1d`` -> a timedelta (at least 5 minutes: sources are polite)."""
    from datetime import timedelta

    value = text.strip().lower()
    units = {"m": 60, "h": 3600, "d": 86400}
    if len(value) < 2 or value[-1] not in units or not value[:-1].isdigit():
        raise InvalidInput(f"--fetch-every {text!r}: use a number and m, h or d, e.g. 1h")
    seconds = int(value[:-1]) * units[value[-1]]
    if seconds < 300:
        raise InvalidInput("--fetch-every: at least 5m (every source is checked no more often than it allows anyway)")
    return timedelta(seconds=seconds)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on (a public one needs a member with a password).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8080,
    fetch_every: Annotated[Optional[str], typer.Option("--fetch-every", help="Fetch in the background this often, e.g. 1h.")] = None,
    tz: Annotated[Optional[str], typer.Option("--tz", help="Time zone of the weeks, e.g. Asia/Seoul (default: the system's).")] = None,
    proxy: Annotated[bool, typer.Option("--behind-proxy", help="Trust X-Forwarded-Proto/For from 127.0.0.1 (TLS at a reverse proxy).")] = False,
    workers: Annotated[int, typer.Option("--workers", min=1, max=32, help="Server processes (a group's server: one per core).")] = 1,
) -> None:
    """Serve the group's page: this week, search, papers, reproductions, saved, rules, sources; and a JSON API.

    It prints a one-time sign-in link for the default member; members with a password sign in by name.

    Example: feedhub serve --port 8080 --fetch-every 1h
    """
    import uvicorn

    from feedhub.search import accounts
    from feedhub.search.members import default_member
    from feedhub.store.db import transaction
    from feedhub.store.types import utcnow
    from feedhub.web.app import create_app

    app_ctx = app_context(ctx)
    every = parse_every(fetch_every) if fetch_every else None
    if tz:
        from feedhub.digest.window import zone

        zone(tz)
    engine = app_ctx.engine  # migrated like every command; the server itself never changes the schema
    with transaction(engine) as session:
        if not is_loopback(host) and not accounts.can_sign_in(session):
            raise InvalidInput(f"refusing to listen on {host}: no member can sign in with a password yet; "
                               "run `feedhub member add NAME --admin --password` first (or keep --host 127.0.0.1)")
        token = accounts.signin_link_token(session, default_member(session), utcnow())
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}"
    app_ctx.err.print(clean(f"feedhub serves {app_ctx.settings.db_url} at {base}/"), markup=False, highlight=False, soft_wrap=True)
    app_ctx.err.print(f"sign in (one time, for the default member): {base}/signin/{token}", markup=False, highlight=False, soft_wrap=True)
    options = dict(host=host, port=port, log_level="warning", proxy_headers=proxy, forwarded_allow_ips="127.0.0.1" if proxy else None,
                   server_header=False)  # fmt: skip
    if workers > 1:
        # uvicorn's own supervisor: one listening socket, `workers` spawned processes, each building its app from
        # WORKER_ENV; they share the store, and a POST in one empties the others' caches (Server.sync); with
        # --fetch-every each asks every minute whether a fetch is due, and one at a time fetches (pages.shared_fetch)
        import json
        import os

        from feedhub.web.app import WORKER_ENV, start_shared

        start_shared(engine)
        settings = app_ctx.settings
        os.environ[WORKER_ENV] = json.dumps({"db": settings.db_url, "home": str(settings.home), "member": settings.member, "tz": tz,
                                            "fetch_every": every.total_seconds() if every is not None else None})
        uvicorn.run("feedhub.web.app:worker_app", factory=True, workers=workers, **options)  # type: ignore[arg-type]
        return
    app = create_app(app_ctx.settings, fetch_every=every, tz=tz, server_process=True)
    uvicorn.Server(uvicorn.Config(app, **options)).run()  # type: ignore[arg-type]
