"""The JSON API (``/api/v1/...``): the same data as the pages, for scripts and other tools.

Authenticate with ``Authorization: Bearer TOKEN`` (``feedhub member token NAME`` prints a member's token;
a signed-in browser's session works too). Read-only; errors are ``{"error": "one line"}`` with a status."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from feedhub.web.app import Viewer, lang_of, route, server
from feedhub.web.pages import PAGE_SIZE, paper_view, related_papers, run_search, week_model


def _json(data: Any, status: int = 200) -> JSONResponse:
    import json

    return JSONResponse(json.loads(json.dumps(data, default=str)), status_code=status)


@route(api=True)
async def digest(request: Request, viewer: Viewer) -> Response:
    srv = server(request)
    spec = request.path_params.get("week", "this")
    mine = request.query_params.get("for") == "me" and not viewer.guest
    model = await run_in_threadpool(week_model, srv, spec, lang_of(request, viewer), viewer.name if mine else None)
    return _json(model)


@route(api=True)
async def search(request: Request, viewer: Viewer) -> Response:
    found = await run_in_threadpool(run_search, server(request), viewer, request.query_params)
    return _json({"query": found["q"], "page": found["page"], "page_size": PAGE_SIZE, "more": found["more"], "total": found["total"],
                  "notes": found["notes"],
                  "took_ms": round(found["took_ms"], 2), "hits": [h.to_json() for h in found["hits"]]})  # fmt: skip


@route(api=True)
async def paper(request: Request, viewer: Viewer) -> Response:
    srv = server(request)
    view = await run_in_threadpool(paper_view, srv, viewer, request.path_params["arxiv_id"])
    saved = view["saved"]
    related = await run_in_threadpool(related_papers, srv, request.path_params["arxiv_id"]) if request.query_params.get("related") == "1" else None
    return _json({**view["paper"], "saved": None if saved is None else {"tags": saved.tags, "note": saved.note, "saved_at": saved.saved_at},
                  "dismissed": view["dismissed"], "related": None if related is None else [r.to_json() for r in related]})  # fmt: skip


@route(api=True, member=True)
async def saved(request: Request, viewer: Viewer) -> Response:
    from feedhub.search.saved import list_saved

    srv = server(request)

    def load() -> list[dict[str, Any]]:
        assert viewer.member_id is not None
        with srv.read() as session:
            return [s.to_json() for s in list_saved(session, tag=request.query_params.get("tag") or None, member_id=viewer.member_id)]

    return _json(await run_in_threadpool(load))


def routes() -> list[Route]:
    return [
        Route("/api/v1/digest", digest),
        Route("/api/v1/digest/{week}", digest),
        Route("/api/v1/search", search),
        Route("/api/v1/paper/{arxiv_id:path}", paper),
        Route("/api/v1/saved", saved),
    ]
