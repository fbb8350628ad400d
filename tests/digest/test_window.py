from datetime import date, datetime, timedelta, timezone

import pytest

from feedhub.digest.window import date_range, iso_week, resolve
from feedhub.errors import InvalidInput

UTC = timezone.utc


@pytest.mark.parametrize(
    ("spec", "tz", "start", "end"),
    [
        ("2018-W08", "UTC", datetime(2018, 2, 19, tzinfo=UTC), datetime(2018, 2, 26, tzinfo=UTC)),
        # Seoul is UTC+9: its Monday midnight is Sunday 15:00 UTC
        ("2018-W08", "Asia/Seoul", datetime(2018, 2, 18, 15, tzinfo=UTC), datetime(2018, 2, 25, 15, tzinfo=UTC)),
        ("2018w8", "America/Los_Angeles", datetime(2018, 2, 19, 8, tzinfo=UTC), datetime(2018, 2, 26, 8, tzinfo=UTC)),
        # ISO week 1 of 2019 starts on Monday 2018-12-31
        ("2019-W01", "UTC", datetime(2018, 12, 31, tzinfo=UTC), datetime(2019, 1, 7, tzinfo=UTC)),
        ("2020-W53", "UTC", datetime(2020, 12, 28, tzinfo=UTC), datetime(2021, 1, 4, tzinfo=UTC)),
    ],
)
def test_iso_week_is_monday_to_monday_in_the_zone(spec: str, tz: str, start: datetime, end: datetime) -> None:
    w = iso_week(spec, tz)
    assert (w.start, w.end) == (start, end)
    assert w.first_day.weekday() == 0 and w.last_day.weekday() == 6


def test_week_across_a_dst_change_is_167_hours() -> None:
    w = iso_week("2018-W10", "America/New_York")  # clocks go forward on Sunday 2018-03-11
    assert w.end - w.start == timedelta(hours=167)


@pytest.mark.parametrize(
    ("spec", "message"),
    [("2018-W53", "2018 has no week 53"), ("2018-W00", "no week 0"), ("2018-08", "invalid week"), ("last week", "invalid week"), ("", "invalid week")],
)
def test_invalid_weeks_are_one_line_errors(spec: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as err:
        iso_week(spec, "UTC")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("tz", ["Mars/Olympus", "../../etc/passwd", "Asia/", "UTC+9"])
def test_invalid_time_zone(tz: str) -> None:
    with pytest.raises(InvalidInput, match="unknown time zone"):
        iso_week("2018-W08", tz)


def test_this_and_last_week() -> None:
    today = date(2018, 2, 21)  # a Wednesday in W08
    assert iso_week("this", "UTC", today=today).label == "2018-W08"
    assert iso_week("last", "UTC", today=today).label == "2018-W07"


def test_date_range_is_inclusive_local_days() -> None:
    w = date_range("2018-02-19", "2018-02-21", "Asia/Seoul")
    assert w.label == "2018-02-19..2018-02-21"
    assert w.start == datetime(2018, 2, 18, 15, tzinfo=UTC)
    assert w.end == datetime(2018, 2, 21, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("week", "since", "until", "message"),
    [("2018-W08", "2018-02-01", None, "either --week"), (None, "2018-02-22", "2018-02-19", "after --until"), (None, "19/02/2018", None, "YYYY-MM-DD")],
)
def test_bad_combinations(week, since, until, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match=message):
        resolve(week, since, until, "UTC")


def test_fraction_runs_through_the_window() -> None:
    w = iso_week("2018-W08", "UTC")
    assert w.fraction(w.start) == 0.0
    assert w.fraction(datetime(2018, 2, 22, 12, tzinfo=UTC)) == pytest.approx(0.5)
    assert w.fraction(w.end + timedelta(days=3)) == 1.0
