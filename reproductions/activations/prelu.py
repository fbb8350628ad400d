"""The parametric rectifier (PReLU), with a learnable slope per channel.

Paper page
----------
K. He, X. Zhang, S. Ren, J. Sun, "Delving Deep into Rectifiers: Surpassing Human-Level Performance
on ImageNet Classification", ICCV 2015. https://arxiv.org/abs/1502.01852

Formula (Sec. 2.1, Eq. 1, with channel index i)::

    f(y_i) = y_i        if y_i > 0
           = a_i y_i    if y_i ≤ 0

Gradients (Eq. 2 and 3), the sum running over every position of channel i::

    ∂E/∂a_i = Σ_{y_i} ∂E/∂f(y_i) · ∂f(y_i)/∂a_i,   ∂f(y_i)/∂a_i = 0 if y_i > 0 else y_i
    ∂f(y_i)/∂y_i = 1 if y_i > 0 else a_i

The paper initialises a_i = 0.25, updates it with momentum and no weight decay (decay pushes a_i
to 0, back towards ReLU), and shares one a per layer in its "channel-shared" variant
(``num_parameters=1``).

Difference from torch
---------------------
Same values and gradients as ``torch.nn.PReLU`` (channel dimension 1; an input with fewer than two
dimensions has no channel dimension and needs ``num_parameters=1``). Keeping a_i out of weight
decay is the optimizer's job: put ``PReLU.weight`` in a parameter group with ``weight_decay=0``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


def _slope_view(a: Tensor, x: Tensor) -> Tensor:
    """Shape the slopes so that they broadcast along dimension 1 (the channels) of ``x``."""
    if a.numel() == 1 or x.dim() < 2:
        return a.reshape(())
    return a.reshape((1, -1) + (1,) * (x.dim() - 2))


class PReLUFunction(torch.autograd.Function):
    """f(y) = y if y > 0 else a · y, with gradients for both y and a."""

    @staticmethod
    def forward(ctx, x: Tensor, a: Tensor) -> Tensor:  # type: ignore[override]
        slope = _slope_view(a, x)
        # f(y_i) = y_i if y_i > 0 else a_i y_i
        out = torch.where(x > 0, x, slope * x)
        ctx.save_for_backward(x, a)
        return out

    @staticmethod
    def backward(ctx, grad_output: Tensor) -> tuple[Tensor, Tensor]:  # type: ignore[override]
        x, a = ctx.saved_tensors
        slope = _slope_view(a, x)
        positive = x > 0
        # ∂f/∂y_i = 1 if y_i > 0 else a_i
        grad_x = torch.where(positive, grad_output, slope * grad_output)
        # ∂E/∂a_i = Σ_{y_i} ∂E/∂f(y_i) · (0 if y_i > 0 else y_i)
        per_position = torch.where(positive, torch.zeros_like(x), x) * grad_output
        if a.numel() == 1 or x.dim() < 2:
            grad_a = per_position.sum().reshape(a.shape)
        else:
            dims = [d for d in range(x.dim()) if d != 1]
            grad_a = per_position.sum(dim=dims).reshape(a.shape)
        return grad_x, grad_a


def prelu(x: Tensor, a: Tensor) -> Tensor:
    """f(y) = y if y > 0 else a · y, with ``a`` of one element or one per channel (dimension 1)."""
    if a.dim() != 1:
        raise ValueError(f"a must be one-dimensional, got shape {tuple(a.shape)}")
    if a.numel() != 1:
        if x.dim() < 2 or x.shape[1] != a.numel():
            raise ValueError(f"{a.numel()} slopes do not match the channels of an input of shape {tuple(x.shape)}")
    return PReLUFunction.apply(x, a)  # type: ignore[no-any-return]


class PReLU(nn.Module):
    """Learnable-slope rectifier: one slope per channel (``num_parameters=C``) or one shared (1)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25):
        super().__init__()
        if num_parameters < 1:
            raise ValueError(f"num_parameters must be >= 1, got {num_parameters}")
        if not math.isfinite(init):
            raise ValueError(f"init must be finite, got {init}")
        self.num_parameters = num_parameters
        # a_i = 0.25 at the start (He et al. 2015, Sec. 2.1)
        self.weight = nn.Parameter(torch.full((num_parameters,), float(init)))

    def forward(self, x: Tensor) -> Tensor:
        return prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"
