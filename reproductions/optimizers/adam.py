"""Adam: adaptive moment estimation.

Kingma & Ba (2014), "Adam: A Method for Stochastic Optimization", ICLR 2015,
https://arxiv.org/abs/1412.6980

Algorithm 1 of the paper (α the step size, β₁, β₂ the decay rates, ε, g_t the gradient)::

    m_t = β₁ m_{t−1} + (1 − β₁) g_t
    v_t = β₂ v_{t−1} + (1 − β₂) g_t²
    m̂_t = m_t / (1 − β₁ᵗ)                    (bias correction)
    v̂_t = v_t / (1 − β₂ᵗ)                    (bias correction)
    θ_t = θ_{t−1} − α m̂_t / (sqrt(v̂_t) + ε)

Without bias correction (``bias_correction=False``) the last line is θ_t = θ_{t−1} − α m_t / (sqrt(v_t) + ε):
at t = 1, m₁ = (1 − β₁) g and v₁ = (1 − β₂) g², so the first step is α (1 − β₁)/sqrt(1 − β₂) per
coordinate — 10 α at β₁ = 0.9, β₂ = 0.9999: the lecture's "what happens at the first timestep?"
and the instability of the paper's Section 6.4 / Fig. 4.

Differences from ``torch.optim.Adam``: torch computes Algorithm 1 as written, with ε added to
sqrt(v̂) (not the paper's Section 2 "more efficient" order with ε̂ added to sqrt(v)); the arithmetic
here is the same. torch has no switch for bias correction (its ``amsgrad``, ``maximize``,
``capturable``, ``differentiable`` are not offered here). Weight decay adds λ θ to the gradient
before both moments (L2, as torch's Adam; not AdamW's decoupled decay). Defaults are the paper's:
α = 1e-3, β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import torch

from reproductions.optimizers._base import check_eps, check_lr, check_unit_interval, check_weight_decay


class Adam(torch.optim.Optimizer):
    """Adam (Algorithm 1 of Kingma & Ba), optionally without the bias correction of m and v."""

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        bias_correction: bool = True,
    ) -> None:
        check_lr(lr)
        if len(betas) != 2:
            raise ValueError(f"invalid betas: {betas!r} (must be a pair)")
        check_unit_interval("beta1", betas[0])
        check_unit_interval("beta2", betas[1])
        check_eps(eps)
        check_weight_decay(weight_decay)
        if not isinstance(bias_correction, bool):
            raise ValueError(f"invalid bias_correction: {bias_correction!r} (must be a bool)")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, bias_correction=bias_correction)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            weight_decay, bias_correction = group["weight_decay"], group["bias_correction"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                if weight_decay != 0:
                    grad = grad.add(p, alpha=weight_decay)
                state = self.state[p]
                if "step" not in state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                state["step"] += 1
                t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
                # m_t = β₁ m_{t−1} + (1 − β₁) g_t     (lerp: m + (1 − β₁)(g − m), one pass)
                m.lerp_(grad, 1.0 - beta1)
                # v_t = β₂ v_{t−1} + (1 − β₂) g_t²
                v.mul_(beta2).addcmul_(grad, grad, value=1.0 - beta2)
                if bias_correction:
                    # m̂_t / (sqrt(v̂_t) + ε) = (m_t / (1 − β₁ᵗ)) / (sqrt(v_t) / sqrt(1 − β₂ᵗ) + ε)
                    step_size = lr / (1.0 - beta1**t)
                    denom = v.sqrt().div_(math.sqrt(1.0 - beta2**t)).add_(eps)
                else:
                    # m_t / (sqrt(v_t) + ε)
                    step_size = lr
                    denom = v.sqrt().add_(eps)
                # θ_t = θ_{t−1} − α m̂_t / (sqrt(v̂_t) + ε)
                p.addcdiv_(m, denom, value=-step_size)
        return loss
