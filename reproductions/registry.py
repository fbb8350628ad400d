"""name -> method module, paper(s), claim and experiment.

Import-light: experiments are referenced by dotted path and imported only when run, so listing the
registry never imports torch.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from reproductions.core import Paper, Result, RunContext, as_check_verdict, verdicts_for

KINDS = ("reproduction", "check")
TOPICS = ("activations", "optimizers", "regularizers", "augment", "transfer")  # one catalogue module each


@dataclass(frozen=True)
class Reproduction:
    name: str  # kebab-case, the name users type: `feedhub repro run adam`
    title: str  # human title, e.g. "Adam vs SGD, AdaGrad, RMSProp on logistic regression and an MLP"
    topic: str  # activations | optimizers | schedules | regularizers | augment | transfer
    module: str  # dotted path of the method module, e.g. "reproductions.optimizers.adam"
    papers: tuple[Paper, ...]
    claim: str  # the paper's claim in one sentence
    experiment: str  # "package.module:function" taking a RunContext, returning a Result
    # "reproduction": an empirical claim of a paper, counted in the reproduced rate; "check": a mathematical
    # identity verified numerically (an activation's derivative, the running-average identity), listed apart.
    kind: str = "reproduction"
    # True when a figure the entry reports is wall-clock time (exp-cost's verdict; the seconds beside
    # second-order's iterations and stochastic depth's blocks): a neighbour on the other core would change
    # it, so ``reproductions.runner`` runs such an entry alone.
    timed: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")

    def load_experiment(self) -> Callable[[RunContext], Result]:
        mod_name, _, func = self.experiment.partition(":")
        return getattr(importlib.import_module(mod_name), func)  # type: ignore[no-any-return]

    def run(self, ctx: RunContext) -> Result:
        ctx.out_dir.mkdir(parents=True, exist_ok=True)  # every experiment may write its figures there
        start = time.perf_counter()
        result = self.load_experiment()(ctx)
        # the name and the claim are written once, here in the catalogue entry, never in the experiment
        result.name, result.claim, result.kind = self.name, self.claim, self.kind
        # a check holds or fails, everywhere it is shown (report, CLI, JSON, the store): never "reproduced"
        if self.kind == "check":
            result.verdict = as_check_verdict(result.verdict)
        if result.verdict not in verdicts_for(self.kind):
            raise ValueError(f"{self.name} ({self.kind}) returned the verdict {result.verdict!r}")
        result.seconds = time.perf_counter() - start
        result.params.setdefault("mode", ctx.mode)
        result.params.setdefault("seed", ctx.seed)
        result.params.setdefault("device", ctx.device)
        return result


class UnknownReproduction(KeyError):
    def __init__(self, name: str, valid: list[str]):
        super().__init__(name)
        self.name = name
        self.valid = valid

    def __str__(self) -> str:
        return f"unknown reproduction {self.name!r}; valid names: {', '.join(self.valid)}"


_REGISTRY: dict[str, Reproduction] = {}
_LOADED = False


def register(rep: Reproduction) -> Reproduction:
    if rep.name in _REGISTRY:
        raise ValueError(f"reproduction {rep.name!r} registered twice")
    _REGISTRY[rep.name] = rep
    return rep


def _load_all() -> None:
    """Import every catalogue module, each of which calls register() (metadata only, no torch).

    Always all of them: "load only if the registry is empty" let one catalogue imported first (a test, a tool)
    hide every other. Importing a module twice is a no-op, so this is cheap after the first call.
    (optimizers.py registers the learning-rate schedules too.)"""
    global _LOADED
    if _LOADED:
        return
    for topic in TOPICS:
        importlib.import_module(f"reproductions.catalogue.{topic}")
    _LOADED = True


def all_reproductions(kind: str | None = None) -> list[Reproduction]:
    """Every registered entry (or only ``kind``: "reproduction" or "check"), sorted by topic and name."""
    _load_all()
    reps = sorted(_REGISTRY.values(), key=lambda r: (r.topic, r.name))
    return [r for r in reps if kind is None or r.kind == kind]


def get(name: str) -> Reproduction:
    _load_all()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownReproduction(name, sorted(_REGISTRY)) from None
