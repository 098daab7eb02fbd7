"""Phone numbers: E.164 where parseable, the original text always kept.

Decision: a number that cannot be parsed is not rejected. It is stored as
written with no E.164 form and reported as a warning (and by `crm doctor`),
because a rep would rather keep a half-usable number than lose it. Parsing
goes through Google's libphonenumber (its Rust port, else its Python port: see
`parse_phone`), imported only when a number is actually parsed; results are
cached because imports repeat the same numbers.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, NamedTuple

_TRUNK = re.compile(r"^(\+\d{1,3})\s*\(0\)\s*")
_DIGITS = re.compile(r"\D")


class Phone(NamedTuple):
    """A phone number as entered, with its normalised form when there is one.

    A named tuple: an import makes one per number, and it is built twice as fast as a
    frozen dataclass."""

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
    """Normalise `text` using `region` for numbers written without +country code.

    With an explicit +country code a possible length is trusted; a number read through
    the default region must be valid there, or it was probably foreign. Two ports of
    Google's libphonenumber answer: rphonenumbers (Rust, about 7 us a number, what lets
    a big import keep up with a plain CSV loader), and phonenumbers (Python, about 60
    us) where the first is not installed or fails. Both carry their own copy of the
    numbering plans: see `_parse_with` for how far they agree.
    """
    raw = " ".join(text.split())
    candidate = _TRUNK.sub(r"\1 ", raw) if "(0)" in raw else raw  # "+44 (0)20" -> "+44 20"
    explicit = candidate.lstrip().startswith(("+", "00"))
    fast = _fast_library()
    if fast is not None:
        try:
            return _parse_with(fast, raw, candidate, region, explicit=explicit)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # its own failure (a Rust panic is a BaseException)
            pass
    return _parse_with(_library(), raw, candidate, region, explicit=explicit)


def _parse_with(library: Any, raw: str, candidate: str, region: str, *, explicit: bool) -> Phone:
    """One library's answer: a valid number, or a possible one with its own +code.

    rphonenumbers against phonenumbers, on 600,000 random and malformed inputs in 24
    regions: the same E.164 (or the same "not a number") for all but 6, ranges one copy
    of the numbering plans has retired; the display differed in 775, never in its
    digits, nearly all possible but invalid numbers with their +86, which the first
    groups and the second leaves in one block (+86 304 2357 2576, +86 30423572576).
    """
    try:
        number = library.parse(candidate, region)
    except library.NumberParseException:
        return Phone(raw, None, None)
    if library.is_valid_number(number) or (explicit and library.is_possible_number(number)):
        return _stored(library, raw, number)
    return Phone(raw, None, None)


def _stored(library: Any, raw: str, number: Any) -> Phone:
    """What is kept of a number `library` accepted: E.164, extension, display format."""
    e164 = library.format_number(number, library.PhoneNumberFormat.E164)
    extension = number.extension or None
    number.extension = None  # formatted without it; `display` appends it
    formatted = library.format_number(number, library.PhoneNumberFormat.INTERNATIONAL)
    return Phone(raw, e164, extension, formatted)


@lru_cache(maxsize=1)
def _fast_library() -> Any | None:
    """rphonenumbers when it is installed (it has wheels for the usual platforms)."""
    try:
        import rphonenumbers
    except ImportError:
        return None
    return rphonenumbers


@lru_cache(maxsize=1)
def _library() -> Any:
    """phonenumbers, imported on first use (~20 ms): the fallback where rphonenumbers is
    missing or fails."""
    import phonenumbers

    return phonenumbers


def warm(region: str) -> None:
    """Load the phone library now: done before an import forks its workers, each of
    them starts with it loaded instead of loading its own (~0.3 s for phonenumbers)."""
    if _fast_library() is None:
        _library().PhoneMetadata.metadata_for_region(region)


def digits(text: str) -> str:
    """Only the digits of a text (for matching partial numbers)."""
    return _DIGITS.sub("", text)


def looks_like_phone(text: str) -> bool:
    """True for queries such as `0612345678`, `+33 6 12`, `(415) 555-0100`."""
    stripped = text.strip()
    if not stripped or not re.fullmatch(r"[\d\s+().\-/]+", stripped):
        return False
    return len(digits(stripped)) >= 4
