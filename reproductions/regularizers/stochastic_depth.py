"""Stochastic depth: residual blocks skipped at random in training, scaled by their survival at test.

Paper
-----
Gao Huang, Yu Sun, Zhuang Liu, Daniel Sedra, Kilian Q. Weinberger, "Deep Networks with Stochastic
Depth", ECCV 2016. https://arxiv.org/abs/1603.09382

A ResBlock (Section 3): H_l = ReLU(f_l(H_{l-1}) + id(H_{l-1})). With stochastic depth, per
mini-batch and per block a Bernoulli variable decides whether the residual branch runs:

    b_l ~ Bernoulli(p_l)
    H_l = ReLU(b_l f_l(H_{l-1}) + id(H_{l-1}))            (training; b_l = 0 skips f_l entirely)

The linear decay rule for the survival probabilities (Eq. 4), L blocks, p_0 = 1 for the input:

    p_l = 1 - l / L (1 - p_L)                               (the paper uses p_L = 0.5)

so the expected number of executed blocks is E[L~] = sum_l p_l = (3L - 1)/4 for p_L = 0.5 -- the
~25% saving in training time. At test time every block runs, re-calibrated by its survival probability:

    H_l^Test = ReLU(p_l f_l(H_{l-1}^Test; W_l) + H_{l-1}^Test)

Where it differs from torch
---------------------------
``torchvision.ops.StochasticDepth`` (not installed here) uses the inverted form: it scales the kept branch
by 1/p in training and does nothing at test, and by default draws one b per *example* ("row" mode), which
does not save compute. This module follows the paper: one b_l per mini-batch, the branch is not computed when
dropped, and the scaling p_l is applied at test. ``executed`` / ``calls`` count how often f_l really ran.
"""

from __future__ import annotations

import torch
from torch import nn


def linear_decay_survival(num_blocks: int, p_last: float = 0.5) -> list[float]:
    """p_l = 1 - l/L (1 - p_L) for l = 1..L (Eq. 4)."""
    if num_blocks < 1:
        raise ValueError(f"num_blocks must be >= 1, got {num_blocks}")
    if not 0.0 < p_last <= 1.0:
        raise ValueError(f"p_last must be in (0, 1], got {p_last}")
    # p_l = 1 - l / L * (1 - p_L)
    return [1.0 - l / num_blocks * (1.0 - p_last) for l in range(1, num_blocks + 1)]  # noqa: E741


class StochasticDepth(nn.Module):
    """Wraps a residual branch f_l: H = ReLU(b f(H) + shortcut(H)) in training, ReLU(p f(H) + shortcut(H)) at test."""

    def __init__(
        self,
        residual: nn.Module,
        survival_prob: float,
        shortcut: nn.Module | None = None,
        post_activation: bool = True,
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        if not 0.0 < survival_prob <= 1.0:
            raise ValueError(f"survival_prob must be in (0, 1], got {survival_prob}")
        self.residual = residual
        self.shortcut = shortcut if shortcut is not None else nn.Identity()
        self.survival_prob = survival_prob
        self.post_activation = post_activation
        self.generator = generator
        self.executed = 0  # training passes in which f_l ran
        self.calls = 0  # training passes in total

    def reset_counts(self) -> None:
        self.executed = 0
        self.calls = 0

    def _out(self, h: torch.Tensor) -> torch.Tensor:
        return torch.relu(h) if self.post_activation else h

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        identity = self.shortcut(h)
        if self.training:
            self.calls += 1
            # b_l ~ Bernoulli(p_l), one draw per mini-batch
            b = torch.rand((), generator=self.generator).item() < self.survival_prob
            if not b:
                # H_l = ReLU(id(H_{l-1}))  -- f_l is not computed at all
                return self._out(identity)
            self.executed += 1
            # H_l = ReLU(f_l(H_{l-1}) + id(H_{l-1}))
            return self._out(self.residual(h) + identity)
        # H_l^Test = ReLU(p_l f_l(H_{l-1}) + H_{l-1})
        return self._out(self.survival_prob * self.residual(h) + identity)

    def extra_repr(self) -> str:
        return f"survival_prob={self.survival_prob:.3f}"
