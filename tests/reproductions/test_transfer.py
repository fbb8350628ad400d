"""Transfer learning: the small CNN, head replacement, freezing, linear probes, and the 2x2 experiment."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

from reproductions.core import Result, RunContext
from reproductions.registry import get
from reproductions.transfer import (
    STAGES,
    FeatureNormalizer,
    LinearProbe,
    SmallCNN1d,
    extract_features,
    freeze_below,
    replace_head,
    trainable_parameters,
    transfer,
)
from tests.reproductions import assert_judged

pytestmark = pytest.mark.usefixtures("one_thread")


def _net(seed: int = 0, n_classes: int = 5) -> SmallCNN1d:
    torch.manual_seed(seed)
    return SmallCNN1d(n_classes)


def _batch(n: int = 16, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, 40, generator=gen), torch.randint(0, 5, (n,), generator=gen)


# ------------------------------------------------------------------------------------------ the CNN


@pytest.mark.parametrize(
    ("stage", "dim"), [("conv1", 32 * 20), ("conv2", 32 * 10), ("conv3", 32 * 5), ("fc1", 128), ("head", 5)]
)
def test_features_have_the_documented_size(stage: str, dim: int) -> None:
    x, _ = _batch()
    assert _net().features(x, stage).shape == (16, dim)


@pytest.mark.parametrize("stage", STAGES)
def test_forward_from_cached_features_equals_forward(stage: str) -> None:
    net = _net()
    x, _ = _batch()
    torch.testing.assert_close(net.forward_from(net.features(x, stage), stage), net(x))


def test_input_with_channel_dimension_is_accepted() -> None:
    net = _net()
    x, _ = _batch()
    torch.testing.assert_close(net(x.unsqueeze(1)), net(x))


def test_he_initialization() -> None:
    torch.manual_seed(0)
    net = SmallCNN1d(5, width=64, hidden=512)
    w = net.fc1[1].weight
    # He normal: std = sqrt(2 / fan_in)
    assert w.std().item() == pytest.approx(math.sqrt(2 / w.shape[1]), rel=0.05)
    assert torch.count_nonzero(net.conv2[0].bias) == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda: SmallCNN1d(1),
        lambda: SmallCNN1d(5, length=4),
        lambda: SmallCNN1d(5, width=0),
        lambda: _net().features(torch.zeros(2, 40), "conv9"),
        lambda: _net().forward_from(torch.zeros(2, 5), "pool"),
        lambda: _net().stage("fc2"),
        lambda: freeze_below(_net(), "fc2"),
        lambda: replace_head(_net(), 1),
        lambda: FeatureNormalizer(4, "whiten"),
        lambda: FeatureNormalizer(4, eps=0.0),
        lambda: LinearProbe(_net(), "fc1", 1),
        lambda: extract_features(_net(), torch.zeros(2, 40), "fc1", batch_size=0),
    ],
)
def test_bad_arguments_raise_value_error(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        call()


# --------------------------------------------------------------------------- head replacement, freezing


def test_replace_head_gives_new_classes_and_keeps_the_body() -> None:
    net = _net()
    fc1_before = net.fc1[1].weight.clone()
    head = replace_head(net, 3)
    assert net.head is head and head.out_features == 3 and head.in_features == 128
    torch.testing.assert_close(net.fc1[1].weight, fc1_before)
    x, _ = _batch()
    assert net(x).shape == (16, 3)


def test_transfer_copies_the_body_and_never_touches_the_source() -> None:
    source = _net(0, n_classes=5)
    snapshot = {k: v.clone() for k, v in source.state_dict().items()}
    model = transfer(source, 4, "fc1")
    for name in ("conv1", "conv2", "conv3", "fc1"):
        for a, b in zip(model.stage(name).parameters(), source.stage(name).parameters(), strict=False):
            torch.testing.assert_close(a, b)
            assert a.data_ptr() != b.data_ptr()
    assert model.head.out_features == 4
    x, y = _batch()
    nn.functional.cross_entropy(model(x), y % 4).backward()
    torch.optim.SGD(trainable_parameters(model), lr=0.5).step()
    for k, v in source.state_dict().items():
        torch.testing.assert_close(v, snapshot[k])
    assert all(p.requires_grad for p in source.parameters())


@pytest.mark.parametrize("first_trainable", STAGES)
def test_freeze_below_trains_exactly_the_stages_from_the_cut_up(first_trainable: str) -> None:
    net = _net()
    frozen = freeze_below(net, first_trainable)
    assert frozen == list(STAGES[: STAGES.index(first_trainable)])
    before = {name: [p.clone() for p in net.stage(name).parameters()] for name in STAGES}
    opt = torch.optim.SGD(trainable_parameters(net), lr=0.1)
    x, y = _batch()
    nn.functional.cross_entropy(net(x), y).backward()
    opt.step()
    for name in STAGES:
        changed = any(not torch.equal(a, b) for a, b in zip(net.stage(name).parameters(), before[name], strict=False))
        assert changed == (name not in frozen), name
        if name in frozen:
            assert all(p.grad is None for p in net.stage(name).parameters())


def test_freeze_below_can_unfreeze_again() -> None:
    net = _net()
    freeze_below(net, "head")
    assert len(trainable_parameters(net)) == 2
    freeze_below(net, "conv1")
    assert len(trainable_parameters(net)) == len(list(net.parameters()))


# -------------------------------------------------------------------------------------- linear probes


def test_standard_normalizer_whitens_the_training_features() -> None:
    feats = torch.randn(200, 6) * torch.arange(1.0, 7.0) + 3.0
    out = FeatureNormalizer(6).fit(feats)(feats)
    torch.testing.assert_close(out.mean(0), torch.zeros(6), atol=1e-5, rtol=0)
    torch.testing.assert_close(out.std(0, unbiased=False), torch.ones(6), atol=1e-4, rtol=0)


def test_l2_normalizer_gives_unit_norm() -> None:
    feats = torch.rand(10, 7) + 0.1
    out = FeatureNormalizer(7, "l2")(feats)
    torch.testing.assert_close(out.norm(dim=1), torch.ones(10))


def test_linear_probe_trains_only_the_classifier_and_matches_cached_features() -> None:
    source = _net()
    probe = LinearProbe(source, "conv2", 3)
    x, y = _batch(64)
    probe.fit_normalizer(x)
    assert trainable_parameters(probe) == [probe.classifier.weight, probe.classifier.bias]
    backbone_before = [p.clone() for p in probe.backbone.parameters()]
    opt = torch.optim.SGD(trainable_parameters(probe), lr=0.5)
    probe.train()
    assert not probe.backbone.training
    for _ in range(20):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(probe(x), y % 3)
        loss.backward()
        opt.step()
    assert loss.item() < math.log(3) - 0.05  # it learned something from the frozen features
    for a, b in zip(probe.backbone.parameters(), backbone_before, strict=False):
        torch.testing.assert_close(a, b)
    cached = extract_features(source, x, "conv2", batch_size=7)
    torch.testing.assert_close(probe(x), probe.classifier(probe.normalizer(cached)))


def test_extract_features_restores_training_mode_and_needs_no_grad() -> None:
    net = _net().train()
    x, _ = _batch()
    feats = extract_features(net, x, "fc1")
    assert net.training and not feats.requires_grad and feats.shape == (16, 128)


# ---------------------------------------------------------------------------------- experiment parts


def test_experiment_adam_matches_torch_adam() -> None:
    from reproductions.experiments.transfer import _Adam

    torch.manual_seed(0)
    a = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    b = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    b.load_state_dict(a.state_dict())
    ours = _Adam(list(a.parameters()), lr=3e-3)
    ref = torch.optim.Adam(b.parameters(), lr=3e-3, foreach=False)
    x, y = torch.randn(32, 6, dtype=torch.float64), torch.randint(0, 3, (32,))
    for _ in range(200):
        for net, opt in ((a, ours), (b, ref)):
            opt.zero_grad()
            nn.functional.cross_entropy(net(x), y).backward()
            opt.step()
    for p, q in zip(a.parameters(), b.parameters(), strict=False):
        torch.testing.assert_close(p, q)


def test_mnist1d_subset_is_remapped_and_leaves_numpy_state_alone() -> None:
    from reproductions.experiments.transfer import _mnist1d

    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    x, y = _mnist1d([5, 6, 7, 8, 9], 4, seed=3)
    assert np.random.rand() == expected
    assert x.shape == (20, 40) and x.dtype == np.float32
    assert sorted(np.bincount(y).tolist()) == [4] * 5


def test_waveform_task_is_balanced_standardized_and_seeded() -> None:
    from reproductions.experiments.transfer import _waveforms

    x, y = _waveforms(30, seed=0)
    assert x.shape == (150, 40) and np.bincount(y).tolist() == [30] * 5
    assert abs(x.mean()) < 1e-5 and abs(x.std() - 1) < 1e-4
    np.testing.assert_array_equal(_waveforms(30, seed=0)[0], x)
    assert not np.array_equal(_waveforms(30, seed=1)[0], x)


@pytest.mark.parametrize(
    ("peak", "extensions", "expect_lr", "expect_edge"),
    [
        (1e-2, 3, 1e-2, False),  # interior best: no extension
        (0.1, 3, 0.09, False),  # best above the grid: extended upward until interior (0.27 tried)
        (1e-5, 1, 1e-3 / 3, True),  # best far below and only one extension allowed: still at the edge
    ],
)
def test_lr_tuning_extends_the_grid_at_an_edge(monkeypatch, peak, extensions, expect_lr, expect_edge) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    import reproductions.experiments.transfer as exp

    def fake_train_eval(strategy, source, data, lr, cfg, seed, device):  # type: ignore[no-untyped-def]
        score = -abs(math.log(lr) - math.log(peak))
        return score, score

    monkeypatch.setattr(exp, "_train_eval", fake_train_eval)
    cfg = replace(exp._config(RunContext(smoke=True)), lr_grid={"scratch": (1e-3, 3e-3, 1e-2, 3e-2)})
    cfg = replace(cfg, max_grid_extensions=extensions)
    lr, tried, edge = exp._tune("scratch", None, (), cfg, 0, "cpu")  # type: ignore[arg-type]
    assert lr == pytest.approx(expect_lr)
    assert edge is expect_edge
    lrs = sorted(tried)
    if not edge:
        assert lrs[0] < lr < lrs[-1]


@pytest.mark.parametrize(
    ("lin", "scr", "verdict"),
    [
        ([0.60, 0.62, 0.65], [0.40, 0.41, 0.39], "reproduced"),
        ([0.30, 0.31, 0.29], [0.40, 0.41, 0.42], "not reproduced"),
        ([0.45, 0.30, 0.47], [0.40, 0.41, 0.39], "inconclusive"),
    ],
)
def test_cell_verdict_is_computed_from_the_paired_gain(lin, scr, verdict) -> None:  # type: ignore[no-untyped-def]
    from reproductions.experiments.transfer import cell_verdict

    raw = [0.10, 0.12, 0.11]  # a baseline the advised strategy clearly beats
    judgement = cell_verdict(lin, {"scratch-pooled": scr, "linear-raw": raw}, label="little+similar")
    assert judgement.verdict == verdict
    assert [p.label for p in judgement.parts] == [
        "little+similar: advised − scratch-pooled",
        "little+similar: advised − linear-raw",
    ]


# --------------------------------------------------------------------------------- registry and smoke


def test_registered_with_its_four_papers() -> None:
    rep = get("transfer-learning")
    assert rep.topic == "transfer"
    assert {p.arxiv for p in rep.papers} == {"1310.1531", "1403.6382", "1411.1792", "1504.08083"}
    assert all(p.link().startswith("https://arxiv.org/abs/") for p in rep.papers)
    assert callable(rep.load_experiment())


def test_catalogue_does_not_import_torch() -> None:
    code = "import sys, reproductions.catalogue.transfer; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_smoke_run_gives_a_valid_result_with_figures(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = get("transfer-learning").run(RunContext(smoke=True, out_dir=tmp_path))
    assert isinstance(result, Result)
    assert_judged(result)
    assert result.metrics and all(m.values and all(math.isfinite(v) for v in m.values) for m in result.metrics)
    acc = [v for m in result.metrics if "test accuracy" in m.name for v in m.values]
    assert len(acc) == 28 and all(0.0 <= v <= 1.0 for v in acc)
    assert [row["cell"] for row in result.table] == [
        "little data + similar",
        "lots data + similar",
        "little data + different",
        "lots data + different",
    ]
    for row in result.table:
        for col in (
            "scratch",
            "linear-top",
            "linear-early",
            "finetune-top",
            "finetune-all",
            "winner",
            "lecture advice",
        ):
            assert col in row
    assert len(result.figures) == 2
    for fig in result.figures:
        assert fig.exists() and fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "metrics.json").exists() is False  # run() does not write; Result.write does
    assert result.write(tmp_path).exists()
