"""He vs Xavier: the forward variance identity behind the experiment (He et al. 2015, eq. 10)."""

from __future__ import annotations

import math

import pytest
import torch

from reproductions.experiments.activations_he_init import deep_relu, preactivation_stds


@pytest.mark.parametrize(("init", "per_layer"), [("he", 1.0), ("xavier", 0.5)])
def test_pre_activation_variance_per_relu_layer(init: str, per_layer: float) -> None:
    torch.manual_seed(0)
    depth, width = 12, 512
    stds = preactivation_stds(deep_relu(depth, width, init), torch.randn(2000, 64))
    # Var[y_L] / Var[y_1] = (½ n Var[w])^(L-1): 1 for He, 2^-(L-1) for Xavier's fan-in form
    ratio = (stds[-1] / stds[0]) ** 2
    assert ratio == pytest.approx(per_layer ** (depth - 1), rel=0.35)


def test_weights_have_the_stated_variance() -> None:
    torch.manual_seed(0)
    net = deep_relu(3, 400, "he")
    w = net[2].weight  # second hidden layer: fan-in 400
    assert float(w.std()) == pytest.approx(math.sqrt(2 / 400), rel=0.02)
