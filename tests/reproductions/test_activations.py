"""The activation functions against torch's own, in value and gradient, and with gradcheck."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch.autograd import gradcheck

from reproductions.activations import (
    ELU,
    LeakyReLU,
    Maxout,
    PReLU,
    ReLU,
    Sigmoid,
    Tanh,
    elu,
    leaky_relu,
    maxout,
    prelu,
    relu,
    sigmoid,
    tanh,
)

# (ours, torch's reference)
ELEMENTWISE = [
    ("sigmoid", sigmoid, torch.sigmoid),
    ("tanh", tanh, torch.tanh),
    ("relu", relu, torch.relu),
    ("leaky_relu", leaky_relu, lambda x: F.leaky_relu(x, 0.01)),
    ("leaky_relu_0.2", lambda x: leaky_relu(x, 0.2), lambda x: F.leaky_relu(x, 0.2)),
    ("elu", elu, F.elu),
    ("elu_0.5", lambda x: elu(x, 0.5), lambda x: F.elu(x, 0.5)),
]


def _inputs(dtype: torch.dtype) -> torch.Tensor:
    # a wide range, the saturating ends, exact zeros and values that would overflow a naive exp
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(4, 257, generator=gen, dtype=dtype) * 4
    extremes = torch.tensor([-1000.0, -100.0, -20.0, -10.0, -1e-8, 0.0, 1e-8, 10.0, 20.0, 100.0, 1000.0], dtype=dtype)
    return torch.cat([x.flatten(), extremes])


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize(("name", "ours", "ref"), ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
def test_elementwise_matches_torch_in_value_and_gradient(name, ours, ref, dtype):
    x1 = _inputs(dtype).requires_grad_()
    x2 = x1.detach().clone().requires_grad_()
    y1, y2 = ours(x1), ref(x2)
    torch.testing.assert_close(y1, y2)
    assert torch.isfinite(y1).all()
    upstream = torch.linspace(-2, 3, y1.numel(), dtype=dtype).reshape(y1.shape)
    (g1,) = torch.autograd.grad(y1, x1, upstream)
    (g2,) = torch.autograd.grad(y2, x2, upstream)
    torch.testing.assert_close(g1, g2)


@pytest.mark.parametrize(("name", "ours", "ref"), ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
def test_elementwise_gradcheck(name, ours, ref):
    # avoid the kink at 0 where finite differences are meaningless
    x = torch.randn(3, 11, dtype=torch.float64, generator=torch.Generator().manual_seed(1)) * 3
    x = torch.where(x.abs() < 1e-3, torch.full_like(x, 0.5), x).requires_grad_()
    assert gradcheck(ours, (x,))


@pytest.mark.parametrize(
    ("module", "ref"),
    [
        (Sigmoid(), torch.nn.Sigmoid()),
        (Tanh(), torch.nn.Tanh()),
        (ReLU(), torch.nn.ReLU()),
        (LeakyReLU(), torch.nn.LeakyReLU(0.01)),
        (ELU(), torch.nn.ELU()),
    ],
    ids=["Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU"],
)
def test_modules_drop_in_for_torch_modules(module, ref):
    x = torch.randn(2, 3, 5, 5, dtype=torch.float64)
    torch.testing.assert_close(module(x), ref(x))


@pytest.mark.parametrize(
    ("ours", "x", "value", "derivative"),
    [
        (sigmoid, 0.0, 0.5, 0.25),
        (sigmoid, 10.0, 0.9999546021312976, 4.5395807735951673e-05),
        (sigmoid, -10.0, 4.5397868702434395e-05, 4.5395807735951673e-05),
        (tanh, 0.0, 0.0, 1.0),
        (tanh, 10.0, 0.9999999958776927, 8.244614546626394e-09),
        (relu, -10.0, 0.0, 0.0),
        (relu, 10.0, 10.0, 1.0),
        (leaky_relu, -10.0, -0.1, 0.01),
        (elu, -10.0, -0.9999546000702375, 4.5399929762484854e-05),
    ],
)
def test_values_and_derivatives_at_the_lecture_points(ours, x, value, derivative):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = ours(t)
    y.backward()
    assert y.item() == pytest.approx(value, rel=1e-12, abs=1e-15)
    assert t.grad.item() == pytest.approx(derivative, rel=1e-9)


# ---- PReLU ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 7), (2, 4, 5, 3)])
@pytest.mark.parametrize("num_parameters", [1, 4])
def test_prelu_matches_torch_prelu_values_and_both_gradients(shape, num_parameters):
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(*shape, dtype=torch.float64, generator=gen)
    ours = PReLU(num_parameters).double()
    ref = torch.nn.PReLU(num_parameters).double()
    with torch.no_grad():
        slopes = torch.linspace(-0.3, 0.6, num_parameters, dtype=torch.float64)
        ours.weight.copy_(slopes)
        ref.weight.copy_(slopes)
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    y1, y2 = ours(x1), ref(x2)
    torch.testing.assert_close(y1, y2)
    upstream = torch.randn(y1.shape, dtype=torch.float64, generator=gen)
    (y1 * upstream).sum().backward()
    (y2 * upstream).sum().backward()
    torch.testing.assert_close(x1.grad, x2.grad)
    torch.testing.assert_close(ours.weight.grad, ref.weight.grad)


def test_prelu_starts_at_the_papers_quarter_and_learns_per_channel_slopes():
    layer = PReLU(3)
    assert layer.weight.tolist() == [0.25, 0.25, 0.25]
    # channel 0 sees only negative inputs, channel 2 only positive ones
    x = torch.stack([-torch.ones(8), torch.linspace(-1, 1, 8), torch.ones(8)], dim=1)
    layer(x).sum().backward()
    grad = layer.weight.grad
    assert grad[0] == pytest.approx(-8.0)
    assert grad[2] == 0.0
    assert grad[1] != grad[0]


@pytest.mark.parametrize("num_parameters", [1, 3])
def test_prelu_gradcheck_for_input_and_slopes(num_parameters):
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(4, 3, 5, dtype=torch.float64, generator=gen)
    x = torch.where(x.abs() < 1e-3, torch.full_like(x, 0.5), x).requires_grad_()
    a = torch.tensor([0.1, -0.2, 0.4][:num_parameters], dtype=torch.float64, requires_grad=True)
    assert gradcheck(prelu, (x, a))


@pytest.mark.parametrize(
    "make",
    [
        lambda: PReLU(0),
        lambda: PReLU(2, init=float("nan")),
        lambda: prelu(torch.randn(4, 3), torch.ones(2)),
        lambda: prelu(torch.randn(4, 3), torch.ones(1, 3)),
        lambda: LeakyReLU(-0.1),
        lambda: LeakyReLU(1.0),
        lambda: leaky_relu(torch.randn(3), float("inf")),
        lambda: ELU(-1.0),
        lambda: elu(torch.randn(3), float("nan")),
        lambda: Maxout(4, 3, pieces=0),
        lambda: Maxout(0, 3),
        lambda: maxout(torch.randn(2, 7), pieces=2),
    ],
)
def test_bad_hyperparameters_raise_value_error(make):
    with pytest.raises(ValueError):
        make()


# ---- Maxout --------------------------------------------------------------------------------------


@pytest.mark.parametrize("pieces", [1, 2, 4])
def test_maxout_equals_the_max_over_k_separate_affine_maps(pieces):
    torch.manual_seed(4)
    layer = Maxout(5, 3, pieces=pieces).double()
    x = torch.randn(10, 5, dtype=torch.float64)
    # the reference: k separate torch linear maps (piece j of unit i is row i*k + j), max over k
    w = layer.linear.weight.view(3, pieces, 5)
    b = layer.linear.bias.view(3, pieces)
    z = torch.stack([F.linear(x, w[:, j], b[:, j]) for j in range(pieces)])
    expected = z.max(dim=0).values
    torch.testing.assert_close(layer(x), expected)
    # gradients through the reference and through the layer agree
    upstream = torch.randn(10, 3, dtype=torch.float64)
    g_ours = torch.autograd.grad((layer(x) * upstream).sum(), layer.linear.weight)[0]
    g_ref = torch.autograd.grad((expected * upstream).sum(), layer.linear.weight)[0]
    torch.testing.assert_close(g_ours, g_ref)
    assert layer(x).shape == (10, 3)
    assert sum(p.numel() for p in layer.parameters()) == pieces * (5 * 3 + 3)


def test_maxout_gradient_goes_only_to_the_winning_piece():
    z = torch.tensor([[1.0, 3.0, -2.0, 0.5, 0.75, 0.25]], requires_grad=True)
    out = maxout(z, pieces=3)
    assert out.tolist() == [[3.0, 0.75]]
    out.sum().backward()
    assert z.grad.tolist() == [[0.0, 1.0, 0.0, 0.0, 1.0, 0.0]]


def test_maxout_of_zero_and_x_is_relu():
    # ReLU is maxout with k = 2 and one piece fixed at 0
    x = torch.linspace(-3, 3, 13)
    z = torch.stack([x, torch.zeros_like(x)], dim=-1).reshape(-1)
    torch.testing.assert_close(maxout(z, pieces=2), torch.relu(x))


def test_maxout_over_channels_of_a_feature_map_and_gradcheck():
    gen = torch.Generator().manual_seed(5)
    z = torch.randn(2, 6, 4, dtype=torch.float64, generator=gen, requires_grad=True)
    out = maxout(z, pieces=3, dim=1)
    assert out.shape == (2, 2, 4)
    # unit i of the output takes channels 3i, 3i+1, 3i+2
    expected = torch.maximum(torch.maximum(z[:, 0::3], z[:, 1::3]), z[:, 2::3])
    torch.testing.assert_close(out, expected)
    assert gradcheck(lambda t: maxout(t, pieces=3, dim=1), (z,))
