"""Batch normalization, from the paper's Algorithms 1 and 2 and its back-propagation formulas.

Paper
-----
Sergey Ioffe and Christian Szegedy, "Batch Normalization: Accelerating Deep Network Training by
Reducing Internal Covariate Shift", ICML 2015. https://arxiv.org/abs/1502.03167

Algorithm 1 (training, over a mini-batch B = {x_1..m}, per feature / per channel):

    mu_B      = 1/m sum_i x_i
    sigma_B^2 = 1/m sum_i (x_i - mu_B)^2
    x^_i      = (x_i - mu_B) / sqrt(sigma_B^2 + eps)
    y_i       = gamma x^_i + beta

For convolutions (Section 3.2) the statistics are taken over the batch *and* the spatial locations,
m = |B| * p * q, one gamma/beta per feature map.

Back-propagation (Section 3):

    dl/dx^_i      = dl/dy_i * gamma
    dl/dsigma_B^2 = sum_i dl/dx^_i (x_i - mu_B) * (-1/2) (sigma_B^2 + eps)^(-3/2)
    dl/dmu_B      = (sum_i dl/dx^_i * -1/sqrt(sigma_B^2 + eps)) + dl/dsigma_B^2 * sum_i -2(x_i - mu_B) / m
    dl/dx_i       = dl/dx^_i / sqrt(sigma_B^2 + eps) + dl/dsigma_B^2 * 2(x_i - mu_B)/m + dl/dmu_B / m
    dl/dgamma     = sum_i dl/dy_i x^_i
    dl/dbeta      = sum_i dl/dy_i

Algorithm 2 (inference): population statistics E[x] = E_B[mu_B], Var[x] = m/(m-1) E_B[sigma_B^2]
(unbiased), and y = gamma / sqrt(Var[x] + eps) * x + (beta - gamma E[x] / sqrt(Var[x] + eps)).

Where it differs from the paper / torch
---------------------------------------
* The paper averages the statistics over all training mini-batches; the lecture (and torch) keep an
  exponential moving average, running <- (1 - momentum) running + momentum * batch_stat, with the
  unbiased m/(m-1) correction for the variance. ``momentum=None`` gives the paper's cumulative average
  (as torch does). torch's ``momentum`` is 1 - the usual decay rate of a moving average.
* Same semantics as ``torch.nn.BatchNorm1d/2d`` (any input of shape (N, C, *)), checked in the tests for
  outputs, gradients, running statistics and eval mode. The backward pass is the paper's formulas above,
  written as a custom autograd function (checked with ``torch.autograd.gradcheck``).
"""

from __future__ import annotations

import torch
from torch import nn


def _reduce_dims(x: torch.Tensor) -> list[int]:
    return [0] + list(range(2, x.ndim))


def _view(t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Shape a per-channel vector (C,) to broadcast against x of shape (N, C, *)."""
    return t.view([1, -1] + [1] * (x.ndim - 2))


class BatchNormFunction(torch.autograd.Function):
    """Algorithm 1 forward, the paper's hand-derived gradients backward."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float):  # type: ignore[override]
        dims = _reduce_dims(x)
        m = x.numel() // x.shape[1]
        # mu_B = 1/m sum_i x_i
        mu = x.mean(dim=dims)
        xc = x - _view(mu, x)
        # sigma_B^2 = 1/m sum_i (x_i - mu_B)^2
        var = (xc * xc).sum(dim=dims) / m
        inv_std = torch.rsqrt(var + eps)
        # x^_i = (x_i - mu_B) / sqrt(sigma_B^2 + eps)
        x_hat = xc * _view(inv_std, x)
        # y_i = gamma x^_i + beta
        y = x_hat * _view(gamma, x) + _view(beta, x)
        ctx.save_for_backward(xc, x_hat, inv_std, gamma)
        ctx.m = m
        ctx.mark_non_differentiable(mu, var)
        return y, mu, var

    @staticmethod
    def backward(ctx, dy: torch.Tensor, _dmu: torch.Tensor, _dvar: torch.Tensor):  # type: ignore[override]
        xc, x_hat, inv_std, gamma = ctx.saved_tensors
        m = ctx.m
        dims = _reduce_dims(dy)
        # dl/dx^_i = dl/dy_i * gamma
        dx_hat = dy * _view(gamma, dy)
        # dl/dsigma^2 = sum_i dl/dx^_i (x_i - mu_B) * (-1/2) (sigma^2 + eps)^(-3/2)
        dvar = (dx_hat * xc).sum(dim=dims) * (-0.5) * inv_std**3
        # dl/dmu = sum_i dl/dx^_i * (-1/sqrt(sigma^2 + eps)) + dl/dsigma^2 * sum_i -2 (x_i - mu_B) / m
        dmu = -(dx_hat.sum(dim=dims)) * inv_std + dvar * (-2.0 * xc.sum(dim=dims) / m)
        # dl/dx_i = dl/dx^_i / sqrt(sigma^2 + eps) + dl/dsigma^2 * 2 (x_i - mu_B) / m + dl/dmu / m
        dx = dx_hat * _view(inv_std, dy) + _view(dvar, dy) * 2.0 * xc / m + _view(dmu, dy) / m
        # dl/dgamma = sum_i dl/dy_i x^_i ;  dl/dbeta = sum_i dl/dy_i
        dgamma = (dy * x_hat).sum(dim=dims)
        dbeta = dy.sum(dim=dims)
        return dx, dgamma, dbeta, None


def batch_norm_train(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5):
    """Algorithm 1 on a batch of shape (N, C, *): returns (y, mu_B, sigma_B^2 biased)."""
    if x.ndim < 2:
        raise ValueError(f"expected input of shape (N, C, *), got {tuple(x.shape)}")
    return BatchNormFunction.apply(x, gamma, beta, eps)


class BatchNorm(nn.Module):
    """Batch normalization for inputs (N, C) / (N, C, L) / (N, C, H, W); torch BatchNorm1d/2d semantics."""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
    ):
        super().__init__()
        if num_features < 1:
            raise ValueError(f"num_features must be >= 1, got {num_features}")
        if not eps > 0.0:
            raise ValueError(f"eps must be > 0, got {eps}")
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"momentum must be in [0, 1] or None, got {momentum}")
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = nn.Parameter(torch.ones(num_features))  # gamma
            self.bias = nn.Parameter(torch.zeros(num_features))  # beta
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", torch.zeros(num_features))
            self.register_buffer("running_var", torch.ones(num_features))
            self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def _affine(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.affine:
            return self.weight, self.bias
        ones = torch.ones(self.num_features, dtype=x.dtype, device=x.device)
        return ones, torch.zeros_like(ones)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim < 2 or x.shape[1] != self.num_features:
            raise ValueError(f"expected input (N, {self.num_features}, *), got {tuple(x.shape)}")
        gamma, beta = self._affine(x)
        use_batch_stats = self.training or not self.track_running_stats
        if use_batch_stats:
            m = x.numel() // x.shape[1]
            if self.training and m <= 1:
                raise ValueError("batch norm needs more than one value per channel in training")
            y, mu, var = batch_norm_train(x, gamma, beta, self.eps)
            if self.training and self.track_running_stats:
                with torch.no_grad():
                    self.num_batches_tracked += 1
                    # paper: E[x] = E_B[mu_B] (cumulative); lecture/torch: moving average with momentum
                    f = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
                    # Var[x] uses the unbiased estimate m/(m-1) sigma_B^2
                    unbiased = var * m / (m - 1)
                    self.running_mean.mul_(1.0 - f).add_(mu, alpha=f)
                    self.running_var.mul_(1.0 - f).add_(unbiased, alpha=f)
            return y
        # Algorithm 2: y = gamma / sqrt(Var[x] + eps) * x + (beta - gamma E[x] / sqrt(Var[x] + eps))
        scale = gamma * torch.rsqrt(self.running_var + self.eps)
        shift = beta - self.running_mean * scale
        return x * _view(scale, x) + _view(shift, x)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )
