"""Writing an experiment's figure: the one place that decides layout, folder, resolution and closing."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def savefig(fig: Any, out_dir: Path, name: str, dpi: int = 110) -> Path:
    """Lay out ``fig``, write it as ``out_dir/name`` (PNG), close it (figures hold memory until closed)."""
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def mean_band(ax: Any, x: Any, runs: Any, *, label: str = "", color: Any = None, log: bool = False, **kw: Any) -> None:
    """Plot the mean over seeds of ``runs`` (seeds × points) with a band: the 95 % t interval of the mean
    (geometric mean and interval when ``log``). One seed draws the line alone and says so in the label."""
    import numpy as np

    from reproductions.verdicts import t_quantile

    arr = np.asarray(runs, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    n = arr.shape[0]
    vals = np.log(np.clip(arr, 1e-300, None)) if log else arr
    mean = np.nanmean(vals, 0)
    tag = f" (n={n})" if n > 1 else " (one seed)"
    line = ax.plot(x, np.exp(mean) if log else mean, label=(label + tag) if label else None, color=color, **kw)[0]
    if n > 1:
        half = t_quantile(n - 1) * np.nanstd(vals, 0, ddof=1) / np.sqrt(n)
        lo, hi = mean - half, mean + half
        if log:
            lo, hi = np.exp(lo), np.exp(hi)
        ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0)


def interval_bars(
    ax: Any, labels: list[str], judgements: list[Any], *, ylabel: str = "", ref: float | None = None
) -> None:
    """One bar per judgement at its estimate, with its interval as the error bar; ``ref`` draws the claimed
    effect (1 for a ratio, 0 for a difference) as a dashed line."""
    import math

    import numpy as np

    est = np.array([j.estimate for j in judgements], dtype=float)
    lo = np.array([j.low if math.isfinite(j.low) else j.estimate for j in judgements], dtype=float)
    hi = np.array([j.high if math.isfinite(j.high) else j.estimate for j in judgements], dtype=float)
    colors = [{"reproduced": "tab:green", "not reproduced": "tab:red"}.get(j.verdict, "tab:gray") for j in judgements]
    xs = np.arange(len(labels))
    ax.bar(xs, est, color=colors, alpha=0.7)
    ax.errorbar(xs, est, yerr=[est - lo, hi - est], fmt="none", ecolor="black", capsize=4)
    if ref is not None:
        ax.axhline(ref, color="black", linestyle="--", linewidth=1)
    ax.set_xticks(xs)
    ax.set_xticklabels(labels, rotation=20, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
