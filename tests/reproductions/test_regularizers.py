"""Regularizers: parity with torch, train/eval behaviour, gradients, and the papers' identities."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from reproductions.regularizers import (
    BatchNorm,
    BatchNormFunction,
    DropConnectLinear,
    Dropout,
    FractionalMaxPool2d,
    StochasticDepth,
    add_l2_gradient_,
    decay_parameters,
    decoupled_weight_decay_,
    dropout,
    fmp_average,
    fractional_max_pool2d,
    l2_penalty,
    linear_decay_survival,
    mc_dropout_average,
    pseudorandom_sequence,
    random_sequence,
    regions,
    weight_scaled_predict,
)

pytestmark = pytest.mark.usefixtures("one_thread")


# ----------------------------------------------------------------------------------------------- L2


def _mlp(seed: int) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3)).double()


def _data(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(32, 6, generator=g, dtype=torch.float64), torch.randint(0, 3, (32,), generator=g)


def _groups(model: nn.Module, wd_torch: float) -> list[dict]:
    # two parameter groups: weights decayed, biases not, with different learning rates
    return [
        {"params": decay_parameters(model), "weight_decay": wd_torch, "lr": 0.05},
        {"params": [p for p in model.parameters() if p.ndim < 2], "weight_decay": 0.0, "lr": 0.02},
    ]


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_l2_penalty_in_the_loss_equals_torch_weight_decay(opt_name: str) -> None:
    lam = 0.1
    x, y = _data()
    ours, ref = _mlp(1), _mlp(1)
    extra = {"momentum": 0.9} if opt_name == "SGD" else {}
    opt_ours = getattr(torch.optim, opt_name)(_groups(ours, 0.0), **extra)
    opt_ref = getattr(torch.optim, opt_name)(_groups(ref, lam), **extra)
    for _ in range(200):
        opt_ours.zero_grad()
        loss = nn.functional.cross_entropy(ours(x), y) + l2_penalty(decay_parameters(ours), lam)
        loss.backward()
        opt_ours.step()
        opt_ref.zero_grad()
        nn.functional.cross_entropy(ref(x), y).backward()
        opt_ref.step()
    for p, q in zip(ours.parameters(), ref.parameters(), strict=False):
        torch.testing.assert_close(p, q)


def test_l2_gradient_hook_equals_penalty_gradient() -> None:
    x, y = _data()
    a, b = _mlp(2), _mlp(2)
    nn.functional.cross_entropy(a(x), y).backward()
    add_l2_gradient_(decay_parameters(a), 0.3)
    (nn.functional.cross_entropy(b(x), y) + l2_penalty(decay_parameters(b), 0.3)).backward()
    for p, q in zip(a.parameters(), b.parameters(), strict=False):
        torch.testing.assert_close(p.grad, q.grad)


def test_decoupled_decay_with_adam_equals_adamw_and_differs_from_l2() -> None:
    lam, lr = 0.1, 0.05
    x, y = _data(3)
    dec, ref, l2 = _mlp(4), _mlp(4), _mlp(4)
    opt_dec = torch.optim.Adam(dec.parameters(), lr=lr)
    opt_ref = torch.optim.AdamW(ref.parameters(), lr=lr, weight_decay=lam)
    opt_l2 = torch.optim.Adam(l2.parameters(), lr=lr, weight_decay=lam)
    for _ in range(200):
        for model, opt in ((dec, opt_dec), (ref, opt_ref), (l2, opt_l2)):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            if model is dec:
                # theta <- (1 - eta lambda) theta, then the plain Adam step
                decoupled_weight_decay_(dec.parameters(), lr, lam)
            opt.step()
    for p, q in zip(dec.parameters(), ref.parameters(), strict=False):
        torch.testing.assert_close(p, q)
    # Adam rescales the L2 gradient lambda*W, so coupled decay ends somewhere else (Loshchilov & Hutter)
    gap = max((p - q).abs().max().item() for p, q in zip(l2.parameters(), ref.parameters(), strict=False))
    assert gap > 1e-2


def test_decoupled_equals_l2_for_plain_sgd() -> None:
    lam, lr = 0.1, 0.05
    x, y = _data(5)
    a, b = _mlp(6), _mlp(6)
    opt_a = torch.optim.SGD(a.parameters(), lr=lr)
    opt_b = torch.optim.SGD(b.parameters(), lr=lr, weight_decay=lam)
    for _ in range(200):
        opt_a.zero_grad()
        nn.functional.cross_entropy(a(x), y).backward()
        decoupled_weight_decay_(a.parameters(), lr, lam)
        opt_a.step()
        opt_b.zero_grad()
        nn.functional.cross_entropy(b(x), y).backward()
        opt_b.step()
    for p, q in zip(a.parameters(), b.parameters(), strict=False):
        torch.testing.assert_close(p, q)


def test_l2_bad_values() -> None:
    with pytest.raises(ValueError):
        l2_penalty([torch.ones(2, 2)], -1.0)
    with pytest.raises(ValueError):
        decoupled_weight_decay_([torch.ones(2, 2)], -0.1, 0.1)
    assert l2_penalty([torch.full((2, 2), 2.0)], 0.5).item() == pytest.approx(0.5 * 0.5 * 16)


# ------------------------------------------------------------------------------------------ dropout


def test_dropout_eval_is_identity_and_train_keeps_expectation() -> None:
    x = torch.rand(200, 500, dtype=torch.float64) + 0.5
    d = Dropout(0.3, generator=torch.Generator().manual_seed(0))
    d.eval()
    assert torch.equal(d(x), x)
    d.train()
    y = d(x)
    dropped = (y == 0).double().mean().item()
    assert dropped == pytest.approx(0.3, abs=0.01)
    kept = y != 0
    torch.testing.assert_close(y[kept], x[kept] / 0.7)
    # E[y~] = y: the mean over 100k units matches within sampling error
    assert (y.mean() / x.mean()).item() == pytest.approx(1.0, abs=0.01)


def test_original_form_scales_at_test_time() -> None:
    x = torch.ones(1000, 100)
    y = dropout(x, 0.25, training=True, inverted=False, generator=torch.Generator().manual_seed(1))
    assert set(y.unique().tolist()) == {0.0, 1.0}
    assert y.mean().item() == pytest.approx(0.75, abs=0.01)
    torch.testing.assert_close(dropout(x, 0.25, training=False, inverted=False), x * 0.75)


def test_dropout_gradient_is_the_scaled_mask() -> None:
    x = torch.randn(50, 40, requires_grad=True)
    y = dropout(x, 0.5, generator=torch.Generator().manual_seed(2))
    y.sum().backward()
    mask = (y != 0).float()
    torch.testing.assert_close(x.grad, mask / 0.5)


def test_dropout_reproducible_with_generator_and_validates() -> None:
    x = torch.randn(10, 10)
    a = dropout(x, 0.5, generator=torch.Generator().manual_seed(7))
    b = dropout(x, 0.5, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a, b)
    for p in (-0.1, 1.0):
        with pytest.raises(ValueError):
            Dropout(p)
    with pytest.raises(ValueError):
        mc_dropout_average(nn.Linear(2, 2), torch.zeros(1, 2), 0)


def test_mc_average_of_a_linear_network_converges_to_the_weight_scaled_network() -> None:
    # for a network linear up to the softmax the thinned networks average exactly to the scaled one;
    # compare logits, where the expectation is exact
    torch.manual_seed(0)
    net = nn.Sequential(Dropout(0.5), nn.Linear(20, 5))
    x = torch.randn(8, 20)
    net.train()
    with torch.no_grad():
        mc = torch.stack([net(x) for _ in range(10000)]).mean(0)
    net.eval()
    torch.testing.assert_close(mc, net(x), atol=0.05, rtol=0.0)


def test_mc_dropout_average_approaches_weight_scaling_for_a_relu_net() -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), Dropout(0.5), nn.Linear(64, 4))
    x = torch.randn(64, 10)
    scaled = weight_scaled_predict(net, x)
    one = mc_dropout_average(net, x, 1)
    many = mc_dropout_average(net, x, 500)
    assert net.training  # the mode is restored
    err_one = (one - scaled).abs().mean().item()
    err_many = (many - scaled).abs().mean().item()
    assert err_many < 0.5 * err_one
    assert (many.argmax(1) == scaled.argmax(1)).float().mean().item() >= 0.9


# --------------------------------------------------------------------------------------- batch norm


@pytest.mark.parametrize(
    ("shape", "torch_cls", "momentum", "affine"),
    [
        ((16, 5), nn.BatchNorm1d, 0.1, True),
        ((8, 5, 7), nn.BatchNorm1d, 0.3, True),
        ((6, 5, 4, 3), nn.BatchNorm2d, 0.1, True),
        ((6, 5, 4, 3), nn.BatchNorm2d, None, True),
        ((16, 5), nn.BatchNorm1d, 0.1, False),
    ],
)
def test_batchnorm_parity_with_torch(shape, torch_cls, momentum, affine) -> None:
    c = shape[1]
    ours = BatchNorm(c, momentum=momentum, affine=affine).double()
    ref = torch_cls(c, momentum=momentum, affine=affine).double()
    if affine:
        with torch.no_grad():
            g = torch.Generator().manual_seed(0)
            w = torch.rand(c, generator=g, dtype=torch.float64) + 0.5
            b = torch.randn(c, generator=g, dtype=torch.float64)
            ours.weight.copy_(w), ref.weight.copy_(w), ours.bias.copy_(b), ref.bias.copy_(b)
    opt_o = torch.optim.SGD(ours.parameters(), lr=0.01, weight_decay=1e-3) if affine else None
    opt_r = torch.optim.SGD(ref.parameters(), lr=0.01, weight_decay=1e-3) if affine else None
    gen = torch.Generator().manual_seed(1)
    for step in range(200):  # noqa: B007
        x = 3.0 * torch.randn(shape, generator=gen, dtype=torch.float64) + 2.0
        target = torch.randn(shape, generator=gen, dtype=torch.float64)
        xo, xr = x.clone().requires_grad_(), x.clone().requires_grad_()
        yo, yr = ours(xo), ref(xr)
        torch.testing.assert_close(yo, yr)
        ((yo - target) ** 2 * target.abs()).sum().backward()
        ((yr - target) ** 2 * target.abs()).sum().backward()
        torch.testing.assert_close(xo.grad, xr.grad)
        if affine:
            torch.testing.assert_close(ours.weight.grad, ref.weight.grad)
            torch.testing.assert_close(ours.bias.grad, ref.bias.grad)
            opt_o.step(), opt_r.step(), opt_o.zero_grad(), opt_r.zero_grad()
    torch.testing.assert_close(ours.running_mean, ref.running_mean)
    torch.testing.assert_close(ours.running_var, ref.running_var)
    assert int(ours.num_batches_tracked) == int(ref.num_batches_tracked) == 200
    ours.eval(), ref.eval()
    x = torch.randn(shape, dtype=torch.float64, requires_grad=True)
    torch.testing.assert_close(ours(x), ref(x))
    # eval mode uses the running averages: a single example is normalized without batch statistics
    torch.testing.assert_close(ours(x[:1]), ours(x)[:1])


def test_batchnorm_train_output_is_normalized_per_channel() -> None:
    bn = BatchNorm(4)
    x = 5.0 * torch.randn(64, 4, 3, 3) - 7.0
    y = bn(x)
    torch.testing.assert_close(y.mean(dim=(0, 2, 3)), torch.zeros(4), atol=1e-5, rtol=0)
    torch.testing.assert_close(y.var(dim=(0, 2, 3), unbiased=False), torch.ones(4), atol=1e-3, rtol=0)


def test_batchnorm_without_running_stats_uses_batch_stats_in_eval() -> None:
    ours, ref = BatchNorm(3, track_running_stats=False).double(), nn.BatchNorm1d(3, track_running_stats=False).double()
    ours.eval(), ref.eval()
    x = torch.randn(10, 3, dtype=torch.float64)
    torch.testing.assert_close(ours(x), ref(x))


@pytest.mark.parametrize("shape", [(7, 3), (4, 3, 5), (3, 2, 3, 2)])
def test_batchnorm_paper_gradients_pass_gradcheck(shape) -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(shape, generator=g, dtype=torch.float64, requires_grad=True)
    gamma = (torch.rand(shape[1], generator=g, dtype=torch.float64) + 0.5).requires_grad_()
    beta = torch.randn(shape[1], generator=g, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b, c: BatchNormFunction.apply(a, b, c, 1e-5)[0], (x, gamma, beta))


def test_batchnorm_bad_values() -> None:
    with pytest.raises(ValueError):
        BatchNorm(0)
    with pytest.raises(ValueError):
        BatchNorm(3, eps=0.0)
    with pytest.raises(ValueError):
        BatchNorm(3, momentum=1.5)
    with pytest.raises(ValueError):
        BatchNorm(3)(torch.randn(4, 2))
    with pytest.raises(ValueError):
        BatchNorm(3)(torch.randn(1, 3))


# -------------------------------------------------------------------------------------- DropConnect


def test_dropconnect_training_masks_weights_per_example() -> None:
    layer = DropConnectLinear(30, 20, p=0.5, activation=None, generator=torch.Generator().manual_seed(0)).double()
    v = torch.randn(1, 30, dtype=torch.float64).expand(4000, 30)
    u = layer(v)  # training mode: one mask per example
    # different examples (identical inputs) see different masks
    assert u.std(0).min().item() > 0
    # E_M[u] = p W v + b  and  V_M[u] = p(1-p) (W*W)(v*v)
    mu, var = layer.moments(v[:1])
    torch.testing.assert_close(
        u.mean(0, keepdim=True), mu, atol=4 * (var.sqrt().max().item() / math.sqrt(4000)), rtol=0
    )
    torch.testing.assert_close(u.var(0, keepdim=True), var, rtol=0.1, atol=0.0)


def test_dropconnect_mean_field_and_sampling_inference() -> None:
    torch.manual_seed(0)
    layer = DropConnectLinear(50, 10, p=0.5, activation=torch.relu, n_samples=4000).double()
    v = torch.randn(6, 50, dtype=torch.float64)
    with torch.no_grad():
        # ground truth E_M[a(u)] by drawing 20000 real weight masks
        truth = torch.stack([layer.forward_masked(v) for _ in range(5000)]).mean(0)
        layer.eval()
        layer.inference = "mean"
        mean_field = layer(v)
        layer.inference = "sampling"
        sampled = layer(v)
    err_mf = (mean_field - truth).abs().mean().item()
    err_s = (sampled - truth).abs().mean().item()
    # a(E[u]) != E[a(u)] for ReLU; the Gaussian moment-matched sampling is much closer
    assert err_s < 0.3 * err_mf
    mu, _ = layer.moments(v)
    torch.testing.assert_close(mean_field, torch.relu(mu))


def test_dropconnect_grad_and_bad_values() -> None:
    layer = DropConnectLinear(5, 3, p=0.5)
    layer(torch.randn(4, 5)).sum().backward()
    assert layer.weight.grad is not None and layer.weight.grad.abs().sum() > 0
    with pytest.raises(ValueError):
        DropConnectLinear(5, 3, p=1.0)
    with pytest.raises(ValueError):
        DropConnectLinear(5, 3, inference="exact")
    with pytest.raises(ValueError):
        DropConnectLinear(5, 3, n_samples=0)


# -------------------------------------------------------------------------------- stochastic depth


def test_linear_decay_rule() -> None:
    p = linear_decay_survival(54, 0.5)
    assert p[0] == pytest.approx(1 - 0.5 / 54) and p[-1] == pytest.approx(0.5)
    assert all(a > b for a, b in zip(p, p[1:], strict=False))
    # E[L~] = (3L - 1) / 4 for p_L = 0.5 (the paper's ~25% saving)
    assert sum(p) == pytest.approx((3 * 54 - 1) / 4)
    with pytest.raises(ValueError):
        linear_decay_survival(0)
    with pytest.raises(ValueError):
        linear_decay_survival(4, 0.0)


class _Counting(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(4, 4)
        self.calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return self.lin(x)


def test_stochastic_depth_skips_blocks_in_training_and_scales_at_test() -> None:
    f = _Counting()
    block = StochasticDepth(f, 0.3, generator=torch.Generator().manual_seed(0))
    x = torch.randn(8, 4)
    outs = [block(x) for _ in range(2000)]
    assert block.calls == 2000
    assert f.calls == block.executed  # a dropped branch is never computed
    assert block.executed / 2000 == pytest.approx(0.3, abs=0.03)
    skipped = [o for o in outs if torch.equal(o, torch.relu(x))]
    assert len(skipped) == 2000 - block.executed
    block.eval()
    with torch.no_grad():
        torch.testing.assert_close(block(x), torch.relu(0.3 * f.lin(x) + x))
        # the test output is the expectation of the training pre-activation
        pre = 0.3 * f.lin(x) + x
        kept = f.lin(x) + x
        torch.testing.assert_close(pre, 0.3 * kept + 0.7 * x)
    with pytest.raises(ValueError):
        StochasticDepth(f, 0.0)


# ---------------------------------------------------------------------------- fractional max-pool


@pytest.mark.parametrize("make", [random_sequence, pseudorandom_sequence])
@pytest.mark.parametrize(("span", "n_out"), [(16, 11), (15, 11), (25, 18), (8, 5), (10, 5), (7, 7)])
def test_sequences_increase_by_one_or_two_and_cover_the_span(make, span, n_out) -> None:
    a = make(span, n_out, torch.Generator().manual_seed(3))
    assert a[0] == 0 and a[-1] == span and len(a) == n_out + 1
    inc = a[1:] - a[:-1]
    assert set(inc.tolist()) <= {1, 2}
    assert int((inc == 2).sum()) == span - n_out


def test_sequences_are_reproducible_and_random_across_seeds() -> None:
    for make in (random_sequence, pseudorandom_sequence):
        a = make(25, 18, torch.Generator().manual_seed(1))
        b = make(25, 18, torch.Generator().manual_seed(1))
        assert torch.equal(a, b)
        seen = {tuple(make(25, 18, torch.Generator().manual_seed(s)).tolist()) for s in range(30)}
        assert len(seen) > 3
    with pytest.raises(ValueError):
        random_sequence(30, 10)


def test_pseudorandom_is_the_ceiling_formula() -> None:
    g = torch.Generator().manual_seed(5)
    u = torch.rand((), generator=torch.Generator().manual_seed(5), dtype=torch.float64).item()
    a = pseudorandom_sequence(25, 18, g)
    alpha = 25 / 18
    expected = [math.ceil(alpha * (i + u)) - math.ceil(alpha * u) for i in range(19)]
    assert a.tolist() == expected


@pytest.mark.parametrize("overlapping", [False, True])
@pytest.mark.parametrize("method", ["random", "pseudorandom"])
def test_fmp_matches_a_brute_force_max(method, overlapping) -> None:
    x = torch.randn(2, 3, 16, 16, dtype=torch.float64)
    pool = FractionalMaxPool2d(method=method, overlapping=overlapping, generator=torch.Generator().manual_seed(0))
    y = pool(x)
    assert y.shape == (2, 3, 11, 11)
    g = torch.Generator().manual_seed(0)
    rows = regions(_seq(pool, 16, g), overlapping)  # replay the layer's draws
    cols = regions(_seq(pool, 16, g), overlapping)
    for i, (r0, rh) in enumerate(zip(*rows, strict=False)):
        for j, (c0, cw) in enumerate(zip(*cols, strict=False)):
            ref = x[:, :, r0 : r0 + rh, c0 : c0 + cw].amax(dim=(2, 3))
            torch.testing.assert_close(y[:, :, i, j], ref)
    # every input row is inside some region; overlapping regions share their borders
    covered = torch.zeros(16, dtype=torch.bool)
    for r0, rh in zip(*rows, strict=False):
        covered[r0 : r0 + rh] = True
    assert covered.all()
    assert int(rows[1].sum()) == (16 + 10 if overlapping else 16)


def _seq(pool: FractionalMaxPool2d, n_in: int, g: torch.Generator) -> torch.Tensor:
    n_out = pool.output_size(n_in)
    span = n_in - 1 if pool.overlapping else n_in
    make = pseudorandom_sequence if pool.method == "pseudorandom" else random_sequence
    return make(span, n_out, g)


def _torch_intervals(sample: float, n_in: int, n_out: int, pool: int) -> list[int]:
    # aten/src/ATen/native/FractionalMaxPool2d.cpp: generate_intervals
    alpha = (n_in - pool) / (n_out - 1)
    seq = [int((i + sample) * alpha) - int(sample * alpha) for i in range(n_out - 1)]
    return seq + [n_in - pool]


def test_generic_pooling_matches_torch_fractional_max_pool2d() -> None:
    x = torch.randn(1, 1, 13, 17, dtype=torch.float64, requires_grad=True)
    samples = torch.tensor([[[0.37, 0.81]]], dtype=torch.float64)
    ref = torch.nn.functional.fractional_max_pool2d(x, 2, output_size=(9, 11), _random_samples=samples)
    # torch: sample[0] drives the width, sample[1] the height
    rows = torch.tensor(_torch_intervals(0.81, 13, 9, 2))
    cols = torch.tensor(_torch_intervals(0.37, 17, 11, 2))
    ours = fractional_max_pool2d(x, rows, torch.full_like(rows, 2), cols, torch.full_like(cols, 2))
    torch.testing.assert_close(ours, ref)
    ours.sum().backward()
    g1 = x.grad.clone()
    x.grad = None
    ref.sum().backward()
    torch.testing.assert_close(g1, x.grad)


def test_fmp_is_stochastic_reproducible_and_averages() -> None:
    x = torch.randn(4, 2, 16, 16)
    p1 = FractionalMaxPool2d(generator=torch.Generator().manual_seed(9))
    p2 = FractionalMaxPool2d(generator=torch.Generator().manual_seed(9))
    assert torch.equal(p1(x), p2(x))
    p1.eval()
    outs = {tuple(p1(x).flatten()[:50].tolist()) for _ in range(10)}
    assert len(outs) > 1  # fresh regions at test time too
    net = nn.Sequential(
        FractionalMaxPool2d(generator=torch.Generator().manual_seed(0)), nn.Flatten(), nn.Linear(2 * 121, 3)
    )
    probs = fmp_average(net, x, 8)
    torch.testing.assert_close(probs.sum(1), torch.ones(4))
    with pytest.raises(ValueError):
        fmp_average(net, x, 0)
    with pytest.raises(ValueError):
        FractionalMaxPool2d(output_ratio=0.4)
    with pytest.raises(ValueError):
        FractionalMaxPool2d(method="grid")
