"""Nesterov's accelerated gradient (NAG), in Sutskever et al.'s form and the lecture's change of variables.

Nesterov (1983), "A method of solving a convex programming problem with convergence rate O(1/k²)",
Soviet Math. Dokl. 27, https://www.mathnet.ru/eng/dan46009;
Sutskever, Martens, Dahl & Hinton (2013), "On the importance of initialization and momentum in
deep learning", ICML, https://proceedings.mlr.press/v28/sutskever13.html

Sutskever et al. (eq. 3-4): the gradient is taken at the look-ahead point θ + μ v::

    v_{t+1} = μ v_t − ε ∇f(θ_t + μ v_t)
    θ_{t+1} = θ_t + v_{t+1}

The cs231n lecture's change of variables x̃_t = θ_t + μ v_t keeps the parameters at the look-ahead
point, so an ordinary gradient at the parameters is all the step needs::

    v_{t+1} = μ v_t − ε ∇f(x̃_t)
    x̃_{t+1} = x̃_t − μ v_t + (1 + μ) v_{t+1}

Both are implemented (``form="sutskever"`` needs a closure, because it moves the parameters to the
look-ahead point, evaluates the gradient there and moves back); with a constant μ their iterates
satisfy x̃_t = θ_t + μ v_t exactly (tests/reproductions/test_optim.py checks it). With a momentum
that changes per step (Nesterov's μ_t = 1 − 3/(t + 5)) the change of variables would need
μ_{t+1} in the second line; the lecture form uses the current μ, so the two then differ slightly.
In the Sutskever form the closure's loss is the loss at the look-ahead point.

Differences from ``torch.optim.SGD(momentum=μ, nesterov=True)``: torch keeps the learning rate outside
its buffer b (b ← μ b + ∇f; x ← x − ε (∇f + μ b)), which is the lecture form with v = −ε b;
the iterates are identical at a constant learning rate and differ after a learning-rate change
(torch's accumulated velocity is rescaled by the new rate, this one's is not). Weight decay adds
λ x̃ to the gradient, as torch does (in the Sutskever form, λ (θ + μ v), the same point).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

import torch

from reproductions.optimizers._base import check_lr, check_unit_interval, check_weight_decay

FORMS = ("lecture", "sutskever")


class Nesterov(torch.optim.Optimizer):
    """Nesterov momentum. ``form="lecture"``: parameters are x̃ (the look-ahead point);
    ``form="sutskever"``: parameters are θ and ``step`` requires a closure."""

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        momentum: float = 0.9,
        weight_decay: float = 0.0,
        form: Literal["lecture", "sutskever"] = "lecture",
    ) -> None:
        check_lr(lr)
        check_unit_interval("momentum", momentum)
        check_weight_decay(weight_decay)
        if form not in FORMS:
            raise ValueError(f"invalid form: {form!r} (must be one of {FORMS})")
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay, form=form))

    def _velocity(self, p: torch.Tensor) -> torch.Tensor:
        state = self.state[p]
        if "velocity" not in state:
            state["velocity"] = torch.zeros_like(p, memory_format=torch.preserve_format)
        return state["velocity"]  # type: ignore[no-any-return]

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        sutskever = [g for g in self.param_groups if g["form"] == "sutskever"]
        if sutskever and closure is None:
            raise RuntimeError("Nesterov(form='sutskever') needs a closure: the gradient is taken at θ + μ v")
        # Sutskever form: move θ to the look-ahead point θ + μ v before the closure computes the gradient.
        moved = set()
        for group in sutskever:
            for p in group["params"]:
                if p in self.state:  # no state yet means v = 0: θ is already the look-ahead point
                    p.add_(self.state[p]["velocity"], alpha=group["momentum"])
                    moved.add(p)
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, mu, weight_decay = group["lr"], group["momentum"], group["weight_decay"]
            lecture = group["form"] == "lecture"
            for p in group["params"]:
                if p.grad is None:
                    if p in moved:  # moved above but got no gradient: move back
                        p.sub_(self.state[p]["velocity"], alpha=mu)
                    continue
                grad = p.grad
                # ∇f at the look-ahead point, + λ (θ + μ v) with weight decay (p holds θ + μ v in both forms here)
                if weight_decay != 0:
                    grad = grad.add(p, alpha=weight_decay)
                v = self._velocity(p)
                if lecture:
                    # x̃ ← x̃ − μ v_t   (first half of x̃_{t+1} = x̃_t − μ v_t + (1 + μ) v_{t+1})
                    p.add_(v, alpha=-mu)
                    # v_{t+1} = μ v_t − ε ∇f(x̃_t)
                    v.mul_(mu).add_(grad, alpha=-lr)
                    # x̃ ← x̃ + (1 + μ) v_{t+1}
                    p.add_(v, alpha=1.0 + mu)
                else:
                    # back from θ + μ v_t to θ_t
                    if p in moved:
                        p.sub_(v, alpha=mu)
                    # v_{t+1} = μ v_t − ε ∇f(θ_t + μ v_t)
                    v.mul_(mu).add_(grad, alpha=-lr)
                    # θ_{t+1} = θ_t + v_{t+1}
                    p.add_(v)
        return loss
