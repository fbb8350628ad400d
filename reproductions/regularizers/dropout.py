"""Dropout, in the inverted form, and the Monte-Carlo ensemble view.

Paper
-----
Nitish Srivastava, Geoffrey Hinton, Alex Krizhevsky, Ilya Sutskever, Ruslan Salakhutdinov,
"Dropout: A Simple Way to Prevent Neural Networks from Overfitting", JMLR 15(56):1929-1958, 2014.
https://jmlr.org/papers/v15/srivastava14a.html

The paper's feed-forward rule (Section 4), with ``p`` the probability of *retaining* a unit:

    r_j^(l) ~ Bernoulli(p)
    y~^(l)  = r^(l) * y^(l)
    z^(l+1) = w^(l+1) y~^(l) + b^(l+1)

and at test time the weights are scaled, W_test = p W (the "weight scaling inference rule",
Section 10 / 7.5), which approximates averaging the predictions of the 2^n thinned networks.

Inverted dropout (the lecture's and torch's form) moves the scaling to training time so the test
network is untouched:

    train:  y~ = r * y / p          E[y~] = y
    test:   y~ = y                  (identity)

Where it differs from torch
---------------------------
The argument ``p`` here is, like ``torch.nn.Dropout``, the probability of *dropping* a unit; the paper's
retain probability is ``1 - p``. ``inverted=False`` gives the paper's original form (no scaling in training,
multiply by the retain probability at test). Masks are drawn from an optional ``torch.Generator`` so runs are
reproducible; torch draws them from the global generator.
"""

from __future__ import annotations

import torch
from torch import nn


def dropout(
    x: torch.Tensor,
    p: float = 0.5,
    training: bool = True,
    inverted: bool = True,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Functional dropout; ``p`` is the drop probability (paper's retain probability is 1 - p)."""
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout probability must be in [0, 1), got {p}")
    keep = 1.0 - p
    if not training:
        # inverted: y~ = y at test;  original: W_test = p_retain W  <=>  y~ = p_retain y
        return x if inverted else x * keep
    if p == 0.0:
        return x
    # r_j ~ Bernoulli(p_retain)
    r = torch.empty_like(x).bernoulli_(keep, generator=generator)
    if inverted:
        # y~ = r * y / p_retain   so   E[y~] = y
        return x * r / keep
    # y~ = r * y
    return x * r


class Dropout(nn.Module):
    """Inverted dropout (default) or the paper's original form; identity (or scaling) in eval mode."""

    def __init__(self, p: float = 0.5, inverted: bool = True, generator: torch.Generator | None = None):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability must be in [0, 1), got {p}")
        self.p = p
        self.inverted = inverted
        self.generator = generator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return dropout(x, self.p, self.training, self.inverted, self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, inverted={self.inverted}"


def _set_dropout_mode(model: nn.Module, stochastic: bool) -> list[tuple[nn.Module, bool]]:
    saved = []
    for m in model.modules():
        if isinstance(m, (Dropout, nn.Dropout)):
            saved.append((m, m.training))
            m.train(stochastic)
    return saved


@torch.no_grad()
def mc_dropout_average(model: nn.Module, x: torch.Tensor, k: int) -> torch.Tensor:
    """Monte-Carlo model averaging (Section 7.5): mean of the softmax of ``k`` thinned networks.

    Only the dropout layers are put in training mode; everything else (e.g. batch norm) stays in eval.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    was_training = model.training
    model.eval()
    saved = _set_dropout_mode(model, True)
    try:
        # p(y|x) ~= 1/k sum_{i=1..k} softmax(f(x; W * r_i))
        probs = torch.stack([torch.softmax(model(x), dim=-1) for _ in range(k)]).mean(0)
    finally:
        for m, mode in saved:
            m.train(mode)
        model.train(was_training)
    return probs


@torch.no_grad()
def weight_scaled_predict(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The weight-scaling inference rule: one deterministic pass of the scaled network (eval mode)."""
    was_training = model.training
    model.eval()
    try:
        return torch.softmax(model(x), dim=-1)
    finally:
        model.train(was_training)
