"""Fractional max-pooling: pooling regions from random or pseudo-random integer sequences.

Paper
-----
Benjamin Graham, "Fractional Max-Pooling", 2014. https://arxiv.org/abs/1412.6071

An FMP layer reduces an N_in x N_in map to N_out x N_out with a non-integer ratio
alpha = N_in / N_out in (1, 2) (the paper favours alpha = sqrt(2)). Two increasing integer
sequences (a_i), (b_j), i, j = 0..N_out, with increments a_i - a_{i-1} in {1, 2}, define the regions

    disjoint:     P_{i,j} = [a_{i-1}, a_i - 1] x [b_{j-1}, b_j - 1]
    overlapping:  P_{i,j} = [a_{i-1}, a_i]     x [b_{j-1}, b_j]
    output_{i,j} = max_{(k, l) in P_{i,j}} input_{k,l}

and the sequences are either

    random:        the increments are a random permutation of (N_in - N_out) twos and (2 N_out - N_in) ones
    pseudorandom:  a_i = ceil(alpha (i + u)),  u ~ U(0, 1)      (here shifted so that a_0 = 0)

A fresh pair of sequences is drawn for every forward pass, so the network is stochastic at test time too;
the paper averages the softmax output of several test passes ("FMP networks ... repeated testing").

Where it differs from the paper / torch
---------------------------------------
* Indices are 0-based. Disjoint sequences run from a_0 = 0 to a_{N_out} = N_in and overlapping ones to
  N_in - 1, so that the regions cover every row and column (alpha is computed on that span).
* One pair of sequences per forward call (shared by the examples of the batch); pass a ``torch.Generator``
  for reproducible regions.
* ``torch.nn.FractionalMaxPool2d`` implements a related scheme with *fixed-size* windows (kernel_size) whose
  starts follow a pseudo-random sequence; :func:`fractional_max_pool2d` takes any starts and sizes, and the
  tests check it against torch's layer given torch's own starts.
"""

from __future__ import annotations

import math

import torch
from torch import nn

METHODS = ("pseudorandom", "random")


def _check_sizes(span: int, n_out: int) -> None:
    if n_out < 1 or not n_out <= span <= 2 * n_out:
        raise ValueError(f"need N_out <= span <= 2 N_out (alpha in [1, 2]); got span={span}, N_out={n_out}")


def random_sequence(span: int, n_out: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """a_0 = 0 < a_1 < ... < a_{N_out} = span with increments a random permutation of ones and twos."""
    _check_sizes(span, n_out)
    twos = span - n_out
    # increments: (span - N_out) twos and (2 N_out - span) ones, in random order
    inc = torch.ones(n_out, dtype=torch.long)
    inc[torch.randperm(n_out, generator=generator)[:twos]] = 2
    return torch.cat([torch.zeros(1, dtype=torch.long), inc.cumsum(0)])


def pseudorandom_sequence(span: int, n_out: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """a_i = ceil(alpha (i + u)) - ceil(alpha u), alpha = span / N_out, u ~ U(0, 1)."""
    _check_sizes(span, n_out)
    alpha = span / n_out
    u = torch.rand((), generator=generator, dtype=torch.float64).item()
    i = torch.arange(n_out + 1, dtype=torch.float64)
    # a_i = ceil(alpha (i + u))   (minus a_0 so the sequence starts at 0)
    a = torch.ceil(alpha * (i + u)) - math.ceil(alpha * u)
    a = a.long()
    a[-1] = span  # guards against rounding in alpha * (N_out + u)
    return a


def regions(sequence: torch.Tensor, overlapping: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Starts and sizes of the pooling intervals: [a_{i-1}, a_i - 1] (disjoint) or [a_{i-1}, a_i] (overlapping)."""
    starts = sequence[:-1]
    sizes = sequence[1:] - sequence[:-1] + (1 if overlapping else 0)
    return starts, sizes


def _gather_max(x: torch.Tensor, dim: int, starts: torch.Tensor, sizes: torch.Tensor) -> torch.Tensor:
    kmax = int(sizes.max())
    t = torch.arange(kmax, device=starts.device)
    # index (N_out, kmax): repeat the last index of a short region so the max is unchanged
    idx = starts[:, None] + torch.minimum(t[None, :], sizes[:, None] - 1)
    gathered = x.index_select(dim, idx.reshape(-1).to(x.device))
    shape = list(x.shape)
    shape[dim : dim + 1] = [len(starts), kmax]
    return gathered.view(shape).amax(dim=dim + 1)


def fractional_max_pool2d(
    x: torch.Tensor,
    row_starts: torch.Tensor,
    row_sizes: torch.Tensor,
    col_starts: torch.Tensor,
    col_sizes: torch.Tensor,
) -> torch.Tensor:
    """output_{i,j} = max over rows [r_i, r_i + h_i) and columns [c_j, c_j + w_j) of x (N, C, H, W).

    The max over a rectangle is the max over its rows of the max over its columns, so the two axes are
    pooled one after the other.
    """
    if x.ndim != 4:
        raise ValueError(f"expected (N, C, H, W), got {tuple(x.shape)}")
    if int((row_starts + row_sizes).max()) > x.shape[2] or int((col_starts + col_sizes).max()) > x.shape[3]:
        raise ValueError("pooling regions exceed the input")
    y = _gather_max(x, 2, row_starts, row_sizes)
    return _gather_max(y, 3, col_starts, col_sizes)


class FractionalMaxPool2d(nn.Module):
    """FMP with ratio ``output_ratio`` = 1/alpha (default 1/sqrt(2)); stochastic in train *and* eval mode."""

    def __init__(
        self,
        output_ratio: float = 1 / math.sqrt(2),
        method: str = "pseudorandom",
        overlapping: bool = True,
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        if not 0.5 <= output_ratio < 1.0:
            raise ValueError(f"output_ratio = 1/alpha must be in [0.5, 1), got {output_ratio}")
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        self.output_ratio = output_ratio
        self.method = method
        self.overlapping = overlapping
        self.generator = generator

    def output_size(self, n_in: int) -> int:
        return max(1, int(n_in * self.output_ratio))

    def sequence(self, n_in: int) -> torch.Tensor:
        n_out = self.output_size(n_in)
        # overlapping regions [a_{i-1}, a_i] need a_{N_out} = N_in - 1 to stay inside the map
        span = n_in - 1 if self.overlapping else n_in
        span = max(span, n_out)
        make = pseudorandom_sequence if self.method == "pseudorandom" else random_sequence
        return make(span, n_out, self.generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rs, rz = regions(self.sequence(x.shape[2]), self.overlapping)
        cs, cz = regions(self.sequence(x.shape[3]), self.overlapping)
        return fractional_max_pool2d(x, rs, rz, cs, cz)

    def extra_repr(self) -> str:
        return f"output_ratio={self.output_ratio:.4f}, method={self.method}, overlapping={self.overlapping}"


@torch.no_grad()
def fmp_average(model: nn.Module, x: torch.Tensor, n_passes: int) -> torch.Tensor:
    """Test-time averaging: mean softmax over ``n_passes`` forward passes with fresh pooling regions."""
    if n_passes < 1:
        raise ValueError(f"n_passes must be >= 1, got {n_passes}")
    return torch.stack([torch.softmax(model(x), dim=-1) for _ in range(n_passes)]).mean(0)
