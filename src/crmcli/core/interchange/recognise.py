"""Which export a header row is: a known tool's contacts, a deals file, or a plain spreadsheet."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import NamedTuple

from crmcli.core.interchange.headers import is_deals_header, recognised_count
from crmcli.core.interchange.vendors import google, hubspot, linkedin, outlook, thunderbird
from crmcli.core.interchange.vendors.outlook_locales import LANGUAGES


class Vendor(NamedTuple):
    """A tool whose contacts export we know: how to tell its header, and where its columns go.

    One entry per layout: Outlook in German is the vendor "outlook-de", with its own
    columns and its own date order (day-first), beside English Outlook's month-first.
    """

    name: str
    recognises: Callable[[list[str], set[str]], bool]  # (header, its names casefolded)
    columns: Callable[[list[str]], list[tuple[str, str | None]]]
    date_order: str  # how every date in its export reads


def _never(header: list[str], names: set[str]) -> bool:
    return False


# The most telling columns first: HubSpot's "Record ID" and LinkedIn's "Connected On"
# sit beside names ("First Name", "URL") that Google and Outlook exports also have;
# Thunderbird's "Primary Email" beside Outlook's and Google's "First Name".
VENDORS = (
    Vendor(hubspot.NAME, hubspot.recognises, hubspot.columns, hubspot.DATE_ORDER),
    Vendor(linkedin.NAME, linkedin.recognises, linkedin.columns, linkedin.DATE_ORDER),
    Vendor(thunderbird.NAME, thunderbird.recognises, thunderbird.columns, thunderbird.DATE_ORDER),
    Vendor(google.NAME, google.recognises, google.columns, google.DATE_ORDER),
    Vendor(outlook.NAME, outlook.recognises, outlook.columns, outlook.DATE_ORDER),
)

OUTLOOK_LANGUAGES = {
    code: Vendor(
        f"{outlook.NAME}-{code}",
        _never,  # found by `outlook.language_of`, which weighs every layout at once
        partial(outlook.localized_columns, code),
        outlook.LOCALIZED_DATE_ORDER,
    )
    for code in LANGUAGES
}


def vendor_of(header: list[str]) -> Vendor | None:
    """The tool (and layout) that wrote a contacts header, or None for a plain spreadsheet."""
    names = {h.strip().casefold() for h in header}
    for vendor in VENDORS:
        if vendor.recognises(header, names):
            return vendor
    code = outlook.language_of(names)
    return OUTLOOK_LANGUAGES[code] if code is not None else None


def is_known_header(header: list[str]) -> bool:
    """True when the row is the header of an export we recognise (so it is the header row)."""
    return vendor_of(header) is not None or is_deals_header(header)


def header_score(header: list[str]) -> int:
    """How sure we are a row is a header: a known export's outright, else the names we know.

    Breaks ties between delimiters while sniffing: a Dutch Outlook header holds commas
    ("Werkadres, straat"), so a ";"-separated one also splits, wrongly, on ",".
    """
    return recognised_count(header) + (1000 if vendor_of(header) is not None else 0)
