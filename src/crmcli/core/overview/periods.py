"""The period a report covers, from what the rep typed: `30d`, `quarter`, `2026-01-01..2026-03-31`.

Its own module so that the report's sections stay readable; `reports` imports it (and
so do its callers, through `reports.parse_period`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from crmcli.core import clock
from crmcli.core.errors import Invalid

__all__ = ["Period", "parse_period"]

_RELATIVE = re.compile(r"(\d+)\s*([dwmy])", re.IGNORECASE)
_RANGE = re.compile(r"\s*(\d{4}-\d{2}-\d{2})?\s*\.\.\s*(\d{4}-\d{2}-\d{2})?\s*")


@dataclass(frozen=True)
class Period:
    """Local calendar days `first` to `last`, both included."""

    first: date
    last: date
    label: str

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def bounds(self) -> tuple[str, str]:
        """The period as stored UTC stamps [start, end), from local midnights."""
        zone = clock.local_zone()
        start = datetime.combine(self.first, time(), zone)
        end = datetime.combine(self.last + timedelta(days=1), time(), zone)
        return clock.stamp(start), clock.stamp(end)


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _months_back(day: date, months: int) -> date:
    from dateutil.relativedelta import relativedelta

    return day - relativedelta(months=months)


def parse_period(text: str, today: date) -> Period:
    """`90d`, `12w`, `6m`, `1y`, `this-week|month|quarter|year`, `last-...`, `ytd`, FROM..TO."""
    value = text.strip().lower()
    relative = _RELATIVE.fullmatch(value)
    if relative:
        count, unit = int(relative.group(1)), relative.group(2)
        if count <= 0:
            raise Invalid(f"period {text!r} must be at least one day")
        if unit == "d":
            first = today - timedelta(days=count - 1)
        elif unit == "w":
            first = today - timedelta(days=7 * count - 1)
        else:
            months = count * (12 if unit == "y" else 1)
            first = _months_back(today, months) + timedelta(days=1)
        return Period(first, today, value)
    if value == "ytd":
        return Period(date(today.year, 1, 1), today, value)
    named = {
        "this-week": lambda: (today - timedelta(days=today.weekday()), today),
        "this-month": lambda: (today.replace(day=1), today),
        "this-quarter": lambda: (_quarter_start(today), today),
        "this-year": lambda: (date(today.year, 1, 1), today),
        "last-week": lambda: (
            today - timedelta(days=today.weekday() + 7),
            today - timedelta(days=today.weekday() + 1),
        ),
        "last-month": lambda: (
            _months_back(today.replace(day=1), 1),
            today.replace(day=1) - timedelta(days=1),
        ),
        "last-quarter": lambda: (
            _months_back(_quarter_start(today), 3),
            _quarter_start(today) - timedelta(days=1),
        ),
        "last-year": lambda: (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    }
    if value in named:
        first, last = named[value]()
        return Period(first, last, value)
    span = _RANGE.fullmatch(value)
    if span and (span.group(1) or span.group(2)):
        try:
            first = date.fromisoformat(span.group(1)) if span.group(1) else date(1970, 1, 1)
            last = date.fromisoformat(span.group(2)) if span.group(2) else today
        except ValueError as exc:
            raise Invalid(f"cannot read the dates in period {text!r}: {exc}") from None
        if last < first:
            raise Invalid(f"period {text!r} ends before it starts")
        return Period(first, last, f"{first.isoformat()}..{last.isoformat()}")
    raise Invalid(
        f"cannot read period {text!r} (try 90d, 12w, 6m, this-month, last-quarter, ytd "
        "or 2026-01-01..2026-03-31)"
    )
