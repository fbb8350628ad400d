"""The shared vocabulary of every reproduction: papers, results, verdicts, run context.

Kept free of torch at import time so ``feedhub repro list`` stays light; experiments import torch
inside their ``run`` function.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

Verdict = Literal["reproduced", "not reproduced", "inconclusive", "holds", "fails"]
VERDICTS: tuple[str, ...] = ("reproduced", "not reproduced", "inconclusive")
# A check (a mathematical identity verified numerically) is never "reproduced": it holds or fails.
CHECK_VERDICTS: tuple[str, ...] = ("holds", "fails", "inconclusive")
_AS_CHECK = {"reproduced": "holds", "not reproduced": "fails", "inconclusive": "inconclusive"}


def as_check_verdict(verdict: str) -> str:
    """A verdict in a check's words: "reproduced" -> "holds", "not reproduced" -> "fails" (others unchanged)."""
    return _AS_CHECK.get(verdict, verdict)


def verdicts_for(kind: str) -> tuple[str, ...]:
    """The words a verdict of this kind ("reproduction" or "check") may take."""
    return CHECK_VERDICTS if kind == "check" else VERDICTS


@dataclass(frozen=True)
class Paper:
    """A paper a reproduction is linked to. ``arxiv`` is the id without version, when there is one."""

    title: str
    authors: tuple[str, ...]
    year: int
    venue: str = ""
    arxiv: str | None = None
    url: str | None = None

    def link(self) -> str:
        if self.arxiv:
            return f"https://arxiv.org/abs/{self.arxiv}"
        return self.url or ""


@dataclass
class RunContext:
    """What every experiment receives.

    ``quick`` must finish in <= 60 s on 2 CPU cores; the full mode uses more seeds and steps.
    ``smoke`` is the test suite's size: seconds, proving the pipeline runs end to end
    (its verdict is still computed, but nobody should read it as science).
    """

    quick: bool = True
    smoke: bool = False
    seed: int = 0
    device: str = "cpu"
    out_dir: Path = Path(".")
    progress: Callable[[str, float], None] | None = None  # (message, fraction 0..1)

    def report(self, message: str, fraction: float) -> None:
        if self.progress is not None:
            self.progress(message, max(0.0, min(1.0, fraction)))

    @property
    def mode(self) -> str:
        return "smoke" if self.smoke else ("quick" if self.quick else "full")

    def seeds(self, smoke: int = 1, quick: int = 3, full: int = 5) -> list[int]:
        n = smoke if self.smoke else (quick if self.quick else full)
        return [self.seed + i for i in range(n)]


@dataclass
class Metric:
    """One measured quantity, over seeds: mean and spread (sample standard deviation)."""

    name: str
    values: list[float]
    unit: str = ""

    @property
    def mean(self) -> float:
        return statistics.fmean(self.values) if self.values else math.nan

    @property
    def std(self) -> float:
        return statistics.stdev(self.values) if len(self.values) > 1 else 0.0

    def fmt(self, digits: int = 4) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if len(self.values) > 1:
            return f"{self.mean:.{digits}g} ± {self.std:.{digits}g}{unit}"
        return f"{self.mean:.{digits}g}{unit}"


@dataclass
class Result:
    """What an experiment returns: metrics, the verdict computed from them, and figures.

    The verdict comes from ``judgement`` (a :class:`reproductions.verdicts.Judgement`, the one verdict library):
    when it is given, ``verdict`` and ``reason`` default to its own. ``name`` and ``claim`` are written once, in
    the catalogue entry: :meth:`reproductions.registry.Reproduction.run` fills them in; experiments leave them out.
    """

    verdict: Verdict | str = ""
    reason: str = ""  # one or two sentences: the numbers that decided the verdict
    paper_figure: str = ""  # what the paper reports, e.g. "~6x fewer epochs to 25% training error"
    measured: str = ""  # the comparable measured figure, e.g. "1.8x [1.3x, 2.5x] fewer epochs"
    judgement: Any = None  # reproductions.verdicts.Judgement: estimate, interval, n, reason, per-arm parts
    name: str = ""
    claim: str = ""
    kind: str = "reproduction"  # filled in from the catalogue entry, like name and claim
    metrics: list[Metric] = field(default_factory=list)
    table: list[dict[str, object]] = field(default_factory=list)  # rows printed by `feedhub repro run`
    figures: list[Path] = field(default_factory=list)
    params: dict[str, object] = field(default_factory=dict)  # mode, seeds, lr grids, init, device
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.judgement is not None:
            self.verdict = self.verdict or self.judgement.verdict
            self.reason = self.reason or self.judgement.reason
        if self.verdict not in (*VERDICTS, *CHECK_VERDICTS):
            raise ValueError(f"verdict must be one of {VERDICTS} or {CHECK_VERDICTS}, got {self.verdict!r}")

    def to_json(self) -> dict[str, object]:
        judgement = self.judgement
        self.judgement = None  # asdict would turn it into a dict with inf values; to_dict writes null instead
        try:
            data = asdict(self)
        finally:
            self.judgement = judgement
        data["judgement"] = judgement.to_dict() if judgement is not None else None
        data["figures"] = [str(p) for p in self.figures]
        data["metrics"] = [
            {"name": m.name, "mean": m.mean, "std": m.std, "values": m.values, "unit": m.unit} for m in self.metrics
        ]
        return data

    def write(self, out_dir: Path) -> Path:
        """Write metrics.json into ``out_dir`` and return its path."""
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / "metrics.json"
        path.write_text(json.dumps(self.to_json(), indent=2, default=_jsonable))
        return path


def _jsonable(value: object) -> object:
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item"):  # numpy / torch scalars
        return value.item()  # type: ignore[no-any-return]
    return str(value)
