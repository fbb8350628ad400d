"""name -> method module, paper(s), claim and experiment.

Import-light: experiments are referenced by dotted path and imported only when run, so listing the
registry never imports torch.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass
from typing import Callable

from reproductions.core import Paper, Result, RunContext


@dataclass(frozen=True)
class Reproduction:
    name: str  # kebab-case, the name users type: `feedhub repro run adam`
    title: str  # human title, e.g. "Adam vs SGD, AdaGrad, RMSProp on logistic regression and an MLP"
    topic: str  # activations | optimizers | schedules | regularizers | augment | transfer
    module: str  # dotted path of the method module, e.g. "reproductions.optimizers.adam"
    papers: tuple[Paper, ...]
    claim: str  # the paper's claim in one sentence
    experiment: str  # "package.module:function" taking a RunContext, returning a Result

    def load_experiment(self) -> Callable[[RunContext], Result]:
        mod_name, _, func = self.experiment.partition(":")
        return getattr(importlib.import_module(mod_name), func)  # type: ignore[no-any-return]

    def run(self, ctx: RunContext) -> Result:
        ctx.out_dir.mkdir(parents=True, exist_ok=True)  # every experiment may write its figures there
        start = time.perf_counter()
        result = self.load_experiment()(ctx)
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


def register(rep: Reproduction) -> Reproduction:
    if rep.name in _REGISTRY:
        raise ValueError(f"reproduction {rep.name!r} registered twice")
    _REGISTRY[rep.name] = rep
    return rep


def _load_all() -> None:
    # Each topic's catalogue module calls register(); they hold only metadata (no torch).
    # (optimizers.py registers the learning-rate schedules too.)
    for topic in ("activations", "optimizers", "regularizers", "augment", "transfer"):
        importlib.import_module(f"reproductions.catalogue.{topic}")


def all_reproductions() -> list[Reproduction]:
    if not _REGISTRY:
        _load_all()
    return sorted(_REGISTRY.values(), key=lambda r: (r.topic, r.name))


def get(name: str) -> Reproduction:
    if not _REGISTRY:
        _load_all()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownReproduction(name, sorted(_REGISTRY)) from None
