"""Look papers up by id through the arXiv API (the ``arxiv`` package), politely.

arXiv asks API clients for at most one connection and one request every 3 seconds; the ``arxiv``
package's ``Client`` keeps the delay (``delay_seconds``) and retries (``num_retries``); feedhub gives it
a session limited to one pooled connection with a timeout, and asks for up to ``batch_size`` ids per
request (``id_list``).

What the API answers and what feedhub does:

* a feed of the papers asked for -> the papers are filled in (title, abstract, authors, dates, ...);
* fewer entries than ids (an unknown id: the API answers 200 with an empty feed) -> those ids are
  "not found": a stub paper nobody saved or linked by hand is removed with its mention links, so a
  false hit never shows as a paper; one the user saved or linked stays, marked looked up;
* HTTP 400 (a valid Atom feed with one entry titled "Error", e.g. ``incorrect id format``) -> the batch
  is split to find the bad id, which is "not found"; the Error entry is never stored;
* 403/429/503 or a network failure after the retries -> the run stops, the papers stay stubs for the
  next run, and the error is reported (nothing is lost).

Configuration (``config.toml`` ``[arxiv]`` table, environment variables override):
``api_url`` / ``FEEDHUB_ARXIV_API_URL`` (default https://export.arxiv.org/api/query),
``delay_seconds`` / ``FEEDHUB_ARXIV_DELAY`` (default 3), ``batch_size`` (default 100), ``retries`` (3),
``timeout_seconds`` (30).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from sqlalchemy import Engine, delete, exists, select, update

from feedhub.links.ids import is_arxiv_id, parse_arxiv_id
from feedhub.store.db import session_factory
from feedhub.store.models import Paper, PaperEntry, PaperRepo, Saved
from feedhub.store.types import utcnow

DEFAULT_API_URL = "https://export.arxiv.org/api/query"


@dataclass
class ArxivApiConfig:
    api_url: str = DEFAULT_API_URL
    delay_seconds: float = 3.0
    batch_size: int = 100
    retries: int = 3
    timeout_seconds: float = 30.0
    enabled: bool = True  # look papers up after every fetch ([arxiv] enrich = false, FEEDHUB_ARXIV_ENRICH=0)

    @classmethod
    def from_settings(cls, settings: Any = None) -> ArxivApiConfig:
        from feedhub.config import env_number, validate_section

        cfg = cls()
        table = validate_section("arxiv", settings.get("arxiv", {})) if settings is not None else {}
        cfg.api_url = str(table.get("api_url", cfg.api_url))
        cfg.delay_seconds = float(table.get("delay_seconds", cfg.delay_seconds))
        cfg.batch_size = int(table.get("batch_size", cfg.batch_size))
        cfg.retries = int(table.get("retries", cfg.retries))
        cfg.timeout_seconds = float(table.get("timeout_seconds", cfg.timeout_seconds))
        cfg.enabled = bool(table.get("enrich", cfg.enabled))
        if os.environ.get("FEEDHUB_ARXIV_API_URL"):
            cfg.api_url = os.environ["FEEDHUB_ARXIV_API_URL"]
        if os.environ.get("FEEDHUB_ARXIV_ENRICH"):
            cfg.enabled = os.environ["FEEDHUB_ARXIV_ENRICH"].strip().lower() not in ("0", "false", "no", "off")
        cfg.delay_seconds = env_number("FEEDHUB_ARXIV_DELAY", cfg.delay_seconds, 0, 60)
        cfg.batch_size = max(1, min(cfg.batch_size, 2000))
        cfg.retries = max(0, cfg.retries)
        return cfg


class ArxivApiError(Exception):
    """The API refused or failed after the retries (HTTP status, or None for a network failure)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass
class LookupResult:
    found: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> paper row
    missing: list[str] = field(default_factory=list)


@dataclass
class EnrichStats:
    asked: int = 0
    enriched: int = 0
    not_found: list[str] = field(default_factory=list)
    removed: int = 0  # stubs of not-found ids removed
    requests: int = 0
    error: str | None = None  # why the run stopped early (the rest stays for the next run)


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.year < 1990:  # the package's "missing" default is datetime.min
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def result_row(result: Any) -> dict[str, Any] | None:
    """An ``arxiv.Result`` -> a papers row; None for anything that is not a paper (the "Error" entry)."""
    parsed = parse_arxiv_id(str(getattr(result, "entry_id", "") or ""))
    title = " ".join(str(getattr(result, "title", "") or "").split())
    if parsed is None or not title:
        return None
    arxiv_id, version = parsed
    categories = [str(c) for c in (getattr(result, "categories", None) or [])]
    primary = str(getattr(result, "primary_category", "") or "") or (categories[0] if categories else None)
    return {
        "arxiv_id": arxiv_id,
        "version": version or 1,
        "title": title,
        "abstract": " ".join(str(getattr(result, "summary", "") or "").split()),
        "authors": [str(getattr(a, "name", a)) for a in getattr(result, "authors", None) or []],
        "categories": categories,
        "primary_category": primary,
        "published_at": _aware(getattr(result, "published", None)),
        "updated_at": _aware(getattr(result, "updated", None)),
        "doi": getattr(result, "doi", None) or None,
        "journal_ref": getattr(result, "journal_ref", None) or None,
        "comment": getattr(result, "comment", None) or None,
    }


class ArxivLookup:
    """One API client for a run: one connection, ``delay_seconds`` between requests, retries."""

    def __init__(self, config: ArxivApiConfig | None = None):
        import arxiv
        import requests
        from requests.adapters import HTTPAdapter

        self.config = config or ArxivApiConfig()
        self._arxiv = arxiv
        self._requests = requests
        self.client = arxiv.Client(
            page_size=self.config.batch_size, delay_seconds=self.config.delay_seconds, num_retries=self.config.retries
        )
        self.client.query_url_format = self.config.api_url + ("&{}" if "?" in self.config.api_url else "?{}")
        timeout = self.config.timeout_seconds

        class _OneConnection(HTTPAdapter):
            def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
                if kwargs.get("timeout") is None:
                    kwargs["timeout"] = timeout
                return super().send(request, **kwargs)

        session = getattr(self.client, "_session", None)
        if session is not None:
            adapter = _OneConnection(pool_connections=1, pool_maxsize=1, pool_block=True)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.headers["User-Agent"] = "feedhub (+https://github.com/feedhub/feedhub) arxiv.py"
        self.requests = 0

    def _fetch(self, ids: list[str]) -> list[Any]:
        search = self._arxiv.Search(id_list=ids, max_results=len(ids))
        self.requests += 1
        try:
            return list(self.client.results(search))
        except self._arxiv.HTTPError as exc:
            raise ArxivApiError(f"arXiv API answered HTTP {exc.status}", exc.status) from None
        except self._arxiv.ArxivError as exc:
            raise ArxivApiError(f"arXiv API: {exc.message}") from None
        except self._requests.RequestException as exc:
            raise ArxivApiError(f"arXiv API unreachable: {type(exc).__name__}") from None

    def lookup(self, ids: Iterable[str]) -> LookupResult:
        """Look ``ids`` up in batches. Raises ArxivApiError for 403/429/5xx/network after the retries."""
        out = LookupResult()
        todo = list(dict.fromkeys(ids))
        for i in range(0, len(todo), self.config.batch_size):
            self._lookup_batch(todo[i : i + self.config.batch_size], out)
        return out

    def _lookup_batch(self, batch: list[str], out: LookupResult) -> None:
        try:
            results = self._fetch(batch)
        except ArxivApiError as exc:
            if exc.status != 400:
                raise
            # A malformed id makes the API refuse the whole batch ("Error" feed): split to find it.
            if len(batch) == 1:
                out.missing.append(batch[0])
                return
            half = len(batch) // 2
            self._lookup_batch(batch[:half], out)
            self._lookup_batch(batch[half:], out)
            return
        wanted = set(batch)
        for result in results:
            row = result_row(result)
            if row is not None and row["arxiv_id"] in wanted:
                out.found[row["arxiv_id"]] = row
        out.missing.extend(i for i in batch if i not in out.found)


def _user_kept(session: Any, arxiv_id: str) -> bool:
    saved = session.scalar(select(exists().where(Saved.paper_id == arxiv_id)))
    by_user = session.scalar(
        select(exists().where(PaperRepo.paper_id == arxiv_id, PaperRepo.provenance == "added by user"))
    )
    return bool(saved or by_user)


def enrich_papers(engine: Engine, ids: list[str], config: ArxivApiConfig | None = None,
                  progress: Callable[[int, int], None] | None = None) -> EnrichStats:
    """Look ``ids`` up and store what the API says, one transaction per batch (a failure keeps the rest)."""
    from feedhub.papers.graph import upsert_papers

    config = config or ArxivApiConfig()
    stats = EnrichStats()
    valid = [i for i in dict.fromkeys(ids) if is_arxiv_id(i)]
    invalid = [i for i in dict.fromkeys(ids) if not is_arxiv_id(i)]
    stats.asked = len(valid) + len(invalid)
    lookup = ArxivLookup(config)
    factory = session_factory(engine)
    done = 0
    batches = [valid[i : i + config.batch_size] for i in range(0, len(valid), config.batch_size)]
    results: list[LookupResult] = [LookupResult(missing=invalid)] if invalid else []
    for batch in batches:
        try:
            results.append(lookup.lookup(batch))
        except ArxivApiError as exc:
            stats.error = f"{exc}; {len(valid) - done} paper(s) left as stubs for the next run"
            break
        finally:
            stats.requests = lookup.requests
        done += len(batch)
        if progress:
            progress(done, len(valid))
    now = utcnow()
    for res in results:
        with factory() as session, session.begin():
            if res.found:
                upsert_papers(session, list(res.found.values()))
                stats.enriched += len(res.found)
            for arxiv_id in res.missing:
                stats.not_found.append(arxiv_id)
                paper = session.get(Paper, arxiv_id)
                if paper is None or paper.title:
                    continue  # known from a listing or snapshot: the API's silence changes nothing
                if _user_kept(session, arxiv_id):
                    session.execute(update(Paper).where(Paper.arxiv_id == arxiv_id).values(enriched_at=now))
                else:
                    session.execute(delete(PaperEntry).where(PaperEntry.paper_id == arxiv_id))
                    session.execute(delete(Paper).where(Paper.arxiv_id == arxiv_id))
                    stats.removed += 1
    return stats


def stub_ids(engine: Engine, limit: int | None = None) -> list[str]:
    """Papers first seen as a mention and not yet looked up: mentioned ones first, newest first."""
    mentioned = exists().where(PaperEntry.paper_id == Paper.arxiv_id)
    query = (
        select(Paper.arxiv_id)
        .where(Paper.title == "", Paper.enriched_at.is_(None))
        .order_by(mentioned.desc(), Paper.first_seen_at.desc(), Paper.arxiv_id)
    )
    if limit is not None:
        query = query.limit(limit)
    with session_factory(engine)() as session:
        return list(session.scalars(query))


def enrich_new_papers(settings: Any, engine: Engine, limit: int | None = 500, *, config: ArxivApiConfig | None = None,
                      progress: Callable[[int, int], None] | None = None) -> EnrichStats:
    """The post-fetch step: look up stub papers (title empty, never looked up), at most ``limit``."""
    ids = stub_ids(engine, limit)
    if not ids:
        return EnrichStats()
    return enrich_papers(engine, ids, config or ArxivApiConfig.from_settings(settings), progress)
