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
from collections.abc import Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, TypedDict, cast

from crmcli.core.db.store import Store
from crmcli.core.interchange.crm_columns import CONTACT_CSV_COLUMNS as CONTACT_CSV_COLUMNS

# Spreadsheet safety is one rule for every CSV crm writes, list commands included: it
# lives with the values, so the renderer uses the same one; named here for exports.
from crmcli.core.values.cells import neutralise as neutralise
from crmcli.core.values.cells import neutralised as neutralised

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
) -> Iterator[ContactView]:
    """Every contact (with the `crm contact list` filters) as its full JSON shape."""
    from crmcli.core.people.directory import contact_filter, public_view

    where, params = contact_filter(tag=tag, company_id=company_id, status=status, archived=archived)
    emails = _Merge(
        _children(
            store,
            "contact_email",
            "x.id, x.email, x.email_norm, x.label, x.is_primary, x.valid",
            where,
            params,
        )
    )
    phones = _Merge(
        _children(
            store,
            "contact_phone",
            "x.id, x.raw, x.e164, x.extension, x.formatted, x.label",
            where,
            params,
        )
    )
    urls = _Merge(_children(store, "contact_url", "x.id, x.url, x.url_norm, x.kind", where, params))
    tags = _Merge(_children(store, "contact_tag", "x.id, x.tag_key, x.tag", where, params))
    for row in store.stream(
        f"SELECT c.*, co.name AS company FROM contact c LEFT JOIN company co "
        f"ON co.id = c.company_id {where} ORDER BY c.id",
        params,
    ):
        cid = row["id"]
        row["emails"] = sorted(emails.take(cid), key=lambda e: not e["is_primary"])
        row["phones"] = phones.take(cid)
        row["urls"] = urls.take(cid)
        tag_rows = tags.take(cid)
        row["tags"] = [t["tag"] for t in tag_rows]
        row["do_not_contact"] = bool(row["do_not_contact"])
        for key in ("addresses", "external_ids", "custom_fields"):
            row[key] = json.loads(row[key]) if row[key] else None
        # The stream's dict, filled to `ContactDetail` (less what public_view does not read):
        # no cast call per row on the way out of a million-contact export.
        yield public_view(row)  # type: ignore[arg-type]


def _phone_text(phone: ViewPhone) -> str:
    text = phone["e164"] or phone["number"]
    return f"{text} ext. {phone['extension']}" if phone.get("extension") else text


def contact_csv_row(view: ContactView) -> ContactCsvRow:
    """The flat CSV form of a contact: lists joined with "; ", structures as JSON."""
    emails = [e["email"] for e in view["emails"]]
    phones = [_phone_text(p) for p in view["phones"]]
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
        "emails": LIST_SEPARATOR.join(emails),
        "phone": phones[0] if phones else None,
        "phones": LIST_SEPARATOR.join(phones),
        "urls": LIST_SEPARATOR.join(u["url"] for u in view["urls"]),
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
    }


# -- companies, deals, interactions -------------------------------------------------------


class CompanyExport(TypedDict):
    id: int
    name: str
    domain: str | None
    industry: str | None
    notes: str | None
    people: int  # its contacts, archived ones included
    owner: str
    created_at: str
    updated_at: str


COMPANY_COLUMNS = tuple(CompanyExport.__annotations__)


def companies(store: Store) -> Iterator[CompanyExport]:
    rows = store.stream(
        "SELECT co.id, co.name, co.domain, co.industry, co.notes, "
        "(SELECT count(*) FROM contact c WHERE c.company_id = co.id) AS people, co.owner, "
        "co.created_at, co.updated_at FROM company co WHERE co.archived_at IS NULL ORDER BY co.id"
    )
    return cast("Iterator[CompanyExport]", rows)  # the stream's dicts, of that shape


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
    owner: str
    created_at: str
    updated_at: str


DEAL_COLUMNS = tuple(DealExport.__annotations__)


def deals(
    store: Store,
    *,
    stage_id: int | None = None,
    status: str | None = None,
    closing_before: date | None = None,
) -> Iterator[DealExport]:
    from crmcli.core.values.money import exponent

    where: list[str] = []
    params: list[Any] = []
    if stage_id is not None:
        where.append("d.stage_id = ?")
        params.append(stage_id)
    if status:
        where.append("d.status = ?")
        params.append(status)
    if closing_before is not None:
        where.append("d.expected_close IS NOT NULL AND d.expected_close < ?")
        params.append(closing_before.isoformat())
    sql = (
        "SELECT d.id, d.title, d.contact_id, c.display_name AS contact, "
        "(SELECT email FROM contact_email e WHERE e.contact_id = d.contact_id "
        " ORDER BY e.is_primary DESC, e.position LIMIT 1) AS contact_email, d.company_id, "
        "co.name AS company, d.amount_minor, d.currency, s.name AS stage, d.status, "
        "d.probability, d.expected_close, d.next_step, d.lost_reason, d.contract_end, "
        "d.lead_source, d.stage_entered_at, d.closed_at, d.owner, d.created_at, d.updated_at "
        "FROM deal d JOIN stage s ON s.id = d.stage_id LEFT JOIN contact c ON c.id = d.contact_id "
        "LEFT JOIN company co ON co.id = d.company_id"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + " ORDER BY d.id"
    )
    for row in store.stream(sql, params):
        minor, currency = row["amount_minor"], row["currency"]
        if minor is not None:
            exp = exponent(currency or "")
            whole, frac = divmod(int(minor), 10**exp)
            row["amount"] = f"{whole}.{frac:0{exp}d}" if exp else str(whole)
        else:
            row["amount"] = None
        yield row  # type: ignore[misc]  # the stream's dict, now with its amount: a DealExport


class InteractionExport(TypedDict):
    id: int
    contact_id: int
    contact: str
    deal_id: int | None
    kind: str
    direction: str | None
    occurred_at: str
    summary: str
    body: str | None
    duration_seconds: int | None
    outcome: str | None
    owner: str
    created_at: str


INTERACTION_COLUMNS = tuple(InteractionExport.__annotations__)


def _interaction_sql(contact_id: int | None) -> tuple[str, list[Any]]:
    where = " WHERE i.contact_id = ?" if contact_id is not None else ""
    return (
        "SELECT i.id, i.contact_id, c.display_name AS contact, i.deal_id, i.kind, i.direction, "
        "i.occurred_at, i.summary, i.body, i.duration_seconds, i.outcome, i.owner, i.created_at "
        f"FROM interaction i JOIN contact c ON c.id = i.contact_id{where} ORDER BY i.id",
        [contact_id] if contact_id is not None else [],
    )


def interactions(store: Store, *, contact_id: int | None = None) -> Iterator[InteractionExport]:
    rows = store.stream(*_interaction_sql(contact_id))
    return cast("Iterator[InteractionExport]", rows)  # the stream's dicts, of that shape


def interaction_tuples(
    store: Store, *, contact_id: int | None = None, safe: bool = False
) -> tuple[list[str], Iterator[Sequence[Any]]]:
    """The interaction log as plain tuples: the CSV path for a million rows.

    With `safe`, text cells a spreadsheet would run as formulas come out neutralised.
    """
    names, rows = store.stream_tuples(*_interaction_sql(contact_id))
    return names, (neutralised(rows) if safe else rows)


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


def followups(store: Store, *, include_done: bool = False) -> Iterator[FollowupExport]:
    """Follow-ups (open ones unless `include_done`) by due time."""
    where = "" if include_done else " WHERE f.status = 'open'"
    rows = store.stream(f"{FOLLOWUP_EXPORT_SQL}{where} ORDER BY f.due_at, f.id")
    return cast("Iterator[FollowupExport]", rows)  # the stream's dicts, of that shape
