"""The rectified linear unit, written from its formula with its hand-derived gradient.

Paper page
----------
* V. Nair, G. E. Hinton, "Rectified Linear Units Improve Restricted Boltzmann Machines", ICML 2010.
* A. Krizhevsky, I. Sutskever, G. E. Hinton, "ImageNet Classification with Deep Convolutional Neural
  Networks", NeurIPS 2012 (Sec. 3.1, Fig. 1: a four-layer CNN with ReLUs reaches 25 % training
  error on CIFAR-10 six times faster than the same network with tanh).
  https://papers.nips.cc/paper/4824-imagenet-classification-with-deep-convolutional-neural-networks

Formula::

    f(x)  = max(0, x)
    f'(x) = 1 if x > 0 else 0

Does not saturate for x > 0, costs one comparison, but a unit whose input is negative for every
example gets no gradient at all (a "dead" ReLU).

Difference from torch
---------------------
None in value. At x = 0 the derivative is taken as 0, the same sub-gradient ``torch.relu`` uses.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class ReLUFunction(torch.autograd.Function):
    """max(0, x) with the gradient 1[x > 0]."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:  # type: ignore[override]
        # f(x) = max(0, x)
        out = torch.clamp(x, min=0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output: Tensor) -> Tensor:  # type: ignore[override]
        (out,) = ctx.saved_tensors
        # f'(x) = 1[x > 0]  (x > 0 exactly when f(x) > 0)
        return grad_output * (out > 0).to(grad_output.dtype)


def relu(x: Tensor) -> Tensor:
    """max(0, x)."""
    return ReLUFunction.apply(x)  # type: ignore[no-any-return]


class ReLU(nn.Module):
    """Module form of :func:`relu` (drop-in for ``torch.nn.ReLU``)."""

    def forward(self, x: Tensor) -> Tensor:
        return relu(x)
