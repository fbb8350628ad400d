"""The activation panel: every function and its derivative, and the table at x = -10, 0, 10.

The derivatives are not written down a second time: they come out of each module's backward pass
(autograd), so the panel also shows that the hand-derived gradients are right; the values and
gradients are checked against torch's own functions on the plotted grid.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from reproductions.activations import elu, leaky_relu, maxout, prelu, relu, sigmoid, tanh
from reproductions.core import Metric, Result, RunContext
from reproductions.experiments.activations_common import savefig, setup_matplotlib
from reproductions.experiments.threads import one_thread
from reproductions.verdicts import check, combine

# the two maxout pieces drawn in the panel: max(x, -0.5 x - 1), a convex piecewise-linear unit
MAXOUT_PIECES = ((1.0, 0.0), (-0.5, -1.0))


def _maxout_1d(x: torch.Tensor) -> torch.Tensor:
    z = torch.stack([w * x + b for w, b in MAXOUT_PIECES], dim=-1)
    # (..., 2 pieces) -> (..., 1 unit)
    return maxout(z, pieces=2, dim=-1).reshape(x.shape)


def _torch_maxout_1d(x: torch.Tensor) -> torch.Tensor:
    return torch.maximum(MAXOUT_PIECES[0][0] * x + MAXOUT_PIECES[0][1], MAXOUT_PIECES[1][0] * x + MAXOUT_PIECES[1][1])


# name -> (ours, torch's equivalent)
FUNCTIONS = {
    "sigmoid": (sigmoid, torch.sigmoid),
    "tanh": (tanh, torch.tanh),
    "ReLU": (relu, torch.relu),
    "Leaky ReLU (0.01)": (leaky_relu, lambda x: F.leaky_relu(x, 0.01)),
    # PReLU with its slope at the paper's initial 0.25
    "PReLU (a = 0.25)": (
        lambda x: prelu(x, torch.tensor([0.25], dtype=x.dtype)),
        lambda x: F.prelu(x, torch.tensor([0.25], dtype=x.dtype)),
    ),
    "ELU (α = 1)": (elu, F.elu),
    "Maxout k=2: max(x, -x/2 - 1)": (_maxout_1d, _torch_maxout_1d),
}


def _value_and_derivative(fn, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:  # type: ignore[no-untyped-def]
    x = x.detach().clone().requires_grad_()
    y = fn(x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    return y.detach(), grad


@one_thread()
def run(ctx: RunContext) -> Result:
    setup_matplotlib()
    import matplotlib.pyplot as plt

    n = 401 if ctx.smoke else 4001
    grid = torch.linspace(-10.0, 10.0, n, dtype=torch.float64)
    points = torch.tensor([-10.0, 0.0, 10.0], dtype=torch.float64)
    ctx.report("evaluating functions and derivatives", 0.1)

    table: list[dict[str, object]] = []
    curves = {}
    max_value_diff = 0.0
    max_grad_diff = 0.0
    at_points: dict[str, tuple[list[float], list[float]]] = {}
    for name, (ours, ref) in FUNCTIONS.items():
        y, dy = _value_and_derivative(ours, grid)
        y_ref, dy_ref = _value_and_derivative(ref, grid)
        max_value_diff = max(max_value_diff, (y - y_ref).abs().max().item())
        max_grad_diff = max(max_grad_diff, (dy - dy_ref).abs().max().item())
        curves[name] = (y, dy)
        pv, pd = _value_and_derivative(ours, points)
        at_points[name] = (pv.tolist(), pd.tolist())
        row: dict[str, object] = {"function": name}
        for x, v, d in zip(points.tolist(), pv.tolist(), pd.tolist(), strict=False):
            row[f"f({x:g})"] = float(f"{v:.6g}")
            row[f"f'({x:g})"] = float(f"{d:.6g}")
        table.append(row)

    # saturation: the gradient at |x| = 10 relative to its value at 0
    def saturation(name: str) -> float:
        _, d = at_points[name]
        return max(d[0], d[2]) / d[1]

    sig_ratio, tanh_ratio = saturation("sigmoid"), saturation("tanh")
    relu_grad_at_10 = at_points["ReLU"][1][2]
    relu_grad_at_minus10 = at_points["ReLU"][1][0]
    ctx.report("drawing the panel", 0.6)

    fig, axes = plt.subplots(2, 4, figsize=(15, 7))
    for ax, (name, (y, dy)) in zip(axes.flat, curves.items(), strict=False):
        ax.plot(grid, y, label="f(x)", color="C0")
        ax.plot(grid, dy, label="f'(x) (autograd)", color="C3", linestyle="--")
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_title(name)
        ax.set_xlim(-6, 6)
        ax.set_ylim(-1.6, 3.2)
        ax.legend(fontsize=8, loc="upper left")
    ax = axes.flat[-1]
    for name in ("sigmoid", "tanh", "ELU (α = 1)"):
        ax.semilogy(grid, curves[name][1].clamp_min(1e-18), label=f"{name}'")
    ax.semilogy(grid, curves["ReLU"][1].clamp_min(1e-18), label="ReLU' (0 for x ≤ 0)")
    ax.scatter([-10, 0, 10], [at_points["sigmoid"][1][0], 0.25, at_points["sigmoid"][1][2]], color="k", zorder=5, s=15)
    ax.set_ylim(1e-10, 3)
    ax.set_title("saturation: |f'(x)| on a log scale")
    ax.legend(fontsize=8)
    fig.suptitle("Activation functions (solid) and their derivatives from autograd (dashed)")
    figure = savefig(fig, ctx.out_dir, "activation_functions.png")

    parity_ok = max_value_diff < 1e-9 and max_grad_diff < 1e-9
    saturates = sig_ratio < 1e-3 and tanh_ratio < 1e-3
    relu_ok = relu_grad_at_10 == 1.0 and relu_grad_at_minus10 == 0.0
    # a check, not a reproduction: each property is an identity of the formulas, verified to a tolerance
    judgement = combine(
        [
            check(max(max_value_diff, max_grad_diff), tol=1e-9, label="our modules vs torch, value and gradient"),
            check(max(sig_ratio, tanh_ratio), tol=1e-3, label="σ'(±10)/σ'(0) and tanh'(±10)/tanh'(0) below 1e-3"),
            check(
                abs(relu_grad_at_10 - 1.0) + abs(relu_grad_at_minus10), tol=0.0, label="ReLU'(10) = 1, ReLU'(-10) = 0"
            ),
        ]
    )
    del saturates, relu_ok
    reason = (
        f"σ'(±10)/σ'(0) = {sig_ratio:.3g} and tanh'(±10)/tanh'(0) = {tanh_ratio:.3g} (both below 1e-3: saturated "
        f"units pass almost no gradient), while ReLU'(10) = {relu_grad_at_10:g} and ReLU'(-10) = "
        f"{relu_grad_at_minus10:g}; "
        f"our modules match torch within {max(max_value_diff, max_grad_diff):.1e} in value and gradient on [-10, 10]."
    )
    if not parity_ok:
        reason += " Parity with torch FAILED."
    return Result(
        judgement=judgement,
        reason=reason,
        paper_figure="σ'(x) = σ(x)(1-σ(x)) ≤ 1/4 and → 0 as |x| grows (LeCun et al. 1998); cs231n: 'what "
        "happens when x = -10, 0, 10?'",
        measured=f"σ'(-10, 0, 10) = {', '.join(f'{d:.3g}' for d in at_points['sigmoid'][1])}; "
        f"tanh' = {', '.join(f'{d:.3g}' for d in at_points['tanh'][1])}",
        metrics=[
            Metric("sigmoid_grad_ratio_10_vs_0", [sig_ratio]),
            Metric("tanh_grad_ratio_10_vs_0", [tanh_ratio]),
            Metric("relu_grad_at_10", [relu_grad_at_10]),
            Metric("max_abs_value_diff_vs_torch", [max_value_diff]),
            Metric("max_abs_grad_diff_vs_torch", [max_grad_diff]),
        ],
        table=table,
        figures=[figure],
        params={
            "grid": f"{n} points on [-10, 10], float64",
            "points": [-10, 0, 10],
            "maxout_pieces": MAXOUT_PIECES,
            "init": "not applicable (no network is trained)",
            "derivatives": "from each module's backward (autograd)",
            "saturation_threshold": 1e-3,
        },
    )
