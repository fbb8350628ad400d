"""Step decay: multiply the learning rate by γ every ``step_size`` epochs.

cs231n "Training Neural Networks 2" (learning-rate decay) and the cs231n notes, "Annealing the
learning rate"; Goodfellow, Bengio & Courville, *Deep Learning* (2016), ch. 8.3.1,
https://www.deeplearningbook.org/contents/optimization.html ::

    α_t = α₀ · γ^⌊t / s⌋

(e.g. the lecture's "decay by half every few epochs", γ = 0.5, or ResNet's ×0.1 at fixed epochs).

Differences from ``torch.optim.lr_scheduler.StepLR``: the same schedule; torch's is chainable
(it multiplies the current lr by γ at each boundary) while this one recomputes α₀ γ^⌊t/s⌋ from t.
"""

from __future__ import annotations

import torch

from reproductions.schedules._base import ClosedFormDecay, check_optimizer


class StepDecay(ClosedFormDecay):
    """``lr_t = lr_0 · gamma ** (t // step_size)``."""

    def __init__(
        self, optimizer: torch.optim.Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        check_optimizer(optimizer)
        if not isinstance(step_size, int) or isinstance(step_size, bool) or step_size < 1:
            raise ValueError(f"invalid step_size: {step_size!r} (must be an int >= 1)")
        if not 0.0 < gamma <= 1.0:
            raise ValueError(f"invalid gamma: {gamma!r} (must be in (0, 1])")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def factor(self, t: int) -> float:
        # α_t / α₀ = γ^⌊t / s⌋
        return float(self.gamma ** (t // self.step_size))
