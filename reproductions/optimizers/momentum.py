"""SGD with (heavy-ball) momentum, in the form of the cs231n lecture.

Polyak (1964), "Some methods of speeding up the convergence of iteration methods",
USSR Comput. Math. & Math. Phys. 4(5); cs231n "Training Neural Networks 2";
Sutskever, Martens, Dahl & Hinton (2013), "On the importance of initialization and momentum in
deep learning", ICML, https://proceedings.mlr.press/v28/sutskever13.html

The lecture's form (velocity ``v`` accumulates gradients, friction ρ, learning rate α)::

    v_{t+1} = ρ v_t + ∇f(x_t)
    x_{t+1} = x_t − α v_{t+1}

Sutskever et al. (eq. 1-2) write the same method with the learning rate inside the velocity,
``v_{t+1} = μ v_t − ε ∇f(θ_t)``, ``θ_{t+1} = θ_t + v_{t+1}``; the two agree exactly
(``v_sutskever = −α v_lecture``) while the learning rate is constant, and differ after a learning-rate
change (the lecture's form rescales the whole accumulated velocity at once).

Differences from ``torch.optim.SGD(momentum=ρ)``: none with ``dampening=0`` (torch's default):
torch's buffer is the lecture's ``v`` (its first step sets ``v = ∇f``, which equals ρ·0 + ∇f).
torch's ``dampening`` (``v ← ρ v + (1 − dampening) ∇f``) is not offered here.
Weight decay adds λ x to the gradient before it enters the velocity, as torch does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

from reproductions.optimizers._base import check_lr, check_unit_interval, check_weight_decay


class Momentum(torch.optim.Optimizer):
    """SGD + momentum: ``v ← ρ v + ∇f(x)``, ``x ← x − α v`` (``rho`` is the momentum ρ)."""

    def __init__(self, params: Iterable, lr: float = 1e-3, rho: float = 0.9, weight_decay: float = 0.0) -> None:
        check_lr(lr)
        check_unit_interval("rho", rho)
        check_weight_decay(weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, rho, weight_decay = group["lr"], group["rho"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                # ∇f(x) + λ x
                if weight_decay != 0:
                    grad = grad.add(p, alpha=weight_decay)
                state = self.state[p]
                if "velocity" not in state:
                    state["velocity"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                v = state["velocity"]
                # v_{t+1} = ρ v_t + ∇f(x_t)
                v.mul_(rho).add_(grad)
                # x_{t+1} = x_t − α v_{t+1}
                p.add_(v, alpha=-lr)
        return loss
