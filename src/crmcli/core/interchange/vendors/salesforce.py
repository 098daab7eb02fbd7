"""Salesforce's exports: API-name columns (Data Loader, Data Export) and report labels.

Data Loader writes the SOQL field names, upper-cased ("STAGENAME", "ACCOUNT.NAME");
the weekly Data Export keeps their case ("StageName"); a report exported as CSV uses
labels ("Opportunity Name", "Stage", "Close Date") and ends with a footer of lines such
as "Confidential Information - Do Not Distribute". Names are compared casefolded.
The record "Id" is kept as the external id "salesforce": the first key on re-import.
"""

from __future__ import annotations

NAME = "salesforce"
DATE_ORDER = "ymd"  # API exports; a report's dates follow the user's locale (REPORT_DATE_ORDER)
REPORT_DATE_ORDER = "mdy"

_CONTACT_COLUMNS = {
    "id": "external_id:salesforce",
    "contact id": "external_id:salesforce",
    "firstname": "first",
    "lastname": "last",
    "salutation": "prefix",
    "middlename": "middle",
    "suffix": "suffix",
    "name": "ignore",  # FirstName + LastName again
    "email": "email",
    "phone": "phone:work",
    "mobilephone": "phone:mobile",
    "homephone": "phone:home",
    "otherphone": "phone:other",
    "fax": "phone:fax",
    "title": "title",
    "account.name": "company",
    "account name": "company",
    "mailingstreet": "street",
    "mailingcity": "city",
    "mailingstate": "region",
    "mailingpostalcode": "postcode",
    "mailingcountry": "country",
    "otherstreet": "street:other",
    "othercity": "city:other",
    "otherstate": "region:other",
    "otherpostalcode": "postcode:other",
    "othercountry": "country:other",
    "birthdate": "birthday",
    "leadsource": "lead_source",
    "description": "notes",
    "first name": "first",
    "last name": "last",
    "mobile": "phone:mobile",
    "mailing street": "street",
    "mailing city": "city",
    "mailing state/province": "region",
    "mailing zip/postal code": "postcode",
    "mailing country": "country",
    "lead source": "lead_source",
    "isdeleted": "ignore",
    # a Lead export: the company is a text field, the address has no "Mailing"
    "company": "company",
    "street": "street",
    "city": "city",
    "state": "region",
    "postalcode": "postcode",
    "country": "country",
    "website": "url",
}

_DEAL_COLUMNS = {
    "id": "external_id:salesforce",
    "opportunity id": "external_id:salesforce",
    "name": "title",
    "opportunity name": "title",
    "stagename": "stage",
    "stage": "stage",
    "amount": "amount",
    "currencyisocode": "currency",
    "amount currency": "currency",
    "opportunity currency": "currency",
    "closedate": "expected_close",
    "close date": "expected_close",
    "probability": "probability",
    "probability (%)": "probability",
    "iswon": "won",
    "won": "won",
    "isclosed": "closed",
    "closed": "closed",
    "account.name": "company",
    "account name": "company",
    "nextstep": "next_step",
    "next step": "next_step",
    "leadsource": "lead_source",
    "lead source": "lead_source",
    "contact.name": "contact_name",
    "contact name": "contact_name",
    "contact.email": "contact_email",
    "isdeleted": "ignore",
}

_API_ONLY = frozenset(
    "accountid account.name mailingstreet mailingcity mailingpostalcode mobilephone ownerid "
    "leadsource".split()
)
"""Names only Salesforce's API writes: "Firstname" and "ID" alone may be any spreadsheet's."""


def recognises(header: list[str], names: set[str]) -> bool:
    """A Salesforce contacts export: "FirstName"/"LastName" beside an API-only name such
    as "MailingStreet" or "AccountId" (casefolded, so Data Loader's upper case too)."""
    return bool(names & {"firstname", "lastname"}) and bool(names & _API_ONLY)


def columns(header: list[str]) -> list[tuple[str, str | None]]:
    """Each column's contact field (Contact and Lead exports); the rest (AccountId,
    OwnerId...) stay custom fields."""
    return [(h, _CONTACT_COLUMNS.get(h.strip().casefold())) for h in header]


def recognises_deals(names: set[str]) -> bool:
    """An Opportunity export: "StageName" (API) or "Opportunity Name" / "Opportunity ID"
    (a report)."""
    return "stagename" in names or bool(names & {"opportunity name", "opportunity id"})


def is_report(names: set[str]) -> bool:
    """A report export (labels, locale dates) rather than an API export (ISO dates)."""
    return "stagename" not in names and "closedate" not in names


def deal_columns(header: list[str]) -> list[tuple[str, str | None]]:
    """Each column's deal field; AccountId, OwnerId and the like stay custom fields."""
    return [(h, _DEAL_COLUMNS.get(h.strip().casefold())) for h in header]
