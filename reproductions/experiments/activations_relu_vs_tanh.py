"""ReLU against tanh: epochs to reach 25 % training error (Krizhevsky et al. 2012, Fig. 1).

The paper: a four-layer convolutional network with ReLUs reaches 25 % training error on CIFAR-10
six times faster than the same network with tanh, each with the learning rate that made it train
fastest and no regularisation. CPU-sized here: the paper's kind of network, a small four-layer
convolutional network (three 1-D convolutions and a linear classifier), on MNIST-1D, generated
procedurally, minibatch SGD with momentum 0.9, He init for ReLU and Xavier for tanh.

Design (fixed before the run):
- data: MNIST-1D (``make_dataset``, 2,000 samples, 80/20 split; 1,000 at smoke size).
- arms: the same CNN, conv(1→16, k5) → conv(16→16, k5, stride 2) → conv(16→16, k3, stride 2) → linear(160→10),
  with ReLU or with tanh; batch 128, at most 30 epochs (3 at smoke size).
- tuning: each arm's lr on its own grid {0.01, 0.03, 0.1} (extended ×3 while the best is at an edge) by its
  epochs to 25 % training error, on a tuning seed never reported.
- seeds: reported 1 (smoke), 3 (quick), 5 (full).
- metric: epochs (checked twice per epoch) until the whole-training-set error is at or below 25 %.
- decision, direction and magnitude judged apart: the verdict is the direction, the per-seed log-ratio tanh/ReLU
  epochs (``paired_ratio``, 95 % t interval): reproduced if it lies above 1 (ReLU faster), not reproduced if
  below 1. The magnitude (the paper's 6x) is judged beside it and reported, not folded into the verdict: the same
  ratio's interval against 6x (above: larger than the paper's; below: smaller; containing it: consistent).
"""

from __future__ import annotations

import math
import statistics

import torch
from torch import nn

from reproductions.core import Metric, Result, RunContext
from reproductions.experiments.activations_common import (
    ACTIVATIONS,
    INIT_DESCRIPTION,
    best_on_grid,
    finite,
    init_layer,
    mnist1d,
    savefig,
    setup_matplotlib,
    train,
)
from reproductions.experiments.figures import mean_band
from reproductions.experiments.threads import one_thread
from reproductions.verdicts import paired_ratio, short_run, split_seeds

THRESHOLD = 0.25


class Unsqueeze(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.unsqueeze(1)  # (batch, 40) signals -> (batch, 1 channel, 40)


def cnn(activation: str, channels: int = 32) -> nn.Sequential:
    """Four layers, as in the paper's CIFAR-10 network: three convolutions and a linear classifier."""
    factory, init = ACTIVATIONS[activation]
    convs = [
        nn.Conv1d(1, channels, 5, padding=2),
        nn.Conv1d(channels, channels, 5, stride=2, padding=2),
        nn.Conv1d(channels, channels, 3, stride=2, padding=1),
    ]
    layers: list[nn.Module] = [Unsqueeze()]
    for conv in convs:
        init_layer(conv, init)
        layers += [conv, factory(channels)]
    head = nn.Linear(channels * 10, 10)
    init_layer(head, "xavier")
    return nn.Sequential(*layers, nn.Flatten(), head)


@one_thread()
def run(ctx: RunContext) -> Result:
    setup_matplotlib()
    import matplotlib.pyplot as plt

    split = split_seeds(ctx.seed, 1, 1 if ctx.smoke else (3 if ctx.quick else 5))
    seeds = list(split.report)
    channels = 8 if ctx.smoke else 16
    samples = 1000 if ctx.smoke else 2000
    max_epochs = 3 if ctx.smoke else 30
    batch = 128
    grid = [0.01, 0.03, 0.1]
    data = mnist1d(samples).to(ctx.device)
    inits = {"relu": "he", "tanh": "xavier"}

    curves: dict[tuple[str, float], list[tuple[float, float]]] = {}

    def epochs_to_threshold(activation: str, lr: float, seed: int, cap: int) -> float:
        torch.manual_seed(seed)
        net = cnn(activation, channels).to(ctx.device)
        hist = train(
            net,
            data,
            lr=lr,
            epochs=cap,
            batch_size=batch,
            seed=seed,
            error_threshold=THRESHOLD,
            checks_per_epoch=2,
            stop_at_threshold=True,
            epoch_metrics=False,  # only the crossing is used: skip the end-of-epoch evaluations
        )
        curves[(activation, lr, seed)] = hist.checks
        return hist.epochs_to_threshold

    chosen: dict[str, float] = {}
    scores: dict[str, dict[float, float]] = {}
    interior: dict[str, bool] = {}
    for k, activation in enumerate(inits):
        ctx.report(f"tuning the learning rate for {activation}", 0.05 + 0.4 * k)
        best_so_far = [float(max_epochs)]

        def score(lr: float, activation: str = activation, best_so_far: list[float] = best_so_far) -> float:
            # stop a learning rate once it needs twice the epochs of the best one so far
            cap = max(1, int(math.ceil(min(max_epochs, 2 * best_so_far[0]))))
            epochs = epochs_to_threshold(activation, lr, split.tune[0], cap)
            best_so_far[0] = min(best_so_far[0], epochs)
            return epochs

        chosen[activation], scores[activation], interior[activation] = best_on_grid(grid, score)

    ctx.report("seeds at the chosen learning rates", 0.85)
    epochs: dict[str, list[float]] = {a: [] for a in inits}
    for seed in seeds:
        for activation in inits:
            epochs[activation].append(epochs_to_threshold(activation, chosen[activation], seed, max_epochs))
    relu = finite(epochs["relu"], float(max_epochs))
    tanh = finite(epochs["tanh"], float(max_epochs))
    ratios = [t / r for t, r in zip(tanh, relu, strict=False)]
    ratio = math.exp(statistics.fmean(math.log(r) for r in ratios))

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    for activation, style in (("relu", "-"), ("tanh", "--")):
        runs = [curves[(activation, chosen[activation], s)] for s in seeds]
        n = min(len(r) for r in runs)
        mean_band(
            ax1,
            [c[0] for c in runs[0][:n]],
            [[c[1] for c in r[:n]] for r in runs],
            linestyle=style,
            label=f"{activation} (lr {chosen[activation]:g}, {INIT_DESCRIPTION[inits[activation]].split(',')[0]})",
        )
    ax1.axhline(THRESHOLD, color="grey", linestyle=":", label="25 % training error")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("training error (until it crosses 25 %)")
    ax1.set_title(f"MNIST-1D, 4-layer CNN: tanh needs {ratio:.2g}x the epochs of ReLU (paper: ~6x)")
    ax1.legend(fontsize=8)
    for activation in inits:
        lrs = sorted(scores[activation])
        ax2.semilogx(lrs, finite([scores[activation][v] for v in lrs], float(max_epochs)), marker="o", label=activation)
    ax2.set_xlabel("learning rate")
    ax2.set_ylabel(f"epochs to 25 % training error (tuning seed {split.tune[0]}; capped)")
    ax2.set_title("learning-rate grid")
    ax2.legend(fontsize=8)
    figure = savefig(fig, ctx.out_dir, "relu_vs_tanh.png")

    short = short_run(ctx.mode)
    judgement = paired_ratio(tanh, relu, label="direction: tanh/ReLU epochs to 25 %", too_short=short)
    magnitude = paired_ratio(tanh, relu, min_ratio=6.0, label="magnitude against the paper's 6x", too_short=short)
    size = {"reproduced": "larger than 6x", "not reproduced": "smaller than 6x"}.get(
        magnitude.verdict, "consistent with 6x or undecided"
    )
    reason = (
        f"tanh needed {statistics.fmean(tanh):.3g} epochs and ReLU {statistics.fmean(relu):.3g} to reach 25 % training "
        f"error (lr {chosen['tanh']:g} vs {chosen['relu']:g}). {judgement.reason} Judged apart, the magnitude: "
        f"{size} ({magnitude.reason})"
    )
    if not all(interior.values()):
        reason += " A best learning rate sits at the edge of its extended grid."
    return Result(
        judgement=judgement,
        reason=reason,
        paper_figure="~6x fewer epochs to 25 % training error on CIFAR-10 (Krizhevsky et al. 2012, Fig. 1, "
        "4-layer CNN)",
        measured=f"{judgement.fmt()} fewer epochs to 25 % training error (MNIST-1D, 4-layer CNN); magnitude {size}",
        metrics=[
            Metric("epochs_to_25pct_relu", relu, "epochs"),
            Metric("epochs_to_25pct_tanh", tanh, "epochs"),
            Metric("tanh_over_relu_epochs", ratios, "x"),
        ],
        table=[
            {
                "activation": a,
                "lr": chosen[a],
                "epochs_to_25pct": float(f"{statistics.fmean(v):.3g}"),
                "grid": {k: s for k, s in sorted(scores[a].items())},
            }
            for a, v in (("relu", relu), ("tanh", tanh))
        ],
        figures=[figure],
        params={
            "data": f"MNIST-1D (make_dataset, {samples} samples, 80/20 split)",
            "model": f"1-D CNN, {channels} channels, 3 conv + linear",
            "optimizer": f"SGD momentum 0.9, batch {batch}, no weight decay",
            "seeds": seeds,
            "max_epochs": max_epochs,
            "error_checks_per_epoch": 2,
            "lr_grid": {a: sorted(s) for a, s in scores.items()},
            "lr_chosen": chosen,
            "lr_best_interior": interior,
            "lr_tuned_on_seed": split.tune[0],
            "init": {a: INIT_DESCRIPTION[i] for a, i in inits.items()},
            "output_layer_init": INIT_DESCRIPTION["xavier"],
        },
    )
