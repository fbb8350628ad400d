"""L1 regularization: the lasso, its proximal operator (soft thresholding) and a FISTA solver.

Robert Tibshirani (1996), "Regression Shrinkage and Selection via the Lasso", Journal of the Royal Statistical
Society, Series B 58(1):267-288, https://doi.org/10.1111/j.2517-6161.1996.tb02080.x. The lasso minimizes the
squared error under a bound on ‖β‖₁, equivalently (the Lagrangian form, scikit-learn's ``Lasso`` objective)::

    minimize_β  1/(2n) ‖y − Xβ‖² + α ‖β‖₁

The L1 term is not differentiable at 0, so a subgradient step never lands on exact zeros; the proximal step does::

    prox_{t α ‖·‖₁}(v) = sign(v) · max(|v| − t α, 0)                   (soft thresholding)

FISTA (Beck & Teboulle 2009) alternates a gradient step on the smooth part with that prox, plus Nesterov's
extrapolation; with t = 1/L, L = λ_max(XᵀX / n), it converges as O(1/k²).

Where it differs: torch has no lasso; tests/reproductions/test_regularizers.py checks the solution against
scikit-learn's coordinate-descent ``Lasso(fit_intercept=False)``. The solver is batched: ``x`` (..., n, p),
``y`` (..., n) and ``alpha`` broadcastable to (...), so many data sets and penalties run at once.
"""

from __future__ import annotations

import torch


def l1_penalty(params: torch.Tensor, alpha: float) -> torch.Tensor:
    if not alpha >= 0:
        raise ValueError(f"invalid alpha: {alpha!r} (must be >= 0)")
    # α ‖β‖₁
    return alpha * params.abs().sum()


def soft_threshold(v: torch.Tensor, threshold: torch.Tensor | float) -> torch.Tensor:
    """prox of threshold·‖·‖₁: sign(v) · max(|v| − threshold, 0)."""
    if isinstance(threshold, float) and not threshold >= 0:
        raise ValueError(f"invalid threshold: {threshold!r} (must be >= 0)")
    # sign(v) · max(|v| − τ, 0)
    return torch.sign(v) * torch.clamp(v.abs() - threshold, min=0.0)


def lasso_fista(x: torch.Tensor, y: torch.Tensor, alpha: torch.Tensor | float, iters: int = 2000) -> torch.Tensor:
    """argmin_β 1/(2n) ‖y − Xβ‖² + α ‖β‖₁ by FISTA, batched over the leading dimensions; returns β (..., p)."""
    if iters < 1:
        raise ValueError(f"invalid iters: {iters!r} (must be >= 1)")
    alpha_t = torch.as_tensor(alpha, dtype=x.dtype, device=x.device)
    if bool((alpha_t < 0).any()):
        raise ValueError("invalid alpha: must be >= 0")
    n = x.shape[-2]
    # the smooth part's Hessian XᵀX / n and linear term Xᵀy / n
    gram = x.transpose(-1, -2) @ x / n
    xty = (x.transpose(-1, -2) @ y.unsqueeze(-1)).squeeze(-1) / n
    # L = λ_max(XᵀX / n), the gradient's Lipschitz constant; step t = 1/L
    lipschitz = torch.linalg.eigvalsh(gram)[..., -1].clamp_min(1e-12)
    step = (1.0 / lipschitz).unsqueeze(-1)
    thresh = (alpha_t.expand(lipschitz.shape) / lipschitz).unsqueeze(-1)
    beta = torch.zeros_like(xty)
    z, t_k = beta.clone(), 1.0
    for _ in range(iters):
        # ∇ of 1/(2n) ‖y − Xz‖² = XᵀX z / n − Xᵀy / n
        grad = (gram @ z.unsqueeze(-1)).squeeze(-1) - xty
        # β_{k+1} = prox_{tα‖·‖₁}(z − t ∇)
        beta_next = soft_threshold(z - step * grad, thresh)
        # t_{k+1} = (1 + √(1 + 4 t_k²)) / 2;   z = β_{k+1} + (t_k − 1)/t_{k+1} (β_{k+1} − β_k)
        t_next = (1.0 + (1.0 + 4.0 * t_k * t_k) ** 0.5) / 2.0
        z = beta_next + ((t_k - 1.0) / t_next) * (beta_next - beta)
        beta, t_k = beta_next, t_next
    return beta
