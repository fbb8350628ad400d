"""Running (exponential moving) averages and the identity that makes one an exact mean.

cs231n "Training Neural Networks 2" (the momentum / moving-average view of the optimizers, and the
running averages of batch normalization and of Polyak averaging of parameters); Goodfellow, Bengio &
Courville, *Deep Learning* (2016), ch. 8.7.3 (Polyak averaging),
https://www.deeplearningbook.org/contents/optimization.html

The running average with decay α_N::

    μ_N = α_N μ_{N−1} + (1 − α_N) x_N

With the constant α it forgets old values geometrically (weight (1 − α) α^{N−k} on x_k). With the
decay α_N = 1 − 1/N it is the exact mean of everything seen so far::

    μ_N = (1 − 1/N) μ_{N−1} + x_N / N = ((N − 1) μ_{N−1} + x_N) / N = (1/N) Σ_{k≤N} x_k

(by induction, with μ_1 = x_1 since α_1 = 0) — the cumulative average without storing the values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch


def mean_decay(n: int) -> float:
    """The decay that makes the running average the exact mean: α_N = 1 − 1/N."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    # α_N = 1 − 1/N
    return 1.0 - 1.0 / n


class RunningAverage:
    """μ_N = α_N μ_{N−1} + (1 − α_N) x_N, in place; ``decay`` is a constant α or a function of N.

    ``RunningAverage(decay=mean_decay)`` is the exact cumulative mean.
    """

    def __init__(self, decay: float | Callable[[int], float] = mean_decay) -> None:
        if not callable(decay) and not 0.0 <= decay < 1.0:
            raise ValueError(f"invalid decay: {decay!r} (must be in [0, 1) or a function of N)")
        self.decay = decay
        self.count = 0
        self.value: torch.Tensor | None = None

    def update(self, x: torch.Tensor) -> torch.Tensor:
        self.count += 1
        alpha = self.decay(self.count) if callable(self.decay) else self.decay
        if self.value is None:
            # μ_0 = 0, so μ_1 = (1 − α_1) x_1 (= x_1 for the mean's α_1 = 0)
            self.value = torch.zeros_like(x, dtype=torch.result_type(x, 1.0))
        # μ_N = α_N μ_{N−1} + (1 − α_N) x_N
        self.value.mul_(alpha).add_(x, alpha=1.0 - alpha)
        return self.value


def running_average(xs: Iterable[torch.Tensor], decay: float | Callable[[int], float] = mean_decay) -> torch.Tensor:
    """The running average of ``xs`` after all of them (the exact mean with the default decay)."""
    avg = RunningAverage(decay)
    out = None
    for x in xs:
        out = avg.update(torch.as_tensor(x))
    if out is None:
        raise ValueError("running_average of an empty sequence")
    return out
