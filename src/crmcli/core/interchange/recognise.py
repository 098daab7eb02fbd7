"""Which export a header row is: a known tool's contacts, a deals file, or a plain spreadsheet."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import NamedTuple

from crmcli.core.interchange.headers import is_deals_header, recognised_count
from crmcli.core.interchange.vendors import (
    google,
    hubspot,
    hubspot_deals,
    linkedin,
    outlook,
    pipedrive,
    salesforce,
    thunderbird,
    zoho,
)
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
# Thunderbird's "Primary Email" beside Outlook's and Google's "First Name". Zoho's
# export also has a "Record Id", so Zoho (told by "Mailing Street"...) goes before HubSpot.
VENDORS = (
    Vendor(zoho.NAME, zoho.recognises, zoho.columns, zoho.DATE_ORDER),
    Vendor(salesforce.NAME, salesforce.recognises, salesforce.columns, salesforce.DATE_ORDER),
    Vendor(pipedrive.NAME, pipedrive.recognises, pipedrive.columns, pipedrive.DATE_ORDER),
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


class DealVendor(NamedTuple):
    """A tool whose deals export we know: how to tell its header, where its columns go."""

    name: str
    recognises: Callable[[set[str]], bool]  # (the header's names casefolded)
    columns: Callable[[list[str]], list[tuple[str, str | None]]]
    date_order: str


def _salesforce_order(names: set[str]) -> str:
    return salesforce.REPORT_DATE_ORDER if salesforce.is_report(names) else salesforce.DATE_ORDER


# Zoho before HubSpot: both write "Record Id" and "Deal Name"; only Zoho "Closing Date".
DEAL_VENDORS = (
    DealVendor(pipedrive.NAME, pipedrive.recognises_deals, pipedrive.deal_columns, "ymd"),
    DealVendor(
        salesforce.NAME, salesforce.recognises_deals, salesforce.deal_columns, salesforce.DATE_ORDER
    ),
    DealVendor(zoho.NAME, zoho.recognises_deals, zoho.deal_columns, zoho.DATE_ORDER),
    DealVendor(
        hubspot_deals.NAME, hubspot_deals.recognises_deals, hubspot_deals.deal_columns, "ymd"
    ),
)


def deal_vendor_of(header: list[str]) -> DealVendor | None:
    """The tool that wrote a deals header (its date order read off the header), or None."""
    names = {" ".join(h.strip().casefold().split()) for h in header}
    for vendor in DEAL_VENDORS:
        if vendor.recognises(names):
            if vendor.name == salesforce.NAME:
                return vendor._replace(date_order=_salesforce_order(names))
            return vendor
    return None


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
    return (
        vendor_of(header) is not None
        or is_deals_header(header)
        or deal_vendor_of(header) is not None
    )


def header_score(header: list[str]) -> int:
    """How sure we are a row is a header: a known export's outright, else the names we know.

    Breaks ties between delimiters while sniffing: a Dutch Outlook header holds commas
    ("Werkadres, straat"), so a ";"-separated one also splits, wrongly, on ",".
    """
    return recognised_count(header) + (1000 if vendor_of(header) is not None else 0)


def deal_header_score(header: list[str]) -> int:
    """`header_score` for a deals file: a known tool's deals header outright."""
    return recognised_count(header) + (1000 if deal_vendor_of(header) is not None else 0)
