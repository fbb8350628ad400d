"""DropConnect: random masks on the weights, with mean-field and the paper's sampling inference.

Paper
-----
Li Wan, Matthew Zeiler, Sixin Zhang, Yann LeCun, Rob Fergus, "Regularization of Neural Networks
using DropConnect", ICML 2013 (PMLR 28(3):1058-1066). https://proceedings.mlr.press/v28/wan13.html

Training (Section 3), for one example v and a fresh mask per example, ``p`` the *retain* probability:

    M_ij ~ Bernoulli(p)
    u    = (M * W) v
    r    = a(u)

Inference (Section 3.2, Algorithm 2). u is a sum of many independent terms, so it is approximated by a
Gaussian with the moments of the masked sum, and the activation is averaged over Z samples of it:

    mu       = E_M[u]   = p W v
    sigma^2  = V_M[u]   = p (1 - p) (W * W)(v * v)
    u_z      ~ N(mu, sigma^2),  z = 1..Z
    r        = 1/Z sum_z a(u_z)

The "mean-field" alternative, r = a(p W v), is what dropout's weight scaling does; the paper argues it is
not justified for DropConnect since E[a(u)] != a(E[u]) for a non-linear a.

Where it differs from the paper / torch
---------------------------------------
* The argument ``p`` is the *drop* probability (as in ``torch.nn.Dropout``); the paper's retain
  probability is ``1 - p``.
* The layer includes its activation a, because the sampling inference averages *after* a.
* The bias is added unmasked. torch has no DropConnect layer.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn


def _identity(u: torch.Tensor) -> torch.Tensor:
    return u


class DropConnectLinear(nn.Module):
    """A fully connected layer r = a((M * W) v + b) with a Bernoulli weight mask per training example."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        p: float = 0.5,
        activation: Callable[[torch.Tensor], torch.Tensor] | None = torch.relu,
        inference: str = "sampling",
        n_samples: int = 100,
        bias: bool = True,
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"drop probability must be in [0, 1), got {p}")
        if inference not in ("sampling", "mean"):
            raise ValueError(f"inference must be 'sampling' or 'mean', got {inference!r}")
        if n_samples < 1:
            raise ValueError(f"n_samples must be >= 1, got {n_samples}")
        if in_features < 1 or out_features < 1:
            raise ValueError("in_features and out_features must be >= 1")
        self.in_features = in_features
        self.out_features = out_features
        self.p = p
        self.activation = activation if activation is not None else _identity
        self.inference = inference
        self.n_samples = n_samples
        self.generator = generator
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None
        # He initialization for a ReLU layer, corrected for the retain probability of the mask
        nn.init.normal_(self.weight, 0.0, math.sqrt(2.0 / (in_features * (1.0 - p))))

    def _add_bias(self, u: torch.Tensor) -> torch.Tensor:
        return u if self.bias is None else u + self.bias

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        if self.training:
            return self.forward_masked(v)
        if self.inference == "mean":
            return self.forward_mean_field(v)
        return self.forward_sampling(v, self.n_samples)

    def forward_masked(self, v: torch.Tensor) -> torch.Tensor:
        """Training pass: one mask M per example of the batch v (B, in)."""
        keep = 1.0 - self.p
        b = v.shape[0]
        # M_ij ~ Bernoulli(p_retain), one (out, in) mask per example
        mask = torch.empty(b, self.out_features, self.in_features, dtype=v.dtype, device=v.device)
        mask.bernoulli_(keep, generator=self.generator)
        # u = (M * W) v
        u = torch.bmm(mask * self.weight, v.unsqueeze(-1)).squeeze(-1)
        # r = a(u)
        return self.activation(self._add_bias(u))

    def moments(self, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and variance of the masked pre-activation u (bias included in the mean)."""
        keep = 1.0 - self.p
        # mu = p W v
        mu = self._add_bias(keep * (v @ self.weight.t()))
        # sigma^2 = p (1 - p) (W * W)(v * v)
        var = keep * (1.0 - keep) * ((v * v) @ (self.weight * self.weight).t())
        return mu, var

    def forward_mean_field(self, v: torch.Tensor) -> torch.Tensor:
        """r = a(E[u]) = a(p W v): the weight-scaling approximation."""
        mu, _ = self.moments(v)
        return self.activation(mu)

    def forward_sampling(self, v: torch.Tensor, n_samples: int) -> torch.Tensor:
        """Algorithm 2: r = 1/Z sum_z a(u_z), u_z ~ N(mu, sigma^2)."""
        mu, var = self.moments(v)
        eps = torch.randn((n_samples,) + mu.shape, dtype=mu.dtype, device=mu.device, generator=self.generator)
        # u_z ~ N(mu, sigma^2)
        u = mu + var.sqrt() * eps
        # r = 1/Z sum_z a(u_z)
        return self.activation(u).mean(0)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, p={self.p}, "
            f"inference={self.inference}, n_samples={self.n_samples}"
        )
