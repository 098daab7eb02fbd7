"""libphonenumber, sped up: the same answers as the library left alone.

`phones._library()` answers ASCII text in `normalize_digits_only` with one regex and
serves the library's `re.compile` calls from a dict. Both must be invisible: these
tests compare them with the original library on arbitrary text and numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import phonenumberutil

from crmcli.core import phones

REGIONS = ["FR", "US", "GB", "DE", "IT", "BR", "IN", "JP", "AR", "CH", "BE", "MX", "AU"]


@contextmanager
def unpatched() -> Iterator[None]:
    """The library exactly as shipped, for the duration of the block."""
    phones._library()
    fast, cached_re = phonenumberutil.normalize_digits_only, phonenumberutil.re
    phonenumberutil.normalize_digits_only = fast.original
    phonenumberutil.re = re
    try:
        yield
    finally:
        phonenumberutil.normalize_digits_only = fast
        phonenumberutil.re = cached_re


def outcome(text: str, region: str) -> Any:
    """Everything crm takes from the library for one text."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        return ("error", exc.error_type)
    return (
        number,
        phonenumbers.is_valid_number(number),
        phonenumbers.is_possible_number(number),
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
    )


def test_the_speed_ups_are_installed() -> None:
    phones._library()
    assert getattr(phonenumberutil.normalize_digits_only, "_crm_fast", False)
    assert phonenumberutil.re is not re
    assert phonenumberutil.re.sub is re.sub  # everything but compile is the real module


@settings(max_examples=300)
@given(st.text(), st.booleans())
def test_digit_filter_agrees_on_any_text(text: str, keep: bool) -> None:
    phones._library()
    fast = phonenumberutil.normalize_digits_only
    assert fast(text, keep) == fast.original(text, keep)


@settings(max_examples=300)
@given(st.text(alphabet="0123456789 +-.()/x#ext,;٣０", max_size=24), st.sampled_from(REGIONS))
def test_parsing_agrees_with_the_library_as_shipped(text: str, region: str) -> None:
    phones._library()
    fast = outcome(text, region)
    with unpatched():
        slow = outcome(text, region)
    assert fast == slow


def test_parsing_agrees_on_numbers_as_people_write_them() -> None:
    samples = [
        ("06 12 34 56 78", "FR"),
        ("+33 (0)6 12 34 56 78", "FR"),
        ("0033 6 12 34 56 78", "FR"),
        ("(415) 555-0100 ext. 12", "US"),
        ("+1 415 555 0100 x12", "US"),
        ("020 7946 0018", "GB"),
        ("+39 06 6982 1234", "IT"),
        ("011 15 2345-6789", "AR"),
        ("+55 11 91234-5678", "BR"),
        ("０６ １２ ３４ ５６ ７８", "FR"),  # full-width digits: the original path
        ("1-800-FLOWERS", "US"),  # letters: the original path
    ]
    for text, region in samples:
        fast = outcome(text, region)
        with unpatched():
            slow = outcome(text, region)
        assert fast == slow, text
