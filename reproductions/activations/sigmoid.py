"""The logistic sigmoid, written from its formula with its hand-derived gradient.

Paper page
----------
The sigmoid is the classic squashing non-linearity; its problems for training are the subject of

* Y. LeCun, L. Bottou, G. B. Orr, K.-R. Müller, "Efficient BackProp", in *Neural Networks: Tricks
  of the Trade*, Springer, 1998. http://yann.lecun.com/exdb/publis/pdf/lecun-98b.pdf
* X. Glorot, Y. Bengio, "Understanding the difficulty of training deep feedforward neural networks",
  AISTATS 2010. https://proceedings.mlr.press/v9/glorot10a.html

Formula::

    σ(x)  = 1 / (1 + e^{-x})
    σ'(x) = σ(x) (1 - σ(x))          ≤ 1/4, reached at x = 0

The three problems the cs231n lecture lists: saturated units kill the gradient (σ'(±10) ≈ 4.5e-5),
the outputs are not zero-centred (all positive, so the gradients on one neuron's weights share a
sign), and ``exp`` costs more than a comparison.

Difference from torch
---------------------
``torch.sigmoid`` is a fused kernel; here the forward pass is written with ``exp`` in the form that
never overflows (``e^{-|x|}``, both signs in one expression rather than ``torch.where``, which is
slow on one CPU thread) and the backward pass reuses the saved output, as torch does.
Values and gradients match ``torch.sigmoid`` to rounding.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class SigmoidFunction(torch.autograd.Function):
    """σ(x) with the gradient σ(x)(1 - σ(x)) computed from the saved output."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:  # type: ignore[override]
        # z = e^{-|x|} lies in (0, 1], so nothing overflows
        z = torch.exp(-x.abs())
        # m = 1[x ≥ 0]
        m = (x >= 0).to(x.dtype)
        # σ(x) = 1 / (1 + e^{-x}) for x ≥ 0 and e^{x} / (1 + e^{x}) for x < 0, i.e. (m + (1 - m) z) / (1 + z)
        out = (z + m * (1.0 - z)) / (1.0 + z)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output: Tensor) -> Tensor:  # type: ignore[override]
        (out,) = ctx.saved_tensors
        # ∂σ/∂x = σ(x) (1 - σ(x))
        return grad_output * out * (1.0 - out)


def sigmoid(x: Tensor) -> Tensor:
    """σ(x) = 1 / (1 + e^{-x})."""
    return SigmoidFunction.apply(x)  # type: ignore[no-any-return]


class Sigmoid(nn.Module):
    """Module form of :func:`sigmoid` (drop-in for ``torch.nn.Sigmoid``)."""

    def forward(self, x: Tensor) -> Tensor:
        return sigmoid(x)
