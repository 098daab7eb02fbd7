"""Zoho CRM's exports: contacts, and deals (called potentials in older accounts).

Every Zoho export carries "Record Id" ("zcrm_4150868000000224005"), kept as the
external id "zoho". HubSpot's exports also have a "Record ID", so Zoho is told apart by
names only it writes: "Mailing Street", "Account Name", "Created Time".
"""

from __future__ import annotations

NAME = "zoho"
DATE_ORDER = "ymd"

_CONTACT_COLUMNS = {
    "record id": "external_id:zoho",
    "id": "external_id:zoho",
    "salutation": "prefix",
    "first name": "first",
    "last name": "last",
    "full name": "ignore",  # First Name + Last Name again
    "email": "email",
    "secondary email": "email:other",
    "phone": "phone:work",
    "mobile": "phone:mobile",
    "home phone": "phone:home",
    "other phone": "phone:other",
    "asst phone": "phone:assistant",
    "fax": "phone:fax",
    "skype id": "handle:skype",
    "twitter": "handle:twitter",
    "account name": "company",
    "title": "title",
    "date of birth": "birthday",
    "lead source": "lead_source",
    "description": "notes",
    "tag": "tags",
    "mailing street": "street",
    "mailing city": "city",
    "mailing state": "region",
    "mailing zip": "postcode",
    "mailing country": "country",
    "other street": "street:other",
    "other city": "city:other",
    "other state": "region:other",
    "other zip": "postcode:other",
    "other country": "country:other",
}

_DEAL_COLUMNS = {
    "record id": "external_id:zoho",
    "id": "external_id:zoho",
    "deal name": "title",
    "potential name": "title",
    "stage": "stage",
    "amount": "amount",
    "currency": "currency",
    "closing date": "expected_close",
    "account name": "company",
    "contact name": "contact_name",
    "probability (%)": "probability",
    "probability": "probability",
    "next step": "next_step",
    "lead source": "lead_source",
}

_ZOHO_ONLY = frozenset(
    "mailing street|mailing city|mailing zip|account name|created time|modified time|"
    "email opt out|closing date".split("|")
)


def recognises(header: list[str], names: set[str]) -> bool:
    """A Zoho contacts export: "Record Id" beside a name and a column only Zoho writes."""
    return (
        "record id" in names
        and bool(names & {"first name", "last name", "email"})
        and bool(names & _ZOHO_ONLY)
    )


def columns(header: list[str]) -> list[tuple[str, str | None]]:
    """Each column's contact field; owners, times and the rest stay custom fields."""
    return [(h, _CONTACT_COLUMNS.get(h.strip().casefold())) for h in header]


def recognises_deals(names: set[str]) -> bool:
    """A Zoho deals export: "Deal Name" or "Potential Name" beside "Closing Date"."""
    return bool(names & {"deal name", "potential name"}) and "closing date" in names


def deal_columns(header: list[str]) -> list[tuple[str, str | None]]:
    """Each column's deal field; owners, times and the rest stay custom fields."""
    return [(h, _DEAL_COLUMNS.get(h.strip().casefold())) for h in header]
