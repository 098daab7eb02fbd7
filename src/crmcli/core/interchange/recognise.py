"""Which export a header row is: a known tool's contacts, a deals file, or a plain spreadsheet."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from crmcli.core.interchange.headers import is_deals_header
from crmcli.core.interchange.vendors import google, hubspot, linkedin, outlook


class Vendor(NamedTuple):
    """A tool whose contacts export we know: how to tell its header, and where its columns go."""

    name: str
    recognises: Callable[[list[str], set[str]], bool]  # (header, its names casefolded)
    columns: Callable[[list[str]], list[tuple[str, str | None]]]
    date_order: str  # how every date in its export reads


# The most telling columns first: HubSpot's "Record ID" and LinkedIn's "Connected On"
# sit beside names ("First Name", "URL") that Google and Outlook exports also have.
VENDORS = (
    Vendor(hubspot.NAME, hubspot.recognises, hubspot.columns, hubspot.DATE_ORDER),
    Vendor(linkedin.NAME, linkedin.recognises, linkedin.columns, linkedin.DATE_ORDER),
    Vendor(google.NAME, google.recognises, google.columns, google.DATE_ORDER),
    Vendor(outlook.NAME, outlook.recognises, outlook.columns, outlook.DATE_ORDER),
)


def vendor_of(header: list[str]) -> Vendor | None:
    """The tool that wrote a contacts header, or None for a plain spreadsheet."""
    names = {h.strip().casefold() for h in header}
    for vendor in VENDORS:
        if vendor.recognises(header, names):
            return vendor
    return None


def is_known_header(header: list[str]) -> bool:
    """True when the row is the header of an export we recognise (so it is the header row)."""
    return vendor_of(header) is not None or is_deals_header(header)
