"""The digest's window: an ISO week (Monday 00:00 to the next Monday 00:00) in the user's time zone."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feedhub.errors import InvalidInput

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.I)


@dataclass(frozen=True)
class Window:
    label: str  # "2018-W08", or "2018-02-19..2018-02-25"
    tz: str  # IANA name
    first_day: date  # local, inclusive
    last_day: date  # local, inclusive
    start: datetime  # aware UTC, inclusive
    end: datetime  # aware UTC, exclusive

    @property
    def is_week(self) -> bool:
        return "W" in self.label

    def fraction(self, when: datetime | None) -> float:
        """Where ``when`` falls in the window: 0 at the start, 1 at the end (clamped)."""
        if when is None:
            return 0.0
        span = (self.end - self.start).total_seconds()
        return min(1.0, max(0.0, (when - self.start).total_seconds() / span)) if span > 0 else 0.0


def system_tz_name() -> str:
    """The system's IANA time zone: $TZ, /etc/timezone, the /etc/localtime link; else UTC."""
    candidates: list[str] = []
    env = os.environ.get("TZ", "").lstrip(":")
    if env:
        candidates.append(env)
    try:
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except OSError:
        pass
    try:
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        try:
            ZoneInfo(name)
            return name
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return "UTC"


def zone(name: str | None) -> tuple[str, ZoneInfo]:
    name = (name or system_tz_name()).strip()
    try:
        return name, ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError):
        raise InvalidInput(f"unknown time zone {name!r}; use an IANA name such as Asia/Seoul, Europe/Berlin or UTC") from None


def _local_midnight(d: date, tz: ZoneInfo) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=tz).astimezone(timezone.utc)


def _window(label: str, tz_name: str, tz: ZoneInfo, first: date, last: date) -> Window:
    return Window(label, tz_name, first, last, _local_midnight(first, tz), _local_midnight(last + timedelta(days=1), tz))


def week_label(d: date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def iso_week(spec: str, tz_name: str | None = None, *, today: date | None = None) -> Window:
    """``2018-W08``, ``this`` or ``last`` (relative to today in ``tz_name``) -> the window."""
    name, tz = zone(tz_name)
    text = spec.strip()
    if text.lower() in ("this", "last"):
        today = today or datetime.now(tz).date()
        monday = today - timedelta(days=today.weekday())
        if text.lower() == "last":
            monday -= timedelta(days=7)
        return _window(week_label(monday), name, tz, monday, monday + timedelta(days=6))
    m = _WEEK.match(text)
    if not m:
        raise InvalidInput(f"invalid week {spec!r}; use an ISO week such as 2018-W08 (or 'this', 'last')")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise InvalidInput(f"invalid week {spec!r}: {year} has no week {week}; ISO weeks run 01..52 (or 53)") from None
    return _window(f"{year}-W{week:02d}", name, tz, monday, monday + timedelta(days=6))


def date_range(since: str | None, until: str | None, tz_name: str | None = None, *, today: date | None = None) -> Window:
    """``--since D --until D`` (inclusive local dates, YYYY-MM-DD); a missing end is today, a missing start a week before."""
    name, tz = zone(tz_name)
    today = today or datetime.now(tz).date()

    def parse(value: str, what: str) -> date:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput(f"invalid {what} date {value!r}; use YYYY-MM-DD") from None

    last = parse(until, "--until") if until else today
    first = parse(since, "--since") if since else last - timedelta(days=6)
    if first > last:
        raise InvalidInput(f"--since {first} is after --until {last}; swap them")
    if (last - first).days > 366:
        raise InvalidInput("a digest covers at most a year; narrow --since/--until")
    return _window(f"{first.isoformat()}..{last.isoformat()}", name, tz, first, last)


def resolve(week: str | None, since: str | None, until: str | None, tz_name: str | None) -> Window:
    """The CLI's choice: --week, else --since/--until, else this week so far."""
    if week and (since or until):
        raise InvalidInput("give either --week or --since/--until, not both")
    if since or until:
        return date_range(since, until, tz_name)
    return iso_week(week or "this", tz_name)
