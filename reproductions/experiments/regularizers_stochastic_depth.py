"""Stochastic depth: shorter training (executed blocks, seconds) and its effect on test error.

Claims (Huang et al. 2016): with the linear decay rule and p_L = 0.5 the expected number of executed
ResBlocks is (3L - 1)/4, about 25% less training time (Section 4, "Training time"); and the test error
improves over the constant-depth ResNet (CIFAR-10, 110 layers: 6.41% -> 5.25%, Table 1).

Setup at CPU scale: a residual MLP on digits (1200 train / 200 val / rest test): stem 64->W, L blocks
f_l = Linear-BN-ReLU-Linear-BN with H_l = ReLU(b_l f_l(H) + H), head W->10; He init; SGD momentum 0.9,
lr tuned on the constant-depth net (validation, seed 0). Both nets see the same data order and steps.
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
    gain_verdict,
    minibatches,
    one_thread,
    paired_gain,
    savefig,
    tune_on_grid,
)
from reproductions.regularizers import StochasticDepth, linear_decay_survival


def make_net(blocks: int, width: int, stochastic: bool, gen: torch.Generator) -> nn.Sequential:
    probs = linear_decay_survival(blocks, 0.5) if stochastic else [1.0] * blocks
    layers: list[nn.Module] = [nn.Linear(64, width), nn.ReLU()]
    for p in probs:
        f = nn.Sequential(nn.Linear(width, width), nn.BatchNorm1d(width), nn.ReLU(), nn.Linear(width, width), nn.BatchNorm1d(width))
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
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9, weight_decay=1e-4)
    x, y = data["train"]
    order = torch.Generator().manual_seed(seed + 99)
    start = time.perf_counter()
    net.train()
    for _ in range(epochs):
        for idx in minibatches(len(y), 64, order):
            opt.zero_grad()
            nn.functional.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
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
        datas = {s: digits_split(1200, 200, s, ctx.device) for s in seeds}
        cache: dict[tuple, dict[str, float]] = {}

        def res(stochastic: bool, lr: float, s: int) -> dict[str, float]:
            if (stochastic, lr, s) not in cache:
                cache[(stochastic, lr, s)] = train(datas[s], stochastic, lr, s, epochs, blocks, width, ctx.device)
            return cache[(stochastic, lr, s)]

        ctx.report("tuning the learning rate", 0.0)
        lr, lr_scores, lr_edge = tune_on_grid(grid, lambda v: res(False, v, seeds[0])["val"], max_extend=0 if ctx.smoke else 2)
        base, sd = [], []
        for i, s in enumerate(seeds):
            ctx.report(f"seed {s}", 0.3 + 0.7 * i / len(seeds))
            base.append(res(False, lr, s))
            sd.append(res(True, lr, s))

    expected = (3 * blocks - 1) / 4 / blocks
    executed = [r["executed"] for r in sd]
    time_ratio = [b["seconds"] / max(1e-9, r["seconds"]) for b, r in zip(base, sd)]
    saving = [1 - 1 / t for t in time_ratio]
    err_base = [100 * r["test"] for r in base]
    err_sd = [100 * r["test"] for r in sd]
    gain, se = paired_gain(err_base, err_sd)
    time_ok = abs(statistics.fmean(executed) - expected) < 0.05 and statistics.fmean(saving) >= 0.1
    v_err = gain_verdict(gain, se, min_effect=0.3)
    if time_ok and v_err == "reproduced":
        verdict = "reproduced"
    elif not time_ok or v_err == "not reproduced":
        verdict = "not reproduced"
    else:
        verdict = "inconclusive"
    reason = (
        f"Executed blocks {100 * statistics.fmean(executed):.1f}% (theory (3L-1)/4L = {100 * expected:.1f}%), "
        f"training time saved {100 * statistics.fmean(saving):.1f}% (needed >= 10%); test error constant depth "
        f"{statistics.fmean(err_base):.2f}% vs stochastic depth {statistics.fmean(err_sd):.2f}% (paired gain "
        f"{gain:.2f} ± {2 * se:.2f} pp, 2 SE; needed > 0.3 pp and > 2 SE) over {len(seeds)} seeds, {epochs} epochs."
    )
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    axes[0].bar(["constant depth", "stochastic depth"], [statistics.fmean(err_base), statistics.fmean(err_sd)], color=["grey", "tab:green"])
    axes[0].scatter([0] * len(err_base) + [1] * len(err_sd), err_base + err_sd, color="k", s=12, zorder=3)
    axes[0].set_ylabel("test error (%)")
    axes[0].set_title(f"residual MLP, L={blocks} blocks, p_L=0.5")
    axes[1].bar(["executed blocks", "training seconds"], [statistics.fmean(executed), statistics.fmean([1 / t for t in time_ratio])], color="tab:green")
    axes[1].axhline(expected, color="tab:red", ls="--", label=f"(3L-1)/4L = {expected:.3f}")
    axes[1].axhline(1.0, color="grey", ls=":")
    axes[1].set_ylabel("fraction of constant-depth net")
    axes[1].legend()
    figures = [savefig(fig, ctx.out_dir, "stochastic_depth.png")]
    return Result(
        name="stochastic-depth",
        claim="Stochastic depth cuts training time by ~25% and lowers test error",
        verdict=verdict,  # type: ignore[arg-type]
        reason=reason,
        paper_figure="CIFAR-10, 110 layers: ~25% less training time, test error 6.41% -> 5.25% (Table 1)",
        measured=f"{100 * statistics.fmean(saving):.1f}% less time, error {statistics.fmean(err_base):.2f}% -> {statistics.fmean(err_sd):.2f}%",
        metrics=[
            Metric("executed block fraction", executed),
            Metric("training time saved", saving),
            Metric("test error constant depth", err_base, "%"),
            Metric("test error stochastic depth", err_sd, "%"),
        ],
        table=[{"seed": s, "error base %": round(a, 2), "error SD %": round(b, 2), "executed": round(e, 3), "time ratio": round(t, 2)}
               for s, a, b, e, t in zip(seeds, err_base, err_sd, executed, time_ratio)],
        figures=figures,
        params={
            "mode": ctx.mode, "seeds": seeds, "blocks": blocks, "width": width, "epochs": epochs, "batch": 64,
            "p_L": 0.5, "rule": "linear decay", "optimizer": "SGD momentum 0.9, weight decay 1e-4",
            "init": "He (kaiming normal, ReLU)", "lr_grid": sorted(lr_scores), "lr_val_error": lr_scores, "lr": lr,
            "lr_at_edge": lr_edge, "n_train": 1200, "device": ctx.device,
        },
    )
