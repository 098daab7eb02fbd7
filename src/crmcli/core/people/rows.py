"""The shapes of contact rows that leave the core: what lists, `crm find` and `contact show` get.

Plain dicts at run time (the store hands out dicts; nothing is copied or
built per row): these TypedDicts only let mypy check the keys a command, a
screen or an exporter reads. Import them under `TYPE_CHECKING`, so the hot
commands load nothing more. tests/core/db/test_views.py holds them against the
SQL that fills them and the models.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class ContactLine(TypedDict):
    """`directory.LIST_SQL`: a contact in one line, first email and phone."""

    id: int
    name: str
    company: str | None
    title: str | None
    status: str
    email: str | None
    phone: str | None


class ContactSummary(ContactLine):
    """A row of `crm contact list` (`directory.list_contacts`): the line and its tags."""

    tags: list[str]
    score: NotRequired[int]  # sorted by engagement score only


class FoundContact(ContactLine):
    """A row of `crm find` (`search.find.describe`): the line, what matched and how well."""

    matched: str
    score: float


class EmailRow(TypedDict):
    id: int
    email: str
    email_norm: str
    label: str | None
    is_primary: int  # 0/1 on SQLite, a bool on PostgreSQL
    valid: int


class PhoneRow(TypedDict):
    id: int
    raw: str
    e164: str | None
    extension: str | None
    formatted: str | None
    label: str | None
    valid: bool  # schema v6: false for a possible-but-not-valid number, or text
    display: NotRequired[str]  # `directory.get` adds it; the export stream does not


class UrlRow(TypedDict):
    id: int
    url: str
    url_norm: str
    kind: str | None


class TagRow(TypedDict):
    id: int
    tag_key: str
    tag: str


class RelationRow(TypedDict):
    id: int
    name: str
    kind: str | None
    related_id: int | None
    related_name: str | None  # the related contact's display name, when resolved


class DateRow(TypedDict):
    id: int
    label: str
    date: str  # YYYY-MM-DD or --MM-DD


class HandleRow(TypedDict):
    id: int
    service: str
    handle: str


class PhotoRow(TypedDict):
    id: int
    media_type: str | None
    data: str | None  # base64
    uri: str | None


class ContactDetail(TypedDict):
    """Everything stored about one contact (`directory.get`): its row, company name and lists.

    The JSON columns come back parsed, `do_not_contact` as a bool.
    """

    id: int
    display_name: str
    prefix: str | None
    first_name: str | None
    middle_name: str | None
    last_name: str | None
    suffix: str | None
    name_key: str
    title: str | None
    company_id: int | None
    lead_source: str | None
    status: str
    do_not_contact: bool
    birthday: str | None
    notes: str | None
    cadence_days: int | None
    last_touch_at: str | None
    touch_due_at: str | None
    addresses: Any
    external_ids: Any
    custom_fields: Any
    archived_at: str | None
    nickname: str | None
    touch_rank: int | None  # schema v9, kept by triggers for `crm today` (models.Contact)
    owner: str
    version: int
    created_at: str
    updated_at: str
    company: str | None
    emails: list[EmailRow]
    phones: list[PhoneRow]
    urls: list[UrlRow]
    tag_rows: NotRequired[list[TagRow]]  # `directory.get` only
    tags: list[str]
    relations: list[RelationRow]  # schema v6 (directory.get and exporting.contacts fill them)
    dates: list[DateRow]
    handles: list[HandleRow]
    photo: PhotoRow | None


class ViewEmail(TypedDict):
    email: str
    label: str | None
    primary: bool


class ViewPhone(TypedDict):
    number: str
    e164: str | None
    extension: str | None
    label: str | None


class ViewUrl(TypedDict):
    url: str
    kind: str | None


class ViewRelation(TypedDict):
    name: str
    kind: str | None
    contact_id: int | None  # the related contact, when resolved


class ViewDate(TypedDict):
    label: str
    date: str


class ViewHandle(TypedDict):
    service: str
    handle: str


class ViewPhoto(TypedDict):
    media_type: str | None
    data: str | None
    uri: str | None


class ContactView(TypedDict):
    """The JSON shape of a contact (`directory.public_view`): stable keys, no internals."""

    id: int
    name: str
    prefix: str | None
    first_name: str | None
    middle_name: str | None
    last_name: str | None
    suffix: str | None
    company: str | None
    company_id: int | None
    title: str | None
    emails: list[ViewEmail]
    phones: list[ViewPhone]
    urls: list[ViewUrl]
    tags: list[str]
    lead_source: str | None
    status: str
    do_not_contact: bool
    birthday: str | None
    notes: str | None
    cadence_days: int | None
    last_touch_at: str | None
    addresses: Any
    external_ids: Any
    custom_fields: Any
    owner: str
    created_at: str
    updated_at: str
    archived_at: str | None
    nickname: str | None
    relations: list[ViewRelation]
    dates: list[ViewDate]
    handles: list[ViewHandle]
    photo: ViewPhoto | None
