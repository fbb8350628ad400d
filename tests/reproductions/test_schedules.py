"""Step, exponential and 1/t decay against their closed forms and torch's schedulers; the running-average identity."""

from __future__ import annotations

import math

import pytest
import torch

from reproductions.schedules import (
    ExponentialDecay,
    InverseTimeDecay,
    RunningAverage,
    StepDecay,
    mean_decay,
    running_average,
)

EPOCHS = 60


def optimizer(lrs: tuple[float, ...] = (0.1, 0.03)) -> torch.optim.Optimizer:
    return torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs])


def rates(make_scheduler) -> list[list[float]]:
    opt = optimizer()
    sched = make_scheduler(opt)
    out = []
    for _ in range(EPOCHS):
        out.append([g["lr"] for g in opt.param_groups])
        opt.step()
        sched.step()
    return out


CLOSED_FORMS = [
    ("step", lambda o: StepDecay(o, step_size=7, gamma=0.5), lambda a0, t: a0 * 0.5 ** (t // 7)),
    ("exponential", lambda o: ExponentialDecay(o, k=0.05), lambda a0, t: a0 * math.exp(-0.05 * t)),
    ("inverse-time", lambda o: InverseTimeDecay(o, k=0.3), lambda a0, t: a0 / (1 + 0.3 * t)),
]


@pytest.mark.parametrize(("name", "make", "closed"), CLOSED_FORMS, ids=[c[0] for c in CLOSED_FORMS])
def test_schedule_matches_closed_form(name, make, closed) -> None:
    got = rates(make)
    expected = [[closed(a0, t) for a0 in (0.1, 0.03)] for t in range(EPOCHS)]
    torch.testing.assert_close(
        torch.tensor(got, dtype=torch.float64), torch.tensor(expected, dtype=torch.float64), rtol=1e-15, atol=0
    )
    assert got[-1][0] < got[0][0]  # it decays


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (
            lambda o: StepDecay(o, step_size=7, gamma=0.5),
            lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5),
        ),
        (
            lambda o: ExponentialDecay(o, k=0.05),
            lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=math.exp(-0.05)),
        ),
        (
            lambda o: InverseTimeDecay(o, k=0.3),
            lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda t: 1 / (1 + 0.3 * t)),
        ),
    ],
)
def test_schedule_matches_torch(ours, theirs) -> None:
    torch.testing.assert_close(torch.tensor(rates(ours)), torch.tensor(rates(theirs)), rtol=1e-12, atol=0)


def test_schedulers_are_lr_schedulers_and_resume_from_state_dict() -> None:
    opt = optimizer()
    sched = ExponentialDecay(opt, k=0.1)
    assert isinstance(sched, torch.optim.lr_scheduler.LRScheduler)
    for _ in range(5):
        opt.step()
        sched.step()
    state = sched.state_dict()
    opt2 = optimizer()
    sched2 = ExponentialDecay(opt2, k=0.1)
    sched2.load_state_dict(state)
    opt2.step()
    sched2.step()
    assert opt2.param_groups[0]["lr"] == pytest.approx(0.1 * math.exp(-0.6), rel=1e-15)
    assert sched.get_last_lr()[1] == pytest.approx(0.03 * math.exp(-0.5), rel=1e-15)


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda o: StepDecay(o, step_size=0), ValueError),
        (lambda o: StepDecay(o, step_size=2.5), ValueError),
        (lambda o: StepDecay(o, step_size=3, gamma=0.0), ValueError),
        (lambda o: StepDecay(o, step_size=3, gamma=1.5), ValueError),
        (lambda o: ExponentialDecay(o, k=-0.1), ValueError),
        (lambda o: ExponentialDecay(o, k=float("inf")), ValueError),
        (lambda o: InverseTimeDecay(o, k=-1.0), ValueError),
        (lambda o: InverseTimeDecay(o, k=float("nan")), ValueError),
        (lambda o: InverseTimeDecay("not an optimizer", k=0.1), TypeError),
    ],
)
def test_bad_schedule_arguments(make, error) -> None:
    with pytest.raises(error):
        make(optimizer())


def test_running_average_with_one_minus_one_over_n_is_the_exact_mean() -> None:
    torch.manual_seed(0)
    xs = torch.randn(1000, 3, dtype=torch.float64) * 5 + 2
    avg = RunningAverage(mean_decay)
    for n, x in enumerate(xs, start=1):
        value = avg.update(x)
        if n in (1, 2, 10, 999):
            torch.testing.assert_close(value, xs[:n].mean(0), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(running_average(xs), xs.mean(0), rtol=1e-12, atol=1e-12)


def test_constant_decay_is_not_the_mean_but_a_geometric_average() -> None:
    xs = torch.arange(1.0, 101.0, dtype=torch.float64)
    alpha = 0.9
    got = running_average(xs, decay=alpha)
    expected = sum((1 - alpha) * alpha ** (100 - k) * xs[k - 1] for k in range(1, 101))
    torch.testing.assert_close(got, torch.as_tensor(expected, dtype=torch.float64))
    assert abs(float(got) - float(xs.mean())) > 10  # far from the mean 50.5: it tracks recent values


def test_mean_decay_values_and_errors() -> None:
    assert [mean_decay(n) for n in (1, 2, 4)] == [0.0, 0.5, 0.75]
    with pytest.raises(ValueError):
        mean_decay(0)
    with pytest.raises(ValueError):
        RunningAverage(decay=1.0)
    with pytest.raises(ValueError):
        running_average([])
