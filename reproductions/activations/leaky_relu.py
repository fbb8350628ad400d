"""The leaky rectifier, written from its formula with its hand-derived gradient.

Paper page
----------
A. L. Maas, A. Y. Hannun, A. Y. Ng, "Rectifier Nonlinearities Improve Neural Network Acoustic
Models", ICML Workshop on Deep Learning for Audio, Speech and Language Processing, 2013.
https://ai.stanford.edu/~amaas/papers/relu_hybrid_icml2013_final.pdf

Formula (Sec. 3, with the paper's leak 0.01)::

    h(x)  = x          if x > 0
          = 0.01 x     otherwise
    h'(x) = 1 if x > 0 else 0.01

The small slope keeps a gradient flowing through a unit that is inactive on every input, so a unit
pushed there (by a large update, say) can come back; a ReLU in that state gets no gradient and is
"dead".

Difference from torch
---------------------
Same values and gradients as ``torch.nn.functional.leaky_relu`` (derivative at 0 taken as the
slope). This module only accepts a slope in [0, 1): a larger one is no longer a leaky rectifier,
while torch accepts any float.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


def _check_slope(negative_slope: float) -> None:
    if not math.isfinite(negative_slope) or not 0.0 <= negative_slope < 1.0:
        raise ValueError(f"negative_slope must be in [0, 1), got {negative_slope}")


class LeakyReLUFunction(torch.autograd.Function):
    """x for x > 0, ``negative_slope`` · x otherwise; the gradient is 1 or ``negative_slope``."""

    @staticmethod
    def forward(ctx, x: Tensor, negative_slope: float) -> Tensor:  # type: ignore[override]
        positive = x > 0
        # h(x) = x if x > 0 else a x
        out = torch.where(positive, x, negative_slope * x)
        ctx.save_for_backward(positive)
        ctx.negative_slope = negative_slope
        return out

    @staticmethod
    def backward(ctx, grad_output: Tensor) -> tuple[Tensor, None]:  # type: ignore[override]
        (positive,) = ctx.saved_tensors
        # h'(x) = 1 if x > 0 else a
        grad_input = torch.where(positive, grad_output, ctx.negative_slope * grad_output)
        return grad_input, None


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x if x > 0 else ``negative_slope`` · x."""
    _check_slope(negative_slope)
    return LeakyReLUFunction.apply(x, negative_slope)  # type: ignore[no-any-return]


class LeakyReLU(nn.Module):
    """Module form of :func:`leaky_relu` with the paper's default leak 0.01."""

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        _check_slope(negative_slope)
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"
