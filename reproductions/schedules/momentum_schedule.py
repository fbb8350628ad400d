"""Sutskever et al.'s slowly increasing momentum schedule, capped at μ_max.

Ilya Sutskever, James Martens, George Dahl, Geoffrey Hinton (2013), "On the importance of initialization and
momentum in deep learning", ICML (PMLR 28), https://proceedings.mlr.press/v28/sutskever13.html. The schedule,
as it is usually quoted (t counts parameter updates)::

    μ_t = min(1 − 2^(−1 − log₂(⌊t / 250⌋ + 1)), μ_max)

which is ``min(1 − 1 / (2 (⌊t/250⌋ + 1)), μ_max)``: 0.5 for the first 250 updates, 0.75 for the next 250,
then 0.833, 0.875, 0.9 from t = 1000, 0.95 from t = 2250, 0.99 from t = 12250, ... until μ_max.

Source check (with the search tool over its docs, pages and code corpora): the paper itself (title, authors,
ICML 2013, PMLR 28, its abstract's "slowly increasing schedule for the momentum parameter") is confirmed. The
paper's own text (its equation for μ_t) is not among the stored sources, so the formula is not checked against
it. It is corroborated by one independent implementation that cites the paper: ``sopt.sutskever_blend(max,
stretch)`` in Aditya Ramesh's Torch7 library ``adityaramesh/torch_utils`` (2015, the ``sopt`` schedules), which
returns ``min(1 − 2^(−1 − log₂(⌊iter / stretch⌋ + 1)), max)`` with ``stretch = 250`` by default: the same
formula and period as here. (An earlier search found only Dozat's Nadam schedule 0.9 (1 − 0.5 · 0.96^(⌊t/250⌋ +
1)), a different schedule with the same 250-update period.) Other details recalled from the paper (some runs
lower μ to 0.9 for their last updates) are unconfirmed and are not implemented.

Where it differs from torch: torch has no momentum scheduler; this object sets the momentum of an optimizer's
param groups (the key ``rho`` of this package's ``Momentum`` / ``momentum`` of ``Nesterov`` and
``torch.optim.SGD``) from t alone at every ``step()``, like this package's closed-form learning-rate schedules.
It is stepped once per update, not once per epoch.
"""

from __future__ import annotations

import math

import torch

PERIOD = 250  # updates per step of the schedule, the paper's constant


def sutskever_momentum(t: int, mu_max: float, period: int = PERIOD) -> float:
    """μ_t = min(1 − 2^(−1 − log₂(⌊t/period⌋ + 1)), μ_max)."""
    if not isinstance(t, int) or isinstance(t, bool) or t < 0:
        raise ValueError(f"invalid t: {t!r} (must be an int >= 0)")
    check_mu_max(mu_max)
    if not isinstance(period, int) or isinstance(period, bool) or period < 1:
        raise ValueError(f"invalid period: {period!r} (must be an int >= 1)")
    # μ_t = min(1 − 2^(−1 − log₂(⌊t / 250⌋ + 1)), μ_max)
    return min(1.0 - 2.0 ** (-1.0 - math.log2(t // period + 1)), mu_max)


def check_mu_max(mu_max: float) -> None:
    if not isinstance(mu_max, (int, float)) or isinstance(mu_max, bool) or not 0.0 <= mu_max < 1.0:
        raise ValueError(f"invalid mu_max: {mu_max!r} (must be in [0, 1))")


class MomentumSchedule:
    """Sets ``group[key] = μ_t`` in every param group; ``step()`` advances t by one update.

    Construction sets μ_0 at once (t = 0), so the first update already runs with it, like an LRScheduler."""

    def __init__(self, optimizer: torch.optim.Optimizer, mu_max: float, key: str = "rho", period: int = PERIOD):
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not a torch.optim.Optimizer")
        check_mu_max(mu_max)
        if any(key not in g for g in optimizer.param_groups):
            raise ValueError(f"the optimizer's param groups have no {key!r} to schedule")
        self.optimizer, self.mu_max, self.key, self.period = optimizer, mu_max, key, period
        self.t = 0
        self._apply()

    def momentum(self) -> float:
        return sutskever_momentum(self.t, self.mu_max, self.period)

    def _apply(self) -> None:
        mu = self.momentum()
        for group in self.optimizer.param_groups:
            group[self.key] = mu

    def step(self) -> None:
        self.t += 1
        self._apply()
