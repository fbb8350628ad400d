"""PReLU against ReLU: a learned per-channel slope (He et al. 2015).

The paper: replacing ReLU by channel-wise PReLU in its 14-layer ImageNet model lowers top-1 error
from 33.82 % to 32.64 % (Table 2) at a negligible cost in parameters, and the learned slopes are
large in the first layers and small deeper. CPU-sized: an MLP 40-128-128-10 on MNIST-1D, one
slope per hidden unit (the MLP's channels) initialised at 0.25, updated with momentum and no weight
decay as in the paper; He initialisation (with the paper's (1 + a²) correction for PReLU); the
learning rate tuned per activation on a validation split; test error compared over seeds.

Design (fixed before the run):
- data: MNIST-1D (``make_dataset``, 3,000 samples, 80/20 split; 1,000 at smoke size).
- arms: ReLU and PReLU MLPs 40-128-128-10, SGD momentum 0.9, batch 128, 15 epochs (2 at smoke size).
- tuning: each arm's lr on its own grid {0.01, 0.03, 0.1} (extended ×3 while the best is at an edge) by the
  validation error (last 20 % of the training set), on a tuning seed never reported.
- seeds: reported 2 (smoke), 3 (quick), 6 (full).
- metric: test error after the last epoch.
- decision: paired per-seed difference ReLU − PReLU in test error (``paired_difference``, 95 % t interval):
  reproduced if it lies above 0, not reproduced if below 0, else inconclusive.
"""

from __future__ import annotations

import statistics

from torch import nn

from reproductions.activations import PReLU
from reproductions.core import Metric, Result, RunContext
from reproductions.experiments.activations_common import (
    INIT_DESCRIPTION,
    mlp,
    mnist1d,
    savefig,
    setup_matplotlib,
    tune_then_test,
)
from reproductions.experiments.figures import mean_band
from reproductions.experiments.threads import one_thread
from reproductions.verdicts import paired_difference, short_run


@one_thread()
def run(ctx: RunContext) -> Result:
    setup_matplotlib()
    import matplotlib.pyplot as plt

    seeds = ctx.seeds(smoke=2, quick=3, full=6)
    widths = [32, 32] if ctx.smoke else [128, 128]
    samples = 1000 if ctx.smoke else 3000
    epochs = 2 if ctx.smoke else 15
    batch = 128
    grid = [0.01, 0.03, 0.1]
    data = mnist1d(samples).to(ctx.device)
    inits = {"relu": "he", "prelu": "he_prelu"}

    def groups(model: nn.Module) -> list[dict[str, object]]:
        slopes = [p for m in model.modules() if isinstance(m, PReLU) for p in m.parameters()]
        ids = {id(p) for p in slopes}
        others = [p for p in model.parameters() if id(p) not in ids]
        # the slopes never get weight decay (He et al. 2015, Sec. 2.1); nothing gets decay here anyway
        return [{"params": others}, {"params": slopes, "weight_decay": 0.0}] if slopes else [{"params": others}]

    results = {}
    for k, activation in enumerate(inits):
        ctx.report(f"{activation}: tuning and seeds", 0.05 + 0.45 * k)
        results[activation] = tune_then_test(
            lambda a=activation: mlp(40, widths, 10, a, inits[a]),
            data,
            grid=grid,
            epochs=epochs,
            batch_size=batch,
            seeds=seeds,
            device=ctx.device,
            param_groups=groups,
        )

    test = {a: [h.test_error[-1] for h in r[3]] for a, r in results.items()}
    train_err = {a: [h.train_error[-1] for h in r[3]] for a, r in results.items()}
    slopes = [
        [m.weight.detach().mean().item() for m in model.modules() if isinstance(m, PReLU)]
        for model in results["prelu"][4]
    ]
    slope_per_layer = [statistics.fmean(s[j] for s in slopes) for j in range(len(widths))]

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    for activation in inits:
        mean_band(
            ax1,
            list(range(1, epochs + 1)),
            [h.test_error for h in results[activation][3]],
            label=f"{activation} (lr {results[activation][0]:g})",
        )
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("test error")
    ax1.set_title(f"MNIST-1D, MLP 40-{'-'.join(map(str, widths))}-10, mean over seeds")
    ax1.legend()
    first_model = results["prelu"][4][0]
    for j, m in enumerate(mod for mod in first_model.modules() if isinstance(mod, PReLU)):
        ax2.hist(
            m.weight.detach().cpu().numpy(),
            bins=30,
            alpha=0.6,
            label=f"hidden layer {j + 1} (mean {slope_per_layer[j]:.2f})",
        )
    ax2.axvline(0.25, color="grey", linestyle=":", label="init 0.25")
    ax2.set_xlabel("learned slope a_i")
    ax2.set_title("PReLU slopes after training")
    ax2.legend(fontsize=8)
    figure = savefig(fig, ctx.out_dir, "prelu.png")

    diffs = [r - p for r, p in zip(test["relu"], test["prelu"], strict=True)]
    judgement = paired_difference(
        test["relu"], test["prelu"], label="test error ReLU − PReLU", too_short=short_run(ctx.mode)
    )
    reason = (
        f"Test error {statistics.fmean(test['prelu']):.3f} with PReLU vs {statistics.fmean(test['relu']):.3f} with "
        f"ReLU (paper: -1.18 points top-1 on ImageNet); learned mean slope per layer "
        f"{', '.join(f'{s:.2f}' for s in slope_per_layer)}. " + judgement.reason
    )
    if not all(r[2] for r in results.values()):
        reason += " A best learning rate sits at the edge of its extended grid."
    return Result(
        judgement=judgement,
        reason=reason,
        paper_figure="top-1 error 33.82 % -> 32.64 % (ReLU -> PReLU, 14-layer model, ImageNet; He et al. 2015, "
        "Table 2); "
        "learned slopes larger in early layers",
        measured=f"test error {statistics.fmean(test['relu']):.3f} -> {statistics.fmean(test['prelu']):.3f} "
        "(ReLU -> PReLU, MNIST-1D MLP)",
        metrics=[
            Metric("test_error_relu", test["relu"]),
            Metric("test_error_prelu", test["prelu"]),
            Metric("test_error_gain_relu_minus_prelu", diffs),
            Metric("train_error_relu", train_err["relu"]),
            Metric("train_error_prelu", train_err["prelu"]),
            *[Metric(f"mean_slope_layer{j + 1}", [s[j] for s in slopes]) for j in range(len(widths))],
        ],
        table=[
            {
                "activation": a,
                "lr": results[a][0],
                "test_error": round(statistics.fmean(test[a]), 4),
                "train_error": round(statistics.fmean(train_err[a]), 4),
                "val_error_by_lr": {k: round(v, 4) for k, v in sorted(results[a][1].items())},
            }
            for a in inits
        ],
        figures=[figure],
        params={
            "data": f"MNIST-1D (make_dataset, {samples} samples, 80/20 split)",
            "model": f"MLP 40-{'-'.join(map(str, widths))}-10",
            "optimizer": f"SGD momentum 0.9, batch {batch}, {epochs} epochs, no weight decay "
            "(slopes in their own group)",
            "prelu": "channel-wise (one slope per hidden unit), init 0.25",
            "seeds": seeds,
            "lr_grid": {a: sorted(r[1]) for a, r in results.items()},
            "lr_chosen": {a: r[0] for a, r in results.items()},
            "lr_best_interior": {a: r[2] for a, r in results.items()},
            "lr_selection": "lowest validation error (last 20 % of the training set) on a tuning seed not reported",
            "init": {a: INIT_DESCRIPTION[i] for a, i in inits.items()},
            "output_layer_init": INIT_DESCRIPTION["xavier"],
        },
    )
