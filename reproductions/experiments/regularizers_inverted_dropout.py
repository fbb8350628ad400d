"""Inverted dropout vs the paper's test-time weight scaling: an identity (a check) and an empirical comparison.

Srivastava et al. 2014 (Section 4 and 10) drop units in training without rescaling and multiply the outgoing
weights by the retain probability q at test time (W_test = q W); inverted dropout (cs231n, torch) divides the kept
units by q in training and leaves the test network untouched. With r ~ Bernoulli(q)::

    paper:    train  W (r ⊙ h)          test  W (q h)
    inverted: train  W' (r ⊙ h / q)     test  W' h

so with W' = q W the two are the same network in training (the same masks) and at test, and E[r ⊙ h / q] = h.

``run_identity`` (a check, never counted in the reproduced rate). Design: per seed, a random activation vector h
(4,096 units, values in [0.5, 1.5]) and a random 2-layer net; q = 0.5 and 0.8. Metric: the largest of (1) the
per-draw error of inverted dropout against r ⊙ h / q with r its own mask, (2) the paper net with W against the
inverted net with qW, in training (same generator seed, so the same masks) and at test, in float64. Decision:
``verdicts.check`` with tolerance 1e-12. Beside it (not in the verdict, a statistical statement): the Monte-Carlo
mean of 2,000 inverted draws against h as the largest |z| (standard error h √((1 − q)/(q K))), expected below ~5.

``run`` (a reproduction). Claim: the two forms train equally good networks. Design (fixed before the run):
- data: sklearn digits, 1,000 train / 200 validation / rest test, drawn per seed.
- arms: MLP 64-256-256-10, ReLU, He init, dropout p = 0.5 after each hidden layer, in the inverted form and in the
  paper's form; SGD momentum 0.9, batch 100; 2 (smoke) / 20 (quick) / 50 (full) epochs.
- tuning: each arm's lr on its own grid {0.01, 0.03, 0.1, 0.3} ({0.1} at smoke size), extended ×3 while the best
  is at an edge, by validation error on a tuning seed that is never reported (the forms differ by a factor q in
  the next layer's effective step size, so one shared lr would favour one of them).
- seeds: 1 tuning seed; reported seeds 1 (smoke), 3 (quick), 5 (full).
- metric: test error (%).
- decision: ``equivalence`` of the paired test errors, margin 1.0 percentage point fixed here, 90 % t interval.
"""

from __future__ import annotations

import math
import statistics

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
from reproductions.regularizers import Dropout
from reproductions.regularizers.dropout import dropout
from reproductions.verdicts import check, equivalence, mean_interval, short_run, split_seeds

MARGIN_PP = 1.0  # the equivalence margin in percentage points of test error, fixed before the run
TOL = 1e-12


def _two_layer(gen: torch.Generator, d_in: int, d_hidden: int, d_out: int) -> tuple[torch.Tensor, torch.Tensor]:
    w1 = torch.randn(d_hidden, d_in, generator=gen, dtype=torch.float64) / math.sqrt(d_in)
    w2 = torch.randn(d_out, d_hidden, generator=gen, dtype=torch.float64) / math.sqrt(d_hidden)
    return w1, w2


def identity_errors(seed: int, q: float, units: int = 4096, draws: int = 2000) -> tuple[dict[str, float], torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    h = 0.5 + torch.rand(units, generator=gen, dtype=torch.float64)
    p_drop = 1.0 - q
    # (1) y = r ⊙ h / q with r the draw's own mask (h > 0, so the mask is where y ≠ 0)
    y = dropout(h, p_drop, training=True, inverted=True, generator=gen)
    r = (y != 0).to(h.dtype)
    per_draw = float((y - r * h / q).abs().max())
    # (2) the paper's net with W2 against the inverted net with q W2: the same masks (same generator seed)
    w1, w2 = _two_layer(gen, 64, 128, 10)
    x = torch.randn(32, 64, generator=gen, dtype=torch.float64)
    train_err = test_err = 0.0
    for k in range(5):
        g_paper, g_inv = torch.Generator().manual_seed(seed * 7 + k), torch.Generator().manual_seed(seed * 7 + k)
        hidden = torch.relu(x @ w1.T)
        # paper, train: W2 (r ⊙ h)
        paper = dropout(hidden, p_drop, training=True, inverted=False, generator=g_paper) @ w2.T
        # inverted, train: (q W2)(r ⊙ h / q)
        inverted = dropout(hidden, p_drop, training=True, inverted=True, generator=g_inv) @ (q * w2).T
        train_err = max(train_err, float((paper - inverted).abs().max()))
    hidden = torch.relu(x @ w1.T)
    # paper, test: W2 (q h);  inverted, test: (q W2) h
    paper = dropout(hidden, p_drop, training=False, inverted=False) @ w2.T
    inverted = dropout(hidden, p_drop, training=False, inverted=True) @ (q * w2).T
    test_err = float((paper - inverted).abs().max())
    # Monte-Carlo mean of K inverted draws: |mean − h| / (h √((1 − q) / (q K)))
    mean = torch.zeros_like(h)
    for _ in range(draws):
        mean += dropout(h, p_drop, training=True, inverted=True, generator=gen)
    mean /= draws
    z = (mean - h) / (h * math.sqrt((1 - q) / (q * draws)))
    errors = {"per draw: y − r⊙h/q": per_draw, "train: paper W vs inverted qW": train_err, "test": test_err}
    return errors, z


def run_identity(ctx: RunContext) -> Result:
    seeds = ctx.seeds(smoke=2, quick=5, full=20)
    qs = (0.5, 0.8)
    draws = 200 if ctx.smoke else 2000
    rows: list[dict[str, object]] = []
    errors: dict[str, list[float]] = {}
    z_all: list[torch.Tensor] = []
    with one_thread():
        for i, s in enumerate(seeds):
            ctx.report(f"seed {s}", i / len(seeds))
            for q in qs:
                found, z = identity_errors(s, q, draws=draws)
                for k, v in found.items():
                    errors.setdefault(k, []).append(v)
                errors.setdefault("Monte-Carlo largest |z|", []).append(float(z.abs().max()))
                z_all.append(z)
                rows.append({"seed": s, "q": q, **{k: f"{v:.3g}" for k, v in found.items()}})
    exact = {k: v for k, v in errors.items() if k != "Monte-Carlo largest |z|"}
    worst = max(max(v) for v in exact.values())
    judgement = check(worst, tol=TOL, label="inverted dropout with qW = the paper's dropout with W", n=len(seeds))
    z_max = max(errors["Monte-Carlo largest |z|"])
    measured = "; ".join(f"{k}: max |error| {max(v):.2g}" for k, v in exact.items())
    measured += f"; Monte-Carlo mean of {draws} draws vs h: largest |z| {z_max:.2f} over {len(seeds) * len(qs)} × 4096"

    import matplotlib.pyplot as plt

    # every unit's z over every seed and q: E[r ⊙ h / q] = h means they scatter like N(0, 1) around 0
    fig, ax = plt.subplots(figsize=(6.5, 4))
    zs = torch.cat(z_all).numpy()
    ax.hist(zs, bins=60, density=True, color="tab:blue", alpha=0.7, label=f"{len(zs)} units × seeds × q")
    grid = torch.linspace(-5, 5, 200)
    ax.plot(grid.numpy(), (torch.exp(-(grid**2) / 2) / math.sqrt(2 * math.pi)).numpy(), "k--", label="N(0, 1)")
    ax.set_xlabel(f"z = (Monte-Carlo mean of {draws} draws − h) / standard error")
    ax.set_ylabel("density")
    ax.set_title(f"E[r ⊙ h / q] = h (mean z {zs.mean():+.3f}); exact identities: max error {worst:.2g}", fontsize=9)
    ax.legend(fontsize=8)
    figure = savefig(fig, ctx.out_dir, "inverted_dropout_identity.png")
    return Result(
        judgement=judgement,
        reason=f"{measured}. " + judgement.reason,
        paper_figure="Srivastava et al. 2014 Section 10: W_test = q W; inverted dropout moves the factor to training",
        measured=measured,
        metrics=[Metric(f"max |error|: {k}", v) for k, v in errors.items()],
        table=rows,
        figures=[figure],
        params={
            "mode": ctx.mode,
            "seeds": seeds,
            "retain_probabilities": qs,
            "units": 4096,
            "draws": draws,
            "dtype": "float64",
            "init": "N(0, 1/fan_in) weights, activations uniform in [0.5, 1.5]",
        },
    )


# ---------------------------------------------------------------------------------------- the comparison


def make_net(hidden: int, p: float, inverted: bool, gen: torch.Generator) -> nn.Sequential:
    net = nn.Sequential(
        nn.Linear(64, hidden),
        nn.ReLU(),
        Dropout(p, inverted=inverted, generator=gen),
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        Dropout(p, inverted=inverted, generator=gen),
        nn.Linear(hidden, 10),
    )
    for m in net:
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu", generator=gen)  # He init for ReLU
            nn.init.zeros_(m.bias)
    return net


def train(data, inverted: bool, lr: float, seed: int, epochs: int, hidden: int, device: str):
    gen = torch.Generator().manual_seed(seed)
    net = make_net(hidden, 0.5, inverted, gen).to(device)
    x, y = data["train"]
    curve: list[float] = []

    def validate() -> None:
        net.eval()
        with torch.no_grad():
            curve.append(100 * error_rate(net(data["val"][0]), data["val"][1]))

    if not sgd_train(net, x, y, lr=lr, epochs=epochs, batch=100, gen=gen, after_epoch=validate, check="batch"):
        return net, curve + [math.inf]
    return net, curve


def run(ctx: RunContext) -> Result:
    import matplotlib.pyplot as plt

    split = split_seeds(ctx.seed, 1, 1 if ctx.smoke else (3 if ctx.quick else 5))
    seeds, tune_seed = list(split.report), split.tune[0]
    hidden = 64 if ctx.smoke else 256
    epochs = 2 if ctx.smoke else (20 if ctx.quick else 50)
    grid = [0.1] if ctx.smoke else [0.01, 0.03, 0.1, 0.3]
    arms = {"inverted": True, "paper (scale at test)": False}
    test_err: dict[str, list[float]] = {a: [] for a in arms}
    curves: dict[str, list[list[float]]] = {a: [] for a in arms}
    chosen, tuning, edges = {}, {}, {}
    with one_thread():
        datas = {s: digits_split(1000, 200, s, ctx.device) for s in [*seeds, tune_seed]}
        for k, (arm, inv) in enumerate(arms.items()):
            ctx.report(f"tuning {arm}", 0.25 * k)

            def val_error(lr: float, inv: bool = inv) -> float:
                net, curve = train(datas[tune_seed], inv, lr, tune_seed, epochs, hidden, ctx.device)
                return curve[-1] if curve else math.inf

            chosen[arm], tuning[arm], edges[arm] = tune_on_grid(grid, val_error, max_extend=0 if ctx.smoke else 2)
        for i, s in enumerate(seeds):
            ctx.report(f"seed {s}", 0.5 + 0.5 * i / len(seeds))
            for arm, inv in arms.items():
                net, curve = train(datas[s], inv, chosen[arm], s, epochs, hidden, ctx.device)
                net.eval()
                with torch.no_grad():
                    xt, yt = datas[s]["test"]
                    test_err[arm].append(100 * error_rate(net(xt), yt))
                curves[arm].append(curve)

    a, b = list(arms)
    judgement = equivalence(
        test_err[a],
        test_err[b],
        margin=MARGIN_PP,
        unit=" pp",
        label="inverted − paper test error",
        too_short=short_run(ctx.mode),
    )
    edge_note = [arm for arm, e in edges.items() if e]
    reason = (
        f"Test error: inverted {statistics.fmean(test_err[a]):.2f}% (lr {chosen[a]:g}), paper's form "
        f"{statistics.fmean(test_err[b]):.2f}% (lr {chosen[b]:g}). "
        + judgement.reason
        + (f" Best lr still at a grid edge for {', '.join(edge_note)}." if edge_note else "")
    )

    from reproductions.experiments.figures import mean_band

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for arm, color in zip(arms, ("tab:blue", "tab:orange"), strict=True):
        runs = [c for c in curves[arm] if len(c) == epochs]
        if runs:
            mean_band(ax1, range(1, epochs + 1), runs, label=f"{arm}, lr {chosen[arm]:g}", color=color)
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("validation error (%)")
    ax1.set_title("mean over reported seeds, 95 % band", fontsize=9)
    ax1.legend(fontsize=8)
    centre, err = [], []
    for arm in arms:
        m, lo, hi = mean_interval(test_err[arm])
        centre.append(m)
        err.append(hi - m if math.isfinite(hi) else 0.0)
    ax2.bar([0, 1], centre, yerr=err, capsize=5, color=["tab:blue", "tab:orange"], alpha=0.8)
    for k, arm in enumerate(arms):
        ax2.plot([k] * len(test_err[arm]), test_err[arm], "k.", alpha=0.6)
    ax2.set_xticks([0, 1], list(arms))
    ax2.set_ylabel("test error (%)")
    ax2.set_title(
        f"mean, 95 % interval, dots = seeds\ndifference {judgement.fmt()}, margin ±{MARGIN_PP:g} pp", fontsize=9
    )
    figure = savefig(fig, ctx.out_dir, "inverted_dropout.png")
    return Result(
        judgement=judgement,
        reason=reason,
        paper_figure="no number: the lecture presents inverted dropout as the same method with test time unchanged",
        measured=f"inverted − paper: {judgement.fmt()} pp test error",
        metrics=[Metric(f"test error [{arm}]", v, "%") for arm, v in test_err.items()],
        table=[
            {"arm": arm, "lr": lr, "val error %": round(e, 2)}
            for arm, t in tuning.items()
            for lr, e in sorted(t.items())
        ],
        figures=[figure],
        params={
            "mode": ctx.mode,
            "seeds": seeds,
            "tuning_seed": tune_seed,
            "lr_grid": grid,
            "lr": chosen,
            "lr_at_edge": edges,
            "equivalence_margin_pp": MARGIN_PP,
            "hidden": hidden,
            "p_drop": 0.5,
            "epochs": epochs,
            "batch": 100,
            "optimizer": "SGD momentum 0.9",
            "init": "He (kaiming normal, ReLU)",
            "n_train": 1000,
        },
    )
