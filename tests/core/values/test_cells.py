"""The one spreadsheet-safety rule: formulas defused, numbers and phone numbers left alone."""

from __future__ import annotations

import pytest

from crmcli.core.values.cells import FORMULA_STARTS, neutralise, neutralised

DANGEROUS = [
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "+SUM(A1)",
    "-2+3",
    "@cmd",
    "\tTAB",
    "\rCR",
    "+cmd",
    "-",
    "+",
    "=",
    "@",
]
LEFT_ALONE = [
    "-1500",  # an amount
    "-1500.50",
    "-1500,50",
    "+1.5e3",
    "-1e-05",  # a float as Python writes it
    "+33 6 12 34 56 78",  # a phone number stays a number
    "+1 (555) 010-9999 ext. 12",
    "plain text",
    "'=already defused",
    "a=b",
    " =leading space",  # not a formula start: spreadsheets read it as text
    "",
]


@pytest.mark.parametrize("value", DANGEROUS)
def test_a_formula_start_gets_an_apostrophe(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", LEFT_ALONE)
def test_numbers_phones_and_text_are_left_alone(value: str) -> None:
    assert neutralise(value) == value


@pytest.mark.parametrize("value", DANGEROUS + LEFT_ALONE)
def test_neutralising_twice_changes_nothing_more(value: str) -> None:
    once = neutralise(value)
    assert neutralise(once) == once


def test_every_first_character_of_a_dangerous_cell_is_a_formula_start() -> None:
    """The fast path (a set lookup on the first character) never skips one."""
    assert {value[0] for value in DANGEROUS} <= FORMULA_STARTS
    for start in map(chr, range(0x2FFF)):
        if start not in FORMULA_STARTS:
            assert neutralise(start + "SUM(A1)") == start + "SUM(A1)"


def test_rows_are_neutralised_cell_by_cell_and_left_uncopied_when_safe() -> None:
    plain = ("Ann", "06 12 34 56 78", None, -3, 4.5)
    risky = ("=x", "-y", -1500, "-1500", None)
    out = list(neutralised([plain, risky]))
    assert out[0] is plain
    assert out[1] == ["'=x", "'-y", -1500, "-1500", None]  # numbers are never touched


def test_exports_use_this_very_function() -> None:
    """No second implementation: the exporter's names are this module's."""
    from crmcli.core.interchange import exporting

    assert exporting.neutralise is neutralise
    assert exporting.neutralised is neutralised
