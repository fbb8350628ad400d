"""Dead ReLUs after a large learning rate, against Leaky ReLU (Maas et al. 2013).

A ReLU whose pre-activation is negative on every training example outputs 0 and gets gradient 0:
nothing can bring it back. Maas et al. give the inactive side a slope of 0.01 so that such a unit
still receives a gradient. The experiment knocks units off with one epoch at a large learning rate
(SGD, lr 0.5, momentum 0.9), then trains for a while at a normal one (lr 0.03), and counts, in each
hidden layer, the units that are inactive (pre-activation ≤ 0) on every training example: after
the large-rate epoch, and after recovery. Same seeds, same data order and He initialisation for
both networks; only the activation differs.

Source: the cs231n lecture's claim (Maas et al. 2013 make a different one, rectifiers vs tanh). Decision (fixed
before the run): per seed, the fraction of the units switched off by the large rate that are active again after
the recovery epochs, Leaky ReLU minus ReLU (``paired_difference``, 95 % t interval): reproduced if it lies above
0, not reproduced if below 0; inconclusive if the large rate switched off under 2 % of the ReLUs. The rates are
the treatment, not tuned. Reported seeds 1 (smoke), 3 (quick), 8 (full).
"""

from __future__ import annotations

import statistics

import torch
from torch import nn

from reproductions.core import Metric, Result, RunContext
from reproductions.experiments.activations_common import (
    INIT_DESCRIPTION,
    digits,
    mlp,
    savefig,
    setup_matplotlib,
    train,
)
from reproductions.experiments.figures import mean_band
from reproductions.experiments.threads import one_thread
from reproductions.verdicts import paired_difference, short_run

SHOCK_LR, SHOCK_MOMENTUM = 0.5, 0.9
RECOVERY_LR = 0.03


@torch.no_grad()
def _inactive(net: nn.Sequential, x: torch.Tensor) -> torch.Tensor:
    """Boolean mask over all hidden units: pre-activation ≤ 0 on every example."""
    masks = []
    h = x
    for layer in net:
        h = layer(h)
        if isinstance(layer, nn.Linear) and layer is not net[-1]:
            masks.append((h <= 0).all(dim=0))
    return torch.cat(masks)


@one_thread()
def run(ctx: RunContext) -> Result:
    setup_matplotlib()
    import matplotlib.pyplot as plt

    seeds = ctx.seeds(smoke=1, quick=3, full=8)
    widths = [64, 64] if ctx.smoke else [128, 128]
    recovery_epochs = 2 if ctx.smoke else 15
    data = digits(0).to(ctx.device)

    after_shock: dict[str, list[float]] = {"relu": [], "leaky_relu": []}
    after_recovery: dict[str, list[float]] = {"relu": [], "leaky_relu": []}
    recovered: dict[str, list[float]] = {"relu": [], "leaky_relu": []}
    train_err: dict[str, list[float]] = {"relu": [], "leaky_relu": []}
    test_err: dict[str, list[float]] = {"relu": [], "leaky_relu": []}
    trajectories: dict[str, list[list[float]]] = {}
    for i, seed in enumerate(seeds):
        for activation in ("relu", "leaky_relu"):
            torch.manual_seed(seed)
            net = mlp(64, widths, 10, activation).to(ctx.device)
            shock = train(net, data, lr=SHOCK_LR, momentum=SHOCK_MOMENTUM, epochs=1, batch_size=64, seed=seed)
            dead_mask = _inactive(net, data.x)
            traj = [dead_mask.float().mean().item()]
            hist = None
            for _ in range(recovery_epochs):
                hist = train(net, data, lr=RECOVERY_LR, epochs=1, batch_size=64, seed=seed + 1000 + len(traj))
                traj.append(_inactive(net, data.x).float().mean().item())
            final_mask = _inactive(net, data.x)
            after_shock[activation].append(traj[0])
            after_recovery[activation].append(traj[-1])
            # of the units inactive after the shock, the fraction active again after recovery
            n_dead = int(dead_mask.sum())
            recovered[activation].append((dead_mask & ~final_mask).sum().item() / n_dead if n_dead else float("nan"))
            train_err[activation].append(hist.train_error[-1] if hist and hist.train_error else float("nan"))
            test_err[activation].append(hist.test_error[-1] if hist and hist.test_error else float("nan"))
            if shock.diverged:
                train_err[activation][-1] = float("nan")
            trajectories.setdefault(activation, []).append(list(traj))
        ctx.report(f"seed {seed}", (i + 1) / len(seeds))

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for activation, style in (("relu", "-"), ("leaky_relu", "--")):
        runs = trajectories[activation]
        n = min(len(r) for r in runs)
        mean_band(ax, list(range(n)), [r[:n] for r in runs], linestyle=style, marker="o", label=activation)
    ax.set_xlabel(f"epoch at lr {RECOVERY_LR} after one epoch at lr {SHOCK_LR} (momentum {SHOCK_MOMENTUM})")
    ax.set_ylabel("fraction of hidden units inactive on every example")
    ax.set_title(f"digits MLP 64-{'-'.join(map(str, widths))}-10, mean over seeds")
    ax.set_ylim(bottom=0)
    ax.legend()
    figure = savefig(fig, ctx.out_dir, "dead_relu.png")

    def mean(values: list[float]) -> float:
        finite_values = [v for v in values if v == v]
        return statistics.fmean(finite_values) if finite_values else float("nan")

    rec_relu, rec_leaky = mean(recovered["relu"]), mean(recovered["leaky_relu"])
    dead_relu, dead_leaky = mean(after_shock["relu"]), mean(after_shock["leaky_relu"])
    # per seed: the fraction of shocked-inactive units that came back, Leaky ReLU minus ReLU (nan when the shock
    # killed nothing in that seed: such a seed cannot test recovery and is left out, which the reason reports)
    pairs = [(r, k) for r, k in zip(recovered["relu"], recovered["leaky_relu"], strict=True) if r == r and k == k]
    too_short = short_run(ctx.mode)
    if dead_relu < 0.02:
        too_short = f"the large rate switched off only {dead_relu:.1%} of the ReLUs: nothing to recover from"
    judgement = paired_difference(
        [p[0] for p in pairs],
        [p[1] for p in pairs],
        direction="higher",
        label="fraction recovered, Leaky ReLU − ReLU",
        too_short=too_short,
    )
    reason = (
        f"One epoch at lr {SHOCK_LR} left {dead_relu:.1%} of ReLU units and {dead_leaky:.1%} of Leaky ReLU "
        "units inactive "
        f"on every example; after {recovery_epochs} epochs at lr {RECOVERY_LR}, {rec_relu:.1%} of those ReLUs and "
        f"{rec_leaky:.1%} of those Leaky ReLUs were active again (inactive overall: "
        f"{mean(after_recovery['relu']):.1%} vs "
        f"{mean(after_recovery['leaky_relu']):.1%}; test error {mean(test_err['relu']):.3f} vs "
        f"{mean(test_err['leaky_relu']):.3f}). " + judgement.reason
    )
    return Result(
        judgement=judgement,
        reason=reason,
        paper_figure="Mechanism (Maas et al. 2013, Sec. 3): the 0.01 leak gives inactive units a non-zero gradient; "
        "the paper's speech DNNs reach about the same WER with leaky and plain rectifiers",
        measured=f"recovered after {recovery_epochs} epochs: ReLU {rec_relu:.0%}, Leaky ReLU {rec_leaky:.0%} of "
        "the units the large rate switched off",
        metrics=[
            Metric("inactive_after_shock_relu", after_shock["relu"]),
            Metric("inactive_after_shock_leaky", after_shock["leaky_relu"]),
            Metric("inactive_after_recovery_relu", after_recovery["relu"]),
            Metric("inactive_after_recovery_leaky", after_recovery["leaky_relu"]),
            Metric("recovered_fraction_relu", recovered["relu"]),
            Metric("recovered_fraction_leaky", recovered["leaky_relu"]),
            Metric("test_error_relu", test_err["relu"]),
            Metric("test_error_leaky", test_err["leaky_relu"]),
        ],
        table=[
            {
                "activation": a,
                "inactive_after_shock": round(mean(after_shock[a]), 4),
                "inactive_after_recovery": round(mean(after_recovery[a]), 4),
                "recovered": round(mean(recovered[a]), 4),
                "train_error": round(mean(train_err[a]), 4),
                "test_error": round(mean(test_err[a]), 4),
            }
            for a in ("relu", "leaky_relu")
        ],
        figures=[figure],
        params={
            "data": "sklearn digits, standardised (1297 train / 500 test)",
            "model": f"MLP 64-{'-'.join(map(str, widths))}-10",
            "shock": f"1 epoch SGD lr {SHOCK_LR} momentum {SHOCK_MOMENTUM}, batch 64",
            "recovery": f"{recovery_epochs} epochs SGD lr {RECOVERY_LR} momentum 0.9, batch 64",
            "leak": 0.01,
            "seeds": seeds,
            "init": INIT_DESCRIPTION["he"] + " (both networks)",
            "output_layer_init": INIT_DESCRIPTION["xavier"],
            "lr_note": "the rates are the experiment's treatment (a deliberately large rate, then a normal one), "
            "not tuned",
        },
    )
