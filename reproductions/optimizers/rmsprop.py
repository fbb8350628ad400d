"""RMSProp: divide the gradient by a running average of its recent magnitude.

Tieleman & Hinton (2012), "Lecture 6.5 — rmsprop: Divide the gradient by a running average of its
recent magnitude", COURSERA: Neural Networks for Machine Learning,
https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf

The slide's rule (decay 0.9; cs231n writes ``decay_rate``, torch ``alpha``)::

    MeanSquare(w, t) = 0.9 MeanSquare(w, t−1) + 0.1 (∂E/∂w)²
    w ← w − η (∂E/∂w) / sqrt(MeanSquare(w, t))

with a small ε added to the denominator for numerical safety (the slide has none).

Differences from ``torch.optim.RMSprop``: torch's default decay is ``alpha=0.99`` and its default
learning rate 1e-2; the slide's decay is 0.9, which is this module's default (lr default 1e-3).
Both add ε outside the square root (torch default 1e-8, as here). torch's ``centered`` and
``momentum`` variants (Graves 2013) are not offered. Weight decay adds λ w to the gradient first,
as torch does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

from reproductions.optimizers._base import check_eps, check_lr, check_unit_interval, check_weight_decay


class RMSProp(torch.optim.Optimizer):
    """RMSProp: ``s ← α s + (1 − α) g²``, ``w ← w − lr · g / (sqrt(s) + eps)``."""

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        alpha: float = 0.9,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        check_lr(lr)
        check_unit_interval("alpha", alpha)
        check_eps(eps)
        check_weight_decay(weight_decay)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, alpha, eps, weight_decay = group["lr"], group["alpha"], group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                if weight_decay != 0:
                    grad = grad.add(p, alpha=weight_decay)
                state = self.state[p]
                if "square_avg" not in state:
                    state["square_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                square_avg = state["square_avg"]
                # MeanSquare(w, t) = α MeanSquare(w, t−1) + (1 − α) g²
                square_avg.mul_(alpha).addcmul_(grad, grad, value=1.0 - alpha)
                # sqrt(MeanSquare(w, t)) + ε
                denom = square_avg.sqrt().add_(eps)
                # w ← w − η g / (sqrt(MeanSquare) + ε)
                p.addcdiv_(grad, denom, value=-lr)
        return loss
