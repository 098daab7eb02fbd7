"""Money: integer minor units plus an ISO 4217 currency, parsed from what reps type.

Amounts are never floats. "12k", "12,000", "12 000,50", "1 250 000,00 €" and
"$1,250.50" all parse; the decimal separator is whichever of `,` or `.` comes
last when it is followed by one or two digits (so "12,000" is twelve thousand
and "12,50" is twelve and a half).
"""

from __future__ import annotations

import os
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from crmcli.core.errors import Invalid

# Active ISO 4217 codes, with their minor-unit exponent where it is not 2.
CURRENCIES: frozenset[str] = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL
    BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN
    ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR
    ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL
    MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN
    PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP
    STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV
    WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG""".split()
)
_EXPONENT = {
    **dict.fromkeys("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split(), 0),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
}
_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "₹": "INR", "CHF": "CHF"}
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_SUFFIX = {"k": 1_000, "m": 1_000_000}
_GROUPED = re.compile(r"\d+|\d{1,3}(?:,\d{3})+|\d{1,3}(?:\.\d{3})+")


def exponent(currency: str) -> int:
    """Digits after the decimal point for this currency (EUR 2, JPY 0, KWD 3)."""
    return _EXPONENT.get(currency, 2)


def check_currency(code: str) -> str:
    """Upper-case ISO 4217 code, or Invalid."""
    upper = code.strip().upper()
    if upper not in CURRENCIES:
        raise Invalid(f"unknown currency code {code!r} (use an ISO 4217 code such as EUR, USD)")
    return upper


def parse_amount(text: str, currency: str) -> tuple[int, str | None]:
    """Parse an amount to minor units; returns (minor, currency symbol found or None).

    Raises Invalid for negative or unparseable amounts.
    """
    raw = text.strip()
    found: str | None = None
    for symbol, code in _SYMBOLS.items():
        if symbol in raw:
            found = code
            raw = raw.replace(symbol, "")
    for code in CURRENCIES:
        if raw.upper().endswith(code) or raw.upper().startswith(code):
            found = code
            raw = re.sub(code, "", raw, flags=re.IGNORECASE)
            break
    raw = _SPACES.sub("", raw)
    if raw.startswith("-"):
        raise Invalid(f"amount must not be negative: {text!r}")
    multiplier = 1
    if raw and raw[-1].lower() in _SUFFIX:
        multiplier = _SUFFIX[raw[-1].lower()]
        raw = raw[:-1]
    last_sep = max(raw.rfind(","), raw.rfind("."))
    if last_sep >= 0 and (len(raw) - last_sep - 1 in (1, 2) or multiplier > 1):
        whole, frac = raw[:last_sep], raw[last_sep + 1 :]
    else:
        whole, frac = raw, ""
    # Thousands separators must group by three: "12,000" yes, "1,2,3" or "12." no.
    if not _GROUPED.fullmatch(whole) or (frac and not frac.isdigit()):
        raise Invalid(f"cannot read {text!r} as an amount (try 12000, 12k, 12,000 or 12 000,50)")
    number_text = whole.replace(",", "").replace(".", "") + (f".{frac}" if frac else "")
    try:
        value = Decimal(number_text) * multiplier
    except InvalidOperation as exc:  # pragma: no cover - the regex above guards it
        raise Invalid(f"cannot read {text!r} as an amount") from exc
    minor = value.scaleb(exponent(found or currency))
    if minor != minor.to_integral_value():
        raise Invalid(f"{text!r} has more decimals than {found or currency} allows")
    return int(minor), found


# Digit grouping and decimal mark by language, as LC_MONETARY / LANG say.
_STYLES = {
    "en": (",", "."),
    "ja": (",", "."),
    "zh": (",", "."),
    "ko": (",", "."),
    "he": (",", "."),
    "fr": (" ", ","),
    "sv": (" ", ","),
    "nb": (" ", ","),
    "fi": (" ", ","),
    "pl": (" ", ","),
    "cs": (" ", ","),
    "ru": (" ", ","),
    "uk": (" ", ","),
    "de": (".", ","),
    "es": (".", ","),
    "it": (".", ","),
    "nl": (".", ","),
    "pt": (".", ","),
    "da": (".", ","),
    "tr": (".", ","),
    "id": (".", ","),
}


def number_style() -> tuple[str, str]:
    """(group separator, decimal mark) for the user's locale; English when unknown."""
    env = os.environ
    return _style_for(env.get("LC_ALL", ""), env.get("LC_MONETARY", ""), env.get("LANG", ""))


@lru_cache(maxsize=16)
def _style_for(*values: str) -> tuple[str, str]:
    for value in values:
        if value:
            if value.startswith("de_CH"):
                return ("'", ".")
            return _STYLES.get(value.split("_")[0].split(".")[0].lower(), (",", "."))
    return (",", ".")


def format_amount(minor: int, currency: str, style: tuple[str, str] | None = None) -> str:
    """Human form in the locale's style: `12,000.50 EUR` (en), `12 000,50 EUR` (fr).

    Whole amounts drop the decimals; the ISO code, not a symbol, says the currency,
    so totals in different currencies can never be mistaken for each other.
    """
    group, mark = style or number_style()
    exp = exponent(currency)
    whole, frac = divmod(abs(minor), 10**exp)
    text = f"{whole:,}".replace(",", group)
    if frac:
        text += f"{mark}{frac:0{exp}d}"
    return f"{'-' if minor < 0 else ''}{text} {currency}".strip()


def format_totals(totals: dict[str, int]) -> str:
    """Per-currency totals side by side, never summed across currencies."""
    shown = {c: v for c, v in totals.items() if v}
    if not shown:
        return "0"
    return " + ".join(format_amount(v, c) for c, v in sorted(shown.items()))


MAX_DEAL_MINOR = 10**15
"""The largest amount a deal may carry, in minor units (10 trillion EUR or USD; more than
any company's revenue): amounts are SQLite 64-bit integers, and the pipeline, forecast
and report sum them weighted by probability, so a typo of 19 digits would overflow them."""
