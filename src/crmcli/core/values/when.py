"""Read the WHEN phrases a rep types ("fri 10am", "+3d", "jan 15") as local dates and times.

A follow-up due "fri" is an all-day item, not "Friday at midnight", so a value
is a local calendar date plus an optional wall time; it becomes an instant only
when it is stored (`When.instant`). The same phrase means different days for a
follow-up (future: "fri" is the coming Friday) and for a logged interaction
(past: "fri" is the last one), so the caller says which. Everything is exact
and DST-aware through the zone of the `now` it is given; nothing reads the
real clock, so tests pin time. All values are to the minute.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any, Literal

from crmcli.core.errors import Invalid
from crmcli.core.values.dates import ENGLISH_MONTHS, MONTH_ABBR, MONTH_FULL

Direction = Literal["future", "past"]
DateOrder = Literal["dmy", "mdy"]
WeekStart = Literal["mon", "sun"]

_DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# The most days a month can have, in any year (February: leap years).
_MAX_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

_WEEKDAYS = {
    **dict.fromkeys(("mon", "monday"), 0),
    **dict.fromkeys(("tue", "tues", "tuesday"), 1),
    **dict.fromkeys(("wed", "wednesday"), 2),
    **dict.fromkeys(("thu", "thur", "thurs", "thursday"), 3),
    **dict.fromkeys(("fri", "friday"), 4),
    **dict.fromkeys(("sat", "saturday"), 5),
    **dict.fromkeys(("sun", "sunday"), 6),
}
# Offset units: "m" is minutes, as in `--duration 15m` and `-2h`; months are "mo".
_UNITS = {
    **dict.fromkeys(("d", "day", "days"), "days"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "weeks"),
    **dict.fromkeys(("mo", "mos", "month", "months"), "months"),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), "years"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "hours"),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "minutes"),
}
_TIMED_UNITS = frozenset({"hours", "minutes"})

_EOD = datetime.time(17, 0)
_TONIGHT = datetime.time(19, 0)
_MIDNIGHT = datetime.time(0, 0)

# Patterns are plain strings, compiled (and cached by `re`) on first use: importing
# this module must stay cheap for commands that never read a date.
_TIME = (
    r"(?P<ah>\d{1,2})(?::(?P<am>\d{2}))?\s*(?P<half>am|pm)"  # 10am, 10:30 pm
    r"|(?P<ch>\d{1,2}):(?P<cm>\d{2})"  # 14:30
    r"|(?P<hh>\d{1,2})h(?P<hm>\d{2})?"  # 14h30, 14h
    r"|(?P<word>noon|midnight)"
)
_ISO_DATE = r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
_ISO_TIMED = (
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:t|\s+)"
    r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<tz>z|[+-]\d{2}(?::?\d{2})?)?"
)
_NUMERIC = r"(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?:(?P=sep)(?P<y>\d{4}|\d{2}))?"
_ORDINAL = r"(?:st|nd|rd|th)?"
_MONTH_DAY = rf"(?P<mon>[a-z]+)\.? (?P<d>\d{{1,2}}){_ORDINAL}(?: (?P<y>\d{{4}}))?"
_DAY_MONTH = rf"(?P<d>\d{{1,2}}){_ORDINAL} (?P<mon>[a-z]+)\.?(?: (?P<y>\d{{4}}))?"
_RELATIVE = r"(?P<which>next|last) (?P<what>[a-z]+)"
_SIGNED = r"(?P<sign>[+-])\s*(?P<n>\d+)\s*(?P<unit>[a-z]+)"
_IN = r"in (?P<n>\d+)\s*(?P<unit>[a-z]+)"
_AGO = r"(?P<n>\d+)\s*(?P<unit>[a-z]+) ago"


@dataclass(frozen=True)
class When:
    """A local calendar date and, unless it is an all-day value, a local wall time."""

    date: datetime.date
    time: datetime.time | None

    def instant(self, zone: datetime.tzinfo) -> datetime.datetime:
        """Aware datetime: date+time in `zone`; for a date-only value, local midnight of that date.

        A wall time that a spring-forward gap skips (02:30 on the night clocks go
        from 02:00 to 03:00) is read the way zoneinfo reads it, with the offset
        in force before the change, and returned as the real local time it is
        (03:30), so the result always names an instant that exists. A repeated
        wall time (autumn) is the first one unless `time.fold` is 1.
        """
        wall = datetime.datetime.combine(
            self.date, _MIDNIGHT if self.time is None else self.time, tzinfo=zone
        )
        return wall.astimezone(datetime.UTC).astimezone(zone)

    def describe(self) -> str:
        """Echo for the user, e.g. 'Fri 27 Nov 2026' or 'Fri 27 Nov 2026 10:00'."""
        day = self.date
        text = f"{_DAY_ABBR[day.weekday()]} {day.day} {MONTH_ABBR[day.month - 1]} {day.year}"
        if self.time is not None:
            text += f" {self.time.hour:02d}:{self.time.minute:02d}"
        return text


@dataclass(frozen=True)
class _Context:
    """What a phrase is read against: the clock, its zone, and the caller's conventions."""

    now: datetime.datetime  # local, to the minute
    zone: datetime.tzinfo
    direction: Direction
    date_order: DateOrder
    week_start: int  # weekday() of the first day of a week

    @property
    def today(self) -> datetime.date:
        return self.now.date()

    def is_later(self, when: When) -> bool:
        """True if `when` is after now; a date-only value only if after today."""
        if when.time is None:
            return when.date > self.today
        return when.instant(self.zone) > self.now


def parse_when(
    text: str,
    *,
    now: datetime.datetime,
    direction: Literal["future", "past"],
    date_order: Literal["dmy", "mdy"] = "dmy",
    week_start: Literal["mon", "sun"] = "mon",
) -> When:
    """Read a WHEN phrase against `now` (aware, local time); Invalid if unreadable.

    `direction` says what the phrase is for: "future" for a follow-up's due date
    (a weekday means the next one; an overdue value is allowed so a rep can log
    what was missed), "past" for when an interaction happened (a weekday means
    the most recent one, and anything after now is refused).
    """
    zone = now.tzinfo
    if zone is None or now.utcoffset() is None:
        raise ValueError("parse_when needs an aware now")
    if direction not in ("future", "past"):
        raise ValueError(f"unknown direction {direction!r}")
    if date_order not in ("dmy", "mdy"):
        raise ValueError(f"unknown date order {date_order!r}")
    if week_start not in ("mon", "sun"):
        raise ValueError(f"unknown week start {week_start!r}")
    ctx = _Context(
        now=now.replace(second=0, microsecond=0),
        zone=zone,
        direction=direction,
        date_order=date_order,
        week_start=0 if week_start == "mon" else 6,
    )
    typed = " ".join(text.split())
    phrase = " ".join(text.lower().replace(",", " ").split())
    if not phrase:
        raise Invalid(f"no date given: {_hint(date_order)}")
    when = (
        _timed_phrase(phrase, ctx)
        or _as_date_only(phrase, ctx)
        or _date_and_time(phrase, ctx)
        or _bare_time(phrase, ctx)
    )
    if when is None:
        raise Invalid(f"cannot read {typed!r} as a date: {_hint(date_order)}")
    if direction == "past" and ctx.is_later(when):
        raise Invalid(
            f"{typed!r} is in the future ({when.describe()}): "
            "this records when something happened, so give a past time"
        )
    return when


def _hint(date_order: str) -> str:
    numeric = "15/01" if date_order == "dmy" else "01/15"
    return (
        "try today, tomorrow, fri, next mon, fri 10am, +3d, in 2 weeks, eod, eow, eom, "
        f"jan 15, {numeric}, 2026-12-01 14:00"
    )


# --- phrases that carry their own time -------------------------------------------------


def _timed_phrase(phrase: str, ctx: _Context) -> When | None:
    """`now`, `tonight`, `eod`, `eow`, `eom`, an ISO date-time, or an hour/minute offset."""
    today = ctx.today
    if phrase == "now":
        return When(today, ctx.now.time())
    if phrase == "tonight":
        return When(today, _TONIGHT)
    if phrase == "eod":
        return When(today, _EOD)
    if phrase == "eow":
        friday = _week_start(today, ctx) + datetime.timedelta(days=(4 - ctx.week_start) % 7)
        when = When(friday, _EOD)
        if ctx.direction == "future" and when.instant(ctx.zone) < ctx.now:
            when = When(friday + datetime.timedelta(days=7), _EOD)
        return when
    if phrase == "eom":
        when = When(_month_end(today, 0), _EOD)
        if ctx.direction == "future" and when.instant(ctx.zone) < ctx.now:
            when = When(_month_end(today, 1), _EOD)
        return when
    match = re.fullmatch(_ISO_TIMED, phrase)
    if match:
        return _iso_timed(match, phrase, ctx)
    offset = _offset(phrase, ctx)
    if isinstance(offset, When):
        return offset
    return None


def _iso_timed(match: re.Match[str], phrase: str, ctx: _Context) -> When:
    day = _make_date(int(match["y"]), int(match["m"]), int(match["d"]), phrase)
    clock = _make_time(int(match["h"]), int(match["mi"]), phrase)
    if match["s"] is not None and int(match["s"]) > 59:
        raise Invalid(f"no such time: {phrase!r} (seconds go up to 59)")
    if match["tz"] is None:
        return When(day, clock)
    zone = _fixed_offset(match["tz"], phrase)
    local = datetime.datetime.combine(day, clock, tzinfo=zone).astimezone(ctx.zone)
    return When(local.date(), local.time())


def _fixed_offset(text: str, phrase: str) -> datetime.tzinfo:
    if text == "z":
        return datetime.UTC
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise Invalid(f"no such UTC offset: {text.upper()!r} in {phrase!r}")
    delta = datetime.timedelta(hours=hours, minutes=minutes)
    return datetime.timezone(-delta if text[0] == "-" else delta)


# --- date-only phrases -----------------------------------------------------------------


def _as_date_only(phrase: str, ctx: _Context) -> When | None:
    day = _date_phrase(phrase, ctx)
    return None if day is None else When(day, None)


def _date_phrase(phrase: str, ctx: _Context) -> datetime.date | None:
    """A phrase naming a day; None if it is not one, Invalid if it names an impossible one."""
    today = ctx.today
    one_day = datetime.timedelta(days=1)
    if phrase == "today":
        return today
    if phrase == "tomorrow":
        return today + one_day
    if phrase == "yesterday":
        return today - one_day
    if phrase in _WEEKDAYS:
        weekday = _WEEKDAYS[phrase]
        if ctx.direction == "future":  # strictly after today: "today" exists for today
            return today + datetime.timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
        return today - datetime.timedelta(days=(today.weekday() - weekday) % 7)
    match = re.fullmatch(_RELATIVE, phrase)
    if match:
        return _relative(match["which"], match["what"], ctx)
    match = re.fullmatch(_ISO_DATE, phrase)
    if match:
        return _make_date(int(match["y"]), int(match["m"]), int(match["d"]), phrase)
    match = re.fullmatch(_NUMERIC, phrase)
    if match:
        first, second = int(match["a"]), int(match["b"])
        day, month = (first, second) if ctx.date_order == "dmy" else (second, first)
        year = match["y"]
        if year is None:
            return _without_year(month, day, phrase, ctx, numeric=True)
        return _make_date(int(year) + (2000 if len(year) == 2 else 0), month, day, phrase)
    match = re.fullmatch(_MONTH_DAY, phrase) or re.fullmatch(_DAY_MONTH, phrase)
    if match and match["mon"] in ENGLISH_MONTHS:
        month, day = ENGLISH_MONTHS[match["mon"]], int(match["d"])
        if match["y"] is None:
            return _without_year(month, day, phrase, ctx, numeric=False)
        return _make_date(int(match["y"]), month, day, phrase)
    offset = _offset(phrase, ctx)
    if isinstance(offset, datetime.date):
        return offset
    return None


def _relative(which: str, what: str, ctx: _Context) -> datetime.date | None:
    """`next mon`, `last fri`, `next week`, `last week`, `next month`, `last month`."""
    step = 1 if which == "next" else -1
    if what == "month":
        return _add_months(ctx.today.replace(day=1), step)
    start = _week_start(ctx.today, ctx) + datetime.timedelta(days=7 * step)
    if what == "week":
        return start
    if what in _WEEKDAYS:
        return start + datetime.timedelta(days=(_WEEKDAYS[what] - ctx.week_start) % 7)
    return None


def _week_start(day: datetime.date, ctx: _Context) -> datetime.date:
    return day - datetime.timedelta(days=(day.weekday() - ctx.week_start) % 7)


def _without_year(
    month: int, day: int, phrase: str, ctx: _Context, *, numeric: bool
) -> datetime.date:
    """The next such date on or after today (future) or the last on or before it (past).

    29 Feb goes to the nearest leap year in that direction.
    """
    if not 1 <= month <= 12:
        note = _order_note(ctx, numeric)
        raise Invalid(f"no such date: {phrase!r} (there is no month {month}{note})")
    if not 1 <= day <= _MAX_DAYS[month - 1]:
        raise Invalid(
            f"no such date: {phrase!r} ({MONTH_FULL[month - 1]} has no day {day}"
            f"{_order_note(ctx, numeric)})"
        )
    today = ctx.today
    step = 1 if ctx.direction == "future" else -1
    year = today.year
    while True:  # at most 8 years away (29 Feb), within date's range for any real today
        if day <= _days_in_month(year, month):
            found = datetime.date(year, month, day)
            if (found >= today) if step == 1 else (found <= today):
                return found
        year += step


def _order_note(ctx: _Context, numeric: bool) -> str:
    """For 03/13 read day-first, say so: the rep may have meant the other order."""
    if not numeric:
        return ""
    return "; read as day/month" if ctx.date_order == "dmy" else "; read as month/day"


def _make_date(year: int, month: int, day: int, phrase: str) -> datetime.date:
    """The date, or Invalid naming it: an impossible date is an error, never rolled over."""
    if not 1 <= month <= 12:
        raise Invalid(f"no such date: {phrase!r} (there is no month {month})")
    if not 1 <= year <= 9999:
        raise Invalid(f"no such date: {phrase!r} (year {year} is out of range)")
    days = _days_in_month(year, month)
    if not 1 <= day <= days:
        raise Invalid(f"no such date: {phrase!r} ({MONTH_FULL[month - 1]} {year} has {days} days)")
    return datetime.date(year, month, day)


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (datetime.date(year, month + 1, 1) - datetime.date(year, month, 1)).days


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """Calendar month arithmetic, clamped to the month's end (31 Jan + 1 month = 28 Feb)."""
    from dateutil.relativedelta import relativedelta  # deferred: only month phrases pay

    result: datetime.date = day + relativedelta(months=months)
    return result


def _month_end(day: datetime.date, months_ahead: int) -> datetime.date:
    first = _add_months(day.replace(day=1), months_ahead)
    return first.replace(day=_days_in_month(first.year, first.month))


# --- offsets ---------------------------------------------------------------------------


def _offset(phrase: str, ctx: _Context) -> datetime.date | When | None:
    """`+3d`, `-2h`, `in 2 weeks`, `30 min ago`: a date for day units and up, a When for h/min.

    Days and up count calendar days from today and stay date-only; hours and
    minutes count real time from now, so across a DST change `+2h` is two
    real hours, shown as the local wall time it lands on.
    """
    match = re.fullmatch(_SIGNED, phrase)
    if match:
        sign = -1 if match["sign"] == "-" else 1
    else:
        match = re.fullmatch(_IN, phrase)
        sign = 1
        if not match:
            match = re.fullmatch(_AGO, phrase)
            sign = -1
            if not match:
                return None
    unit = _UNITS.get(match["unit"])
    if unit is None:
        raise Invalid(
            f"unknown unit {match['unit']!r} in {phrase!r}: "
            "use d, w, m (months), y, h or min (e.g. +3d, in 2 weeks, 30 min ago)"
        )
    amount = sign * int(match["n"])
    try:
        if unit in _TIMED_UNITS:
            moment = ctx.now.astimezone(datetime.UTC) + datetime.timedelta(**{unit: amount})
            local = moment.astimezone(ctx.zone)
            return When(local.date(), local.time())
        if unit in ("days", "weeks"):
            return ctx.today + datetime.timedelta(**{unit: amount})
        return _add_months(ctx.today, amount * (12 if unit == "years" else 1))
    except (OverflowError, ValueError):
        raise Invalid(f"{phrase!r} is too far away") from None


# --- times of day ----------------------------------------------------------------------


def _date_and_time(phrase: str, ctx: _Context) -> When | None:
    """A date phrase, then a time of day, with an optional `at` between: `fri at 10am`."""
    words = phrase.split(" ")
    for cut in range(1, len(words)):
        rest = words[cut:]
        if rest[0] == "at" and len(rest) > 1:
            rest = rest[1:]
        clock_text = " ".join(rest)
        if not re.fullmatch(_TIME, clock_text):
            continue
        day = _date_phrase(" ".join(words[:cut]), ctx)
        if day is not None:
            return When(day, _time_of_day(clock_text))
    return None


def _bare_time(phrase: str, ctx: _Context) -> When | None:
    """A time alone: the next one (future) or the last one (past), today or a day off."""
    clock_text = phrase.removeprefix("at ")
    if not re.fullmatch(_TIME, clock_text):
        return None
    clock = _time_of_day(clock_text)
    today = When(ctx.today, clock)
    one_day = datetime.timedelta(days=1)
    if ctx.direction == "future":
        ahead = today.instant(ctx.zone) > ctx.now
        return today if ahead else When(ctx.today + one_day, clock)
    passed = today.instant(ctx.zone) <= ctx.now
    return today if passed else When(ctx.today - one_day, clock)


def _time_of_day(text: str) -> datetime.time:
    """A wall time from a string that matches `_TIME`; Invalid if out of range (25:00, 13pm)."""
    match = re.fullmatch(_TIME, text)
    if match is None:  # pragma: no cover - callers match first
        raise Invalid(f"cannot read {text!r} as a time")
    if match["word"]:
        return datetime.time(12, 0) if match["word"] == "noon" else _MIDNIGHT
    if match["half"]:
        hour = int(match["ah"])
        if not 1 <= hour <= 12:
            raise Invalid(f"no such time: {text!r} (am/pm hours go from 1 to 12)")
        hour = hour % 12 + (12 if match["half"] == "pm" else 0)
        return _make_time(hour, int(match["am"] or 0), text)
    if match["ch"]:
        return _make_time(int(match["ch"]), int(match["cm"]), text)
    return _make_time(int(match["hh"]), int(match["hm"] or 0), text)


def _make_time(hour: int, minute: int, text: str) -> datetime.time:
    if hour > 23:
        raise Invalid(f"no such time: {text!r} (hours go up to 23)")
    if minute > 59:
        raise Invalid(f"no such time: {text!r} (minutes go up to 59)")
    return datetime.time(hour, minute)


def parse_with_config(
    text: str,
    config: Any,
    direction: Literal["future", "past"],
    *,
    now: datetime.datetime | None = None,
) -> When:
    """A WHEN phrase read as the rep's settings say (date order, week start), from now.

    The one entry point the commands and the full-screen interface share.
    """
    from crmcli.core import clock

    order: Literal["dmy", "mdy"] = "mdy" if config.date_order == "mdy" else "dmy"
    start: Literal["mon", "sun"] = "sun" if config.get("week_start") == "sun" else "mon"
    return parse_when(
        text, now=now or clock.local_now(), direction=direction, date_order=order, week_start=start
    )
