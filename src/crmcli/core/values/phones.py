"""Phone numbers: one E.164 key however a number was written, the original text always kept.

Decisions (issue #18):
- A number libphonenumber calls *valid* is stored with its E.164 form, as always.
- A number it calls only *possible* (the right length, in an unallocated or test range:
  `(800) 000-0000`, `+1 555 0100`) is stored with its E.164 form too, flagged
  `valid = false`: keyed, so a re-import or a file that writes it another way
  (`06 39 98 66 77` in France, `+33 6 39 98 66 77`, `0033639986677`) finds the same
  person. Written nationally it must also fit the region's numbering plan, or it was
  probably a foreign number read with the wrong region.
- Anything else (`+49 BUSINESS`, `pager`, `n/a`, a vanity `1-800-FLOWERS`) is not
  rejected: stored as written, no E.164 form, `valid = false`, and reported as a
  warning, because a rep would rather keep a half-usable number than lose it.
One library answers: libphonenumber's Python port (`phonenumbers`/`phonenumberslite`).
Its young Rust port `rphonenumbers` is an optional accelerator (`crmcli[fast]`), used
only when importable and not turned off with CRM_NO_ACCELERATOR=1; a test holds it to
the same keys on every number of the test corpus. Both are imported only when a number
is actually parsed; results are cached because imports repeat the same numbers.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any, NamedTuple

_new = tuple.__new__
_TRUNK = re.compile(r"^(\+\d{1,3})\s*\(0\)\s*")
# Digits set apart only by spaces, dots or dashes, and at least three of them: the
# reference library reads such a number exactly as its bare digits (1.3 million random
# strings of that shape in every region it knows: the same country code, national
# number, leading zeros and extension), and reads the bare digits a fifth faster. Two
# digits are the exception (`9 2` is no number, `92` is one), hence the three.
_PLAIN = re.compile(r"\+?[0-9][0-9 .\-]*[0-9][0-9 .\-]*[0-9][0-9 .\-]*")
_SEPARATORS = str.maketrans("", "", " .-")
_DIGITS = re.compile(r"\D")
# Every ASCII character but 0-9, deleted by `str.translate`: in ASCII text those are
# exactly what `\D` matches, at a fifth of the cost of the regular expression.
_ASCII_NON_DIGITS = str.maketrans("", "", "".join(chr(c) for c in range(128) if not 48 <= c <= 57))
ACCELERATOR_OFF = "CRM_NO_ACCELERATOR"
"""Set to 1 to parse with the reference library even where rphonenumbers is installed."""


class Phone(NamedTuple):
    """A phone number as entered, with its normalised form when there is one.

    A named tuple: an import makes one per number, and it is built twice as fast as a
    frozen dataclass. `valid` is libphonenumber's word: false for a possible number in
    an unallocated range (which still has its `e164` key) and for text (which has none).
    """

    raw: str
    e164: str | None
    extension: str | None
    formatted: str | None = None
    valid: bool = True  # as the column's default; text is built with False

    @property
    def keyed(self) -> bool:
        """Read as a number (valid or possible): it has an E.164 key."""
        return self.e164 is not None

    @property
    def key(self) -> str:
        """What tells two numbers of one contact apart: see `phone_key`."""
        return phone_key(self.raw, self.e164)

    @property
    def display(self) -> str:
        """International format when normalised, else the original text."""
        return display(self.raw, self.formatted, self.extension)


def display(raw: str, formatted: str | None, extension: str | None) -> str:
    """How a stored number is shown: `+33 6 12 34 56 78 ext. 12`, or as typed."""
    if not formatted:
        return raw
    return f"{formatted} ext. {extension}" if extension else formatted


def phone_key(raw: str, e164: str | None) -> str:
    """The one key two numbers of a contact are the same by: the E.164 form; for a number
    kept as text, its digits when it looks like a number (`06.39.98` is `06 39 98`),
    else the text itself (case and spacing aside), so that `+49 BUSINESS` and `+49
    PRIVATE`, or `pager` and `fax`, stay two values (their digits would make them one)."""
    if e164:
        return e164
    if looks_like_phone(raw):
        return digits(raw)
    return "text:" + " ".join(raw.split()).casefold()


@lru_cache(maxsize=8192)
def parse_phone(text: str, region: str) -> Phone:
    """Normalise `text` using `region` for numbers written without +country code.

    Valid numbers are keyed and `valid`; possible ones keyed and not `valid` (see the
    module's decisions); the rest kept as text. Parsed by rphonenumbers (Rust, about
    7 us a number) where the optional accelerator is installed and allowed, else (or
    where it fails) by phonenumbers (Python, about 60 us): see `_parse_with` for how far
    the two agree.
    """
    raw = " ".join(text.split())
    candidate = _TRUNK.sub(r"\1 ", raw) if "(0)" in raw else raw  # "+44 (0)20" -> "+44 20"
    explicit = candidate.startswith("+") or (candidate.startswith("00") and _dials_00(region))
    fast = _fast_library()
    if fast is not None:
        try:
            return _parse_with(fast, raw, candidate, region, explicit=explicit)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # its own failure (a Rust panic is a BaseException)
            pass
    if _PLAIN.fullmatch(candidate):
        candidate = candidate.translate(_SEPARATORS)
    return _parse_with(_library(), raw, candidate, region, explicit=explicit)


def _parse_with(library: Any, raw: str, candidate: str, region: str, *, explicit: bool) -> Phone:
    """One library's answer: valid, possible (keyed, flagged), or text.

    rphonenumbers against phonenumbers, on 600,000 random and malformed inputs in 24
    regions: the same E.164 (or the same "not a number") for all but 6, ranges one copy
    of the numbering plans has retired; the display differed in 775, never in its
    digits, nearly all possible but invalid numbers with their +86, which the first
    groups and the second leaves in one block (+86 304 2357 2576, +86 30423572576).
    Whether a possible number written nationally fits the region's plan is always asked
    of phonenumbers' metadata, so both give the same keys.
    """
    try:
        number = library.parse(candidate, region)
    except library.NumberParseException:
        return _text(raw)
    if len(digits(candidate)) < len(str(number.national_number)):
        return _text(raw)  # letters read as digits: "+1 800 FLOWERS", "+49 BUSINESS"
    if library.is_valid_number(number):
        return _stored(library, raw, number, valid=True)
    if explicit:
        if library.is_possible_number(number):
            return _stored(library, raw, number, valid=False)
    elif _possible_here(library, number) and _fits_plan(region, number.national_number):
        return _stored(library, raw, number, valid=False)
    return _text(raw)


def _possible_here(library: Any, number: Any) -> bool:
    """Possible as a whole national number (not one dialled only locally, without its
    area code, which is no key: `555-0100` could be in any US city)."""
    reason = library.is_possible_number_with_reason(number)
    return bool(reason == library.ValidationResult.IS_POSSIBLE)


@lru_cache(maxsize=64)
def _dials_00(region: str) -> bool:
    """Is 00 how the region dials abroad (Europe, most of the world), so that `0033...`
    carries its own country code? Not in the US (011) or Japan (010): there `0000000000`
    is a national number, and a wrong one."""
    metadata = _library().PhoneMetadata.metadata_for_region(region.upper())
    prefix = metadata.international_prefix if metadata else None
    return bool(prefix and re.fullmatch(prefix, "00"))


@lru_cache(maxsize=4096)
def _fits_plan(region: str, national: int) -> bool:
    """Does this national number fit the region's numbering plan at all (allocated or not)?

    libphonenumber's "general description" of the region: `(800) 000-0000` fits the US
    plan, `06 39 98 66 77` (a French mobile read in the US) and `000 000 0000` do not.
    """
    metadata = _library().PhoneMetadata.metadata_for_region(region.upper())
    pattern = metadata.general_desc.national_number_pattern if metadata else None
    return bool(pattern and re.fullmatch(pattern, str(national)))


def _text(raw: str) -> Phone:
    """A value kept as written: no E.164 key, not valid."""
    return Phone(raw, None, None, None, False)


def _stored(library: Any, raw: str, number: Any, *, valid: bool) -> Phone:
    """What is kept of a number `library` accepted: E.164, extension, display format."""
    e164 = library.format_number(number, library.PhoneNumberFormat.E164)
    extension = number.extension
    if extension is not None:
        number.extension = None  # formatted without it; `display` appends it
    formatted = library.format_number(number, library.PhoneNumberFormat.INTERNATIONAL)
    return _new(Phone, (raw, e164, extension or None, formatted, valid))  # one per number


@lru_cache(maxsize=1)
def _fast_library() -> Any | None:
    """rphonenumbers, the optional accelerator (`crmcli[fast]`), when it is installed and
    CRM_NO_ACCELERATOR is not set: never required, phonenumbers answers without it."""
    if os.environ.get(ACCELERATOR_OFF, "").strip() not in ("", "0"):
        return None
    try:
        import rphonenumbers
    except ImportError:
        return None
    return rphonenumbers


@lru_cache(maxsize=1)
def _library() -> Any:
    """phonenumbers (or phonenumberslite, which installs the same module), imported on
    first use (~25 ms): the reference library."""
    import phonenumbers

    return phonenumbers


def library() -> Any:
    """The library numbers are read with: the accelerator when in use, else the reference."""
    return _fast_library() or _library()


def warm(region: str) -> None:
    """Load the phone libraries now: done before an import forks its workers, each of
    them starts with them loaded instead of loading its own."""
    _library().PhoneMetadata.metadata_for_region(region.upper())
    _fast_library()


def digits(text: str) -> str:
    r"""Only the digits of a text (for matching partial numbers); Unicode decimal digits
    too (Arabic-Indic, Devanagari...), as the regular expression's `\d` reads them."""
    if text.isascii():  # nearly every number: the same answer, several times faster
        bare = text.replace(" ", "")
        return bare if bare.isdigit() else text.translate(_ASCII_NON_DIGITS)
    return _DIGITS.sub("", text)


def looks_like_phone(text: str) -> bool:
    """True for queries such as `0612345678`, `+33 6 12`, `(415) 555-0100`."""
    stripped = text.strip()
    if not stripped or not re.fullmatch(r"[\d\s+().\-/]+", stripped):
        return False
    return len(digits(stripped)) >= 4
