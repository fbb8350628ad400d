"""saddle-points: critical points of a small network — the higher the loss, the more negative curvature.

Dauphin, Pascanu, Gulcehre, Cho, Ganguli & Bengio (2014), "Identifying and attacking the saddle point problem
in high-dimensional non-convex optimization", arXiv 1406.2572, Fig. 1 (b, c) / Section 4: for small networks
the critical points found numerically lie on a curve — training error increases with the index α (the fraction
of negative eigenvalues of the Hessian); local minima (α = 0) have low error, high-error critical points are saddles.

At CPU scale: a 4 → 5 → 2 tanh network (37 parameters, Xavier init) fitted by squared error to 200 points
labelled by a random 4 → 3 → 2 tanh teacher. Near-critical points are found as Dauphin et al. did, with Newton-type
iterations that are attracted to critical points of any index: Levenberg-Marquardt on ½‖∇L‖² (step
−(H² + λI)⁻¹ H g), started from random weights at several scales and from snapshots along gradient descent.
Points with ‖∇L‖ < 1e-4 are kept; for each, the loss and the fraction of Hessian eigenvalues < −1e-7 are recorded.
Measured: Spearman's rank correlation between loss and index.

Decision (fixed before the run): critical points found from several starts are deduplicated per seed
(``distinct_points`` on (index, loss), rtol 1e-3); each seed's losses are divided by its largest; the tie-aware
Spearman correlation of index with loss over the pooled distinct points (``rank_correlation``, Fisher-z 95 %
interval, at least 8 points): reproduced if it lies above 0, not reproduced if below 0, else inconclusive.
"""

from __future__ import annotations

import math
import time

import torch
from torch.func import grad, hessian

from reproductions.core import Metric, Result, RunContext
from reproductions.experiments.figures import savefig
from reproductions.experiments.optim_common import fmt, pyplot
from reproductions.experiments.threads import one_thread
from reproductions.verdicts import distinct_points, mean_interval, rank_correlation, short_run, spearman

D_IN, HIDDEN, D_OUT, N = 4, 5, 2, 200
SIZES = [(D_IN, HIDDEN), (HIDDEN,), (HIDDEN, D_OUT), (D_OUT,)]
N_PARAMS = sum(math.prod(s) for s in SIZES)
GRAD_TOL = 1e-4


def unflatten(theta: torch.Tensor) -> list[torch.Tensor]:
    out, i = [], 0
    for s in SIZES:
        n = math.prod(s)
        out.append(theta[i : i + n].reshape(s))
        i += n
    return out


def make_loss(x: torch.Tensor, y: torch.Tensor):
    def loss(theta: torch.Tensor) -> torch.Tensor:
        w1, b1, w2, b2 = unflatten(theta)
        # L(θ) = ½ mean ‖tanh(x W₁ + b₁) W₂ + b₂ − y‖²
        return 0.5 * ((torch.tanh(x @ w1 + b1) @ w2 + b2 - y) ** 2).sum(1).mean()

    return loss


def xavier(gen: torch.Generator, scale: float) -> torch.Tensor:
    parts = []
    for s in SIZES:
        if len(s) == 2:
            parts.append(torch.randn(s, generator=gen, dtype=torch.float64) * scale * math.sqrt(2.0 / (s[0] + s[1])))
        else:
            parts.append(torch.zeros(s, dtype=torch.float64))
    return torch.cat([p.flatten() for p in parts])


def newton_to_critical(theta: torch.Tensor, loss, g_fn, h_fn, iters: int) -> tuple[torch.Tensor, float]:
    """Levenberg-Marquardt on ½‖∇L‖²: step −(H² + λI)⁻¹ H g, λ adapted; returns the point and its ‖∇L‖."""
    lam = 1e-3
    g = g_fn(theta)
    gn = float(g.norm())
    eye = torch.eye(len(theta), dtype=theta.dtype)
    for _ in range(iters):
        if gn < GRAD_TOL * 1e-2:
            break
        h = h_fn(theta)
        # (H² + λI) δ = −H g
        step = torch.linalg.solve(h @ h + lam * eye, -(h @ g))
        cand = theta + step
        g_new = g_fn(cand)
        if float(g_new.norm()) < gn:
            theta, g, gn, lam = cand, g_new, float(g_new.norm()), max(lam / 3, 1e-12)
        else:
            lam *= 10
            if lam > 1e8:
                break
    return theta, gn


@one_thread(flush_denormal=True)
def run(ctx: RunContext) -> Result:
    start = time.perf_counter()
    plt = pyplot()
    seeds = ctx.seeds(smoke=1, quick=3, full=5)
    n_random = 3 if ctx.smoke else 16
    n_snap = 2 if ctx.smoke else 5
    iters = 15 if ctx.smoke else 30
    points: dict[int, list[tuple[float, float]]] = {}
    corr, n_found, min_loss_at_zero, max_loss = [], [], [], []
    for si, seed in enumerate(seeds):
        ctx.report(f"seed {seed}", si / len(seeds))
        gen = torch.Generator().manual_seed(seed)
        x = torch.randn(N, D_IN, generator=gen, dtype=torch.float64)
        teacher_w1 = torch.randn(D_IN, 3, generator=gen, dtype=torch.float64)
        teacher_w2 = torch.randn(3, D_OUT, generator=gen, dtype=torch.float64)
        y = torch.tanh(x @ teacher_w1) @ teacher_w2
        loss = make_loss(x, y)
        g_fn, h_fn = grad(loss), hessian(loss)
        starts = [xavier(gen, scale) for scale in torch.linspace(0.3, 3.0, n_random).tolist()]
        # snapshots along plain gradient descent from one more random init (lr 0.1), at growing intervals
        theta = xavier(gen, 1.0)
        marks = {int(10 * 2.5**k) for k in range(n_snap)}
        for step in range(max(marks) + 1):
            if step in marks:
                starts.append(theta.clone())
            theta = theta - 0.1 * g_fn(theta)
        found = []
        for th in starts:
            crit, gn = newton_to_critical(th, loss, g_fn, h_fn, iters)
            if gn < GRAD_TOL:
                ev = torch.linalg.eigvalsh(h_fn(crit))
                index = float((ev < -1e-7).double().mean())
                found.append((index, float(loss(crit))))
        # the same critical point reached from several starts counts once
        found = [found[i] for i in distinct_points(found, rtol=1e-3, atol=1e-9)]
        points[seed] = found
        n_found.append(float(len(found)))
        if len(found) >= 3:
            corr.append(spearman([p[0] for p in found], [p[1] for p in found]))
        zero = [loss_ for a, loss_ in found if a == 0.0]
        if zero:
            min_loss_at_zero.append(min(zero))
        if found:
            max_loss.append(max(loss_ for _, loss_ in found))

    total = int(sum(n_found))
    # every seed is its own problem: losses are divided by that seed's largest before pooling the distinct points
    pooled = [(a, loss_ / max(q[1] for q in pts)) for pts in points.values() if pts for a, loss_ in pts]
    judgement = rank_correlation(
        [p[0] for p in pooled],
        [p[1] for p in pooled],
        min_points=8,
        label="index vs loss (distinct points, pooled over seeds)",
        too_short=short_run(ctx.mode),
    )
    measured = (
        f"{total} near-critical points (‖∇L‖ < {GRAD_TOL:g}) over {len(seeds)} seeds; Spearman correlation of loss "
        f"with index {judgement.fmt()} (per seed {', '.join(fmt(c, 2) for c in corr)})"
    )
    reason = f"{measured}. " + judgement.reason

    fig, ax = plt.subplots(figsize=(7, 5))
    # the pooled distinct points (each seed's losses over its largest), then, per index bin, the geometric mean
    # with its 95 % t interval: the spread the rank correlation is computed from
    ax.scatter([p[0] for p in pooled], [p[1] for p in pooled], s=14, color="tab:blue", alpha=0.45, label="points")
    # the index is k / N_PARAMS: points at one index form a group; a group of two or more gets its interval
    groups: dict[float, list[float]] = {}
    for a, loss_ in pooled:
        groups.setdefault(round(a, 9), []).append(math.log(loss_))
    xs, ms, los, his = [], [], [], []
    for a, logs in sorted(groups.items()):
        if len(logs) >= 2:
            m, lo, hi = mean_interval(logs)
            xs.append(a)
            ms.append(math.exp(m))
            los.append(math.exp(m) - math.exp(lo))
            his.append(math.exp(hi) - math.exp(m))
    if xs:
        ax.errorbar(
            xs, ms, yerr=[los, his], fmt="s", color="black", capsize=4, label="geometric mean at one index, 95 % CI"
        )
    ax.set_yscale("log")
    ax.set_xlabel("index α: fraction of negative Hessian eigenvalues")
    ax.set_ylabel("loss at the critical point / the seed's largest")
    ax.set_title(
        f"critical points of a {D_IN}-{HIDDEN}-{D_OUT} tanh network, {len(seeds)} seeds (cf. Dauphin et al. Fig. 1)\nSpearman ρ {judgement.fmt()}",
        fontsize=9,
    )
    ax.legend(fontsize=8)
    path = savefig(fig, ctx.out_dir, "saddle_points_index_vs_loss.png", dpi=90)

    return Result(
        judgement=judgement,
        reason=reason,
        paper_figure="Dauphin et al. 2014 Fig. 1: training error vs index α of critical points of small MLPs, a monotonically increasing relation",
        measured=measured,
        metrics=[
            m
            for m in (
                Metric("Spearman(loss, index)", corr),
                Metric("near-critical points found", n_found),
                Metric("lowest loss at index 0", min_loss_at_zero),
                Metric("highest loss of a critical point", max_loss),
            )
            if m.values
        ],
        table=[{"seed": s, "index": fmt(a, 3), "loss": fmt(l, 4)} for s, f in points.items() for a, l in sorted(f)],  # noqa: E741
        figures=[path],
        params={
            "mode": ctx.mode,
            "seeds": seeds,
            "network": f"{D_IN}-{HIDDEN}-{D_OUT} tanh, {N_PARAMS} parameters, squared error",
            "data": f"{N} points x ~ N(0, I), teacher {D_IN}-3-{D_OUT} tanh with N(0, 1) weights",
            "init": "Xavier normal at scales 0.3..3 (random starts) and GD snapshots (lr 0.1)",
            "critical_point_search": f"Levenberg-Marquardt on ½‖∇L‖², {iters} iterations, keep ‖∇L‖ < {GRAD_TOL:g}",
            "negative_eigenvalue_threshold": -1e-7,
            "learning_rates": "GD snapshots at lr 0.1 (not tuned: they only supply starting points)",
            "wall_s": round(time.perf_counter() - start, 2),
        },
    )
