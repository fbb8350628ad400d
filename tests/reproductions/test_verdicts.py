"""The verdict library, rule by rule, on hand-made numbers."""

from __future__ import annotations

import math
import statistics

import pytest

from reproductions.verdicts import (
    Judgement,
    average_ranks,
    bootstrap_interval,
    check,
    combine,
    distinct_points,
    equivalence,
    log_ratios,
    mean_interval,
    one_sample,
    paired_difference,
    paired_ratio,
    rank_correlation,
    short_run,
    spearman,
    split_seeds,
    t_quantile,
)


def test_t_quantiles_match_the_tables() -> None:
    assert t_quantile(4) == pytest.approx(2.776)
    assert t_quantile(4, 0.90) == pytest.approx(2.132)
    assert t_quantile(60) == pytest.approx(2.000, abs=2e-3)
    assert t_quantile(200, 0.90) == pytest.approx(1.653, abs=2e-3)
    assert t_quantile(0) == math.inf


def test_mean_interval_by_hand() -> None:
    # mean 2, sd 1, n 4: half-width t(0.975, 3) * 1 / 2 = 3.182 / 2
    mean, low, high = mean_interval([1.0, 2.0, 2.0, 3.0 + 0.0])
    sd = statistics.stdev([1.0, 2.0, 2.0, 3.0])
    assert mean == 2.0
    assert high - mean == pytest.approx(3.182 * sd / 2)
    assert mean_interval([5.0]) == (5.0, -math.inf, math.inf)


def test_log_ratios_are_signed_towards_the_treatment() -> None:
    assert log_ratios([4.0], [2.0]) == [pytest.approx(math.log(2))]  # lower is better: treatment halves it
    assert log_ratios([4.0], [2.0], "higher") == [pytest.approx(-math.log(2))]
    with pytest.raises(ValueError):
        log_ratios([1.0], [0.0])
    with pytest.raises(ValueError):
        log_ratios([1.0, 2.0], [1.0])


def test_estimate_is_the_geometric_not_the_arithmetic_mean_of_ratios() -> None:
    # ratios 4x and 1/4x: arithmetic mean 2.125 ("twice as good"), geometric mean exactly 1
    j = paired_ratio([4.0, 1.0], [1.0, 4.0])
    assert j.estimate == pytest.approx(1.0)
    assert j.verdict == "inconclusive"


def test_ten_to_forty_times_worse_on_most_seeds_is_not_reproduced() -> None:
    # issue 17's Adam case: worse by 10-40x on four seeds, 100x better on one. The arithmetic mean of
    # best-other/adam ratios is ~20 ("reproduced" before); the paired log-ratio interval says otherwise.
    best_other = [0.01, 0.01, 0.01, 0.01, 1.0]
    adam = [0.10, 0.20, 0.40, 0.30, 0.01]
    ratios = [b / a for a, b in zip(adam, best_other, strict=False)]
    assert statistics.fmean(ratios) > 19
    j = paired_ratio(best_other, adam)
    assert j.estimate < 1 and j.verdict != "reproduced"


def test_reproduced_only_when_the_interval_lies_on_the_claims_side() -> None:
    base = [2.0, 2.1, 1.9, 2.05, 1.95]
    treat = [1.0, 1.0, 1.0, 1.0, 1.0]
    j = paired_ratio(base, treat)
    assert j.verdict == "reproduced" and j.low > 1 and j.estimate == pytest.approx(2.0, rel=0.05)
    assert j.n == 5 and "interval lies above" in j.reason
    # a claimed effect of 3x: the same data exclude it
    k = paired_ratio(base, treat, min_ratio=3.0)
    assert k.verdict == "not reproduced" and k.high < 3.0
    # a claimed effect of 2x sits inside the interval: neither
    assert paired_ratio(base, treat, min_ratio=2.0).verdict == "inconclusive"


def test_not_reproduced_needs_the_interval_to_exclude_the_effect() -> None:
    # the treatment is worse on average but the interval straddles 1: noise, not evidence against
    noisy = paired_ratio([1.0, 1.0, 1.0], [0.5, 1.5, 1.4])
    assert noisy.estimate < 1 and noisy.low < 1 < noisy.high
    assert noisy.verdict == "inconclusive" and "too noisy" in noisy.reason
    clear = paired_ratio([1.0, 1.0, 1.0, 1.0], [1.5, 1.6, 1.55, 1.45])
    assert clear.verdict == "not reproduced" and clear.high < 1


def test_higher_direction_and_difference_scale() -> None:
    assert paired_ratio([1.0, 1.0, 1.0], [2.0, 2.2, 1.9], direction="higher").verdict == "reproduced"
    # error rates in points: 3 points lower on every seed, give or take 0.5
    j = paired_difference([10.0, 11.0, 10.5, 9.5], [7.0, 8.5, 7.0, 6.5], unit=" pt")
    assert j.verdict == "reproduced" and j.estimate == pytest.approx(3.0)
    assert paired_difference([10.0, 11.0, 10.5, 9.5], [7.0, 8.5, 7.0, 6.5], min_effect=5.0).verdict == "not reproduced"
    tie = paired_difference([10.0, 11.0, 10.5], [10.5, 10.0, 10.8])  # maxout's statistical tie
    assert tie.verdict == "inconclusive"


def test_one_seed_and_short_runs_are_inconclusive_with_the_reason() -> None:
    one = paired_ratio([2.0], [1.0])
    assert one.verdict == "inconclusive" and "too few seeds" in one.reason
    short = paired_ratio([2.0, 2.1, 1.9], [1.0, 1.0, 1.0], too_short="3 epochs, loss still falling")
    assert short.verdict == "inconclusive" and "too short" in short.reason and "3 epochs" in short.reason
    assert short.estimate == pytest.approx(2.0, rel=0.05)  # the numbers are still reported
    assert short_run("smoke") and short_run("quick") is None and short_run("quick", "15 epochs") == "15 epochs"
    assert short_run("full", "15 epochs") is None


def test_bootstrap_interval_is_deterministic_and_covers_the_mean() -> None:
    xs = [0.1, 0.3, 0.2, 0.5, 0.4, 0.25]
    stat, lo, hi = bootstrap_interval(xs)
    assert (stat, lo, hi) == bootstrap_interval(xs)
    assert lo < stat < hi and lo >= min(xs) and hi <= max(xs)
    j = paired_ratio([2.0, 2.1, 1.9, 2.2, 1.8, 2.0], [1.0] * 6, method="bootstrap")
    assert j.verdict == "reproduced"


def test_one_sample_against_a_threshold() -> None:
    # a per-seed gradient ratio first/last layer, claimed below 0.1
    assert one_sample([0.01, 0.02, 0.015], threshold=0.1, direction="lower", log=True).verdict == "reproduced"
    assert one_sample([0.5, 0.6, 0.55], threshold=0.1, direction="lower", log=True).verdict == "not reproduced"
    assert one_sample([0.05, 0.5, 0.01], threshold=0.1, direction="lower", log=True).verdict == "inconclusive"
    assert one_sample([3.0, 3.2, 2.9], threshold=1.0).verdict == "reproduced"


def test_equivalence_margin_is_fixed_and_noise_cannot_widen_it() -> None:
    close = equivalence([10.0, 10.2, 9.9, 10.1], [10.1, 10.0, 10.0, 10.0], margin=0.5)
    assert close.verdict == "reproduced" and close.threshold == 0.5
    # the same mean difference with much more noise: the margin stays 0.5, so the verdict becomes inconclusive
    noisy = equivalence([10.0, 12.0, 8.0, 10.1], [10.1, 10.0, 10.0, 10.0], margin=0.5)
    assert noisy.verdict == "inconclusive" and noisy.threshold == 0.5 and "too noisy" in noisy.reason
    far = equivalence([12.0, 12.1, 11.9, 12.0], [10.0, 10.0, 10.1, 9.9], margin=0.5)
    assert far.verdict == "not reproduced"
    rel = equivalence([1.02, 0.99, 1.01], [1.0, 1.0, 1.0], margin=0.05, log=True)
    assert rel.verdict == "reproduced" and rel.scale == "ratio"
    with pytest.raises(ValueError):
        equivalence([1.0], [1.0], margin=0.0)


def test_tuning_seeds_are_never_reported() -> None:
    split = split_seeds(0, n_tune=2, n_report=5)
    assert split.report == (0, 1, 2, 3, 4)
    assert len(split.tune) == 2 and not set(split.tune) & set(split.report)
    assert not set(split_seeds(7, 1, 3).tune) & set(split_seeds(7, 1, 3).report)
    with pytest.raises(ValueError):
        split_seeds(0, 0, 3)


def test_average_ranks_and_tie_aware_spearman() -> None:
    assert average_ranks([10, 20, 20, 30]) == [1.0, 2.5, 2.5, 4.0]
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # with ties: Pearson's r of average ranks (the values scipy.stats.spearmanr gives)
    assert spearman([0, 0, 1, 1], [1, 2, 3, 4]) == pytest.approx(0.8944271909999159)
    assert spearman([1, 2, 2, 3, 4], [1, 3, 2, 4, 5]) == pytest.approx(0.9746794344808963)
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))


def test_one_critical_point_found_three_times_counts_once() -> None:
    # (index, loss) of points found by Newton from five starts: the same saddle thrice
    points = [(0.25, 1.5), (0.25, 1.5000001), (0.0, 0.1), (0.25, 1.4999999), (0.5, 2.3)]
    keep = distinct_points(points)
    assert keep == [0, 2, 4]
    # three points on a line give rho = 1 but are too few to decide; with the duplicates it would have been 5
    j = rank_correlation([points[i][0] for i in keep], [points[i][1] for i in keep])
    assert j.verdict == "inconclusive" and "too few distinct points" in j.reason


def test_rank_correlation_rule() -> None:
    x = list(range(12))
    up = [0.1 * i + (0.05 if i % 2 else 0.0) for i in x]
    j = rank_correlation(x, up)
    assert j.verdict == "reproduced" and j.estimate > 0.9 and j.low > 0
    assert rank_correlation(x, [-v for v in up]).verdict == "not reproduced"
    assert rank_correlation(x, [-v for v in up], direction="lower").verdict == "reproduced"
    flat = [1, 3, 2, 1, 3, 2, 1, 3, 2, 1, 3, 2]
    assert rank_correlation(x, flat).verdict == "inconclusive"
    assert rank_correlation(x, [1.0] * 12).verdict == "inconclusive"


def test_each_arm_is_judged_on_its_own() -> None:
    good = paired_ratio([2.0, 2.1, 1.9], [1.0, 1.0, 1.0], label="dropout")
    bad = paired_ratio([1.0, 1.0, 1.0, 1.0], [1.5, 1.6, 1.55, 1.45], label="dropconnect")
    open_ = paired_ratio([1.0, 1.0, 1.0], [0.5, 1.5, 1.4], label="L2")
    assert combine([good, good]).verdict == "reproduced"
    both = combine([good, bad])
    assert both.verdict == "not reproduced" and "dropconnect" in both.reason and len(both.parts) == 2
    assert combine([good, open_]).verdict == "inconclusive"
    assert "dropout: reproduced" in combine([good, open_]).fmt()
    with pytest.raises(ValueError):
        combine([])


def test_checks_and_serialisation() -> None:
    assert check(1e-9, tol=1e-6).verdict == "holds"  # a check holds or fails, it is never "reproduced"
    assert check(1e-3, tol=1e-6, label="d tanh").verdict == "fails"
    with pytest.raises(ValueError):
        Judgement("reproduced", 0.0, 0.0, 0.0, 1, "", scale="error")
    j = paired_ratio([2.0], [1.0])
    d = j.to_dict()
    assert d["low"] == 0.0 and d["high"] is None and d["n"] == 1  # no interval: [0x, inf), and no inf in JSON
    assert "x" in paired_ratio([2.0, 2.1], [1.0, 1.0]).fmt()
    with pytest.raises(ValueError):
        Judgement("maybe", 1.0, 0.0, 2.0, 3, "")


def test_combined_checks_hold_or_fail_and_count_as_arms_beside_reproductions() -> None:
    ok, bad = check(1e-12, tol=1e-9, label="value"), check(1.0, tol=1e-9, label="gradient")
    assert combine([ok, ok]).verdict == "holds" and "every part holds" in combine([ok, ok]).reason
    both = combine([ok, bad])
    assert both.verdict == "fails" and "gradient" in both.reason and "value: holds" in both.fmt()
    good = paired_ratio([2.0, 2.1, 1.9], [1.0, 1.0, 1.0])
    assert combine([good, ok]).verdict == "reproduced"  # a check inside a reproduction is an arm that holds
    assert combine([good, bad]).verdict == "not reproduced"
