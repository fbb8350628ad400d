"""Maxout against ReLU, both with dropout, at an equal parameter count (Goodfellow et al. 2013).

The paper (Sec. 8, "Comparison to rectifiers"): in a cross-validated comparison on CIFAR-10 and
MNIST, maxout networks beat rectifier networks, including rectifier networks given the same
number of parameters. CPU-sized: two hidden layers on MNIST-1D; the ReLU MLP has 128 units per
layer, the maxout MLP k = 2 pieces per unit and as many units as keep its parameter count within
1 % of the ReLU network's. The paper's claim is for maxout trained with dropout (maxout was designed as
dropout's companion), so both networks are trained with dropout.

Design (fixed before the run):
- data: MNIST-1D (``make_dataset``, 3,000 samples, 80/20 split; 1,000 at smoke size).
- arms: ReLU MLP 40-128-128-10 (He init) and maxout MLP (k = 2, width matched in parameters, Xavier pieces),
  both with dropout p = 0.2 on the input of every layer after the first; SGD momentum 0.9, batch 128,
  20 epochs (2 at smoke size).
- tuning: each arm's lr on its own grid {0.01, 0.03, 0.1} (extended ×3 while the best is at an edge), lowest
  validation error (last 20 % of the training set), on a tuning seed never reported.
- seeds: reported 2 (smoke), 3 (quick), 6 (full).
- metric: test error after the last epoch.
- decision: paired per-seed difference ReLU − maxout in test error (``paired_difference``, 95 % t interval):
  reproduced if it lies above 0, not reproduced if below 0, else inconclusive.
"""

from __future__ import annotations

import statistics

from torch import nn

from reproductions.activations import Maxout
from reproductions.core import Metric, Result, RunContext
from reproductions.experiments.activations_common import (
    INIT_DESCRIPTION,
    init_layer,
    mlp,
    mnist1d,
    savefig,
    setup_matplotlib,
    tune_then_test,
)
from reproductions.experiments.figures import mean_band
from reproductions.experiments.threads import one_thread
from reproductions.verdicts import paired_difference, short_run

DROPOUT = 0.2


def with_dropout(model: nn.Sequential, p: float) -> nn.Sequential:
    """Dropout on the input of every layer after the first (the hidden units), as maxout was trained."""
    layers: list[nn.Module] = []
    for i, layer in enumerate(model):
        if i > 0 and isinstance(layer, (nn.Linear, Maxout)):
            layers.append(nn.Dropout(p))
        layers.append(layer)
    return nn.Sequential(*layers)


def maxout_mlp(in_dim: int, widths: list[int], out_dim: int, pieces: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    prev = in_dim
    for width in widths:
        layer = Maxout(prev, width, pieces)
        # each piece is an affine map followed by a max, not a rectifier: Xavier for the pieces
        init_layer(layer.linear, "xavier")
        layers.append(layer)
        prev = width
    head = nn.Linear(prev, out_dim)
    init_layer(head, "xavier")
    layers.append(head)
    return nn.Sequential(*layers)


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def matching_width(in_dim: int, relu_widths: list[int], out_dim: int, pieces: int) -> int:
    """The maxout width whose parameter count is closest to the ReLU MLP's."""
    target = n_params(mlp(in_dim, relu_widths, out_dim, "relu"))
    depth = len(relu_widths)
    return min(
        range(1, max(relu_widths) + 1),
        key=lambda m: abs(n_params(maxout_mlp(in_dim, [m] * depth, out_dim, pieces)) - target),
    )


@one_thread()
def run(ctx: RunContext) -> Result:
    setup_matplotlib()
    import matplotlib.pyplot as plt

    seeds = ctx.seeds(smoke=2, quick=3, full=6)
    relu_widths = [32, 32] if ctx.smoke else [128, 128]
    pieces = 2
    samples = 1000 if ctx.smoke else 3000
    epochs = 2 if ctx.smoke else 20
    batch = 128
    grid = [0.01, 0.03, 0.1]
    data = mnist1d(samples).to(ctx.device)
    width = matching_width(40, relu_widths, 10, pieces)
    maxout_widths = [width] * len(relu_widths)
    makers = {
        "relu": lambda: with_dropout(mlp(40, relu_widths, 10, "relu", "he"), DROPOUT),
        "maxout": lambda: with_dropout(maxout_mlp(40, maxout_widths, 10, pieces), DROPOUT),
    }
    counts = {name: n_params(make()) for name, make in makers.items()}

    results = {}
    for k, (name, make) in enumerate(makers.items()):
        ctx.report(f"{name}: tuning and seeds", 0.05 + 0.45 * k)
        results[name] = tune_then_test(
            make, data, grid=grid, epochs=epochs, batch_size=batch, seeds=seeds, device=ctx.device
        )
    test = {a: [h.test_error[-1] for h in r[3]] for a, r in results.items()}
    train_err = {a: [h.train_error[-1] for h in r[3]] for a, r in results.items()}

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name in makers:
        mean_band(
            ax,
            list(range(1, epochs + 1)),
            [h.test_error for h in results[name][3]],
            label=f"{name} ({counts[name]} params, lr {results[name][0]:g})",
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel("test error")
    ax.set_title(
        f"MNIST-1D: ReLU {relu_widths} vs maxout k={pieces} {maxout_widths}, dropout {DROPOUT}, mean over seeds"
    )
    ax.legend()
    figure = savefig(fig, ctx.out_dir, "maxout.png")

    diffs = [r - m for r, m in zip(test["relu"], test["maxout"], strict=True)]
    judgement = paired_difference(
        test["relu"], test["maxout"], label="test error ReLU − maxout", too_short=short_run(ctx.mode)
    )
    reason = (
        f"Test error {statistics.fmean(test['maxout']):.3f} with maxout (k={pieces}, {maxout_widths} units, "
        f"{counts['maxout']} params) vs {statistics.fmean(test['relu']):.3f} with ReLU ({relu_widths}, "
        f"{counts['relu']} params), both with dropout {DROPOUT}. " + judgement.reason
    )
    if not all(r[2] for r in results.values()):
        reason += " A best learning rate sits at the edge of its extended grid."
    return Result(
        judgement=judgement,
        reason=reason,
        paper_figure="Maxout beats rectifiers in a cross-validated comparison, also at equal parameter count "
        "(Goodfellow et al. 2013, Sec. 8; trained with dropout)",
        measured=f"test error {statistics.fmean(test['relu']):.3f} (ReLU) vs "
        f"{statistics.fmean(test['maxout']):.3f} (maxout), "
        f"{counts['relu']} vs {counts['maxout']} params",
        metrics=[
            Metric("test_error_relu", test["relu"]),
            Metric("test_error_maxout", test["maxout"]),
            Metric("test_error_gain_relu_minus_maxout", diffs),
            Metric("train_error_relu", train_err["relu"]),
            Metric("train_error_maxout", train_err["maxout"]),
            Metric("params_relu", [float(counts["relu"])]),
            Metric("params_maxout", [float(counts["maxout"])]),
        ],
        table=[
            {
                "model": a,
                "params": counts[a],
                "lr": results[a][0],
                "test_error": round(statistics.fmean(test[a]), 4),
                "train_error": round(statistics.fmean(train_err[a]), 4),
                "val_error_by_lr": {k: round(v, 4) for k, v in sorted(results[a][1].items())},
            }
            for a in makers
        ],
        figures=[figure],
        params={
            "data": f"MNIST-1D (make_dataset, {samples} samples, 80/20 split)",
            "models": {
                "relu": f"MLP 40-{'-'.join(map(str, relu_widths))}-10",
                "maxout": f"maxout MLP 40-{'-'.join(map(str, maxout_widths))}-10, k={pieces}",
            },
            "params": counts,
            "dropout": f"p = {DROPOUT} on the input of every layer after the first, both models",
            "optimizer": f"SGD momentum 0.9, batch {batch}, {epochs} epochs, no weight decay",
            "seeds": seeds,
            "lr_grid": {a: sorted(r[1]) for a, r in results.items()},
            "lr_chosen": {a: r[0] for a, r in results.items()},
            "lr_best_interior": {a: r[2] for a, r in results.items()},
            "lr_selection": "lowest validation error (last 20 % of the training set) on a tuning seed not reported",
            "init": {"relu": INIT_DESCRIPTION["he"], "maxout": INIT_DESCRIPTION["xavier"] + " for every piece"},
            "output_layer_init": INIT_DESCRIPTION["xavier"],
        },
    )
