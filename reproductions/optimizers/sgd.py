"""Stochastic gradient descent.

Robbins & Monro (1951), "A Stochastic Approximation Method", Ann. Math. Statist. 22(3);
as taught in cs231n "Training Neural Networks 2" and Goodfellow, Bengio & Courville,
*Deep Learning* (2016), ch. 8.3.1, https://www.deeplearningbook.org/contents/optimization.html

Update (Algorithm 8.1 of the book, learning rate ε, minibatch gradient ĝ)::

    ĝ ← ∇_θ f(θ)               (+ λ θ with weight decay λ, the gradient of λ/2 ‖θ‖²)
    θ ← θ − ε ĝ

Differences from ``torch.optim.SGD(momentum=0)``: none in the arithmetic (weight decay is added
to the gradient the same way). torch's ``lr`` default is 1e-3, as here; torch also offers
``maximize``, ``foreach`` and ``fused``, which this readable version leaves out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

from reproductions.optimizers._base import check_lr, check_weight_decay


class SGD(torch.optim.Optimizer):
    """Plain (minibatch) stochastic gradient descent: ``θ ← θ − lr · (∇f(θ) + weight_decay · θ)``."""

    def __init__(self, params: Iterable, lr: float = 1e-3, weight_decay: float = 0.0) -> None:
        check_lr(lr)
        check_weight_decay(weight_decay)
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, weight_decay = group["lr"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                # ĝ = ∇f(θ) + λ θ
                if weight_decay != 0:
                    grad = grad.add(p, alpha=weight_decay)
                # θ ← θ − ε ĝ
                p.add_(grad, alpha=-lr)
        return loss
