"""What every importer produces: one plain record per person, whatever the source format.

CSV exports (Google, Outlook, LinkedIn, HubSpot, spreadsheets) and vCards are
read into `ContactRecord`s; the importer then validates, normalises, matches
them against the database and writes them. Keeping the readers free of any
database logic lets each be tested on bytes alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Photo:
    """A contact's picture as a card gave it: the image itself (base64) or a link to it."""

    media_type: str | None = None  # "image/jpeg"...
    data: str | None = None  # base64 of the image bytes, no line breaks
    uri: str | None = None  # when the card gave a URL instead


@dataclass(slots=True)
class ContactRecord:
    """One person (or company card) read from an import file, values as written (trimmed)."""

    line: int  # 1-based line in the file where this record starts
    full_name: str | None = None
    prefix: str | None = None
    first: str | None = None
    middle: str | None = None
    last: str | None = None
    suffix: str | None = None
    emails: list[tuple[str, str | None]] = field(default_factory=list)  # (address, label)
    phones: list[tuple[str, str | None]] = field(default_factory=list)  # (text, label)
    urls: list[tuple[str, str | None]] = field(default_factory=list)  # (url, label)
    company: str | None = None
    title: str | None = None
    notes: str | None = None
    tags: list[str] = field(default_factory=list)
    birthday: str | None = None  # "YYYY-MM-DD", or "--MM-DD" when the year is unknown
    birthday_raw: str | None = None  # set (and birthday None) when it could not be read
    addresses: list[dict[str, str]] = field(default_factory=list)
    country: str | None = None  # ISO 3166 alpha-2 of the row, for reading its phone numbers
    lead_source: str | None = None
    status: str | None = None
    do_not_contact: bool | None = None
    cadence_days: int | None = None
    external_ids: dict[str, str] = field(default_factory=dict)  # system -> id
    custom: dict[str, str] = field(default_factory=dict)  # columns that map to nothing
    issues: list[str] = field(default_factory=list)  # values kept but flagged
    kind: str = "person"  # person, org (a company card) or group (never a person)
    nickname: str | None = None
    relations: list[tuple[str, str | None]] = field(default_factory=list)  # (name, kind)
    dates: list[tuple[str, str]] = field(default_factory=list)  # (label, YYYY-MM-DD / --MM-DD)
    handles: list[tuple[str, str]] = field(default_factory=list)  # (service, handle)
    photo: Photo | None = None
    # What the source held that was not imported, with why: (field, reason). Metadata
    # (VERSION, PRODID, REV...) is not data and never named here.
    not_imported: list[tuple[str, str]] = field(
        default_factory=list
    )  # person, org (a company card) or group (never a person)

    @property
    def empty(self) -> bool:
        """No name, no way to reach them, nothing at all worth keeping."""
        return not (
            self.full_name
            or self.first
            or self.last
            or self.emails
            or self.phones
            or self.urls
            or self.company
            or self.title
            or self.notes
            or self.nickname
        )


@dataclass
class DealRecord:
    """One deal row from a deals export (Pipedrive-like), values as written."""

    line: int
    title: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    company: str | None = None
    amount: str | None = None  # as written: "1 250 000,00 €", parsed by crmcli.core.values.money
    currency: str | None = None
    stage: str | None = None
    expected_close: str | None = None  # "YYYY-MM-DD" once read
    expected_close_raw: str | None = None  # set when it could not be read
    next_step: str | None = None
    status: str | None = None  # open / won / lost when the file says
    lost_reason: str | None = None
    custom: dict[str, str] = field(default_factory=dict)
    issues: list[str] = field(default_factory=list)


@dataclass
class Reject:
    """A row that cannot become a record, with why (written to the rejects CSV)."""

    line: int
    reason: str
    cells: list[str] = field(default_factory=list)
