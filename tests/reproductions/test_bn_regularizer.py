"""batchnorm-regularizer: the four arms are built as designed (BN before each hidden ReLU, dropout after it), and
the experiment runs end to end at smoke size, where it never decides."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from reproductions.core import RunContext
from reproductions.experiments.regularizers_bn_dropout import ARMS, make_net
from reproductions.registry import get
from reproductions.regularizers import BatchNorm, Dropout


@pytest.mark.parametrize("arm", ARMS)
def test_arms_are_built_as_designed(arm: str) -> None:
    net = make_net(arm, 16, torch.Generator().manual_seed(0))
    kinds = [type(m) for m in net]
    assert (BatchNorm in kinds) is arm.startswith("BN")
    assert (Dropout in kinds) is arm.endswith("dropout")
    for i, kind in enumerate(kinds):
        if kind is BatchNorm:
            assert kinds[i - 1] is nn.Linear and kinds[i + 1] is nn.ReLU  # BN(Wu + b), then the nonlinearity
        if kind is Dropout:
            assert kinds[i - 1] is nn.ReLU
    assert net(torch.randn(5, 64)).shape == (5, 10)


def test_smoke_run_never_decides(tmp_path: Path) -> None:
    result = get("batchnorm-regularizer").run(RunContext(smoke=True, out_dir=tmp_path))
    assert result.verdict == "inconclusive" and result.judgement is not None and len(result.judgement.parts) == 2
    assert result.judgement.parts[1].threshold == -1.0  # the non-inferiority margin fixed in advance
    assert all(Path(f).exists() for f in result.figures)
