"""Polyak-Ruppert averaging and the exponential moving average of parameters.

Polyak & Juditsky (1992), "Acceleration of Stochastic Approximation by Averaging", SIAM J. Control and
Optimization 30(4), 838-855: run stochastic approximation with steps γ_t that decrease more slowly than 1/t and
report the average of the iterates, θ̄_t = (1/t) Σ_{i ≤ t} θ_i; the average reaches the optimal asymptotic rate
that the last iterate does not. The lecture (cs231n, "Training Neural Networks 2") uses the exponential moving
average θ̃_t = β θ̃_{t−1} + (1 − β) θ_t as the practical variant.

Differences from torch: ``torch.optim.swa_utils.AveragedModel`` keeps a deep copy of a whole module; this class
keeps one averaged tensor per parameter and updates it in place. Both start from a copy of the first iterate,
and with ``decay=None`` both are the running equal average (``AveragedModel``'s default ``avg_fn``); with a
``decay`` both are the EMA (``get_ema_multi_avg_fn(decay)``). Parity is tested in tests/reproductions.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


class ParameterAverage:
    """The running average of parameters: equal weights (Polyak) when ``decay`` is None, else an EMA."""

    def __init__(self, params: Iterable[torch.Tensor], decay: float | None = None) -> None:
        if decay is not None and not 0.0 <= decay < 1.0:
            raise ValueError(f"invalid decay: {decay!r} (must be in [0, 1) or None)")
        self.params = list(params)
        self.decay = decay
        self.count = 0
        self.averages: list[torch.Tensor] = []  # created lazily, on the first update

    @torch.no_grad()
    def update(self) -> None:
        self.count += 1
        if not self.averages:
            # θ̄_1 = θ_1 (both rules start from a copy of the first iterate)
            self.averages = [p.detach().clone() for p in self.params]
            return
        for avg, p in zip(self.averages, self.params, strict=True):
            if self.decay is None:
                # θ̄_t = θ̄_{t−1} + (θ_t − θ̄_{t−1}) / t
                avg.add_(p.detach() - avg, alpha=1.0 / self.count)
            else:
                # θ̃_t = β θ̃_{t−1} + (1 − β) θ_t
                avg.mul_(self.decay).add_(p.detach(), alpha=1.0 - self.decay)
