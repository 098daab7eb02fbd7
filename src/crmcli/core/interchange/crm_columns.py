"""The columns of crm's own contacts CSV: the exporter writes them, the importer knows them back.

`ContactCsvRow` is the one declaration: the column list is its keys, in order. The
photo is not a column: a base64 image in a cell breaks spreadsheets (JSON and vCard
exports carry it).
"""

from __future__ import annotations

from typing import TypedDict


class ContactCsvRow(TypedDict):
    """A contact flattened for a spreadsheet (`exporting.contact_csv_row`)."""

    id: int
    name: str
    prefix: str | None
    first_name: str | None
    middle_name: str | None
    last_name: str | None
    suffix: str | None
    company: str | None
    title: str | None
    email: str | None  # the primary one
    emails: str  # all of them, "; "-separated
    phone: str | None
    phones: str
    urls: str
    tags: str
    status: str
    lead_source: str | None
    birthday: str | None
    do_not_contact: bool
    cadence_days: int | None
    last_touch_at: str | None
    notes: str | None
    custom_fields: str | None  # JSON
    external_ids: str | None  # JSON
    addresses: str | None  # JSON
    nickname: str | None  # schema v6, from here to updated_at
    relations: str | None  # JSON [{"name", "kind"}]
    dates: str | None  # JSON [{"label", "date"}]
    handles: str | None  # JSON [{"service", "handle"}]
    created_at: str
    updated_at: str


CONTACT_CSV_COLUMNS = tuple(ContactCsvRow.__annotations__)
# The same export before schema v6 (no nickname, relations, dates, handles): still crm's own.
V5_CONTACT_CSV_COLUMNS = tuple(
    c for c in CONTACT_CSV_COLUMNS if c not in ("nickname", "relations", "dates", "handles")
)
