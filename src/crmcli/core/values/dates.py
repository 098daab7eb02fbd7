"""Calendar dates as people and files write them: birthdays, month names, exported dates.

One module for what a contact form, a vCard, a CSV export and a WHEN phrase all
need to agree on: which month a name means, which years mean "no year", and
when a day is real. Patterns are plain strings compiled (and cached) by `re` on
first use, so importing this module costs a WHEN phrase nothing.
"""

from __future__ import annotations

import datetime
import re
from functools import lru_cache

from crmcli.core.errors import Invalid
from crmcli.core.values.text import fold

MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_FULL = (
    "January February March April May June July August September October November December"
).split()
# What a rep types in a WHEN phrase: English names and abbreviations.
ENGLISH_MONTHS = {
    **{name.lower(): number for number, name in enumerate(MONTH_ABBR, 1)},
    **{name.lower(): number for number, name in enumerate(MONTH_FULL, 1)},
    "sept": 9,
}
# What exports write (folded): English, French and German names and abbreviations.
MONTHS = {
    **ENGLISH_MONTHS,
    **{
        m: i
        for i, m in enumerate(
            "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre "
            "decembre".split(),
            1,
        )
    },
    **{"janv": 1, "fev": 2, "fevr": 2, "avr": 4, "juil": 7},
    **{"januar": 1, "februar": 2, "marz": 3, "juni": 6, "juli": 7, "oktober": 10, "dezember": 12},
}
# Years that mean "no year": Apple's 1604, Outlook's and vCard 4.0's 0000.
NO_YEAR = frozenset({0, 1604})

_FILLER = frozenset(
    "le the of de du on monday tuesday wednesday thursday friday saturday sunday mon tue wed "
    "thu fri sat sun lundi mardi mercredi jeudi vendredi samedi dimanche".split()
)
_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2}|[AaPp][Mm])?)?"
_ISO = rf"(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}}){_TIME}"
_ISO_YEARLESS = r"--(\d{1,2})-?(\d{1,2})"
_NUMERIC = rf"(\d{{1,2}})([/.-])(\d{{1,2}})(?:\2(\d{{4}}|\d{{2}}))?{_TIME}"
_DAY = r"(\d{1,4})(?:er|st|nd|rd|th|e)?"


def birthday(year: int | None, month: int, day: int) -> str | None:
    """`YYYY-MM-DD`, or `--MM-DD` without a year, if that day exists; else None.

    2000 stands in for a missing year because it is a leap year: --02-29 is a
    real birthday.
    """
    if year in NO_YEAR:
        year = None
    try:
        datetime.date(year or 2000, month, day)
    except ValueError:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"


def parse_birthday(text: str) -> str:
    """`1985-03-14`, or `--03-14` / `03-14` for a birthday without a year, as a rep types it."""
    value = text.strip()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value)
    year: int | None
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = re.fullmatch(r"(?:--)?(\d{1,2})-(\d{1,2})", value)
        if not match:
            raise Invalid(f"birthday must be YYYY-MM-DD or MM-DD (no year), not {text!r}")
        year, (month, day) = None, (int(g) for g in match.groups())
    try:
        datetime.date(year or 2000, month, day)
    except ValueError as exc:
        raise Invalid(f"impossible birthday {text!r}: {exc}") from exc
    return f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"


def _wordy(text: str) -> tuple[int | None, int, int] | None:
    """(year, month, day) from "14 mars 1985", "March 14, 1985", "1er mars", "14-Mar-85"."""
    month = day = 0
    year: int | None = None
    for word in fold(text).split():
        if word in MONTHS and not month:
            month = MONTHS[word]
        elif (found := re.fullmatch(_DAY, word)) is not None:
            digits = found.group(1)
            if len(digits) == 4 and year is None:
                year = int(digits)
            elif len(digits) <= 2 and not day:
                day = int(digits)
            else:
                return None
        elif word not in _FILLER:
            return None
    return (year, month, day) if month and day else None


@lru_cache(maxsize=4096)  # bounded: memory stays flat however long the file
def read_date(text: str, order: str, pivot: int) -> tuple[str | None, str | None]:
    """(date, None) or (None, why not) for a date as exports and people write it.

    `order` decides "03/04/1985": "dmy" is 3 April, "mdy" March 4, "ymd" refuses to
    guess (ISO files only write unambiguous dates). Two-digit years up to `pivot` are
    20xx, later ones 19xx. A date without a year comes back as "--MM-DD".
    """
    value = text.strip()
    year: int | None
    if (iso := re.fullmatch(_ISO, value)) is not None:
        year, month, day = (int(g) for g in iso.groups())
    elif (bare := re.fullmatch(_ISO_YEARLESS, value)) is not None:
        year, month, day = None, int(bare.group(1)), int(bare.group(2))
    elif (num := re.fullmatch(_NUMERIC, value)) is not None:
        first, sep, second, year_text = num.groups()
        a, b = int(first), int(second)
        if year_text is None and sep == "-":
            # "03-14" is crm's (and ISO's) month-day; "14-03" can only be day-month.
            month, day = (b, a) if a > 12 >= b else (a, b)
        elif order == "dmy":
            day, month = a, b
        elif order == "mdy":
            month, day = a, b
        elif a > 12 >= b:
            day, month = a, b
        elif b > 12 >= a or a == b:
            month, day = a, b
        else:
            return None, "could be day-first or month-first"
        year = None
        if year_text is not None:
            year = int(year_text)
            if len(year_text) == 2:
                year += 2000 if year <= pivot else 1900
    elif (words := _wordy(value)) is not None:
        year, month, day = words
    else:
        return None, "is not a date we can read"
    found = birthday(year, month, day)
    if found is None:
        return None, "is not a real date"
    return found, None
