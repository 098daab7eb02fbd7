"""WHEN phrases against a fixed clock: every family, both directions, month/year ends, DST."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil import tz

from crmcli.core.errors import EXIT_USAGE, Invalid
from crmcli.core.values.when import When, parse_when

PARIS = ZoneInfo("Europe/Paris")
NY = ZoneInfo("America/New_York")
# Wednesday afternoon, with seconds, which no result keeps.
NOW = datetime(2026, 11, 25, 15, 20, 33, tzinfo=PARIS)


def at(y: int, mo: int, d: int, h: int = 12, mi: int = 0, zone: ZoneInfo = PARIS) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=zone)


def day(y: int, mo: int, d: int) -> When:
    return When(date(y, mo, d), None)


def timed(y: int, mo: int, d: int, h: int, mi: int = 0) -> When:
    return When(date(y, mo, d), time(h, mi))


def future(text: str, now: datetime = NOW, **options: str) -> When:
    return parse_when(text, now=now, direction="future", **options)  # type: ignore[arg-type]


def past(text: str, now: datetime = NOW, **options: str) -> When:
    return parse_when(text, now=now, direction="past", **options)  # type: ignore[arg-type]


def invalid(text: str, now: datetime = NOW, direction: str = "future", **options: str) -> str:
    """The message of the Invalid that `text` raises; it must be one line."""
    with pytest.raises(Invalid) as caught:
        parse_when(text, now=now, direction=direction, **options)  # type: ignore[arg-type]
    message = caught.value.message
    assert "\n" not in message
    assert message
    assert caught.value.exit_code == EXIT_USAGE
    return message


# --- every family, future direction, on Wed 25 Nov 2026 15:20 -----------------------------

FUTURE_CASES = [
    # ISO
    ("2026-12-01", day(2026, 12, 1)),
    ("2026-12-01 14:00", timed(2026, 12, 1, 14)),
    ("2026-12-01T14:00", timed(2026, 12, 1, 14)),
    ("2026-12-01T14:00:30", timed(2026, 12, 1, 14)),
    ("2026-12-01 3pm", timed(2026, 12, 1, 15)),
    ("2026-12-01T14:00Z", timed(2026, 12, 1, 15)),  # UTC+1 in winter
    ("2026-12-01T14:00+01:00", timed(2026, 12, 1, 14)),
    ("2026-12-01T14:00+05:30", timed(2026, 12, 1, 9, 30)),
    ("2026-12-01T23:30-05:00", timed(2026, 12, 2, 5, 30)),  # the local date moves
    ("2026-07-01T12:00Z", timed(2026, 7, 1, 14)),  # UTC+2 in summer
    # words
    ("today", day(2026, 11, 25)),
    ("tomorrow", day(2026, 11, 26)),
    ("yesterday", day(2026, 11, 24)),
    ("tonight", timed(2026, 11, 25, 19)),
    ("now", timed(2026, 11, 25, 15, 20)),
    # weekdays: strictly after today
    ("thu", day(2026, 11, 26)),
    ("fri", day(2026, 11, 27)),
    ("friday", day(2026, 11, 27)),
    ("sat", day(2026, 11, 28)),
    ("sunday", day(2026, 11, 29)),
    ("mon", day(2026, 11, 30)),
    ("tues", day(2026, 12, 1)),
    ("tuesday", day(2026, 12, 1)),
    ("wed", day(2026, 12, 2)),  # today is Wednesday: a week on
    ("thur", day(2026, 11, 26)),
    ("thurs", day(2026, 11, 26)),
    # next / last (weeks start on Monday by default)
    ("next mon", day(2026, 11, 30)),
    ("next fri", day(2026, 12, 4)),
    ("next friday", day(2026, 12, 4)),
    ("next sun", day(2026, 12, 6)),
    ("next week", day(2026, 11, 30)),
    ("next month", day(2026, 12, 1)),
    ("last mon", day(2026, 11, 16)),  # allowed: a follow-up may be logged overdue
    ("last week", day(2026, 11, 16)),
    # date + time
    ("fri 10am", timed(2026, 11, 27, 10)),
    ("fri at 10am", timed(2026, 11, 27, 10)),
    ("tomorrow 9:30", timed(2026, 11, 26, 9, 30)),
    ("mon 14:30", timed(2026, 11, 30, 14, 30)),
    ("next tue 11am", timed(2026, 12, 1, 11)),
    ("jan 15 9am", timed(2027, 1, 15, 9)),
    ("15/01 14h", timed(2027, 1, 15, 14)),
    ("today at noon", timed(2026, 11, 25, 12)),  # overdue is allowed in the future direction
    ("tomorrow midnight", timed(2026, 11, 26, 0)),
    ("+3d 10am", timed(2026, 11, 28, 10)),
    ("in 2 days at 9am", timed(2026, 11, 27, 9)),
    ("next week 9am", timed(2026, 11, 30, 9)),
    # bare times: today if still ahead, else tomorrow
    ("16:00", timed(2026, 11, 25, 16)),
    ("10am", timed(2026, 11, 26, 10)),
    ("at 10pm", timed(2026, 11, 25, 22)),
    ("noon", timed(2026, 11, 26, 12)),
    ("midnight", timed(2026, 11, 26, 0)),
    # day and longer offsets: date-only, from today
    ("+3d", day(2026, 11, 28)),
    ("+2w", day(2026, 12, 9)),
    ("+1mo", day(2026, 12, 25)),
    ("+1y", day(2027, 11, 25)),
    ("+2 days", day(2026, 11, 27)),
    ("+1 week", day(2026, 12, 2)),
    ("-3d", day(2026, 11, 22)),
    ("in 2 weeks", day(2026, 12, 9)),
    ("in 3 days", day(2026, 11, 28)),
    ("in 1 month", day(2026, 12, 25)),
    ("2 days ago", day(2026, 11, 23)),
    ("3 weeks ago", day(2026, 11, 4)),
    # hour and minute offsets: timed, from now (to the minute)
    ("+4h", timed(2026, 11, 25, 19, 20)),
    ("+30min", timed(2026, 11, 25, 15, 50)),
    ("+30 min", timed(2026, 11, 25, 15, 50)),
    ("-2h", timed(2026, 11, 25, 13, 20)),
    ("in 2 hours", timed(2026, 11, 25, 17, 20)),
    ("in 90 minutes", timed(2026, 11, 25, 16, 50)),
    ("1 hour ago", timed(2026, 11, 25, 14, 20)),
    ("30 min ago", timed(2026, 11, 25, 14, 50)),
    ("+10h", timed(2026, 11, 26, 1, 20)),  # across midnight
    # end of day / week / month
    ("eod", timed(2026, 11, 25, 17)),
    ("eow", timed(2026, 11, 27, 17)),
    ("eom", timed(2026, 11, 30, 17)),
    # month and day
    ("jan 15", day(2027, 1, 15)),
    ("15 jan", day(2027, 1, 15)),
    ("january 15", day(2027, 1, 15)),
    ("15 january", day(2027, 1, 15)),
    ("jan 15 2027", day(2027, 1, 15)),
    ("15 jan 2027", day(2027, 1, 15)),
    ("Jan 15, 2027", day(2027, 1, 15)),
    ("nov 25", day(2026, 11, 25)),  # today counts in the future direction
    ("nov 24", day(2027, 11, 24)),
    ("dec 1st", day(2026, 12, 1)),
    ("sept 3", day(2027, 9, 3)),
    # numeric, day first
    ("15/01", day(2027, 1, 15)),
    ("15/01/2027", day(2027, 1, 15)),
    ("15.01", day(2027, 1, 15)),
    ("15-01", day(2027, 1, 15)),
    ("15/1/27", day(2027, 1, 15)),
    ("15.01.2027", day(2027, 1, 15)),
    ("15-01-2027", day(2027, 1, 15)),
    ("25/11", day(2026, 11, 25)),
    ("1/12/2026", day(2026, 12, 1)),
]


@pytest.mark.parametrize(("text", "expected"), FUTURE_CASES)
def test_future(text: str, expected: When) -> None:
    assert future(text) == expected


# --- past direction, same clock ------------------------------------------------------------

PAST_CASES = [
    ("today", day(2026, 11, 25)),
    ("yesterday", day(2026, 11, 24)),
    ("now", timed(2026, 11, 25, 15, 20)),
    ("wed", day(2026, 11, 25)),  # today included
    ("wednesday", day(2026, 11, 25)),
    ("tue", day(2026, 11, 24)),
    ("fri", day(2026, 11, 20)),
    ("thurs", day(2026, 11, 19)),
    ("mon", day(2026, 11, 23)),
    ("sun", day(2026, 11, 22)),
    ("last mon", day(2026, 11, 16)),
    ("last fri", day(2026, 11, 20)),
    ("last sun", day(2026, 11, 22)),
    ("last week", day(2026, 11, 16)),
    ("last month", day(2026, 10, 1)),
    ("fri 10am", timed(2026, 11, 20, 10)),
    ("yesterday at 4pm", timed(2026, 11, 24, 16)),
    ("today 9:15", timed(2026, 11, 25, 9, 15)),
    ("mon 14h30", timed(2026, 11, 23, 14, 30)),
    ("jan 15 9am", timed(2026, 1, 15, 9)),
    # bare times: today if already passed (or equal), else yesterday
    ("15:00", timed(2026, 11, 25, 15)),
    ("15:20", timed(2026, 11, 25, 15, 20)),
    ("15:21", timed(2026, 11, 24, 15, 21)),
    ("10am", timed(2026, 11, 25, 10)),
    ("6pm", timed(2026, 11, 24, 18)),
    ("noon", timed(2026, 11, 25, 12)),
    ("midnight", timed(2026, 11, 25, 0)),
    # offsets backwards
    ("-3d", day(2026, 11, 22)),
    ("-1mo", day(2026, 10, 25)),
    ("-2h", timed(2026, 11, 25, 13, 20)),
    ("2 days ago", day(2026, 11, 23)),
    ("3 weeks ago", day(2026, 11, 4)),
    ("1 hour ago", timed(2026, 11, 25, 14, 20)),
    ("30 min ago", timed(2026, 11, 25, 14, 50)),
    ("+0d", day(2026, 11, 25)),
    # month and day: the most recent, today included
    ("jan 15", day(2026, 1, 15)),
    ("15 january", day(2026, 1, 15)),
    ("nov 25", day(2026, 11, 25)),
    ("nov 26", day(2025, 11, 26)),
    ("15/01", day(2026, 1, 15)),
    ("25/11", day(2026, 11, 25)),
    ("15/01/2026", day(2026, 1, 15)),
    ("2026-11-25 15:20", timed(2026, 11, 25, 15, 20)),
    ("2026-11-01T10:00Z", timed(2026, 11, 1, 11)),
]


@pytest.mark.parametrize(("text", "expected"), PAST_CASES)
def test_past(text: str, expected: When) -> None:
    assert past(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "tomorrow",
        "tonight",  # 19:00, and it is 15:20
        "eod",
        "eow",
        "eom",
        "in 2 days",
        "+3d",
        "+1m",
        "in 2 hours",
        "+1min",
        "next mon",
        "next week",
        "next month",
        "today 16:00",
        "wed 15:21",  # today, but a minute ahead
        "2026-12-01",
        "jan 15 2027",
        "26/11/2026",
        "2026-11-25T14:30Z",  # 15:30 in Paris
    ],
)
def test_past_refuses_the_future(text: str) -> None:
    message = invalid(text, direction="past")
    assert "in the future" in message
    assert repr(text) in message


def test_past_refusal_names_the_value() -> None:
    message = invalid("tomorrow", direction="past")
    assert "Thu 26 Nov 2026" in message
    assert "give a past time" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yesterday", day(2026, 11, 24)),
        ("2 hours ago", timed(2026, 11, 25, 13, 20)),
        ("jan 15 2026", day(2026, 1, 15)),
        ("today 9am", timed(2026, 11, 25, 9)),
    ],
)
def test_future_direction_allows_overdue_values(text: str, expected: When) -> None:
    assert future(text) == expected


# --- weekdays over a whole week ------------------------------------------------------------

WEEK = [date(2026, 11, 23) + timedelta(days=n) for n in range(7)]  # Mon 23 .. Sun 29 Nov
NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@pytest.mark.parametrize("today", WEEK, ids=lambda d: d.strftime("%a"))
@pytest.mark.parametrize("name", NAMES)
def test_weekday_future_is_strictly_after_today(today: date, name: str) -> None:
    now = datetime.combine(today, time(9, 0), tzinfo=PARIS)
    found = future(name, now).date
    assert found.weekday() == NAMES.index(name)
    assert 1 <= (found - today).days <= 7


@pytest.mark.parametrize("today", WEEK, ids=lambda d: d.strftime("%a"))
@pytest.mark.parametrize("name", NAMES)
def test_weekday_past_is_never_in_the_future(today: date, name: str) -> None:
    now = datetime.combine(today, time(9, 0), tzinfo=PARIS)
    found = past(name, now).date
    assert found.weekday() == NAMES.index(name)
    assert 0 <= (today - found).days <= 6


def test_weekday_on_that_weekday() -> None:
    friday = at(2026, 11, 27, 9)
    assert future("fri", friday) == day(2026, 12, 4)
    assert past("fri", friday) == day(2026, 11, 27)
    assert future("today", friday) == day(2026, 11, 27)
    # A time later today on that weekday is in the future: refused, not moved a week back.
    assert "in the future" in invalid("fri 10am", friday, direction="past")
    assert past("fri 8am", friday) == timed(2026, 11, 27, 8)


# --- next / last and the first day of the week ---------------------------------------------


@pytest.mark.parametrize(
    ("now", "week_start", "text", "expected"),
    [
        # On Wednesday 25 Nov 2026
        (NOW, "mon", "next mon", date(2026, 11, 30)),
        (NOW, "mon", "next week", date(2026, 11, 30)),
        (NOW, "mon", "next sun", date(2026, 12, 6)),
        (NOW, "sun", "next mon", date(2026, 11, 30)),
        (NOW, "sun", "next week", date(2026, 11, 29)),
        (NOW, "sun", "next sun", date(2026, 11, 29)),
        (NOW, "sun", "next sat", date(2026, 12, 5)),
        # On Sunday 29 Nov 2026 the two conventions disagree
        (at(2026, 11, 29), "mon", "next mon", date(2026, 11, 30)),
        (at(2026, 11, 29), "mon", "next week", date(2026, 11, 30)),
        (at(2026, 11, 29), "mon", "next sun", date(2026, 12, 6)),
        (at(2026, 11, 29), "sun", "next mon", date(2026, 12, 7)),
        (at(2026, 11, 29), "sun", "next week", date(2026, 12, 6)),
        (at(2026, 11, 29), "sun", "next sun", date(2026, 12, 6)),
        (at(2026, 11, 29), "mon", "last week", date(2026, 11, 16)),
        (at(2026, 11, 29), "sun", "last week", date(2026, 11, 22)),
        (at(2026, 11, 29), "sun", "last mon", date(2026, 11, 23)),
        # On Monday 30 Nov 2026
        (at(2026, 11, 30), "mon", "next mon", date(2026, 12, 7)),
        (at(2026, 11, 30), "mon", "last mon", date(2026, 11, 23)),
        (at(2026, 11, 30), "sun", "next mon", date(2026, 12, 7)),
        # Across New Year
        (at(2026, 12, 30), "mon", "next mon", date(2027, 1, 4)),
        (at(2026, 12, 30), "mon", "next week", date(2027, 1, 4)),
        (at(2026, 12, 30), "sun", "next week", date(2027, 1, 3)),
        (at(2026, 12, 30), "mon", "next month", date(2027, 1, 1)),
        (at(2027, 1, 1), "mon", "last week", date(2026, 12, 21)),
        (at(2027, 1, 1), "mon", "last mon", date(2026, 12, 21)),
        (at(2027, 1, 1), "mon", "last month", date(2026, 12, 1)),
    ],
)
def test_next_and_last(now: datetime, week_start: str, text: str, expected: date) -> None:
    assert future(text, now, week_start=week_start) == When(expected, None)


def test_week_start_does_not_change_plain_weekdays() -> None:
    sunday = at(2026, 11, 29)
    assert future("mon", sunday, week_start="sun") == future("mon", sunday, week_start="mon")


# --- month ends and leap years -------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        (at(2026, 1, 31), "+1mo", date(2026, 2, 28)),
        (at(2028, 1, 31), "+1mo", date(2028, 2, 29)),
        (at(2026, 3, 31), "+1mo", date(2026, 4, 30)),
        (at(2026, 3, 31), "-1mo", date(2026, 2, 28)),
        (at(2026, 1, 31), "in 1 month", date(2026, 2, 28)),
        (at(2026, 8, 31), "+6mo", date(2027, 2, 28)),
        (at(2028, 2, 29), "+1y", date(2029, 2, 28)),
        (at(2028, 2, 29), "+4y", date(2032, 2, 29)),
        (at(2026, 2, 28), "+1d", date(2026, 3, 1)),
        (at(2028, 2, 28), "+1d", date(2028, 2, 29)),
        (at(2026, 1, 31), "next month", date(2026, 2, 1)),
    ],
)
def test_month_arithmetic_clamps(now: datetime, text: str, expected: date) -> None:
    assert future(text, now) == When(expected, None)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(2026, 10, 31, 10), timed(2026, 10, 31, 17)),  # on the 31st, before 17:00
        (at(2026, 10, 31, 17), timed(2026, 10, 31, 17)),  # exactly then: not yet past
        (at(2026, 10, 31, 18), timed(2026, 11, 30, 17)),  # after: next month's end (30th)
        (at(2026, 11, 30, 10), timed(2026, 11, 30, 17)),  # on the 30th
        (at(2026, 11, 30, 18), timed(2026, 12, 31, 17)),
        (at(2026, 1, 31, 18), timed(2026, 2, 28, 17)),  # next month is a short February
        (at(2028, 1, 31, 18), timed(2028, 2, 29, 17)),  # leap February
        (at(2028, 2, 10), timed(2028, 2, 29, 17)),
        (at(2026, 2, 10), timed(2026, 2, 28, 17)),
        (at(2026, 12, 31, 18), timed(2027, 1, 31, 17)),  # across New Year
    ],
)
def test_eom(now: datetime, expected: When) -> None:
    assert future("eom", now) == expected


@pytest.mark.parametrize(
    ("now", "week_start", "expected"),
    [
        (NOW, "mon", timed(2026, 11, 27, 17)),  # Wednesday
        (at(2026, 11, 27, 16), "mon", timed(2026, 11, 27, 17)),  # Friday before 17:00
        (at(2026, 11, 27, 17), "mon", timed(2026, 11, 27, 17)),
        (at(2026, 11, 27, 18), "mon", timed(2026, 12, 4, 17)),  # Friday after: next week's
        (at(2026, 11, 28), "mon", timed(2026, 12, 4, 17)),  # Saturday
        (at(2026, 11, 28), "sun", timed(2026, 12, 4, 17)),
        (at(2026, 11, 29), "mon", timed(2026, 12, 4, 17)),  # Sunday
        (at(2026, 11, 29), "sun", timed(2026, 12, 4, 17)),
        (at(2026, 12, 31), "mon", timed(2027, 1, 1, 17)),  # across New Year
    ],
)
def test_eow(now: datetime, week_start: str, expected: When) -> None:
    assert future("eow", now, week_start=week_start) == expected


def test_eod_does_not_roll_over() -> None:
    assert future("eod", at(2026, 11, 25, 18)) == timed(2026, 11, 25, 17)
    assert past("eod", at(2026, 11, 25, 18)) == timed(2026, 11, 25, 17)


def test_end_phrases_in_the_past_direction_use_the_current_period() -> None:
    saturday = at(2026, 11, 28, 10)
    assert past("eow", saturday) == timed(2026, 11, 27, 17)
    assert past("eow", at(2026, 11, 29), week_start="mon") == timed(2026, 11, 27, 17)
    assert "in the future" in invalid("eow", at(2026, 11, 29), "past", week_start="sun")
    assert past("eom", at(2026, 11, 30, 18)) == timed(2026, 11, 30, 17)
    assert "in the future" in invalid("eom", at(2026, 11, 30, 16), "past")


@pytest.mark.parametrize(
    ("now", "text", "direction", "expected"),
    [
        (at(2026, 11, 25), "feb 29", "future", date(2028, 2, 29)),
        (at(2026, 11, 25), "29/02", "future", date(2028, 2, 29)),
        (at(2026, 11, 25), "feb 29", "past", date(2024, 2, 29)),
        (at(2028, 2, 29), "feb 29", "future", date(2028, 2, 29)),
        (at(2028, 2, 29), "feb 29", "past", date(2028, 2, 29)),
        (at(2028, 3, 1), "feb 29", "future", date(2032, 2, 29)),
        (at(2026, 11, 25), "29/02/2028", "future", date(2028, 2, 29)),
        (at(2026, 11, 25), "2028-02-29", "future", date(2028, 2, 29)),
    ],
)
def test_29_february(now: datetime, text: str, direction: str, expected: date) -> None:
    assert parse_when(text, now=now, direction=direction) == When(expected, None)  # type: ignore[arg-type]


# --- year ends -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "text", "direction", "expected"),
    [
        (at(2026, 12, 30), "+3d", "future", day(2027, 1, 2)),
        (at(2026, 12, 30), "in 1 week", "future", day(2027, 1, 6)),
        (at(2026, 12, 28), "jan 5", "future", day(2027, 1, 5)),
        (at(2026, 12, 28), "jan 5", "past", day(2026, 1, 5)),
        (at(2026, 12, 28), "05/01", "future", day(2027, 1, 5)),
        (at(2026, 12, 28), "05/01", "past", day(2026, 1, 5)),
        (at(2027, 1, 2), "dec 30", "past", day(2026, 12, 30)),
        (at(2027, 1, 2), "dec 30", "future", day(2027, 12, 30)),
        (at(2026, 12, 31), "dec 31", "future", day(2026, 12, 31)),
        (at(2026, 12, 31), "tomorrow", "future", day(2027, 1, 1)),
        (at(2027, 1, 1), "yesterday", "past", day(2026, 12, 31)),
        (at(2027, 1, 1, 0, 30), "1 hour ago", "past", timed(2026, 12, 31, 23, 30)),
        (at(2026, 12, 31, 23, 0), "+2h", "future", timed(2027, 1, 1, 1, 0)),
        (at(2026, 12, 31, 23, 0), "10am", "future", timed(2027, 1, 1, 10)),
        (at(2027, 1, 1, 8, 0), "10pm", "past", timed(2026, 12, 31, 22)),
        (at(2027, 1, 1), "fri", "past", day(2027, 1, 1)),
        (at(2027, 1, 1), "thu", "past", day(2026, 12, 31)),
    ],
)
def test_year_ends(now: datetime, text: str, direction: str, expected: When) -> None:
    assert parse_when(text, now=now, direction=direction) == expected  # type: ignore[arg-type]


# --- date order ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "date_order", "expected"),
    [
        ("03/04", "dmy", date(2027, 4, 3)),
        ("03/04", "mdy", date(2027, 3, 4)),
        ("03/04/2027", "dmy", date(2027, 4, 3)),
        ("03/04/2027", "mdy", date(2027, 3, 4)),
        ("3.4.27", "dmy", date(2027, 4, 3)),
        ("3.4.27", "mdy", date(2027, 3, 4)),
        ("12/25", "mdy", date(2026, 12, 25)),
        ("25/12", "dmy", date(2026, 12, 25)),
        ("jan 15", "mdy", date(2027, 1, 15)),  # month names are unambiguous either way
        ("15 jan", "mdy", date(2027, 1, 15)),
        ("2026-12-01", "mdy", date(2026, 12, 1)),  # ISO is always year-month-day
    ],
)
def test_date_order(text: str, date_order: str, expected: date) -> None:
    assert future(text, date_order=date_order) == When(expected, None)


def test_date_order_in_errors() -> None:
    assert "read as day/month" in invalid("12/25", date_order="dmy")
    assert "read as month/day" in invalid("25/12", date_order="mdy")
    assert "01/15" in invalid("blah", date_order="mdy")
    assert "15/01" in invalid("blah", date_order="dmy")


# --- times of day --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        ("10am", time(10)),
        ("10 am", time(10)),
        ("10AM", time(10)),
        ("10:30am", time(10, 30)),
        ("10:30 pm", time(22, 30)),
        ("1pm", time(13)),
        ("12am", time(0)),
        ("12pm", time(12)),
        ("12:30am", time(0, 30)),
        ("12:45 pm", time(12, 45)),
        ("14:30", time(14, 30)),
        ("9:05", time(9, 5)),
        ("0:00", time(0)),
        ("23:59", time(23, 59)),
        ("14h30", time(14, 30)),
        ("14h", time(14)),
        ("9h", time(9)),
        ("noon", time(12)),
        ("midnight", time(0)),
        ("at 10am", time(10)),
    ],
)
def test_time_forms(clock: str, expected: time) -> None:
    assert future(f"tomorrow {clock}") == When(date(2026, 11, 26), expected)


@pytest.mark.parametrize(
    ("clock", "hint"),
    [
        ("25:00", "hours go up to 23"),
        ("24:00", "hours go up to 23"),
        ("12:60", "minutes go up to 59"),
        ("24h", "hours go up to 23"),
        ("13pm", "1 to 12"),
        ("0am", "1 to 12"),
        ("12:75 pm", "minutes go up to 59"),
    ],
)
def test_impossible_times(clock: str, hint: str) -> None:
    for text in (clock, f"fri {clock}", f"tomorrow at {clock}"):
        message = invalid(text)
        assert "no such time" in message
        assert hint in message


def test_bare_time_boundaries() -> None:
    # NOW is 15:20:33; values are to the minute, so 15:20 is "now", not ahead of it.
    assert future("15:20") == timed(2026, 11, 26, 15, 20)
    assert future("15:21") == timed(2026, 11, 25, 15, 21)
    assert past("15:20") == timed(2026, 11, 25, 15, 20)
    assert past("15:21") == timed(2026, 11, 24, 15, 21)


# --- spacing and case ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  FRI   10AM ", timed(2026, 11, 27, 10)),
        ("Next  Mon", day(2026, 11, 30)),
        ("TOMORROW at 9:30", timed(2026, 11, 26, 9, 30)),
        ("JAN 15,2027", day(2027, 1, 15)),
        ("In 2 Weeks", day(2026, 12, 9)),
        ("2026-12-01t14:00z", timed(2026, 12, 1, 15)),
        ("\tEOD\n", timed(2026, 11, 25, 17)),
        ("Friday  At  Noon", timed(2026, 11, 27, 12)),
    ],
)
def test_case_and_spaces(text: str, expected: When) -> None:
    assert future(text) == expected


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("31/02", "'31/02'"),
        ("30/02/2027", "'30/02/2027'"),
        ("feb 30", "'feb 30'"),
        ("30 feb 2026", "'30 feb 2026'"),
        ("2026-02-29", "'2026-02-29'"),
        ("29/02/2027", "'29/02/2027'"),
        ("31/04", "'31/04'"),
        ("jan 32", "'jan 32'"),
        ("0/12", "'0/12'"),
        ("2026-13-01", "'2026-13-01'"),
        ("15/13", "'15/13'"),
        ("2026-02-29 10am", "'2026-02-29'"),
        ("31/02 10am", "'31/02'"),
    ],
)
def test_impossible_dates_are_named_never_rolled_over(text: str, names: str) -> None:
    for direction in ("future", "past"):
        message = invalid(text, direction=direction)
        assert message.startswith("no such date")
        assert names in message


@pytest.mark.parametrize(
    "text",
    [
        "blah",
        "fri blah",
        "tomorrow tomorrow",
        "next",
        "next blah",
        "last year",
        "10",
        "2026",
        "10 am pm",
        "tonight 9pm",
        "eod 10am",
        "now 10am",
        "+3",
        "in weeks",
        "jan",
        "mon tue",
        "15/01/202",
    ],
)
def test_unreadable(text: str) -> None:
    message = invalid(text)
    assert message.startswith(f"cannot read {text!r} as a date: try today, tomorrow")
    assert "2026-12-01 14:00" in message


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty(text: str) -> None:
    assert invalid(text).startswith("no date given: try")


@pytest.mark.parametrize("text", ["+3x", "in 2 fortnights", "-4q", "3 lightyears ago"])
def test_unknown_unit(text: str) -> None:
    message = invalid(text)
    assert "unknown unit" in message
    assert "min" in message


@pytest.mark.parametrize("text", ["+99999999y", "+999999999d", "in 9999999999 hours"])
def test_offsets_out_of_range(text: str) -> None:
    assert "too far" in invalid(text)


def test_bad_utc_offset() -> None:
    assert "UTC offset" in invalid("2026-12-01T14:00+25:00")


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_when("today", now=datetime(2026, 11, 25, 15, 20), direction="future")


# --- DST -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "text", "wall", "real_hours"),
    [
        # Paris, spring forward 2026-03-29 02:00 -> 03:00
        (at(2026, 3, 29, 1, 30), "+2h", timed(2026, 3, 29, 4, 30), 2),
        (at(2026, 3, 29, 1, 30), "in 90 minutes", timed(2026, 3, 29, 4, 0), 1.5),
        (at(2026, 3, 29, 4, 0), "-2h", timed(2026, 3, 29, 1, 0), -2),
        (at(2026, 3, 29, 4, 0), "2 hours ago", timed(2026, 3, 29, 1, 0), -2),
        # Paris, fall back 2026-10-25 03:00 -> 02:00 (02:00-03:00 happens twice)
        (at(2026, 10, 25, 1, 30), "+2h", timed(2026, 10, 25, 2, 30), 2),
        (at(2026, 10, 25, 1, 30), "+3h", timed(2026, 10, 25, 3, 30), 3),
        (at(2026, 10, 25, 4, 0), "-3h", timed(2026, 10, 25, 2, 0), -3),
        # New York, spring forward 2026-03-08 02:00 -> 03:00
        (at(2026, 3, 8, 1, 30, NY), "+2h", timed(2026, 3, 8, 4, 30), 2),
        (at(2026, 3, 8, 1, 30, NY), "+30min", timed(2026, 3, 8, 3, 0), 0.5),
        # New York, fall back 2026-11-01 02:00 -> 01:00 (01:00-02:00 happens twice)
        (at(2026, 11, 1, 1, 30, NY), "+2h", timed(2026, 11, 1, 2, 30), 2),
        (at(2026, 11, 1, 1, 30, NY), "+1h", timed(2026, 11, 1, 1, 30), 1),  # same wall time
        (at(2026, 11, 1, 3, 0, NY), "in 2 hours", timed(2026, 11, 1, 5, 0), 2),
    ],
)
def test_hour_offsets_count_real_time(
    now: datetime, text: str, wall: When, real_hours: float
) -> None:
    zone = now.tzinfo
    assert zone is not None
    found = parse_when(text, now=now, direction="future")
    assert found == wall
    # Measured in UTC: subtracting two datetimes of one zone would give the wall-clock gap.
    assert found.instant(zone).astimezone(UTC) - now.astimezone(UTC) == timedelta(hours=real_hours)


def test_day_offsets_keep_the_date_across_dst() -> None:
    assert future("+1d", at(2026, 3, 28, 23, 30)) == day(2026, 3, 29)
    assert future("+1d", at(2026, 10, 24, 23, 30)) == day(2026, 10, 25)
    assert future("+1w", at(2026, 3, 25)) == day(2026, 4, 1)


@pytest.mark.parametrize(
    ("zone", "on", "offset_hours"),
    [
        (PARIS, date(2026, 3, 29), 1),  # midnight is still winter time
        (PARIS, date(2026, 3, 30), 2),
        (PARIS, date(2026, 10, 25), 2),  # midnight is still summer time
        (PARIS, date(2026, 10, 26), 1),
        (NY, date(2026, 3, 8), -5),
        (NY, date(2026, 3, 9), -4),
        (NY, date(2026, 11, 1), -4),
        (NY, date(2026, 11, 2), -5),
    ],
)
def test_date_only_instant_is_local_midnight(zone: ZoneInfo, on: date, offset_hours: int) -> None:
    moment = When(on, None).instant(zone)
    assert (moment.date(), moment.time()) == (on, time(0))
    assert moment.utcoffset() == timedelta(hours=offset_hours)
    assert moment.astimezone(UTC) == datetime.combine(on, time(0), UTC) - timedelta(
        hours=offset_hours
    )


def test_date_only_instant_when_midnight_does_not_exist() -> None:
    # Sao Paulo began DST at midnight on 2018-11-04: the day started at 01:00.
    sao_paulo = ZoneInfo("America/Sao_Paulo")
    moment = When(date(2018, 11, 4), None).instant(sao_paulo)
    assert moment == datetime(2018, 11, 4, 3, 0, tzinfo=UTC)
    assert (moment.hour, moment.utcoffset()) == (1, timedelta(hours=-2))


@pytest.mark.parametrize(
    ("now", "text", "direction", "wall", "real"),
    [
        # 02:30 does not exist on 2026-03-29 in Paris; read with the winter offset.
        (
            at(2026, 3, 28, 20),
            "tomorrow 2:30am",
            "future",
            timed(2026, 3, 29, 2, 30),
            datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
        ),
        (
            at(2026, 3, 29, 0, 30),
            "2:30am",
            "future",
            timed(2026, 3, 29, 2, 30),
            datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
        ),
        (
            at(2026, 3, 29, 10),
            "2:30am",
            "past",
            timed(2026, 3, 29, 2, 30),
            datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
        ),
        (
            at(2026, 3, 25),
            "2026-03-29 02:30",
            "future",
            timed(2026, 3, 29, 2, 30),
            datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
        ),
        # 02:30 does not exist on 2026-03-08 in New York.
        (
            at(2026, 3, 6, 12, 0, NY),
            "sun 2:30am",
            "future",
            timed(2026, 3, 8, 2, 30),
            datetime(2026, 3, 8, 7, 30, tzinfo=UTC),
        ),
        # 02:30 happens twice on 2026-10-25 in Paris: the first one (summer time).
        (
            at(2026, 10, 24, 20),
            "tomorrow 2:30am",
            "future",
            timed(2026, 10, 25, 2, 30),
            datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        ),
        # 01:30 happens twice on 2026-11-01 in New York: the first one (EDT).
        (
            at(2026, 10, 31, 20, 0, NY),
            "tomorrow 1:30am",
            "future",
            timed(2026, 11, 1, 1, 30),
            datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        ),
    ],
)
def test_wall_times_on_dst_days(
    now: datetime, text: str, direction: str, wall: When, real: datetime
) -> None:
    zone = now.tzinfo
    assert zone is not None
    found = parse_when(text, now=now, direction=direction)  # type: ignore[arg-type]
    assert found == wall
    assert found.describe().endswith(f"{wall.time:%H:%M}")
    moment = found.instant(zone)
    # Via UTC: PEP 495 makes a repeated wall time unequal to any time in another zone.
    assert moment.astimezone(UTC) == real
    assert moment.utcoffset() is not None
    # The instant names a real local time: it survives a round trip through UTC.
    back = moment.astimezone(UTC).astimezone(zone)
    assert (back.replace(tzinfo=None), back.fold) == (moment.replace(tzinfo=None), moment.fold)


def test_nonexistent_wall_time_instant_is_the_real_local_time() -> None:
    moment = timed(2026, 3, 29, 2, 30).instant(PARIS)
    assert (moment.hour, moment.minute, moment.utcoffset()) == (3, 30, timedelta(hours=2))


def test_now_inside_the_repeated_hour_keeps_its_fold() -> None:
    # 01:30 EST, the second 01:30 of 2026-11-01 in New York.
    second = datetime(2026, 11, 1, 1, 30, tzinfo=NY, fold=1)
    found = past("now", second)
    assert found == timed(2026, 11, 1, 1, 30)
    assert found.instant(NY).astimezone(UTC) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert found.instant(NY).utcoffset() == timedelta(hours=-5)
    earlier = past("30 min ago", second)
    assert earlier == timed(2026, 11, 1, 1, 0)
    assert earlier.instant(NY).astimezone(UTC) == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    # The first 01:30 (EDT) is an hour before it, and also in the past.
    assert past("1 hour ago", second).instant(NY).utcoffset() == timedelta(hours=-4)


def test_dateutil_zones_work_too() -> None:
    paris = tz.gettz("Europe/Paris")
    assert paris is not None
    now = datetime(2026, 3, 29, 1, 30, tzinfo=paris)
    found = future("+2h", now)
    assert found == timed(2026, 3, 29, 4, 30)
    assert found.instant(paris).astimezone(UTC) == datetime(2026, 3, 29, 2, 30, tzinfo=UTC)
    assert When(date(2026, 10, 25), None).instant(paris).utcoffset() == timedelta(hours=2)
    assert future("fri", now) == day(2026, 4, 3)


def test_new_york_clock() -> None:
    # Wednesday 25 Nov 2026 at 22:00 in New York is already Thursday in Paris.
    evening = at(2026, 11, 25, 22, 0, NY)
    assert future("today", evening) == day(2026, 11, 25)
    assert future("tomorrow 9am", evening) == timed(2026, 11, 26, 9)
    assert future("2026-11-26T09:00+01:00", evening) == timed(2026, 11, 26, 3)
    assert past("2026-11-26T02:00Z", evening) == timed(2026, 11, 25, 21)
    assert future("eod", evening) == timed(2026, 11, 25, 17)
    assert future("9pm", evening) == timed(2026, 11, 26, 21)
    assert past("11pm", evening) == timed(2026, 11, 24, 23)


# --- When ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "text"),
    [
        (day(2026, 11, 27), "Fri 27 Nov 2026"),
        (timed(2026, 11, 27, 10), "Fri 27 Nov 2026 10:00"),
        (timed(2026, 12, 1, 9, 5), "Tue 1 Dec 2026 09:05"),
        (timed(2027, 1, 3, 0, 0), "Sun 3 Jan 2027 00:00"),
        (When(date(2026, 5, 6), time(14, 0, 30)), "Wed 6 May 2026 14:00"),
    ],
)
def test_describe(when: When, text: str) -> None:
    assert when.describe() == text  # English whatever the locale (LANG is fr_FR in tests)


def test_instant_of_a_timed_value() -> None:
    assert timed(2026, 11, 27, 10).instant(PARIS) == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert timed(2026, 7, 1, 10).instant(NY) == datetime(2026, 7, 1, 14, 0, tzinfo=UTC)


def test_when_is_frozen_and_comparable() -> None:
    value = day(2026, 11, 27)
    assert value == When(date(2026, 11, 27), None)
    assert value != timed(2026, 11, 27, 0)  # all-day is not midnight
    with pytest.raises(AttributeError):
        value.time = time(10)  # type: ignore[misc]


def test_results_are_to_the_minute() -> None:
    found = [future(text) for text in ("now", "+2h", "in 90 minutes", "2026-12-01T14:00:30")]
    assert all(w.time is not None and (w.time.second, w.time.microsecond) == (0, 0) for w in found)


@pytest.mark.subprocess
def test_import_is_light() -> None:
    code = (
        "import sys, crmcli.core.values.when; "
        "print(sorted(m for m in ('dateutil', 'typer', 'rich', 'textual') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_m_is_minutes_and_mo_is_months() -> None:
    """`m` means minutes everywhere in crm (`--duration 15m`); months are `mo`."""
    now = at(2026, 11, 25, 15, 20)
    timed = parse_when("+30m", now=now, direction="future")
    assert (timed.date, timed.time) == (date(2026, 11, 25), time(15, 50))
    assert parse_when("+1mo", now=now, direction="future").date == date(2026, 12, 25)
