"""He against Xavier initialization in a deep ReLU network (He, Zhang, Ren & Sun 2015, Section 2.2, Fig. 3).

The paper: for rectifiers, the weight variance that keeps the forward signal's variance constant is 2 / n_l
(n_l = fan-in), where Xavier's 1 / n_l (its fan-in form) halves the variance at every ReLU layer; a 30-layer ReLU
network initialised with Xavier's rule does not learn, while with theirs it converges (Fig. 3).

    Var[y_L] = Var[y_1] · Π_l (½ n_l Var[w_l])        (He et al. eq. 10)
    He:      ½ n_l Var[w_l] = 1  →  std = sqrt(2 / n_l)
    Xavier:  Var[w_l] = 1 / n_l (fan-in form, as in the paper's comparison)  →  the product is 2^-(L-1)

Design (fixed before the run):
- data: sklearn's digits (1,297 train / 500 test, standardised).
- arms: the same ReLU MLP, 30 hidden layers of 64 (10 at smoke size), no batch norm, zero biases, weights
  N(0, 2/fan_in) (He) or N(0, 1/fan_in) (Xavier, fan-in form); SGD momentum 0.9, batch 128, 10 epochs (1 at smoke).
- tuning: each arm's lr on its own grid {0.001, 0.003, 0.01, 0.03} (extended ×3 while the best is at an edge) by
  final training loss, on a tuning seed never reported.
- seeds: reported 2 (smoke), 3 (quick), 5 (full).
- metric: final full-training-set cross-entropy; beside it (not judged), the std of the last hidden layer's
  pre-activations at initialisation relative to the first's.
- decision: the per-seed log-ratio Xavier / He final training loss (``paired_ratio``, 95 % t interval): reproduced
  if it lies above 1 (He trains, Xavier lags), not reproduced if below 1, else inconclusive.
"""

from __future__ import annotations

import math
import statistics

import torch
from torch import nn

from reproductions.core import Metric, Result, RunContext
from reproductions.experiments.activations_common import best_on_grid, digits, setup_matplotlib, train
from reproductions.experiments.figures import mean_band, savefig
from reproductions.experiments.threads import one_thread
from reproductions.verdicts import paired_ratio, short_run, split_seeds

GAIN = {"he": 2.0, "xavier": 1.0}  # Var[w] = gain / fan_in


def deep_relu(depth: int, width: int, init: str) -> nn.Sequential:
    layers: list[nn.Module] = []
    prev = 64
    for _ in range(depth):
        lin = nn.Linear(prev, width)
        # He: std = sqrt(2 / n_l); Xavier (fan-in form): std = sqrt(1 / n_l)
        nn.init.normal_(lin.weight, 0.0, math.sqrt(GAIN[init] / prev))
        nn.init.zeros_(lin.bias)
        layers += [lin, nn.ReLU()]
        prev = width
    head = nn.Linear(prev, 10)
    nn.init.normal_(head.weight, 0.0, math.sqrt(1.0 / prev))
    nn.init.zeros_(head.bias)
    return nn.Sequential(*layers, head)


@torch.no_grad()
def preactivation_stds(net: nn.Sequential, x: torch.Tensor) -> list[float]:
    stds, h = [], x
    for layer in net:
        h = layer(h)
        if isinstance(layer, nn.Linear):
            stds.append(float(h.std()))
    return stds[:-1]  # hidden layers only


@one_thread()
def run(ctx: RunContext) -> Result:
    setup_matplotlib()
    import matplotlib.pyplot as plt

    split = split_seeds(ctx.seed, 1, 2 if ctx.smoke else (3 if ctx.quick else 5))
    seeds = list(split.report)
    depth, width = (10, 32) if ctx.smoke else (30, 64)
    epochs = 1 if ctx.smoke else 10
    data = digits(0).to(ctx.device)

    def fit(init: str, lr: float, seed: int) -> list[float]:
        torch.manual_seed(seed)
        net = deep_relu(depth, width, init).to(ctx.device)
        hist = train(net, data, lr=lr, epochs=epochs, batch_size=128, seed=seed)
        if hist.diverged or len(hist.train_loss) < epochs:
            return [math.inf] * epochs
        return hist.train_loss

    chosen, scores, interior = {}, {}, {}
    for k, init in enumerate(GAIN):
        ctx.report(f"tuning {init}", 0.4 * k)
        chosen[init], scores[init], interior[init] = best_on_grid(
            [0.001, 0.003, 0.01, 0.03], lambda lr, i=init: fit(i, lr, split.tune[0])[-1]
        )
    curves: dict[str, list[list[float]]] = {i: [] for i in GAIN}
    shrink: dict[str, list[float]] = {i: [] for i in GAIN}
    for seed in seeds:
        for init in GAIN:
            curves[init].append(fit(init, chosen[init], seed))
            torch.manual_seed(seed)
            stds = preactivation_stds(deep_relu(depth, width, init), data.x[:500])
            shrink[init].append(stds[-1] / stds[0])
    # a diverged run (inf) counts as ten times the worst finite loss, so the ratio goes against that arm
    finite = [v for i in GAIN for c in curves[i] for v in c if math.isfinite(v)]
    cap = 10 * max(finite) if finite else 10.0
    final = {i: [c[-1] if math.isfinite(c[-1]) else cap for c in curves[i]] for i in GAIN}
    judgement = paired_ratio(
        final["xavier"], final["he"], label="final training loss Xavier / He", too_short=short_run(ctx.mode)
    )
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    for init in GAIN:
        runs = [[v if math.isfinite(v) else cap for v in c] for c in curves[init]]
        mean_band(ax1, list(range(1, epochs + 1)), runs, log=True, label=f"{init} (lr {chosen[init]:g})")
        torch.manual_seed(seeds[0])
        ax2.semilogy(preactivation_stds(deep_relu(depth, width, init), data.x[:500]), marker=".", label=init)
    ax1.set_yscale("log")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("training cross-entropy (mean over seeds, 95 % band)")
    ax1.set_title(f"digits, {depth}-layer ReLU MLP, width {width}")
    ax1.legend()
    ax2.set_xlabel("hidden layer")
    ax2.set_ylabel("std of pre-activations at initialisation")
    ax2.set_title("Xavier halves the variance at every ReLU; He keeps it (seed 0 shown: a deterministic effect)")
    ax2.legend()
    figure = savefig(fig, ctx.out_dir, "he_vs_xavier.png")
    m = statistics.fmean
    return Result(
        judgement=judgement,
        reason=f"Final training loss He {m(final['he']):.3g} vs Xavier {m(final['xavier']):.3g} (lr {chosen['he']:g} "
        f"vs {chosen['xavier']:g}); last/first hidden pre-activation std at init He "
        f"{m(shrink['he']):.2g}, Xavier {m(shrink['xavier']):.2g} (theory 2^-{(depth - 1) / 2:g} = "
        f"{2 ** (-(depth - 1) / 2):.2g}). " + judgement.reason,
        paper_figure="30-layer ReLU net: Xavier init stalls, He init converges (He et al. 2015, Fig. 3)",
        measured=f"final training loss Xavier / He {judgement.fmt()}",
        metrics=[Metric(f"final train loss {i}", final[i]) for i in GAIN]
        + [Metric(f"last/first pre-activation std at init, {i}", shrink[i]) for i in GAIN],
        table=[
            {
                "init": i,
                "lr": chosen[i],
                "final train loss": round(m(final[i]), 4),
                "lr grid": {k: round(v, 4) for k, v in sorted(scores[i].items())},
            }
            for i in GAIN
        ],
        figures=[figure],
        params={
            "mode": ctx.mode,
            "seeds": seeds,
            "tuning_seed": split.tune[0],
            "depth": depth,
            "width": width,
            "epochs": epochs,
            "optimizer": "SGD momentum 0.9, batch 128",
            "init": "He N(0, 2/fan_in) vs Xavier N(0, 1/fan_in), zero biases; head N(0, 1/fan_in)",
            "lr_chosen": chosen,
            "lr_best_interior": interior,
        },
    )
