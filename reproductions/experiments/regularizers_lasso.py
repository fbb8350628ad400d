"""lasso-vs-ridge: Tibshirani's simulation, the lasso (L1) against ridge regression (L2) on the paper's own designs.

Claim (Tibshirani 1996, Sections 7 and 11): with a small to moderate number of moderate-sized effects the lasso
does best (Example 1: β = (3, 1.5, 0, 0, 2, 0, 0, 0)), and with a large number of small effects ridge regression
does best by a good margin (Example 2: every β_j = 0.85).

Design (fixed before the run), the paper's Section 7 set-up:
- data: n = 20 observations, p = 8 predictors x ~ N(0, Σ) with Σ_ij = 0.5^|i−j|, y = xᵀβ + σ ε, σ = 3, for
  Example 1 and Example 2 above; no intercept (the data have mean 0).
- arms: the lasso, 1/(2n) ‖y − Xβ‖² + α ‖β‖₁, solved by this package's FISTA (``reproductions.regularizers.l1``);
  ridge, 1/(2n) ‖y − Xβ‖² + ½ α ‖β‖², in closed form. Least squares (α = 0) is shown beside, not judged.
- tuning: each arm's α on its own grid, 25 log-spaced values in [1e-3, 1e2] ([1e-3, 1e3] for ridge), chosen by the
  mean model error over tuning data sets drawn from seeds that are never reported (as many as reported); the
  best must be interior (the report says when it is not). One α per arm and example, then fixed.
- seeds: reported data sets 10 (smoke), 50 (quick, the paper's count), 200 (full), each its own seed.
- metric: the paper's model error ME = (β̂ − β)ᵀ Σ (β̂ − β) per data set.
- decision, each example judged on its own and combined: the per-data-set log-ratio of model errors
  (``paired_ratio``, 95 % t interval) against 1: Example 1 ridge / lasso above 1, Example 2 lasso / ridge above 1.
"""

from __future__ import annotations

import math
import statistics

import torch

from reproductions.core import Metric, Result, RunContext
from reproductions.experiments.figures import mean_band, savefig
from reproductions.experiments.threads import one_thread
from reproductions.regularizers.l1 import lasso_fista
from reproductions.verdicts import combine, mean_interval, paired_ratio, short_run

N, P, SIGMA, RHO = 20, 8, 3.0, 0.5
EXAMPLES = {
    "Example 1 (few moderate effects)": [3.0, 1.5, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0],
    "Example 2 (many small effects)": [0.85] * P,
}
GRIDS = {
    "lasso": torch.logspace(-3, 2, 25, dtype=torch.float64),
    "ridge": torch.logspace(-3, 3, 25, dtype=torch.float64),
}


def covariance() -> torch.Tensor:
    idx = torch.arange(P, dtype=torch.float64)
    # Σ_ij = ρ^|i−j|
    return RHO ** (idx[:, None] - idx[None, :]).abs()


def datasets(beta: torch.Tensor, seeds: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    chol = torch.linalg.cholesky(covariance())
    xs, ys = [], []
    for s in seeds:
        gen = torch.Generator().manual_seed(s)
        x = torch.randn(N, P, generator=gen, dtype=torch.float64) @ chol.T
        xs.append(x)
        # y = xᵀβ + σ ε
        ys.append(x @ beta + SIGMA * torch.randn(N, generator=gen, dtype=torch.float64))
    return torch.stack(xs), torch.stack(ys)


def fit(arm: str, x: torch.Tensor, y: torch.Tensor, alphas: torch.Tensor, iters: int) -> torch.Tensor:
    """β̂ for every data set and α: (datasets, len(alphas), p)."""
    xb = x[:, None].expand(-1, len(alphas), -1, -1)
    yb = y[:, None].expand(-1, len(alphas), -1)
    if arm == "lasso":
        return lasso_fista(xb, yb, alphas.expand(x.shape[0], -1), iters=iters)
    # ridge: (XᵀX / n + α I) β = Xᵀy / n
    gram = xb.transpose(-1, -2) @ xb / N + alphas[None, :, None, None] * torch.eye(P, dtype=x.dtype)
    return torch.linalg.solve(gram, (xb.transpose(-1, -2) @ yb.unsqueeze(-1)).squeeze(-1) / N)


def model_error(beta_hat: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    d = beta_hat - beta
    # ME = (β̂ − β)ᵀ Σ (β̂ − β)
    return torch.einsum("...i,ij,...j->...", d, covariance(), d)


def run(ctx: RunContext) -> Result:
    import matplotlib.pyplot as plt

    n_sets = 10 if ctx.smoke else (50 if ctx.quick else 200)
    iters = 500 if ctx.smoke else 2000
    report_seeds = [ctx.seed + i for i in range(n_sets)]
    tune_seeds = [ctx.seed + 10_000 + i for i in range(n_sets)]
    me: dict[str, dict[str, list[float]]] = {}
    tuning: dict[str, dict[str, torch.Tensor]] = {}
    chosen: dict[str, dict[str, float]] = {}
    edges: list[str] = []
    with one_thread():
        for k, (example, coef) in enumerate(EXAMPLES.items()):
            ctx.report(example, k / len(EXAMPLES))
            beta = torch.tensor(coef, dtype=torch.float64)
            xt, yt = datasets(beta, tune_seeds)
            xr, yr = datasets(beta, report_seeds)
            me[example], tuning[example], chosen[example] = {}, {}, {}
            for arm, grid in GRIDS.items():
                curve = model_error(fit(arm, xt, yt, grid, iters), beta)  # (tuning sets, grid)
                tuning[example][arm] = curve
                best = int(curve.mean(0).argmin())
                if best in (0, len(grid) - 1):
                    edges.append(f"{arm} in {example}")
                chosen[example][arm] = float(grid[best])
                alpha = grid[best : best + 1]
                me[example][arm] = [float(v) for v in model_error(fit(arm, xr, yr, alpha, iters), beta)[:, 0]]
            ols = torch.linalg.lstsq(xr, yr.unsqueeze(-1)).solution.squeeze(-1)
            me[example]["least squares"] = [float(v) for v in model_error(ols, beta)]

    short = short_run(ctx.mode)
    e1, e2 = list(EXAMPLES)
    parts = [
        paired_ratio(me[e1]["ridge"], me[e1]["lasso"], label=f"{e1}: ridge / lasso model error", too_short=short),
        paired_ratio(me[e2]["lasso"], me[e2]["ridge"], label=f"{e2}: lasso / ridge model error", too_short=short),
    ]
    judgement = combine(parts)
    median = statistics.median
    measured = "; ".join(
        f"{ex}: median ME lasso {median(v['lasso']):.3g} (α {chosen[ex]['lasso']:.3g}), ridge "
        f"{median(v['ridge']):.3g} (α {chosen[ex]['ridge']:.3g}), least squares {median(v['least squares']):.3g}"
        for ex, v in me.items()
    )
    reason = f"{measured}. " + judgement.reason + (f" Best α at a grid edge for {', '.join(edges)}." if edges else "")

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    colors = {"lasso": "tab:blue", "ridge": "tab:orange", "least squares": "tab:gray"}
    for ax, example in zip(axes[:2], EXAMPLES, strict=True):
        for arm, grid in GRIDS.items():
            mean_band(ax, grid.numpy(), tuning[example][arm].numpy(), label=arm, color=colors[arm], log=True)
            ax.axvline(chosen[example][arm], color=colors[arm], ls=":", lw=1)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("α")
        ax.set_ylabel("model error")
        ax.set_title(f"{example}\ntuning data sets: geometric mean, 95 % band", fontsize=9)
        ax.legend(fontsize=8)
    ax = axes[2]
    arms = ("lasso", "ridge", "least squares")
    width = 0.27
    for j, arm in enumerate(arms):
        centre, lo_err, hi_err = [], [], []
        for example in EXAMPLES:
            m, lo, hi = mean_interval([math.log(v) for v in me[example][arm]])
            centre.append(math.exp(m))
            lo_err.append(math.exp(m) - math.exp(lo) if math.isfinite(lo) else 0.0)
            hi_err.append(math.exp(hi) - math.exp(m) if math.isfinite(hi) else 0.0)
        xs = [i + (j - 1) * width for i in range(len(EXAMPLES))]
        ax.bar(xs, centre, width, yerr=[lo_err, hi_err], capsize=4, color=colors[arm], alpha=0.85, label=arm)
    ax.set_xticks(range(len(EXAMPLES)), ["Example 1", "Example 2"])
    ax.set_yscale("log")
    ax.set_ylabel("model error on the reported data sets")
    ax.set_title(f"geometric mean over {n_sets} data sets, 95 % interval", fontsize=9)
    ax.legend(fontsize=8)
    figure = savefig(fig, ctx.out_dir, "lasso_vs_ridge.png")
    return Result(
        judgement=judgement,
        reason=reason,
        paper_figure="Tibshirani 1996 Tables 1-2: median model error over 50 data sets; Example 1 lasso below ridge, "
        "Example 2 ridge best by a good margin",
        measured=measured,
        metrics=[Metric(f"model error [{ex}: {arm}]", v) for ex, arms_ in me.items() for arm, v in arms_.items()],
        table=[
            {"example": ex, "arm": arm, "median ME": round(median(v), 3), "α": chosen[ex].get(arm, 0.0)}
            for ex, arms_ in me.items()
            for arm, v in arms_.items()
        ],
        figures=[figure],
        params={
            "mode": ctx.mode,
            "datasets_reported": n_sets,
            "report_seeds": f"{report_seeds[0]}..{report_seeds[-1]}",
            "tune_seeds": f"{tune_seeds[0]}..{tune_seeds[-1]}",
            "n": N,
            "p": P,
            "sigma": SIGMA,
            "rho": RHO,
            "alpha": chosen,
            "alpha_grids": {arm: [float(g[0]), float(g[-1]), len(g)] for arm, g in GRIDS.items()},
            "alpha_at_edge": edges,
            "fista_iterations": iters,
            "init": "β = 0 (FISTA); ridge and least squares in closed form",
        },
    )
