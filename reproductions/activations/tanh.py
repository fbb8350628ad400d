"""The hyperbolic tangent, written from its formula with its hand-derived gradient.

Paper page
----------
tanh is the zero-centred sigmoid recommended over the logistic function by

* Y. LeCun, L. Bottou, G. B. Orr, K.-R. Müller, "Efficient BackProp", in *Neural Networks: Tricks
  of the Trade*, Springer, 1998 (Sec. 4.4). http://yann.lecun.com/exdb/publis/pdf/lecun-98b.pdf
* X. Glorot, Y. Bengio, "Understanding the difficulty of training deep feedforward neural networks",
  AISTATS 2010. https://proceedings.mlr.press/v9/glorot10a.html

Formula::

    tanh(x)  = (e^{x} - e^{-x}) / (e^{x} + e^{-x}) = 2 σ(2x) - 1
    tanh'(x) = 1 - tanh(x)^2          ≤ 1, reached at x = 0

Zero-centred, but it still saturates: tanh'(±10) ≈ 8.2e-9.

Difference from torch
---------------------
``torch.tanh`` is a fused kernel. Here the forward pass uses the overflow-free form
``sign(x) (1 - e^{-2|x|}) / (1 + e^{-2|x|})`` with ``expm1`` for accuracy near 0; the backward pass
reuses the saved output, as torch does.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class TanhFunction(torch.autograd.Function):
    """tanh(x) with the gradient 1 - tanh(x)^2 computed from the saved output."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:  # type: ignore[override]
        # e^{-2|x|} in (0, 1]: no overflow; expm1 keeps the digits of 1 - e^{-2|x|} near x = 0
        minus_2abs = -2.0 * x.abs()  # computed once, used by both exponentials
        z = torch.exp(minus_2abs)
        # tanh(x) = sign(x) (1 - e^{-2|x|}) / (1 + e^{-2|x|})
        out = torch.sign(x) * (-torch.expm1(minus_2abs)) / (1.0 + z)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output: Tensor) -> Tensor:  # type: ignore[override]
        (out,) = ctx.saved_tensors
        # ∂tanh/∂x = 1 - tanh(x)^2
        return grad_output * (1.0 - out * out)


def tanh(x: Tensor) -> Tensor:
    """tanh(x) = (e^{x} - e^{-x}) / (e^{x} + e^{-x})."""
    return TanhFunction.apply(x)  # type: ignore[no-any-return]


class Tanh(nn.Module):
    """Module form of :func:`tanh` (drop-in for ``torch.nn.Tanh``)."""

    def forward(self, x: Tensor) -> Tensor:
        return tanh(x)
