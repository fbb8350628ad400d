"""1/t decay of the learning rate.

cs231n "Training Neural Networks 2" (learning-rate decay) and the cs231n notes, "Annealing the
learning rate"; the Robbins-Monro conditions Σ α_t = ∞, Σ α_t² < ∞ that it satisfies are in
Goodfellow, Bengio & Courville, *Deep Learning* (2016), ch. 8.3.1 (eq. 8.12-8.13),
https://www.deeplearningbook.org/contents/optimization.html ::

    α_t = α₀ / (1 + k t)

Differences from torch: torch has no 1/t scheduler; ``LambdaLR(opt, lambda t: 1 / (1 + k t))`` gives
the same rates (the tests compare with it).
"""

from __future__ import annotations

import math

import torch

from reproductions.schedules._base import ClosedFormDecay, check_optimizer


class InverseTimeDecay(ClosedFormDecay):
    """``lr_t = lr_0 / (1 + k t)``."""

    def __init__(self, optimizer: torch.optim.Optimizer, k: float, last_epoch: int = -1) -> None:
        check_optimizer(optimizer)
        if not (k >= 0.0 and math.isfinite(k)):
            raise ValueError(f"invalid k: {k!r} (must be finite and >= 0)")
        self.k = k
        super().__init__(optimizer, last_epoch)

    def factor(self, t: int) -> float:
        # α_t / α₀ = 1 / (1 + k t)
        return 1.0 / (1.0 + self.k * t)
