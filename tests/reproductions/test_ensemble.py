"""Model ensembles: the averaged softmax equals torch's model-ensembling recipe (stack_module_state + vmap over
functional_call), members come back in their own train/eval mode, and an empty ensemble raises."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from reproductions.regularizers.ensemble import ensemble_predict


def _members(k: int) -> list[nn.Module]:
    out = []
    for j in range(k):
        torch.manual_seed(j)
        out.append(nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 4)).double())
    return out


def test_matches_torch_func_ensembling() -> None:
    members = _members(5)
    x = torch.randn(32, 6, dtype=torch.float64)
    params, buffers = torch.func.stack_module_state([m.eval() for m in members])
    base = copy.deepcopy(members[0]).to("meta")

    def one(p, b, inp):
        return torch.func.functional_call(base, (p, b), (inp,))

    logits = torch.vmap(one, in_dims=(0, 0, None))(params, buffers, x)  # (K, batch, classes)
    expected = torch.softmax(logits, dim=-1).mean(0)
    torch.testing.assert_close(ensemble_predict(members, x), expected)


def test_eval_mode_for_the_prediction_and_restored() -> None:
    members = _members(3)
    members[0].train()
    members[1].eval()
    x = torch.randn(8, 6, dtype=torch.float64)
    first = ensemble_predict(members, x)
    torch.testing.assert_close(ensemble_predict(members, x), first)  # dropout off: deterministic
    assert members[0].training and not members[1].training


def test_one_member_is_its_softmax_and_empty_raises() -> None:
    (m,) = _members(1)
    x = torch.randn(4, 6, dtype=torch.float64)
    torch.testing.assert_close(ensemble_predict([m], x), torch.softmax(m.eval()(x), -1))
    with pytest.raises(ValueError):
        ensemble_predict([], x)
