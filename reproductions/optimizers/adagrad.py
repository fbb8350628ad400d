"""AdaGrad, diagonal version.

Duchi, Hazan & Singer (2011), "Adaptive Subgradient Methods for Online Learning and Stochastic
Optimization", JMLR 12, https://jmlr.org/papers/v12/duchi11a.html

The diagonal update (Section 1.1 and Fig. 1 of the paper; g_t the (sub)gradient, η the step size,
δ ≥ 0 a small constant, G_t = Σ_{τ≤t} g_τ g_τᵀ of which only the diagonal is kept)::

    diag(G_t) = diag(G_{t−1}) + g_t ⊙ g_t
    x_{t+1}   = x_t − η g_t / (δ + sqrt(diag(G_t)))

Features that are seen rarely keep a small accumulated sum, hence a large step: the paper's point
about sparse data ("rare but informative features").

Differences from ``torch.optim.Adagrad``: the same arithmetic, with δ = ``eps`` added outside the
square root as in the paper (torch also default 1e-10). torch's extra ``lr_decay`` (η / (1 + (t−1)·lr_decay))
is not offered; ``initial_accumulator_value`` is, and is read per parameter group here, whereas torch reads
only its constructor's value (a group override is ignored by torch). torch's default
learning rate is 1e-2, as here. Weight decay adds λ x to the gradient before it is squared, as torch does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

from reproductions.optimizers._base import check_eps, check_lr, check_weight_decay


class AdaGrad(torch.optim.Optimizer):
    """AdaGrad: per-coordinate step ``lr / (eps + sqrt(Σ g²))``."""

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-2,
        eps: float = 1e-10,
        initial_accumulator_value: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        check_lr(lr)
        check_eps(eps)
        check_weight_decay(weight_decay)
        if not initial_accumulator_value >= 0.0:
            raise ValueError(f"invalid initial_accumulator_value: {initial_accumulator_value!r} (must be >= 0)")
        defaults = dict(lr=lr, eps=eps, initial_accumulator_value=initial_accumulator_value, weight_decay=weight_decay)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                if weight_decay != 0:
                    grad = grad.add(p, alpha=weight_decay)
                state = self.state[p]
                if "sum" not in state:
                    state["sum"] = torch.full_like(
                        p, group["initial_accumulator_value"], memory_format=torch.preserve_format
                    )
                sum_sq = state["sum"]
                # diag(G_t) = diag(G_{t−1}) + g_t ⊙ g_t
                sum_sq.addcmul_(grad, grad, value=1.0)
                # δ + sqrt(diag(G_t))
                denom = sum_sq.sqrt().add_(eps)
                # x_{t+1} = x_t − η g_t / (δ + sqrt(diag(G_t)))
                p.addcdiv_(grad, denom, value=-lr)
        return loss
