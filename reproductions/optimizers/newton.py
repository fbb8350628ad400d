"""Newton's method (damped), the second-order method of the lecture.

cs231n "Training Neural Networks 2", second-order optimization; Nocedal & Wright, Numerical Optimization (2nd ed.,
Springer 2006), Section 3.3 (quadratic convergence near a minimizer with a positive-definite Hessian) and 3.4
(Hessian modification). The step from the second-order Taylor expansion of f at x::

    f(x + δ) ≈ f(x) + ∇fᵀδ + ½ δᵀ H δ      minimized by      δ = −H⁻¹ ∇f

    x ← x − lr (H + λ I)⁻¹ ∇f

with lr = 1 (Newton's own step: no learning rate to tune) and λ = 0 by default; λ > 0 damps the step where H is
near-singular. There is no torch.optim counterpart; tests/reproductions/test_optim.py checks one step on a
quadratic against the closed-form minimizer and the Hessian against ``torch.func.hessian``.

The Hessian of all parameters, as one flat vector, is built with one batched backward pass over the gradient
(``is_grads_batched``), so this is for small models (n parameters cost an n × n matrix and an O(n³) solve).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

from reproductions.optimizers._base import check_lr, check_weight_decay


class Newton(torch.optim.Optimizer):
    """Damped Newton: ``x ← x − lr (H + damping I)⁻¹ ∇f``; ``step`` needs a closure that returns the loss."""

    def __init__(self, params: Iterable, lr: float = 1.0, damping: float = 0.0) -> None:
        check_lr(lr)
        check_weight_decay(damping)  # the same rule: a number >= 0
        super().__init__(params, dict(lr=lr, damping=damping))
        if len(self.param_groups) != 1:
            raise ValueError("Newton takes one parameter group (it treats all parameters as one vector)")

    def hessian(self, closure: Callable[[], torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(loss, flat gradient ∇f, Hessian H) at the current parameters."""
        params = self.param_groups[0]["params"]
        with torch.enable_grad():
            loss = closure()
            grads = torch.autograd.grad(loss, params, create_graph=True)
            g = torch.cat([gi.reshape(-1) for gi in grads])
            n = g.numel()
            # H_ij = ∂(∇f)_i / ∂x_j, all rows at once: backward of g with the n unit vectors
            rows = torch.autograd.grad(g, params, torch.eye(n, dtype=g.dtype, device=g.device), is_grads_batched=True)
        h = torch.cat([r.reshape(n, -1) for r in rows], 1)
        return loss.detach(), g.detach(), h

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor]) -> torch.Tensor:  # type: ignore[override]
        if closure is None:
            raise RuntimeError("Newton needs a closure that returns the loss (the Hessian is taken from it)")
        group = self.param_groups[0]
        loss, g, h = self.hessian(closure)
        if group["damping"]:
            # H + λ I
            h = h + group["damping"] * torch.eye(len(g), dtype=h.dtype, device=h.device)
        # δ = −(H + λI)⁻¹ ∇f  (a solve, never an explicit inverse)
        delta = torch.linalg.solve(h, g.neg())
        offset = 0
        for p in group["params"]:
            n = p.numel()
            # x ← x + lr δ
            p.add_(delta[offset : offset + n].view_as(p), alpha=group["lr"])
            offset += n
        return loss
