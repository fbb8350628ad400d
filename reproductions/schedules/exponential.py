"""Exponential decay of the learning rate.

cs231n "Training Neural Networks 2" (learning-rate decay) and the cs231n notes, "Annealing the
learning rate"; Goodfellow, Bengio & Courville, *Deep Learning* (2016), ch. 8.3.1,
https://www.deeplearningbook.org/contents/optimization.html ::

    α_t = α₀ · e^{−k t}

Differences from ``torch.optim.lr_scheduler.ExponentialLR(gamma)``: the same schedule with
γ = e^{−k}; torch multiplies the current lr by γ each step (chainable, and its rounding drifts from
the closed form by about one ulp per step), this one computes α₀ e^{−kt} from t.
"""

from __future__ import annotations

import math

import torch

from reproductions.schedules._base import ClosedFormDecay, check_optimizer


class ExponentialDecay(ClosedFormDecay):
    """``lr_t = lr_0 · exp(-k t)``."""

    def __init__(self, optimizer: torch.optim.Optimizer, k: float, last_epoch: int = -1) -> None:
        check_optimizer(optimizer)
        if not (k >= 0.0 and math.isfinite(k)):
            raise ValueError(f"invalid k: {k!r} (must be finite and >= 0)")
        self.k = k
        super().__init__(optimizer, last_epoch)

    def factor(self, t: int) -> float:
        # α_t / α₀ = e^{−k t}
        return math.exp(-self.k * t)
