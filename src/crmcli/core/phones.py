"""Phone numbers: E.164 where parseable, the original text always kept.

Decision: a number that cannot be parsed is not rejected. It is stored as
written with no E.164 form and reported as a warning (and by `crm doctor`),
because a rep would rather keep a half-usable number than lose it. Parsing
goes through Google's libphonenumber port, imported only when a number is
actually parsed; results are cached because imports repeat the same numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_TRUNK = re.compile(r"^(\+\d{1,3})\s*\(0\)\s*")
_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class Phone:
    """A phone number as entered, with its normalised form when there is one."""

    raw: str
    e164: str | None
    extension: str | None
    formatted: str | None = None

    @property
    def valid(self) -> bool:
        return self.e164 is not None

    @property
    def display(self) -> str:
        """International format when normalised, else the original text."""
        return display(self.raw, self.formatted, self.extension)


def display(raw: str, formatted: str | None, extension: str | None) -> str:
    """How a stored number is shown: `+33 6 12 34 56 78 ext. 12`, or as typed."""
    if not formatted:
        return raw
    return f"{formatted} ext. {extension}" if extension else formatted


@lru_cache(maxsize=8192)
def parse_phone(text: str, region: str) -> Phone:
    """Normalise `text` using `region` for numbers written without +country code."""
    raw = " ".join(text.split())
    import phonenumbers  # deferred: ~20 ms, paid only when a number is parsed

    candidate = _TRUNK.sub(r"\1 ", raw)  # "+44 (0)20 ..." -> "+44 20 ..."
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return Phone(raw, None, None)
    # With an explicit +country code a possible length is trusted; a number read
    # through the default region must be valid there, or it was probably foreign.
    explicit = candidate.lstrip().startswith(("+", "00"))
    if not (
        phonenumbers.is_valid_number(number)
        or (explicit and phonenumbers.is_possible_number(number))
    ):
        return Phone(raw, None, None)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    extension = number.extension or None
    number.extension = None  # formatted without it; `display` appends it
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return Phone(raw, e164, extension, formatted)


def digits(text: str) -> str:
    """Only the digits of a text (for matching partial numbers)."""
    return _DIGITS.sub("", text)


def looks_like_phone(text: str) -> bool:
    """True for queries such as `0612345678`, `+33 6 12`, `(415) 555-0100`."""
    stripped = text.strip()
    if not stripped or not re.fullmatch(r"[\d\s+().\-/]+", stripped):
        return False
    return len(digits(stripped)) >= 4
