"""Records streamed out for other tools: one generator per entity, flat memory.

Every generator reads with `Store.stream` (batched cursors). Contacts come with
their emails, phones, profiles and tags by merging sorted streams in Python
rather than one query per contact or an engine-specific string aggregate, so
the same code runs on SQLite and PostgreSQL at any size.

Each view's row is declared once, as a TypedDict; its column list is that
declaration's keys, in order (tests/core/db/test_views.py holds both against the
SQL and the models).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, TypedDict, cast

from crmcli.core.db.store import Store
from crmcli.core.interchange.crm_columns import CONTACT_CSV_COLUMNS as CONTACT_CSV_COLUMNS

# Spreadsheet safety is one rule for every CSV crm writes, list commands included: it
# lives with the one writer, which the renderer uses too; named here for exports.
from crmcli.core.interchange.csv_out import neutralise as neutralise
from crmcli.core.interchange.csv_out import neutralised as neutralised

# The interaction log: its own module (a million rows' path), named here like the rest.
from crmcli.core.interchange.interaction_export import (
    INTERACTION_COLUMNS as INTERACTION_COLUMNS,
)
from crmcli.core.interchange.interaction_export import (
    InteractionExport as InteractionExport,
)
from crmcli.core.interchange.interaction_export import (
    interaction_batches as interaction_batches,
)
from crmcli.core.interchange.interaction_export import (
    interaction_tuples as interaction_tuples,
)
from crmcli.core.interchange.interaction_export import interactions as interactions

if TYPE_CHECKING:
    from crmcli.core.interchange.crm_columns import ContactCsvRow
    from crmcli.core.people.rows import ContactView, ViewPhone

# -- contacts ---------------------------------------------------------------------------

LIST_SEPARATOR = "; "


def _children(
    store: Store, table: str, columns: str, where: str, params: list[Any]
) -> Iterator[dict[str, Any]]:
    return store.stream(
        f"SELECT x.contact_id, {columns} FROM {table} x JOIN contact c ON c.id = x.contact_id "
        f"{where} ORDER BY x.contact_id, x.position, x.id"
        if table != "contact_tag"
        else f"SELECT x.contact_id, {columns} FROM {table} x JOIN contact c ON c.id = x.contact_id "
        f"{where} ORDER BY x.contact_id, x.tag_key",
        params,
    )


class _Merge:
    """Rows of a child stream, handed out per contact id (both streams sorted by id)."""

    def __init__(self, rows: Iterator[dict[str, Any]]) -> None:
        self.rows = rows
        self.pending: dict[str, Any] | None = next(rows, None)

    def take(self, contact_id: int) -> list[dict[str, Any]]:
        out = []
        while self.pending is not None and self.pending["contact_id"] <= contact_id:
            if self.pending["contact_id"] == contact_id:
                out.append(self.pending)
            self.pending = next(self.rows, None)
        return out


def contacts(
    store: Store,
    *,
    tag: str | None = None,
    company_id: int | None = None,
    status: str | None = None,
    archived: bool = False,
    where: tuple[str, list[Any]] | None = None,
) -> Iterator[ContactView]:
    """Every contact (with the `crm contact list` filters, and a compiled `--where`
    fragment on `c`) as its full JSON shape."""
    from crmcli.core.people.directory import contact_filter, public_view

    clause, params = contact_filter(
        tag=tag, company_id=company_id, status=status, archived=archived, where=where
    )
    emails = _Merge(
        _children(
            store,
            "contact_email",
            "x.id, x.email, x.email_norm, x.label, x.is_primary, x.valid",
            clause,
            params,
        )
    )
    phones = _Merge(
        _children(
            store,
            "contact_phone",
            "x.id, x.raw, x.e164, x.extension, x.formatted, x.label",
            clause,
            params,
        )
    )
    urls = _Merge(
        _children(store, "contact_url", "x.id, x.url, x.url_norm, x.kind", clause, params)
    )
    tags = _Merge(_children(store, "contact_tag", "x.id, x.tag_key, x.tag", clause, params))
    # Schema v6: relations (with the related contact's name), dates, handles, photo.
    relations = _Merge(
        _children(
            store,
            "contact_relation",
            "x.id, x.name, x.kind, x.related_id, "
            "(SELECT r.display_name FROM contact r WHERE r.id = x.related_id) AS related_name",
            clause,
            params,
        )
    )
    dates = _Merge(_children(store, "contact_date", "x.id, x.label, x.date", clause, params))
    handles = _Merge(
        _children(store, "contact_handle", "x.id, x.service, x.handle", clause, params)
    )
    photos = _Merge(
        store.stream(
            "SELECT x.contact_id, x.id, x.media_type, x.data, x.uri FROM contact_photo x "
            f"JOIN contact c ON c.id = x.contact_id {clause} ORDER BY x.contact_id",
            params,
        )
    )
    for row in store.stream(
        f"SELECT c.*, co.name AS company FROM contact c LEFT JOIN company co "
        f"ON co.id = c.company_id {clause} ORDER BY c.id",
        params,
    ):
        cid = row["id"]
        row["emails"] = sorted(emails.take(cid), key=lambda e: not e["is_primary"])
        row["phones"] = phones.take(cid)
        row["urls"] = urls.take(cid)
        tag_rows = tags.take(cid)
        row["tags"] = [t["tag"] for t in tag_rows]
        row["relations"] = relations.take(cid)
        row["dates"] = dates.take(cid)
        row["handles"] = handles.take(cid)
        row["photo"] = next(iter(photos.take(cid)), None)
        row["do_not_contact"] = bool(row["do_not_contact"])
        for key in ("addresses", "external_ids", "custom_fields"):
            row[key] = json.loads(row[key]) if row[key] else None
        # The stream's dict, filled to `ContactDetail` (less what public_view does not read):
        # no cast call per row on the way out of a million-contact export.
        yield public_view(row)  # type: ignore[arg-type]


def phone_text(phone: ViewPhone) -> str:
    """A number as a spreadsheet keeps it: international form with spaces, else as typed.

    Not E.164: `+33612345678` is a number to Excel, LibreOffice and pandas, which drop
    the `+`; `+33 6 12 34 56 78` is text to all of them. libphonenumber's hyphens
    (`+1 905-555-0100`) become spaces: a spreadsheet could read them as subtractions.
    Importing either gives the same E.164 back.
    """
    e164 = phone["e164"]
    formatted = cast("Mapping[str, str | None]", phone).get("formatted")
    text = (formatted or _international(e164)).replace("-", " ") if e164 else phone["number"]
    return f"{text} ext. {phone['extension']}" if phone.get("extension") else text


def _international(e164: str) -> str:
    """E.164 in libphonenumber's international form (cached by `parse_phone`)."""
    from crmcli.core.values.phones import parse_phone

    return parse_phone(e164, "ZZ").formatted or e164


_LABEL_END = re.compile(r"\s\[[^\[\]]*\]\Z")


def labelled(value: str, label: str | None) -> str:
    """One entry of a list cell with its label: `+33 6 12 34 56 78 [mobile]`.

    Square brackets, so a phone written `(555) 010-0199` or an email is never misread;
    a value that itself ends like a label gets an empty one (`x [y] []`), so the reader
    (`own_exports.unlabelled`) always takes off exactly what was added. A `;` or bracket
    inside a label (the list separator) becomes `,` or a parenthesis.
    """
    if label:
        clean = label.replace(";", ",").replace("[", "(").replace("]", ")")
        return f"{value} [{clean}]"
    return f"{value} []" if _LABEL_END.search(value) else value


def contact_csv_row(view: ContactView) -> ContactCsvRow:
    """The flat CSV form of a contact: lists joined with "; " (each entry with its label
    in square brackets, so a round trip keeps them), structures as JSON."""
    emails = [e["email"] for e in view["emails"]]
    phones = [phone_text(p) for p in view["phones"]]
    all_emails = [labelled(e["email"], e["label"]) for e in view["emails"]]
    all_phones = [
        labelled(text, p["label"]) for text, p in zip(phones, view["phones"], strict=True)
    ]
    all_urls = [labelled(u["url"], u["kind"]) for u in view["urls"]]
    return {
        "id": view["id"],
        "name": view["name"],
        "prefix": view["prefix"],
        "first_name": view["first_name"],
        "middle_name": view["middle_name"],
        "last_name": view["last_name"],
        "suffix": view["suffix"],
        "company": view["company"],
        "title": view["title"],
        "status": view["status"],
        "lead_source": view["lead_source"],
        "birthday": view["birthday"],
        "do_not_contact": view["do_not_contact"],
        "cadence_days": view["cadence_days"],
        "last_touch_at": view["last_touch_at"],
        "notes": view["notes"],
        "created_at": view["created_at"],
        "updated_at": view["updated_at"],
        "email": emails[0] if emails else None,
        "emails": LIST_SEPARATOR.join(all_emails),
        "phone": phones[0] if phones else None,
        "phones": LIST_SEPARATOR.join(all_phones),
        "urls": LIST_SEPARATOR.join(all_urls),
        "tags": LIST_SEPARATOR.join(view["tags"]),
        "custom_fields": json.dumps(view["custom_fields"], ensure_ascii=False)
        if view["custom_fields"]
        else None,
        "external_ids": json.dumps(view["external_ids"], ensure_ascii=False)
        if view["external_ids"]
        else None,
        "addresses": json.dumps(view["addresses"], ensure_ascii=False)
        if view["addresses"]
        else None,
        **_personal_cells(view),  # type: ignore[typeddict-item]  # its four keys
    }


def _personal_cells(view: ContactView) -> dict[str, Any]:
    """Schema v6's nickname, relations, dates and handles as CSV cells (lists as JSON).

    No photo: a base64 image in a cell breaks spreadsheets; JSON and vCard carry it.
    """
    fields = cast("Mapping[str, Any]", view)

    def listed(key: str, keys: tuple[str, ...]) -> str | None:
        items = [{k: item.get(k) for k in keys} for item in fields.get(key) or ()]
        return json.dumps(items, ensure_ascii=False) if items else None

    return {
        "nickname": fields.get("nickname"),
        "relations": listed("relations", ("name", "kind")),
        "dates": listed("dates", ("label", "date")),
        "handles": listed("handles", ("service", "handle")),
    }


# -- companies, deals, interactions -------------------------------------------------------


class CompanyExport(TypedDict):
    """A company for other tools. `addresses` (a list of address dicts, as a contact's),
    `external_ids` and `custom_fields` (dicts) are JSON text in a flat export (CSV, TSV)
    and structures in JSON, as a contact's are."""

    id: int
    name: str
    domain: str | None
    industry: str | None
    notes: str | None
    people: int  # its contacts, archived ones included
    owner: str
    created_at: str
    updated_at: str
    website: str | None
    phone: str | None
    email: str | None
    addresses: Any
    external_ids: Any
    custom_fields: Any


COMPANY_COLUMNS = tuple(CompanyExport.__annotations__)
_COMPANY_JSON = ("addresses", "external_ids", "custom_fields")


def companies(
    store: Store, *, structured: bool = False, where: tuple[str, list[Any]] | None = None
) -> Iterator[CompanyExport]:
    """Live companies by id; `structured` decodes the JSON columns (for a JSON export);
    `where` is a compiled `--where` fragment on `co`."""
    extra, params = (f" AND ({where[0]})", list(where[1])) if where is not None else ("", [])
    rows = store.stream(
        "SELECT co.id, co.name, co.domain, co.industry, co.notes, "
        "(SELECT count(*) FROM contact c WHERE c.company_id = co.id) AS people, co.owner, "
        "co.created_at, co.updated_at, co.website, co.phone, co.email, co.addresses, "
        "co.external_ids, co.custom_fields "
        f"FROM company co WHERE co.archived_at IS NULL{extra} ORDER BY co.id",
        params,
    )
    for row in rows:
        if structured:
            for column in _COMPANY_JSON:
                if row[column]:
                    row[column] = json.loads(row[column])
        yield cast("CompanyExport", row)  # the stream's dict, of that shape


# A company gets a card of its own in a vCard export when it has something its people's
# `ORG` line cannot carry: any column beyond its name, or no live people to name it at
# all. A name-only company with people is already on each of their cards; a card for it
# too would be an empty entry in a phone's address book.
_CARD_DATA = (
    "website", "phone", "email", "addresses", "notes", "domain", "industry", "external_ids",
    "custom_fields",
)  # fmt: skip


def company_cards(store: Store, *, company_id: int | None = None) -> Iterator[CompanyExport]:
    """The live companies a vCard export writes a card for (see `_CARD_DATA`), by id, their
    JSON columns decoded; with `company_id`, that company only (when it has a card)."""
    where, params = ("AND co.id = ?", [company_id]) if company_id is not None else ("", [])
    rows = store.stream(
        "SELECT co.id, co.name, co.domain, co.industry, co.notes, "
        "(SELECT count(*) FROM contact c WHERE c.company_id = co.id "
        " AND c.archived_at IS NULL) AS people, co.owner, co.created_at, co.updated_at, "
        "co.website, co.phone, co.email, co.addresses, co.external_ids, co.custom_fields "
        f"FROM company co WHERE co.archived_at IS NULL {where} ORDER BY co.id",
        params,
    )
    for row in rows:
        for column in _COMPANY_JSON:
            row[column] = json.loads(row[column]) if row[column] else None
        if row["people"] == 0 or any(row[c] not in (None, "", [], {}) for c in _CARD_DATA):
            yield cast("CompanyExport", row)  # the stream's dict, of that shape


class DealExport(TypedDict):
    """A deal for other tools; `amount` is a plain decimal of `amount_minor` (12000.50)."""

    id: int
    title: str
    contact_id: int | None
    contact: str | None
    contact_email: str | None  # the contact's primary email
    company_id: int | None
    company: str | None
    amount: str | None
    amount_minor: int | None
    currency: str | None
    stage: str
    status: str
    probability: int | None
    expected_close: str | None
    next_step: str | None
    lost_reason: str | None
    contract_end: str | None
    lead_source: str | None
    stage_entered_at: str
    closed_at: str | None
    external_ids: Any  # {system: id} (JSON text in CSV): identity on a re-import elsewhere
    custom_fields: Any  # {name: value} (JSON text in CSV)
    owner: str
    created_at: str
    updated_at: str


DEAL_COLUMNS = tuple(DealExport.__annotations__)


_COUNTED = {"contact": "contact", "deal": "deal", "interaction": "interaction"}


def count(store: Store, entity: str) -> int:
    """How many rows an unfiltered export of `entity` writes: a progress bar's total."""
    return int(store.value(f"SELECT count(*) FROM {_COUNTED[entity]}") or 0)


def decimal_amount(minor: int | None, currency: str | None) -> str | None:
    """An amount as a spreadsheet sums it: `1500.00` (EUR), `1500` (JPY), `-12.50`; no
    grouping, no symbol: the currency goes in its own column. None when there is none."""
    if minor is None:
        return None
    from crmcli.core.values.money import exponent

    exp = exponent(currency or "")
    sign = "-" if int(minor) < 0 else ""
    whole, frac = divmod(abs(int(minor)), 10**exp)
    return f"{sign}{whole}.{frac:0{exp}d}" if exp else f"{sign}{whole}"


def deals(
    store: Store,
    *,
    stage_id: int | None = None,
    status: str | None = None,
    closing_before: date | None = None,
    structured: bool = False,
    where: tuple[str, list[Any]] | None = None,
) -> Iterator[DealExport]:
    """Deals by id; `structured` decodes the JSON columns (for a JSON export); `where` is
    a compiled `--where` fragment on `d`."""
    clauses: list[str] = []
    params: list[Any] = []
    if where is not None:
        clauses.append(f"({where[0]})")
        params += where[1]
    if stage_id is not None:
        clauses.append("d.stage_id = ?")
        params.append(stage_id)
    if status:
        clauses.append("d.status = ?")
        params.append(status)
    if closing_before is not None:
        clauses.append("d.expected_close IS NOT NULL AND d.expected_close < ?")
        params.append(closing_before.isoformat())
    sql = (
        "SELECT d.id, d.title, d.contact_id, c.display_name AS contact, "
        "(SELECT email FROM contact_email e WHERE e.contact_id = d.contact_id "
        " ORDER BY e.is_primary DESC, e.position LIMIT 1) AS contact_email, d.company_id, "
        "co.name AS company, d.amount_minor, d.currency, s.name AS stage, d.status, "
        "d.probability, d.expected_close, d.next_step, d.lost_reason, d.contract_end, "
        "d.lead_source, d.stage_entered_at, d.closed_at, d.external_ids, d.custom_fields, "
        "d.owner, d.created_at, d.updated_at "
        "FROM deal d JOIN stage s ON s.id = d.stage_id LEFT JOIN contact c ON c.id = d.contact_id "
        "LEFT JOIN company co ON co.id = d.company_id"
        + (f" WHERE {' AND '.join(clauses)}" if clauses else "")
        + " ORDER BY d.id"
    )
    for row in store.stream(sql, params):
        row["amount"] = decimal_amount(row["amount_minor"], row["currency"])
        if structured:
            for key in ("external_ids", "custom_fields"):
                row[key] = json.loads(row[key]) if row[key] else None
        yield row  # type: ignore[misc]  # the stream's dict, now with its amount: a DealExport


# -- follow-ups ---------------------------------------------------------------------------

FOLLOWUP_EXPORT_SQL = (
    "SELECT f.id, f.contact_id, c.display_name AS contact_name, "
    "(SELECT email FROM contact_email e WHERE e.contact_id = c.id "
    " ORDER BY e.is_primary DESC, e.position LIMIT 1) AS contact_email, "
    "(SELECT coalesce(formatted, raw) FROM contact_phone p WHERE p.contact_id = c.id "
    " ORDER BY p.position LIMIT 1) AS contact_phone, "
    "f.deal_id, d.title AS deal_title, f.kind, f.due_date, f.due_time, f.due_at, f.tz, f.note, "
    "f.status, f.done_at, f.snooze_count, f.version, f.created_at, f.updated_at "
    "FROM followup f JOIN contact c ON c.id = f.contact_id LEFT JOIN deal d ON d.id = f.deal_id"
)


class FollowupCsv(TypedDict):
    """The columns of a follow-ups export: who to call, how to reach them, when, why."""

    id: int
    contact_id: int
    contact_name: str
    contact_email: str | None
    contact_phone: str | None
    deal_id: int | None
    deal_title: str | None
    kind: str
    due_date: str
    due_time: str | None
    due_at: str
    tz: str | None
    note: str | None
    status: str
    done_at: str | None


class FollowupExport(FollowupCsv):
    """A row of `FOLLOWUP_EXPORT_SQL`: the columns, and what a calendar event needs too."""

    snooze_count: int
    version: int
    created_at: str
    updated_at: str


FOLLOWUP_COLUMNS = tuple(FollowupCsv.__annotations__)


def calendar_domain(store: Store) -> str:
    """A UID domain unique to this database, so two databases' events never collide."""
    import hashlib

    created = store.value("SELECT value FROM crm_meta WHERE key = 'created_at'") or ""
    digest = hashlib.sha256(f"{created}".encode()).hexdigest()[:12]
    return f"{digest}.crmcli"


def followups(
    store: Store, *, include_done: bool = False, where: tuple[str, list[Any]] | None = None
) -> Iterator[FollowupExport]:
    """Follow-ups (open ones unless `include_done`) by due time; `where` is a compiled
    `--where` fragment on `f`."""
    clauses = [] if include_done else ["f.status = 'open'"]
    params: list[Any] = []
    if where is not None:
        clauses.append(f"({where[0]})")
        params += where[1]
    sql = FOLLOWUP_EXPORT_SQL + (f" WHERE {' AND '.join(clauses)}" if clauses else "")
    rows = store.stream(f"{sql} ORDER BY f.due_at, f.id", params)
    return cast("Iterator[FollowupExport]", rows)  # the stream's dicts, of that shape
