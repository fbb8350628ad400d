"""ELU against ReLU: faster learning and mean activations nearer zero (Clevert et al. 2015).

The paper's MNIST experiment (Sec. 4.1, Fig. 2): an eight-hidden-layer MLP of 128 units per layer;
ELU units keep the mean activation of each layer closer to zero and reach a lower training
cross-entropy sooner than ReLU units. CPU-sized: the same 8x128 MLP on sklearn's digits, SGD with
momentum 0.9, a fixed number of epochs, the learning rate tuned per activation on a grid (lowest
final training loss, best inside the grid), He initialisation for both.

Design (fixed before the run):
- data: sklearn's digits (1,297 train / 500 test, standardised).
- arms: ReLU and ELU (α = 1) MLPs 64-8x128-10 (4x32 at smoke size), SGD momentum 0.9, batch 128, 8 epochs.
- tuning: each arm's lr on its own grid {0.003, 0.01, 0.03} (extended while the best is at an edge) by its
  final training loss, on a tuning seed never reported.
- seeds: reported 2 (smoke), 3 (quick), 5 (full).
- metrics: final training cross-entropy; |mean activation| averaged over the hidden layers after training.
- decision: two parts, each judged on its own (``combine``): ReLU/ELU training loss (``paired_ratio``) and
  ReLU/ELU |mean activation| (``paired_ratio``), both per-seed log-ratios with 95 % t intervals; reproduced if
  both intervals lie above 1, not reproduced if either lies below 1, else inconclusive.
"""

from __future__ import annotations

import math
import statistics

import torch
from torch import nn

from reproductions.core import Metric, Result, RunContext
from reproductions.experiments.activations_common import (
    INIT_DESCRIPTION,
    best_on_grid,
    digits,
    mlp,
    savefig,
    setup_matplotlib,
    train,
)
from reproductions.experiments.figures import mean_band
from reproductions.experiments.threads import one_thread
from reproductions.verdicts import combine, mean_interval, paired_ratio, short_run


@torch.no_grad()
def _mean_activation(net: nn.Sequential, x: torch.Tensor) -> float:
    """Mean over hidden layers of |mean activation of the layer's units| on the training set."""
    values = []
    h = x
    for layer in net:
        h = layer(h)
        if not isinstance(layer, nn.Linear):
            values.append(h.mean().abs().item())
    return statistics.fmean(values)


@one_thread()
def run(ctx: RunContext) -> Result:
    setup_matplotlib()
    import matplotlib.pyplot as plt

    seeds = ctx.seeds(smoke=2, quick=3, full=5)
    depth, width = (4, 32) if ctx.smoke else (8, 128)
    epochs = 2 if ctx.smoke else 8
    batch = 128
    grid = [0.003, 0.01, 0.03]
    data = digits(0).to(ctx.device)

    def fit(activation: str, lr: float, seed: int) -> tuple[list[float], float]:
        torch.manual_seed(seed)
        net = mlp(64, [width] * depth, 10, activation, "he").to(ctx.device)
        hist = train(net, data, lr=lr, epochs=epochs, batch_size=batch, seed=seed)
        if hist.diverged or not hist.train_loss:
            return [math.inf], math.nan
        return hist.train_loss, _mean_activation(net, data.x)

    chosen, scores, interior = {}, {}, {}
    for k, activation in enumerate(("relu", "elu")):
        ctx.report(f"tuning the learning rate for {activation}", 0.05 + 0.35 * k)
        chosen[activation], scores[activation], interior[activation] = best_on_grid(
            grid, lambda lr, a=activation: fit(a, lr, seeds[0] + 10_000)[0][-1]
        )

    ctx.report("seeds at the chosen learning rates", 0.75)
    losses: dict[str, list[float]] = {"relu": [], "elu": []}
    means: dict[str, list[float]] = {"relu": [], "elu": []}
    curves: dict[str, list[list[float]]] = {"relu": [], "elu": []}
    for seed in seeds:
        for activation in ("relu", "elu"):
            curve, mean_act = fit(activation, chosen[activation], seed)
            losses[activation].append(curve[-1])
            means[activation].append(mean_act)
            curves[activation].append(curve if len(curve) == epochs else [math.nan] * epochs)

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    for activation in ("relu", "elu"):
        mean_band(
            ax1,
            list(range(1, epochs + 1)),
            curves[activation],
            log=True,
            label=f"{activation} (lr {chosen[activation]:g})",
        )
    ax1.set_yscale("log")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("training cross-entropy")
    ax1.set_title(f"digits, MLP {depth}x{width}, mean over seeds")
    ax1.legend()
    for i, a in enumerate(("relu", "elu")):
        m, lo, hi = mean_interval(means[a])
        lo, hi = (lo, hi) if len(means[a]) > 1 else (m, m)
        ax2.bar([i], [m], color=f"C{i}")
        ax2.errorbar([i], [m], yerr=[[m - lo], [hi - m]], color="black", capsize=4)
    ax2.set_xticks([0, 1])
    ax2.set_xticklabels(["relu", "elu"])
    ax2.set_ylabel("|mean activation| over hidden layers (95 % interval)")
    ax2.set_title("after training: ELU's mean activation is nearer zero?")
    figure = savefig(fig, ctx.out_dir, "elu_vs_relu.png")

    # paired over seeds on log(loss_relu / loss_elu): ELU at least 1.1x lower counts as an effect
    # a diverged run counts as ten times the worst loss seen (finite, so the log-ratio exists and goes against it)
    cap = max([v for a in losses for v in losses[a] if math.isfinite(v)] or [1.0]) * 10
    losses = {a: [v if math.isfinite(v) and v > 0 else cap for v in vs] for a, vs in losses.items()}
    diffs = [math.log(r / e) for r, e in zip(losses["relu"], losses["elu"], strict=True)]
    short = short_run(ctx.mode)
    loss_j = paired_ratio(losses["relu"], losses["elu"], label="training loss ReLU/ELU", too_short=short)
    mean_j = paired_ratio(means["relu"], means["elu"], label="|mean activation| ReLU/ELU", too_short=short)
    judgement = combine([loss_j, mean_j])
    mean_relu, mean_elu = statistics.fmean(means["relu"]), statistics.fmean(means["elu"])
    reason = (
        f"After {epochs} epochs the training loss is {statistics.fmean(losses['elu']):.3g} with ELU and "
        f"{statistics.fmean(losses['relu']):.3g} with ReLU (lr {chosen['elu']:g} vs {chosen['relu']:g}); "
        f"|mean activation| {mean_elu:.3f} (ELU) vs {mean_relu:.3f} (ReLU). " + judgement.reason
    )
    if not all(interior.values()):
        reason += " A best learning rate sits at the edge of its extended grid."
    return Result(
        judgement=judgement,
        reason=reason,
        paper_figure="MNIST, 8x128 MLP: ELU reaches lower training cross-entropy faster than ReLU, with unit "
        "activations "
        "whose mean stays closer to zero (Clevert et al. 2015, Fig. 2)",
        measured=f"ReLU/ELU training loss after {epochs} epochs: {loss_j.fmt()}; |mean activation| ReLU/ELU "
        f"{mean_j.fmt()} ({mean_relu:.2g} vs {mean_elu:.2g})",
        metrics=[
            Metric("train_loss_relu", losses["relu"]),
            Metric("train_loss_elu", losses["elu"]),
            Metric("loss_ratio_relu_over_elu", [math.exp(d) for d in diffs], "x"),
            Metric("abs_mean_activation_relu", means["relu"]),
            Metric("abs_mean_activation_elu", means["elu"]),
        ],
        table=[
            {
                "activation": a,
                "lr": chosen[a],
                "train_loss": float(f"{statistics.fmean(losses[a]):.4g}"),
                "abs_mean_activation": float(f"{statistics.fmean(means[a]):.4g}"),
                "grid": {k: float(f"{v:.4g}") for k, v in sorted(scores[a].items())},
            }
            for a in ("relu", "elu")
        ],
        figures=[figure],
        params={
            "data": "sklearn digits, standardised",
            "model": f"MLP 64-{depth}x{width}-10",
            "epochs": epochs,
            "optimizer": f"SGD momentum 0.9, batch {batch}",
            "seeds": seeds,
            "elu_alpha": 1.0,
            "lr_grid": {a: sorted(s) for a, s in scores.items()},
            "lr_chosen": chosen,
            "lr_best_interior": interior,
            "lr_selection": "lowest final training loss on a tuning seed not reported (seeds[0] + 10000)",
            "init": INIT_DESCRIPTION["he"] + " (both networks)",
            "output_layer_init": INIT_DESCRIPTION["xavier"],
        },
    )
