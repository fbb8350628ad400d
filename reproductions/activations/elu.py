"""The exponential linear unit (ELU), written from its formula with its hand-derived gradient.

Paper page
----------
D.-A. Clevert, T. Unterthiner, S. Hochreiter, "Fast and Accurate Deep Network Learning by
Exponential Linear Units (ELUs)", ICLR 2016. https://arxiv.org/abs/1511.07289

Formula (Sec. 3, Eq. 15)::

    f(x)  = x                  if x > 0
          = α (exp(x) - 1)     if x ≤ 0
    f'(x) = 1                  if x > 0
          = f(x) + α           if x ≤ 0

Negative values push the mean activation towards zero (like batch normalisation, the paper
argues, which speeds learning), and the negative part saturates to -α, so an inactive unit sends
little "noise" forward.

Difference from torch
---------------------
Same values and gradients as ``torch.nn.functional.elu`` (``scale = input_scale = 1``). This module
requires α ≥ 0; torch accepts any float.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


def _check_alpha(alpha: float) -> None:
    if not math.isfinite(alpha) or alpha < 0:
        raise ValueError(f"alpha must be a finite number >= 0, got {alpha}")


class ELUFunction(torch.autograd.Function):
    """x for x > 0, α(eˣ - 1) otherwise; the gradient is 1 or f(x) + α."""

    @staticmethod
    def forward(ctx, x: Tensor, alpha: float) -> Tensor:  # type: ignore[override]
        positive = x > 0
        # f(x) = α (exp(x) - 1) for x ≤ 0; min(x, 0) keeps exp from overflowing on the unused branch
        negative_part = alpha * torch.expm1(torch.clamp(x, max=0))
        # f(x) = x for x > 0
        out = torch.where(positive, x, negative_part)
        ctx.save_for_backward(positive, out)
        ctx.alpha = alpha
        return out

    @staticmethod
    def backward(ctx, grad_output: Tensor) -> tuple[Tensor, None]:  # type: ignore[override]
        positive, out = ctx.saved_tensors
        # f'(x) = 1 if x > 0 else f(x) + α
        grad_input = torch.where(positive, grad_output, grad_output * (out + ctx.alpha))
        return grad_input, None


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x if x > 0 else α (exp(x) - 1)."""
    _check_alpha(alpha)
    return ELUFunction.apply(x, alpha)  # type: ignore[no-any-return]


class ELU(nn.Module):
    """Module form of :func:`elu` with the paper's α = 1."""

    def __init__(self, alpha: float = 1.0):
        super().__init__()
        _check_alpha(alpha)
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"
