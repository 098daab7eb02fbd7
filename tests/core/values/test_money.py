"""Amounts as reps type them, to integer minor units; shown in the locale's style."""

from __future__ import annotations

import pytest

from crmcli.core.errors import Invalid
from crmcli.core.values.money import format_amount, format_totals, parse_amount


@pytest.mark.parametrize(
    ("text", "currency", "minor", "found"),
    [
        ("12000", "EUR", 1_200_000, None),
        ("12k", "EUR", 1_200_000, None),
        ("12.5k", "EUR", 1_250_000, None),
        ("12,000", "EUR", 1_200_000, None),
        ("12 000,50", "EUR", 1_200_050, None),
        ("1 250 000,00 €", "USD", 125_000_000, "EUR"),
        ("1\u00a0250\u00a0000,00\u00a0€", "EUR", 125_000_000, "EUR"),
        ("1\u202f250,5", "EUR", 125_050, None),
        ("$1,250.50", "EUR", 125_050, "USD"),
        ("12,50", "EUR", 1_250, None),
        ("1.2m", "USD", 120_000_000, None),
        ("5000 JPY", "EUR", 5000, "JPY"),
        ("0", "EUR", 0, None),
        ("12.345 JPY", "EUR", 12_345, "JPY"),  # a thousands dot, as in de_DE
    ],
)
def test_parse_amount(text: str, currency: str, minor: int, found: str | None) -> None:
    assert parse_amount(text, currency) == (minor, found)


@pytest.mark.parametrize("text", ["-5", "abc", "12..5", "", "1,2,3,4.5.6", "1,2,3", "12.5.5"])
def test_bad_amounts(text: str) -> None:
    with pytest.raises(Invalid):
        parse_amount(text, "EUR")


def test_format_follows_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert format_amount(1_200_050, "EUR") == "12,000.50 EUR"
    assert format_amount(1_200_000, "USD") == "12,000 USD"
    assert format_amount(5000, "JPY") == "5,000 JPY"
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert format_amount(1_200_050, "EUR") == "12 000,50 EUR"
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    assert format_amount(123_456_789, "EUR") == "1.234.567,89 EUR"


def test_totals_never_mix_currencies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert format_totals({"USD": 100, "EUR": 250_000, "GBP": 0}) == "2,500 EUR + 1 USD"
    assert format_totals({}) == "0"
