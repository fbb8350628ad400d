"""Parsing the dates users type (``--since 2018-02-19``, ``--since 2015``)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timezone

from feedhub.errors import InvalidInput


def parse_date(value: str, *, end: bool = False) -> datetime:
    """``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or an ISO datetime -> aware UTC (start, or end with end=True)."""
    text = value.strip()
    try:
        if len(text) == 4 and text.isdigit():
            d = date(int(text), 12, 31) if end else date(int(text), 1, 1)
        elif len(text) == 7 and text[4] == "-":
            y, m = int(text[:4]), int(text[5:])
            d = date(y, m, calendar.monthrange(y, m)[1] if end else 1)
        elif len(text) == 10:
            d = date.fromisoformat(text)
        else:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    except ValueError:
        raise InvalidInput(f"invalid date {value!r}; use YYYY, YYYY-MM or YYYY-MM-DD") from None
    if end:
        return datetime(d.year, d.month, d.day, 23, 59, 59, 999999, tzinfo=timezone.utc)
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)
