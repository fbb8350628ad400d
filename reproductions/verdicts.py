"""The one verdict library: every experiment decides its verdict here, by rules stated in advance.

The rules (after the ML Reproducibility Challenge's reviewing habits):

* Comparisons are **paired by seed**. A claim "A's metric is lower than B's" is judged on the per-seed
  log-ratios ``d_i = log(B_i / A_i)``; the estimate is their mean, reported as a geometric-mean ratio
  ``exp(mean d)``, with a Student-t interval ``mean ± t(0.975, n-1) · sd / sqrt(n)`` (or a percentile
  bootstrap). Nothing here averages ratios arithmetically.
* **reproduced** only when the whole interval lies on the claim's side of the claimed effect;
  **not reproduced** only when the whole interval lies on the other side (it excludes the claimed
  effect); anything else is **inconclusive**, with the reason: too few seeds, too noisy (the interval
  straddles the claimed effect), or a run too short to decide (``too_short``).
* **Equivalence** ("A matches B") uses a margin fixed in advance by the experiment (a constant, never a
  multiple of the observed noise) and the two-one-sided-tests rule: equivalent when the 90 % interval
  lies inside ``[-margin, margin]``, not equivalent when it lies wholly outside, else inconclusive.
* **Tuning seeds are not reported seeds**: :func:`split_seeds` gives two disjoint lists.
* **Rank correlations** use average ranks for ties (:func:`spearman`) on **distinct** points
  (:func:`distinct_points`), so one critical point found three times counts once.
* **Each arm is judged on its own** (:func:`combine`): a claim about several arms is reproduced when
  every arm is, not reproduced when any arm's interval excludes its claimed effect.
* **Checks** (:func:`check`) are mathematical identities verified to a tolerance; they **hold** or
  **fail** (never "reproduced"), are reported apart from reproductions and never counted in the reproduced
  rate. Inside :func:`combine` a part that holds counts as a reproduced arm and one that fails as not
  reproduced; a combination of checks only holds or fails.

Pure Python (``math``, ``statistics``, ``random``): no torch, no numpy at import time.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from reproductions.core import CHECK_VERDICTS, VERDICTS

Direction = Literal["lower", "higher"]

# Two-sided 95 % Student-t quantiles t(0.975, df) for df = 1..30; beyond, a series that is within 1e-3.
_T975 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)
# One-sided 95 % (two-sided 90 %) quantiles t(0.95, df), for the equivalence tests.
_T95 = (
    6.314,
    2.920,
    2.353,
    2.132,
    2.015,
    1.943,
    1.895,
    1.860,
    1.833,
    1.812,
    1.796,
    1.782,
    1.771,
    1.761,
    1.753,
    1.746,
    1.740,
    1.734,
    1.729,
    1.725,
    1.721,
    1.717,
    1.714,
    1.711,
    1.708,
    1.706,
    1.703,
    1.701,
    1.699,
    1.697,
)


def t_quantile(df: int, level: float = 0.95) -> float:
    """Two-sided Student-t quantile for a ``level`` interval (0.95 or 0.90) with ``df`` degrees of freedom."""
    if df < 1:
        return math.inf
    table, z = {0.95: (_T975, 1.95996), 0.90: (_T95, 1.64485)}[round(level, 2)]
    if df <= len(table):
        return table[df - 1]
    # Cornish-Fisher expansion of the t quantile around the normal one
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


@dataclass(frozen=True)
class Judgement:
    """A verdict with its evidence: the estimate, its interval, the number of paired samples and the reason.

    ``scale`` says how to read the numbers: "ratio" (geometric-mean ratio, > 1 favours the claim),
    "difference" (paired mean difference, > 0 favours the claim), "rho" (a rank correlation), "value"
    (a one-sample mean), "error" (a check's maximum error).
    """

    verdict: str
    estimate: float
    low: float
    high: float
    n: int
    reason: str
    label: str = ""
    scale: str = "ratio"
    threshold: float = math.nan  # the claimed effect the interval is compared with
    parts: tuple[Judgement, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        allowed = CHECK_VERDICTS if self.scale == "error" or self.is_check_combination() else VERDICTS
        if self.verdict not in allowed:
            raise ValueError(f"verdict must be one of {allowed}, got {self.verdict!r}")

    def is_check_combination(self) -> bool:
        return self.scale == "combined" and bool(self.parts) and all(p.is_check() for p in self.parts)

    def is_check(self) -> bool:
        """A check's judgement (its verdict is "holds", "fails" or "inconclusive")."""
        return self.scale == "error" or self.is_check_combination()

    @property
    def interval(self) -> tuple[float, float]:
        return (self.low, self.high)

    def fmt(self) -> str:
        """The estimate and interval in the scale's own units, e.g. ``1.82x [1.31x, 2.53x] (n=5)``."""
        if self.scale == "combined":
            return "; ".join(f"{p.label}: {p.verdict}, {p.fmt()}" for p in self.parts)
        unit = "x" if self.scale == "ratio" else ""
        est = _num(self.estimate) + unit
        if math.isfinite(self.low) or math.isfinite(self.high):
            est += f" [{_num(self.low)}{unit}, {_num(self.high)}{unit}]"
        return f"{est} (n={self.n})"

    def to_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "verdict": self.verdict,
            "estimate": _finite_or_none(self.estimate),
            "low": _finite_or_none(self.low),
            "high": _finite_or_none(self.high),
            "n": self.n,
            "scale": self.scale,
            "threshold": _finite_or_none(self.threshold),
            "reason": self.reason,
            "text": self.fmt(),  # the estimate and interval as every table shows them (inf-safe: JSON has none)
            "parts": [p.to_dict() for p in self.parts],
        }


def _num(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    return f"{x:.3g}"


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


# ---- intervals -------------------------------------------------------------------------------------


def mean_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): the Student-t interval of the mean. One value has no interval: (-inf, inf)."""
    xs = [float(v) for v in values]
    if not xs:
        return math.nan, -math.inf, math.inf
    mean = statistics.fmean(xs)
    if len(xs) < 2:
        return mean, -math.inf, math.inf
    half = t_quantile(len(xs) - 1, level) * statistics.stdev(xs) / math.sqrt(len(xs))
    return mean, mean - half, mean + half


def bootstrap_interval(
    values: Sequence[float],
    stat: Callable[[Sequence[float]], float] = statistics.fmean,
    *,
    level: float = 0.95,
    n_boot: int = 4000,
    seed: int = 0,
) -> tuple[float, float, float]:
    """(statistic, low, high): a percentile bootstrap interval, resampling ``values`` with a fixed seed."""
    xs = [float(v) for v in values]
    if len(xs) < 2:
        return (stat(xs) if xs else math.nan), -math.inf, math.inf
    rng = random.Random(seed)
    boots = sorted(stat([rng.choice(xs) for _ in xs]) for _ in range(n_boot))
    tail = (1 - level) / 2
    lo = boots[int(math.floor(tail * (n_boot - 1)))]
    hi = boots[int(math.ceil((1 - tail) * (n_boot - 1)))]
    return stat(xs), lo, hi


def log_ratios(baseline: Sequence[float], treatment: Sequence[float], direction: Direction = "lower") -> list[float]:
    """Per-seed ``log(baseline / treatment)`` (``direction="lower"``: the treatment's metric should be lower),
    or ``log(treatment / baseline)`` for ``"higher"``; positive always favours the treatment."""
    if len(baseline) != len(treatment):
        raise ValueError(f"paired samples need equal lengths, got {len(baseline)} and {len(treatment)}")
    out = []
    for b, t in zip(baseline, treatment, strict=False):
        if not (b > 0 and t > 0):
            raise ValueError(f"log-ratios need positive values, got {b!r} and {t!r}")
        out.append(math.log(b / t) if direction == "lower" else math.log(t / b))
    return out


def geometric_mean(values: Sequence[float]) -> float:
    return math.exp(statistics.fmean(math.log(v) for v in values))


# ---- the decision rule ----------------------------------------------------------------------------


def _decide(
    estimate: float, low: float, high: float, threshold: float, n: int, *, what: str, too_short: str | None
) -> tuple[str, str]:
    """The one rule: reproduced iff low > threshold; not reproduced iff high < threshold; else inconclusive."""
    if n < 2:
        return "inconclusive", f"too few seeds (n={n}): no interval to compare with {what}"
    if too_short:
        return "inconclusive", f"too short to decide: {too_short}"
    if low > threshold:
        return "reproduced", f"the interval lies above {what}"
    if high < threshold:
        return "not reproduced", f"the interval excludes {what}"
    if low == high:
        return "inconclusive", f"every seed gave exactly {what}: no effect either way"
    return "inconclusive", f"too noisy: the interval contains {what}"


def paired_ratio(
    baseline: Sequence[float],
    treatment: Sequence[float],
    *,
    direction: Direction = "lower",
    min_ratio: float = 1.0,
    level: float = 0.95,
    method: Literal["t", "bootstrap"] = "t",
    label: str = "",
    too_short: str | None = None,
) -> Judgement:
    """Claim: the treatment's metric is ``min_ratio`` times lower (or higher) than the baseline's, seed by seed.

    Judged on per-seed log-ratios; the estimate is the geometric-mean ratio baseline/treatment (for "lower";
    treatment/baseline for "higher"), so > 1 favours the treatment. ``min_ratio`` is the claimed effect
    (1.0: "better at all"; 2.0: "at least twice as good"), fixed by the experiment before it runs.
    """
    d = log_ratios(baseline, treatment, direction)
    if method == "t":
        m, lo, hi = mean_interval(d, level)
    else:
        m, lo, hi = bootstrap_interval(d, level=level)
    est, low, high = math.exp(m), math.exp(lo), math.exp(hi)
    what = f"the claimed ratio {min_ratio:g}x" if min_ratio != 1.0 else "no effect (ratio 1x)"
    verdict, why = _decide(m, lo, hi, math.log(min_ratio), len(d), what=what, too_short=too_short)
    reason = (
        f"{label + ': ' if label else ''}geometric-mean ratio {_num(est)}x [{_num(low)}x, {_num(high)}x] over "
        f"n={len(d)} paired seeds; {why}."
    )
    return Judgement(verdict, est, low, high, len(d), reason, label, "ratio", min_ratio)


def paired_difference(
    baseline: Sequence[float],
    treatment: Sequence[float],
    *,
    direction: Direction = "lower",
    min_effect: float = 0.0,
    level: float = 0.95,
    method: Literal["t", "bootstrap"] = "t",
    label: str = "",
    unit: str = "",
    too_short: str | None = None,
) -> Judgement:
    """Claim: the treatment's metric is at least ``min_effect`` lower (higher) than the baseline's, seed by seed.

    For quantities where differences are the natural scale (error rates in percentage points, counts).
    The estimate is the mean of ``baseline - treatment`` (for "lower"), so > 0 favours the treatment.
    """
    if len(baseline) != len(treatment):
        raise ValueError(f"paired samples need equal lengths, got {len(baseline)} and {len(treatment)}")
    d = [(b - t) if direction == "lower" else (t - b) for b, t in zip(baseline, treatment, strict=False)]
    if method == "t":
        m, lo, hi = mean_interval(d, level)
    else:
        m, lo, hi = bootstrap_interval(d, level=level)
    what = f"the claimed effect {min_effect:g}{unit}" if min_effect else "no effect (difference 0)"
    verdict, why = _decide(m, lo, hi, min_effect, len(d), what=what, too_short=too_short)
    reason = (
        f"{label + ': ' if label else ''}mean paired improvement {_num(m)}{unit} [{_num(lo)}{unit}, "
        f"{_num(hi)}{unit}] over n={len(d)} seeds; {why}."
    )
    return Judgement(verdict, m, lo, hi, len(d), reason, label, "difference", min_effect)


def one_sample(
    values: Sequence[float],
    *,
    threshold: float,
    direction: Direction = "higher",
    log: bool = False,
    level: float = 0.95,
    label: str = "",
    too_short: str | None = None,
) -> Judgement:
    """Claim: one arm's per-seed statistic lies above (``"higher"``) or below (``"lower"``) ``threshold``.

    ``log=True`` judges ``log(values)`` against ``log(threshold)`` and reports a geometric mean; use it for
    ratios (a gradient ratio, a speed-up measured within one seed).
    """
    xs = [math.log(v) for v in values] if log else [float(v) for v in values]
    thr = math.log(threshold) if log else threshold
    m, lo, hi = mean_interval(xs, level)
    if direction == "lower":
        m_, lo_, hi_, thr_ = -m, -hi, -lo, -thr
    else:
        m_, lo_, hi_, thr_ = m, lo, hi, thr
    side = "above" if direction == "higher" else "below"
    verdict, why = _decide(m_, lo_, hi_, thr_, len(xs), what=f"the threshold {threshold:g}", too_short=too_short)
    why = why.replace("lies above", f"lies {side}")
    conv = math.exp if log else (lambda v: v)
    est, low, high = conv(m), conv(lo), conv(hi)
    reason = (
        f"{label + ': ' if label else ''}{'geometric ' if log else ''}mean {_num(est)} [{_num(low)}, "
        f"{_num(high)}] over n={len(xs)} seeds, claimed {side} {threshold:g}; {why}."
    )
    return Judgement(verdict, est, low, high, len(xs), reason, label, "value", threshold)


def equivalence(
    a: Sequence[float],
    b: Sequence[float],
    *,
    margin: float,
    log: bool = False,
    level: float = 0.90,
    label: str = "",
    unit: str = "",
    too_short: str | None = None,
) -> Judgement:
    """Claim: A and B are equivalent within ``margin`` (two one-sided tests on the paired differences a - b).

    ``margin`` is fixed by the experiment before it runs; it is a number, never a multiple of the observed
    spread, so more noise can only make the verdict inconclusive, never easier to pass. ``log=True`` compares
    ``log(a / b)`` with ``log(1 + margin)`` (a relative margin). Equivalent ("reproduced") when the 90 %
    interval lies inside [-margin, margin]; "not reproduced" when it lies wholly outside; else inconclusive.
    """
    if margin <= 0:
        raise ValueError(f"margin must be positive, got {margin}")
    if len(a) != len(b):
        raise ValueError(f"paired samples need equal lengths, got {len(a)} and {len(b)}")
    d = [math.log(x / y) for x, y in zip(a, b, strict=False)] if log else [x - y for x, y in zip(a, b, strict=False)]
    m, lo, hi = mean_interval(d, level)
    bound = math.log1p(margin) if log else margin
    tag = f"±{margin:g}{unit}" if not log else f"±{margin:.0%}"
    head = f"{label + ': ' if label else ''}"
    if log:
        num = f"ratio {_num(math.exp(m))}x [{_num(math.exp(lo))}x, {_num(math.exp(hi))}x]"
    else:
        num = f"difference {_num(m)}{unit} [{_num(lo)}{unit}, {_num(hi)}{unit}]"
    n = len(d)
    if n < 2:
        verdict, why = "inconclusive", f"too few seeds (n={n}): no interval"
    elif too_short:
        verdict, why = "inconclusive", f"too short to decide: {too_short}"
    elif -bound < lo and hi < bound:
        verdict, why = "reproduced", f"the {level:.0%} interval lies inside the margin {tag} fixed in advance"
    elif lo > bound or hi < -bound:
        verdict, why = "not reproduced", f"the {level:.0%} interval lies outside the margin {tag}"
    else:
        verdict, why = "inconclusive", f"too noisy: the {level:.0%} interval crosses the margin {tag}"
    est, low, high = (math.exp(m), math.exp(lo), math.exp(hi)) if log else (m, lo, hi)
    return Judgement(
        verdict,
        est,
        low,
        high,
        n,
        f"{head}{num} over n={n} seeds; {why}.",
        label,
        "ratio" if log else "difference",
        margin,
    )


def check(max_error: float, *, tol: float, label: str = "", n: int = 1) -> Judgement:
    """A mathematical identity checked numerically: "holds" when the largest error is <= ``tol``, else "fails".

    Checks are not reproductions: the report lists them apart and never counts them in the reproduced rate."""
    ok = max_error <= tol
    reason = f"{label + ': ' if label else ''}largest error {max_error:.3g} {'<=' if ok else '>'} tolerance {tol:g}."
    return Judgement("holds" if ok else "fails", max_error, 0.0, max_error, n, reason, label, "error", tol)


# ---- seeds ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedSplit:
    tune: tuple[int, ...]
    report: tuple[int, ...]


def split_seeds(first: int, n_tune: int, n_report: int, *, offset: int = 10_000) -> SeedSplit:
    """Disjoint seeds: ``n_report`` reported seeds ``first, first+1, ...`` and ``n_tune`` tuning seeds drawn
    from ``first + offset, ...``, so the seed that chose a learning rate never enters a reported number."""
    if n_tune < 1 or n_report < 1:
        raise ValueError("need at least one tuning and one reported seed")
    report = tuple(first + i for i in range(n_report))
    tune = tuple(first + offset + i for i in range(n_tune))
    assert not set(tune) & set(report)
    return SeedSplit(tune, report)


# ---- points and rank correlation ------------------------------------------------------------------


def distinct_points(points: Sequence[Sequence[float]], *, rtol: float = 1e-3, atol: float = 1e-6) -> list[int]:
    """Indices of the first occurrence of each distinct point: two points are the same when every coordinate
    agrees within ``atol + rtol * |x|``. A critical point found from three starts counts once."""
    kept: list[int] = []
    for i, p in enumerate(points):
        if not any(
            all(abs(a - b) <= atol + rtol * max(abs(a), abs(b)) for a, b in zip(p, points[j], strict=False))
            for j in kept
        ):
            kept.append(i)
    return kept


def average_ranks(values: Sequence[float]) -> list[float]:
    """Ranks 1..n with ties given the average of the ranks they span (``[10, 20, 20, 30] -> [1, 2.5, 2.5, 4]``)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rho with average ranks for ties (Pearson's r of the ranks); nan if either side is constant."""
    if len(x) != len(y):
        raise ValueError("x and y need equal lengths")
    rx, ry = average_ranks(x), average_ranks(y)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=False))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return math.nan
    return sxy / math.sqrt(sxx * syy)


def rank_correlation(
    x: Sequence[float],
    y: Sequence[float],
    *,
    direction: Direction = "higher",
    min_points: int = 6,
    level: float = 0.95,
    label: str = "",
    too_short: str | None = None,
) -> Judgement:
    """Claim: y grows with x (``"higher"``: rho > 0) or falls with it (``"lower"``), over DISTINCT points.

    The interval is Fisher's z with the Fieller-Hartley-Pearson standard error 1.06 / sqrt(n - 3) for
    Spearman's rho. Fewer than ``min_points`` points, or a constant side, is inconclusive."""
    n = len(x)
    rho = spearman(x, y) if n >= 2 else math.nan
    head = f"{label + ': ' if label else ''}"
    if n < max(min_points, 4) or math.isnan(rho):
        why = (
            f"too few distinct points (n={n}, need {max(min_points, 4)})"
            if n < max(min_points, 4)
            else "one side is constant: no ranking"
        )
        return Judgement(
            "inconclusive", rho, -1.0, 1.0, n, f"{head}Spearman rho {_num(rho)}; {why}.", label, "rho", 0.0
        )
    z = math.atanh(max(-0.999999, min(0.999999, rho)))
    half = (1.95996 if round(level, 2) == 0.95 else 1.64485) * 1.06 / math.sqrt(n - 3)
    lo, hi = math.tanh(z - half), math.tanh(z + half)
    s = 1 if direction == "higher" else -1
    verdict, why = _decide(
        s * rho, min(s * lo, s * hi), max(s * lo, s * hi), 0.0, n, what="rho = 0", too_short=too_short
    )
    why = why.replace("lies above", "lies above" if s > 0 else "lies below")
    reason = f"{head}Spearman rho {_num(rho)} [{_num(lo)}, {_num(hi)}] over n={n} distinct points; {why}."
    return Judgement(verdict, rho, lo, hi, n, reason, label, "rho", 0.0)


# ---- several arms ---------------------------------------------------------------------------------


def combine(parts: Sequence[Judgement], *, label: str = "") -> Judgement:
    """A claim made of several arms, each judged on its own: reproduced when every arm is, not reproduced
    when any arm is not (its interval excludes the claimed effect), else inconclusive. Nothing is averaged."""
    if not parts:
        raise ValueError("combine needs at least one judgement")
    # a check that holds counts as a reproduced arm, one that fails as an arm not reproduced
    verdicts = [{"holds": "reproduced", "fails": "not reproduced"}.get(p.verdict, p.verdict) for p in parts]
    checks = all(p.is_check() for p in parts)
    yes, no = ("holds", "fails") if checks else ("reproduced", "not reproduced")
    if all(v == "reproduced" for v in verdicts):
        verdict, why = yes, f"every {'part holds' if checks else 'arm reproduced'}"
    elif "not reproduced" in verdicts:
        bad = [p.label or f"arm {i}" for i, (p, v) in enumerate(zip(parts, verdicts, strict=True)) if v == "not reproduced"]
        verdict, why = no, f"{'fails' if checks else 'not reproduced'} in {', '.join(bad)}"
    else:
        open_ = [p.label or f"arm {i}" for i, p in enumerate(parts) if p.verdict == "inconclusive"]
        verdict, why = "inconclusive", f"inconclusive in {', '.join(open_)}"
    reason = f"{label + ': ' if label else ''}{why}. " + " ".join(p.reason for p in parts)
    n = min(p.n for p in parts)
    return Judgement(verdict, math.nan, math.nan, math.nan, n, reason, label, "combined", math.nan, tuple(parts))


def short_run(mode: str, quick: str = "") -> str | None:
    """The ``too_short`` text for a run mode: a smoke run never decides; a quick run decides unless the
    experiment gives ``quick``, the reason its quick size is too short; a full run always decides."""
    if mode == "smoke":
        return "smoke-size run (seconds, for the tests): rerun with --quick or --full"
    if mode == "quick" and quick:
        return quick
    return None
