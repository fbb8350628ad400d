"""Parameter averaging: parity with torch.optim.swa_utils.AveragedModel (equal average and EMA), bad decay."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from reproductions.optimizers.averaging import ParameterAverage


@pytest.mark.parametrize("decay", [None, 0.9])
def test_parity_with_torch_averaged_model(decay: float | None) -> None:
    torch.manual_seed(0)
    model = nn.Linear(5, 3).double()
    ours = ParameterAverage(model.parameters(), decay=decay)
    theirs = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay) if decay is not None else None)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(200):
        x = torch.randn(8, 5, dtype=torch.float64)
        opt.zero_grad()
        (model(x) ** 2).mean().backward()
        opt.step()
        ours.update()
        theirs.update_parameters(model)
    for a, b in zip(ours.averages, theirs.module.parameters(), strict=True):
        torch.testing.assert_close(a, b.detach())
    assert ours.count == 200


def test_bad_decay_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        ParameterAverage([torch.zeros(2)], decay=1.0)
