"""feedhub's side of the reproductions: list the registry, run one, store the run, link it to its papers.

``reproductions`` never imports feedhub; feedhub reads its registry (metadata only, no torch) and imports
torch only when a reproduction runs.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from feedhub.errors import FeedhubError, InvalidInput
from feedhub.store.db import is_read_only, session_factory
from feedhub.store.models import Paper, PaperRepro, Run
from feedhub.store.types import utcnow
from feedhub.store.upsert import upsert

INSTALL_HINT = "pip install 'feedhub[repro]' (CPU build: pip install torch==2.13.0 first)"


def _registry():  # type: ignore[no-untyped-def]
    from reproductions import registry

    return registry


def get_reproduction(name: str):  # type: ignore[no-untyped-def]
    registry = _registry()
    try:
        return registry.get(name)
    except registry.UnknownReproduction as exc:
        raise InvalidInput(str(exc)) from None


def sync_registry(session: Session) -> int:
    """Link every registered reproduction to its arXiv papers, creating the papers if absent
    (with the registry's title and authors, until the arXiv API or a snapshot fills in the rest)."""
    now = utcnow()
    papers: dict[str, dict[str, Any]] = {}
    links: list[dict[str, object]] = []
    for rep in _registry().all_reproductions():
        for paper in rep.papers:
            if not paper.arxiv:
                continue
            papers.setdefault(paper.arxiv, {
                "arxiv_id": paper.arxiv, "title": paper.title, "authors": list(paper.authors), "abstract": "",
                "categories": [], "version": 1, "first_seen_at": now, "comment": paper.venue or None,
            })
            links.append({"paper_id": paper.arxiv, "repro_name": rep.name, "provenance": "registry"})
    if papers:
        upsert(session, Paper.__table__, list(papers.values()), conflict=("arxiv_id",))
        # A stub created from a mention (no title yet) gets the registry's title and authors.
        for pid, row in papers.items():
            stub = session.get(Paper, pid)
            if stub is not None and not stub.title:
                stub.title = str(row["title"])
                stub.authors = list(row["authors"])
        upsert(session, PaperRepro.__table__, links, conflict=("paper_id", "repro_name"))
    return len(links)


def registry_links() -> set[tuple[str, str]]:
    """(arXiv id, reproduction name) for every paper every registered reproduction is linked to."""
    return {(paper.arxiv, rep.name) for rep in _registry().all_reproductions() for paper in rep.papers if paper.arxiv}


def reconcile_registry(engine: Engine) -> int:
    """Link every stored paper that a registered reproduction is about to that reproduction; called on
    every store open, so a fresh user's digest, `paper show` and search show reproductions without
    `repro list` first. Two small SELECTs when nothing is missing; writes only the missing links (papers
    are never created here: `repro list`, `repro run` and the demo add the registry's own papers).
    Returns the links written."""
    from sqlalchemy.exc import DBAPIError

    wanted = registry_links()
    if not wanted:
        return 0
    try:
        with engine.connect() as conn:
            stored = set(conn.scalars(select(Paper.arxiv_id).where(Paper.arxiv_id.in_(sorted({p for p, _ in wanted})))))
            have = {(r[0], r[1]) for r in conn.execute(select(PaperRepro.paper_id, PaperRepro.repro_name))}
        missing = [{"paper_id": p, "repro_name": n, "provenance": "registry"} for p, n in sorted(wanted - have) if p in stored]
        if not missing or is_read_only(engine):  # a read-only store shows what it has; the next writable open links them
            return 0
        with session_factory(engine)() as session, session.begin():
            upsert(session, PaperRepro.__table__, missing, conflict=("paper_id", "repro_name"))
    except DBAPIError:  # a read-only or busy store: the links are derived, the next open writes them
        return 0
    return len(missing)


def last_runs(session: Session) -> dict[str, Run]:
    latest: dict[str, Run] = {}
    for run in session.scalars(select(Run).order_by(Run.started_at)):
        latest[run.repro_name] = run
    return latest


def list_reproductions(session: Session) -> list[dict[str, object]]:
    last = last_runs(session)
    rows = []
    for rep in _registry().all_reproductions():
        run = last.get(rep.name)
        rows.append({
            "name": rep.name,
            "topic": rep.topic,
            "title": rep.title,
            "claim": rep.claim,
            "papers": [{"title": p.title, "authors": list(p.authors), "year": p.year, "venue": p.venue,
                        "arxiv": p.arxiv, "url": p.link()} for p in rep.papers],
            "last_verdict": run.verdict if run else None,
            "last_run_at": run.started_at.isoformat() if run else None,
        })
    return rows


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


REPORT_MODES = ("smoke", "quick", "full")


def write_report(out: Path, mode: str = "quick", names: list[str] | None = None,
                 progress: Callable[[str, float], None] | None = None, jobs: int | None = None) -> Path:  # fmt: skip
    """Run every reproduction and check in ``mode`` and write the reviewer's page (``.html`` or ``.md``):
    each claim, its paper, design, verdict with its numbers and interval, figures, and the honest count.

    ``jobs``: experiments run at once, one per core (default: every core this process may use); those that
    measure time run alone."""
    if out.suffix.lower() not in (".html", ".htm", ".md"):
        raise InvalidInput(f"cannot tell the report's format from {out.name!r}; end the name in .html or .md")
    if mode not in REPORT_MODES:
        raise InvalidInput(f"unknown mode {mode!r}; use one of: {', '.join(REPORT_MODES)}")
    if not torch_available():
        raise FeedhubError(f"reproductions need PyTorch, which is not installed: {INSTALL_HINT}")
    if not out.parent.is_dir():
        raise InvalidInput(f"no such folder: {out.parent}; create it or write the report elsewhere")
    if jobs is not None and jobs < 1:
        raise InvalidInput(f"--jobs must be 1 or more, got {jobs}")
    for name in names or ():
        get_reproduction(name)  # an unknown name is one line listing the valid ones
    from reproductions.report import write_report as write
    from reproductions.runner import cores

    return write(out, mode, names=names, progress=progress, jobs=jobs or cores())


@dataclass
class RunOutcome:
    run_id: int
    result: object  # reproductions.core.Result
    metrics_path: Path
    out_dir: Path


def run_reproduction(
    session_factory: Callable[[], Session],
    name: str,
    *,
    runs_dir: Path,
    mode: str = "full",
    seed: int = 0,
    device: str = "cpu",
    out: Path | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> RunOutcome:
    """Run one reproduction's experiment, write metrics.json and figures, store the run, link its papers."""
    rep = get_reproduction(name)
    if not torch_available():
        raise FeedhubError(f"reproductions need PyTorch, which is not installed: {INSTALL_HINT}")
    if device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise FeedhubError("--device cuda asked for, but torch sees no CUDA device; use --device cpu")
    elif device != "cpu":
        raise InvalidInput(f"unknown device {device!r}; use cpu or cuda")
    from reproductions.core import RunContext

    started = utcnow()
    out_dir = out or runs_dir / f"{name}-{started.strftime('%Y%m%dT%H%M%S')}-{mode}"
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = RunContext(quick=mode != "full", smoke=mode == "smoke", seed=seed, device=device, out_dir=out_dir, progress=progress)
    result = rep.run(ctx)
    metrics_path = result.write(out_dir)
    with session_factory() as session, session.begin():
        sync_registry(session)
        run = Run(
            repro_name=name, started_at=started, mode=mode, device=device, seed=seed,
            params=_jsonable(result.params), metrics=result.to_json()["metrics"],  # type: ignore[index]
            verdict=result.verdict, reason=result.reason, paper_figure=result.paper_figure, measured=result.measured,
            judgement=result.judgement.to_dict() if result.judgement is not None else None,
            figures=[str(p) for p in result.figures], out_dir=str(out_dir), seconds=result.seconds,
        )
        session.add(run)
        session.flush()
        run_id = run.id
    return RunOutcome(run_id, result, metrics_path, out_dir)


def _jsonable(value: object) -> object:
    import json

    return json.loads(json.dumps(value, default=lambda v: v.item() if hasattr(v, "item") else str(v)))


def runs_of(session: Session, name: str) -> list[Run]:
    get_reproduction(name)
    return list(session.scalars(select(Run).where(Run.repro_name == name).order_by(Run.started_at.desc())))


def run_json(run: Run) -> dict[str, object]:
    return {
        "id": run.id, "name": run.repro_name, "started_at": run.started_at.isoformat(), "mode": run.mode,
        "device": run.device, "seed": run.seed, "verdict": run.verdict, "judgement": run.judgement, "reason": run.reason,
        "paper_figure": run.paper_figure, "measured": run.measured, "seconds": round(run.seconds, 2),
        "metrics": run.metrics, "figures": run.figures, "out_dir": run.out_dir, "params": run.params,
    }


def fmt_time(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M")
