"""Stochastic depth: shorter training (executed blocks, seconds) and its effect on test error.

Claims (Huang et al. 2016): with the linear decay rule and p_L = 0.5 the expected number of executed
ResBlocks is (3L - 1)/4, about 25% less training time (Section 4, "Training time"); and the test error
improves over the constant-depth ResNet (CIFAR-10, 110 layers: 6.41% -> 5.25%, Table 1).

Setup at CPU scale: a residual MLP on digits (1200 train / 200 val / rest test): stem 64->W, L blocks
f_l = Linear-BN-ReLU-Linear-BN with H_l = ReLU(b_l f_l(H) + H), head W->10; He init; SGD momentum 0.9,
weight decay 1e-4. Both nets see the same data order and steps.

Design (fixed before the run):
- arms: the constant-depth net and the same net with stochastic depth (linear decay, p_L = 0.5).
- tuning: each arm's lr on its own grid {0.01, 0.03, 0.1} (extended while the best is at an edge) by validation
  error, on a tuning seed never reported.
- seeds: reported 1 (smoke), 3 (quick), 6 (full); 12 epochs quick, 40 full.
- metrics: the time measure is the fraction of residual blocks executed per training forward pass (the paper's
  measure of training cost, free of machine noise); wall-clock seconds are recorded beside it, not judged.
  Test error (%) after the last epoch.
- decision, two parts each judged on its own (``combine``): (1) training cost: the executed-block fraction is
  below 1 by the claimed amount — equivalent to the rule's expectation (3L − 1)/4L within ±0.03 (``equivalence``);
  (2) test error constant − stochastic depth > 0, paired by seed (``paired_difference``, 95 % t interval).
"""

from __future__ import annotations

import statistics
import time

import torch
from torch import nn

from reproductions.core import Metric, Result, RunContext
from reproductions.experiments.regularizers_common import (
    digits_split,
    error_rate,
    savefig,
    sgd_train,
    tune_on_grid,
)
from reproductions.experiments.threads import one_thread
from reproductions.regularizers import StochasticDepth, linear_decay_survival
from reproductions.verdicts import combine, equivalence, mean_interval, paired_difference, short_run, split_seeds


def make_net(blocks: int, width: int, stochastic: bool, gen: torch.Generator) -> nn.Sequential:
    probs = linear_decay_survival(blocks, 0.5) if stochastic else [1.0] * blocks
    layers: list[nn.Module] = [nn.Linear(64, width), nn.ReLU()]
    for p in probs:
        f = nn.Sequential(
            nn.Linear(width, width), nn.BatchNorm1d(width), nn.ReLU(), nn.Linear(width, width), nn.BatchNorm1d(width)
        )
        layers.append(StochasticDepth(f, p, generator=gen))
    layers.append(nn.Linear(width, 10))
    net = nn.Sequential(*layers)
    for m in net.modules():
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu", generator=gen)  # He init
            nn.init.zeros_(m.bias)
    return net


def train(data, stochastic: bool, lr: float, seed: int, epochs: int, blocks: int, width: int, device: str):
    gen = torch.Generator().manual_seed(seed)
    net = make_net(blocks, width, stochastic, gen).to(device)
    x, y = data["train"]
    order = torch.Generator().manual_seed(seed + 99)
    start = time.perf_counter()
    sgd_train(net, x, y, lr=lr, epochs=epochs, batch=64, gen=order, weight_decay=1e-4)
    seconds = time.perf_counter() - start
    sd = [m for m in net.modules() if isinstance(m, StochasticDepth)]
    executed = sum(m.executed for m in sd) / max(1, sum(m.calls for m in sd))
    net.eval()
    with torch.no_grad():
        errs = {k: error_rate(net(v[0]), v[1]) for k, v in data.items()}
    return {"seconds": seconds, "executed": executed, **errs}


def run(ctx: RunContext) -> Result:
    import matplotlib.pyplot as plt

    seeds = ctx.seeds(smoke=1, quick=3, full=6)
    blocks, width = (4, 32) if ctx.smoke else (12, 64)
    epochs = 1 if ctx.smoke else (12 if ctx.quick else 40)
    grid = [0.03] if ctx.smoke else [0.01, 0.03, 0.1]
    with one_thread():
        tune_seed = split_seeds(ctx.seed, 1, 1).tune[0]
        datas = {s: digits_split(1200, 200, s, ctx.device) for s in [*seeds, tune_seed]}
        cache: dict[tuple, dict[str, float]] = {}

        def res(stochastic: bool, lr: float, s: int) -> dict[str, float]:
            if (stochastic, lr, s) not in cache:
                cache[(stochastic, lr, s)] = train(datas[s], stochastic, lr, s, epochs, blocks, width, ctx.device)
            return cache[(stochastic, lr, s)]

        ctx.report("tuning the learning rate", 0.0)
        tuned = {
            arm: tune_on_grid(grid, lambda v, a=arm: res(a, v, tune_seed)["val"], max_extend=0 if ctx.smoke else 2)
            for arm in (False, True)
        }
        lr = {("stochastic depth" if a else "constant depth"): t[0] for a, t in tuned.items()}
        lr_scores = {("stochastic depth" if a else "constant depth"): t[1] for a, t in tuned.items()}
        lr_edge = {("stochastic depth" if a else "constant depth"): t[2] for a, t in tuned.items()}
        base, sd = [], []
        for i, s in enumerate(seeds):
            ctx.report(f"seed {s}", 0.3 + 0.7 * i / len(seeds))
            base.append(res(False, tuned[False][0], s))
            sd.append(res(True, tuned[True][0], s))

    expected = (3 * blocks - 1) / 4 / blocks
    executed = [r["executed"] for r in sd]
    time_ratio = [b["seconds"] / max(1e-9, r["seconds"]) for b, r in zip(base, sd, strict=False)]
    saving = [1 - 1 / t for t in time_ratio]
    err_base = [100 * r["test"] for r in base]
    err_sd = [100 * r["test"] for r in sd]
    short = short_run(ctx.mode)
    judgement = combine(
        [
            equivalence(
                executed,
                [expected] * len(executed),
                margin=0.03,
                label="executed-block fraction vs (3L−1)/4L",
                too_short=short,
            ),
            paired_difference(
                err_base, err_sd, unit=" pp", label="test error constant − stochastic depth", too_short=short
            ),
        ]
    )
    reason = (
        f"Executed blocks {100 * statistics.fmean(executed):.1f}% (theory (3L-1)/4L = {100 * expected:.1f}%), "
        f"wall-clock saved {100 * statistics.fmean(saving):.1f}% (recorded, not judged: machine noise); test error "
        f"constant depth {statistics.fmean(err_base):.2f}% vs stochastic depth {statistics.fmean(err_sd):.2f}% over "
        f"{len(seeds)} seeds, {epochs} epochs. " + judgement.reason
    )
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for i, errs in enumerate((err_base, err_sd)):
        mu, lo, hi = mean_interval(errs)
        lo, hi = (lo, hi) if len(errs) > 1 else (mu, mu)
        axes[0].bar([i], [mu], color=["grey", "tab:green"][i])
        axes[0].errorbar([i], [mu], yerr=[[mu - lo], [hi - mu]], color="black", capsize=4)
    axes[0].set_xticks([0, 1])
    axes[0].set_xticklabels(["constant depth", "stochastic depth"])
    axes[0].scatter([0] * len(err_base) + [1] * len(err_sd), err_base + err_sd, color="k", s=12, zorder=3)
    axes[0].set_ylabel("test error (%), 95 % interval, dots = seeds")
    axes[0].set_title(f"residual MLP, L={blocks} blocks, p_L=0.5")
    for i, vals in enumerate((executed, [1 / t for t in time_ratio])):
        mu, lo, hi = mean_interval(vals)
        lo, hi = (lo, hi) if len(vals) > 1 else (mu, mu)
        axes[1].bar([i], [mu], color="tab:green")
        axes[1].errorbar([i], [mu], yerr=[[mu - lo], [hi - mu]], color="black", capsize=4)
    axes[1].set_xticks([0, 1])
    axes[1].set_xticklabels(["executed blocks (judged)", "wall-clock seconds (beside)"])
    axes[1].axhline(expected, color="tab:red", ls="--", label=f"(3L-1)/4L = {expected:.3f}")
    axes[1].axhline(1.0, color="grey", ls=":")
    axes[1].set_ylabel("fraction of constant-depth net")
    axes[1].legend()
    figures = [savefig(fig, ctx.out_dir, "stochastic_depth.png")]
    return Result(
        judgement=judgement,
        reason=reason,
        paper_figure="CIFAR-10, 110 layers: ~25% less training time, test error 6.41% -> 5.25% (Table 1)",
        measured=f"{100 * (1 - statistics.fmean(executed)):.1f}% fewer blocks executed "
        f"({100 * statistics.fmean(saving):.1f}% "
        f"less wall-clock), error {statistics.fmean(err_base):.2f}% -> {statistics.fmean(err_sd):.2f}%",
        metrics=[
            Metric("executed block fraction", executed),
            Metric("training time saved", saving),
            Metric("test error constant depth", err_base, "%"),
            Metric("test error stochastic depth", err_sd, "%"),
        ],
        table=[
            {
                "seed": s,
                "error base %": round(a, 2),
                "error SD %": round(b, 2),
                "executed": round(e, 3),
                "time ratio": round(t, 2),
            }
            for s, a, b, e, t in zip(seeds, err_base, err_sd, executed, time_ratio, strict=False)
        ],
        figures=figures,
        params={
            "mode": ctx.mode,
            "seeds": seeds,
            "tuning_seed": tune_seed,
            "blocks": blocks,
            "width": width,
            "epochs": epochs,
            "batch": 64,
            "p_L": 0.5,
            "rule": "linear decay",
            "optimizer": "SGD momentum 0.9, weight decay 1e-4",
            "init": "He (kaiming normal, ReLU)",
            "lr_grid": sorted(lr_scores),
            "lr_val_error": lr_scores,
            "lr": lr,
            "lr_at_edge": lr_edge,
            "n_train": 1200,
            "device": ctx.device,
        },
    )
