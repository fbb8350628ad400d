"""Maxout: the maximum over k affine pieces, a learned piecewise-linear convex activation.

Paper page
----------
I. J. Goodfellow, D. Warde-Farley, M. Mirza, A. Courville, Y. Bengio, "Maxout Networks", ICML 2013.
https://arxiv.org/abs/1302.4389

Formula (Sec. 3, Eq. 1), for hidden unit i with k pieces::

    h_i(x) = max_{j ∈ [1, k]} z_ij,    z_ij = xᵀ W_{··ij} + b_ij,   W ∈ R^{d×m×k}, b ∈ R^{m×k}

The gradient flows only to the winning piece: ∂h_i/∂z_ij = 1 if j = argmax_j z_ij else 0.
ReLU is the special case k = 2 with one piece fixed at 0; a maxout layer of m units costs k times
the parameters of an affine layer of m units.

Difference from torch
---------------------
torch has no maxout. :class:`Maxout` stores the k pieces as one ``nn.Linear(d, m·k)`` whose
outputs are grouped as (m, k): unit i takes features i·k … i·k + k - 1. On ties the gradient goes to
one winner (``torch.max``'s choice), not split between them.
"""

from __future__ import annotations

from torch import Tensor, nn


def maxout(z: Tensor, pieces: int, dim: int = -1) -> Tensor:
    """Max over consecutive groups of ``pieces`` features along ``dim`` (size m·k -> m)."""
    if pieces < 1:
        raise ValueError(f"pieces must be >= 1, got {pieces}")
    dim = dim % z.dim()
    size = z.shape[dim]
    if size % pieces != 0:
        raise ValueError(f"dimension {dim} of size {size} is not a multiple of pieces={pieces}")
    # z_ij: split the m·k features into m units of k pieces each
    grouped = z.reshape(z.shape[:dim] + (size // pieces, pieces) + z.shape[dim + 1 :])
    # h_i = max_j z_ij
    return grouped.max(dim=dim + 1).values


class Maxout(nn.Module):
    """A maxout layer: ``out_features`` units, each the max of ``pieces`` affine maps of the input."""

    def __init__(self, in_features: int, out_features: int, pieces: int = 2, bias: bool = True):
        super().__init__()
        if in_features < 1 or out_features < 1:
            raise ValueError(f"in_features and out_features must be >= 1, got {in_features}, {out_features}")
        if pieces < 1:
            raise ValueError(f"pieces must be >= 1, got {pieces}")
        self.in_features = in_features
        self.out_features = out_features
        self.pieces = pieces
        # W ∈ R^{d×m×k}, b ∈ R^{m×k}, stored as one affine map d -> m·k
        self.linear = nn.Linear(in_features, out_features * pieces, bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        # z_ij = xᵀ W_{··ij} + b_ij
        z = self.linear(x)
        # h_i(x) = max_j z_ij
        return maxout(z, self.pieces, dim=-1)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, pieces={self.pieces}"
