"""L-BFGS: limited-memory BFGS with the two-loop recursion.

Nocedal (1980), "Updating Quasi-Newton Matrices with Limited Storage", Mathematics of Computation 35(151):773-782,
https://doi.org/10.1090/S0025-5718-1980-0572855-7; Liu & Nocedal (1989), "On the limited memory BFGS method for
large scale optimization", Mathematical Programming 45:503-528, https://doi.org/10.1007/BF01589116.

The last m pairs s_k = x_{k+1} − x_k, y_k = ∇f_{k+1} − ∇f_k (ρ_k = 1 / y_kᵀ s_k) stand for the inverse Hessian;
the direction d = −H ∇f comes from the two-loop recursion (Nocedal & Wright, Algorithm 7.4)::

    q ← ∇f
    for i = k−1 … k−m:   α_i = ρ_i s_iᵀ q;   q ← q − α_i y_i
    r ← γ q,             γ = s_{k−1}ᵀ y_{k−1} / y_{k−1}ᵀ y_{k−1}   (the initial H₀ = γ I)
    for i = k−m … k−1:   β = ρ_i y_iᵀ r;     r ← r + s_i (α_i − β)
    d = −r

and the step is x ← x + t d with t = lr (the first step t = lr · min(1, 1/‖∇f‖₁)). A pair is stored only when
yᵀs > 1e-10 (the curvature condition that keeps H positive definite).

Where it differs from torch: this is ``torch.optim.LBFGS`` without a line search (``line_search_fn=None``, torch's
default), with the same defaults, stopping tests and evaluation count, so its iterates agree with torch's
(tests/reproductions/test_optim.py checks it in float64 over many steps); the strong-Wolfe line search is not
offered. Like torch it takes one parameter group and treats all parameters as one flat vector, and each ``step``
runs up to ``max_iter`` iterations, calling the closure once per iteration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

from reproductions.optimizers._base import check_lr


class LBFGS(torch.optim.Optimizer):
    """L-BFGS without a line search; ``step(closure)`` runs up to ``max_iter`` iterations."""

    def __init__(
        self,
        params: Iterable,
        lr: float = 1.0,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
    ) -> None:
        check_lr(lr)
        if not (isinstance(max_iter, int) and max_iter >= 1):
            raise ValueError(f"invalid max_iter: {max_iter!r} (must be an integer >= 1)")
        if max_eval is None:
            max_eval = max_iter * 5 // 4  # torch's default
        if not (isinstance(max_eval, int) and max_eval >= 1):
            raise ValueError(f"invalid max_eval: {max_eval!r} (must be an integer >= 1)")
        if not (isinstance(history_size, int) and history_size >= 1):
            raise ValueError(f"invalid history_size: {history_size!r} (must be an integer >= 1)")
        if not (tolerance_grad >= 0 and tolerance_change >= 0):
            raise ValueError("invalid tolerance: tolerance_grad and tolerance_change must be >= 0")
        defaults = dict(
            lr=lr,
            max_iter=max_iter,
            max_eval=max_eval,
            tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change,
            history_size=history_size,
        )
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS takes one parameter group (it treats all parameters as one vector)")
        self._params: list[torch.Tensor] = self.param_groups[0]["params"]

    def _flat_grad(self) -> torch.Tensor:
        return torch.cat([torch.zeros_like(p).view(-1) if p.grad is None else p.grad.view(-1) for p in self._params])

    def _move(self, t: float, d: torch.Tensor) -> None:
        # x ← x + t d, parameter by parameter
        offset = 0
        for p in self._params:
            n = p.numel()
            p.add_(d[offset : offset + n].view_as(p), alpha=t)
            offset += n

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor]) -> torch.Tensor:  # type: ignore[override]
        if closure is None:
            raise RuntimeError("LBFGS needs a closure that re-evaluates the loss")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change, m = group["tolerance_grad"], group["tolerance_change"], group["history_size"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with torch.enable_grad():
            orig_loss = closure()
        loss = float(orig_loss.detach())
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if g.abs().max() <= tol_grad:  # already stationary
            return orig_loss

        d, t = state.get("d"), state.get("t")
        s_hist, y_hist, rho = state.get("s", []), state.get("y", []), state.get("rho", [])
        gamma = state.get("gamma", 1.0)
        g_prev, loss_prev = state.get("g_prev"), state.get("loss_prev")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                # d = −∇f: the first direction is steepest descent (H₀ = I)
                d = g.neg()
                s_hist, y_hist, rho, gamma = [], [], [], 1.0
            else:
                # y_k = ∇f_{k+1} − ∇f_k,  s_k = t d
                y = g.sub(g_prev)
                s = d.mul(t)
                ys = y.dot(s)
                if ys > 1e-10:  # curvature condition yᵀs > 0
                    if len(s_hist) == m:
                        s_hist.pop(0)
                        y_hist.pop(0)
                        rho.pop(0)
                    s_hist.append(s)
                    y_hist.append(y)
                    # ρ_k = 1 / y_kᵀ s_k
                    rho.append(1.0 / ys)
                    # γ = sᵀy / yᵀy
                    gamma = ys / y.dot(y)
                # the two-loop recursion, run on q = −∇f so that it ends with d = −H∇f
                q = g.neg()
                alpha = [None] * len(s_hist)
                for i in range(len(s_hist) - 1, -1, -1):
                    # α_i = ρ_i s_iᵀ q;  q ← q − α_i y_i
                    alpha[i] = s_hist[i].dot(q) * rho[i]
                    q.add_(y_hist[i], alpha=-alpha[i])
                # r = γ q
                d = r = torch.mul(q, gamma)
                for i in range(len(s_hist)):
                    # β = ρ_i y_iᵀ r;  r ← r + s_i (α_i − β)
                    beta = y_hist[i].dot(r) * rho[i]
                    r.add_(s_hist[i], alpha=alpha[i] - beta)
            g_prev = g.clone(memory_format=torch.contiguous_format) if g_prev is None else g_prev.copy_(g)
            loss_prev = loss
            # t = lr · min(1, 1/‖∇f‖₁) on the very first step (the scale of H is unknown), else t = lr
            t = min(1.0, 1.0 / float(g.abs().sum())) * lr if state["n_iter"] == 1 else lr
            # a direction that is not a descent direction ends the step
            if g.dot(d) > -tol_change:
                break
            # x ← x + t d
            self._move(t, d)
            if n_iter != max_iter:
                with torch.enable_grad():
                    loss = float(closure().detach())
                g = self._flat_grad()
                evals += 1
                state["func_evals"] += 1
            if n_iter == max_iter or evals >= max_eval:
                break
            if g.abs().max() <= tol_grad or d.mul(t).abs().max() <= tol_change or abs(loss - loss_prev) < tol_change:
                break

        state.update(d=d, t=t, s=s_hist, y=y_hist, rho=rho, gamma=gamma, g_prev=g_prev, loss_prev=loss_prev)
        return orig_loss
