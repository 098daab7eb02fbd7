"""Reading contacts: one person's whole record, its JSON shape, and the filtered list.

`LIST_SQL` is the one-line summary of a contact (name, company, title, status,
first email and phone) that the list, `crm find`, REF candidates and completion
all show, so they show it alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid, NotFound
from crmcli.core.people.fields import check_status
from crmcli.core.values import phones as phone_mod
from crmcli.core.values.text import fold

if TYPE_CHECKING:
    from crmcli.core.people.rows import ContactDetail, ContactSummary, ContactView


def contact_name(contact: Mapping[str, Any]) -> str:
    """How a message names a contact: "#12 Ann Lee"."""
    return f"#{contact['id']} {contact['display_name']}"


def get(store: Store, contact_id: int) -> ContactDetail:
    """Everything stored about one contact, with its lists and company name."""
    row = store.row(
        "SELECT c.*, co.name AS company FROM contact c "
        "LEFT JOIN company co ON co.id = c.company_id WHERE c.id = ?",
        (contact_id,),
    )
    if row is None:
        raise NotFound(f"no contact #{contact_id}")
    row["emails"] = store.rows(
        "SELECT id, email, email_norm, label, is_primary, valid FROM contact_email "
        "WHERE contact_id = ? ORDER BY is_primary DESC, position, id",
        (contact_id,),
    )
    phone_rows = store.rows(
        "SELECT id, raw, e164, extension, formatted, label, valid FROM contact_phone "
        "WHERE contact_id = ? ORDER BY position, id",
        (contact_id,),
    )
    for phone in phone_rows:
        phone["valid"] = bool(phone["valid"])  # 0/1 on SQLite
        phone["display"] = phone_mod.display(phone["raw"], phone["formatted"], phone["extension"])
    row["phones"] = phone_rows
    row["urls"] = store.rows(
        "SELECT id, url, url_norm, kind FROM contact_url WHERE contact_id = ? "
        "ORDER BY position, id",
        (contact_id,),
    )
    row["tag_rows"] = store.rows(
        "SELECT id, tag_key, tag FROM contact_tag WHERE contact_id = ? ORDER BY tag_key",
        (contact_id,),
    )
    row["tags"] = [t["tag"] for t in row["tag_rows"]]
    row["do_not_contact"] = bool(row["do_not_contact"])
    for key in ("addresses", "external_ids", "custom_fields"):
        row[key] = json.loads(row[key]) if row[key] else None
    from crmcli.core.people import extras

    row.update(extras.read(store, contact_id))  # relations, dates, handles, photo
    return cast("ContactDetail", row)  # the store's dict, now filled to that shape


def public_view(contact: ContactDetail) -> ContactView:
    """The JSON shape of a contact: stable keys, lists as lists, no internal columns.

    Schema v6's nickname, relations, dates, handles and photo come after the v5 keys,
    so a reader of the older shape finds everything where it was.
    """
    from crmcli.core.people import extras

    fields: Mapping[str, Any] = contact  # the v6 keys, read by name
    view = {
        "id": contact["id"],
        "name": contact["display_name"],
        "prefix": contact["prefix"],
        "first_name": contact["first_name"],
        "middle_name": contact["middle_name"],
        "last_name": contact["last_name"],
        "suffix": contact["suffix"],
        "company": contact["company"],
        "company_id": contact["company_id"],
        "title": contact["title"],
        "emails": [
            {"email": e["email"], "label": e["label"], "primary": bool(e["is_primary"])}
            for e in contact["emails"]
        ],
        "phones": [
            {
                "number": p["raw"],
                "e164": p["e164"],
                "extension": p["extension"],
                "label": p["label"],
            }
            for p in contact["phones"]
        ],
        "urls": [{"url": u["url"], "kind": u["kind"]} for u in contact["urls"]],
        "tags": contact["tags"],
        "lead_source": contact["lead_source"],
        "status": contact["status"],
        "do_not_contact": contact["do_not_contact"],
        "birthday": contact["birthday"],
        "notes": contact["notes"],
        "cadence_days": contact["cadence_days"],
        "last_touch_at": contact["last_touch_at"],
        "addresses": contact["addresses"],
        "external_ids": contact["external_ids"],
        "custom_fields": contact["custom_fields"],
        "owner": contact["owner"],
        "created_at": contact["created_at"],
        "updated_at": contact["updated_at"],
        "archived_at": contact["archived_at"],
        "nickname": fields.get("nickname"),
        **extras.view(fields),
    }
    return cast("ContactView", view)  # ContactView's keys, and v6's after them


LIST_SQL = (
    "SELECT c.id, c.display_name AS name, co.name AS company, c.title, c.status, "
    "(SELECT email FROM contact_email e WHERE e.contact_id = c.id "
    " ORDER BY e.is_primary DESC, e.position LIMIT 1) AS email, "
    "(SELECT coalesce(formatted, raw) FROM contact_phone p WHERE p.contact_id = c.id "
    " ORDER BY p.position LIMIT 1) AS phone "
    "FROM contact c LEFT JOIN company co ON co.id = c.company_id"
)


def contact_filter(
    *,
    tag: str | None = None,
    company_id: int | None = None,
    status: str | None = None,
    archived: bool = False,
    owner_term: tuple[str, list[Any]] = ("", []),
    where: tuple[str, list[Any]] | None = None,
) -> tuple[str, list[Any]]:
    """The WHERE clause (on alias `c`) that `crm contact list` and `crm export` share.

    `owner_term` is `owners.clause(store, owner, "c")`: whose contacts. `where` is a
    compiled `--where` fragment on `c` (`crmcli.core.query`), ANDed with the rest.
    """
    clauses = ["c.archived_at IS NOT NULL" if archived else "c.archived_at IS NULL"]
    params: list[Any] = list(owner_term[1])
    if owner_term[0]:
        clauses.append(owner_term[0])
    if tag:
        clauses.append(
            "EXISTS (SELECT 1 FROM contact_tag t WHERE t.contact_id = c.id AND t.tag_key = ?)"
        )
        params.append(fold(tag))
    if company_id is not None:
        clauses.append("c.company_id = ?")
        params.append(company_id)
    if status:
        params.append(check_status(status))
        clauses.append("c.status = ?")
    if where is not None:
        clauses.append(f"({where[0]})")
        params += where[1]
    return "WHERE " + " AND ".join(clauses), params


def list_contacts(
    store: Store,
    *,
    tag: str | None = None,
    company_id: int | None = None,
    status: str | None = None,
    archived: bool = False,
    limit: int | None = None,
    sort: str = "name",
    owner: str | None = None,
    where: tuple[str, list[Any]] | None = None,
) -> list[ContactSummary]:
    """Contacts matching all the given filters, by name (or by engagement score); `where`
    is a compiled `--where` fragment on `c` (`crmcli.core.query.compile`)."""
    from crmcli.core.db import owners

    clause, params = contact_filter(
        tag=tag,
        company_id=company_id,
        status=status,
        archived=archived,
        owner_term=owners.clause(store, owner, "c"),
        where=where,
    )
    if sort == "score":
        return _by_score(store, clause, params, limit)
    if sort != "name":
        raise Invalid(f"unknown sort {sort!r} (name or score)")
    sql = f"{LIST_SQL} {clause} ORDER BY c.name_key, c.id"
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    rows = store.rows(sql, params)
    if rows:
        tags = _tags_for(store, [r["id"] for r in rows])
        for row in rows:
            row["tags"] = tags.get(row["id"], [])
    return cast("list[ContactSummary]", rows)  # LIST_SQL rows, tags added in place


def _by_score(
    store: Store, where: str, params: list[Any], limit: int | None
) -> list[ContactSummary]:
    """Warmest relationships first: see crmcli.core.activity.scoring for what the score means."""
    from crmcli.core import clock
    from crmcli.core.activity import scoring

    inner = LIST_SQL.replace(
        " FROM contact c", f", {scoring.columns(store.dialect)} FROM contact c", 1
    )
    sql = (
        f"SELECT t.*, {scoring.expression(store.dialect)} AS score FROM ({inner} {where}) t "
        "ORDER BY score DESC, t.name, t.id"
    )
    values = [*scoring.params(clock.now()), *params]
    if limit:
        sql += " LIMIT ?"
        values.append(limit)
    rows = store.rows(sql, values)
    for row in rows:
        for helper in ("days", "recent", "best"):
            del row[helper]
    if rows:
        tags = _tags_for(store, [r["id"] for r in rows])
        for row in rows:
            row["tags"] = tags.get(row["id"], [])
    return cast("list[ContactSummary]", rows)  # LIST_SQL rows with their score and tags


def _tags_for(store: Store, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for contact_id, tag in store.tuples_in(
        "SELECT contact_id, tag FROM contact_tag WHERE contact_id IN ({ids}) ORDER BY tag_key",
        ids,
    ):
        out.setdefault(int(contact_id), []).append(tag)
    return out
