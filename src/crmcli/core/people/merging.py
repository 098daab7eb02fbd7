"""Merging two contacts into one: everything of OTHER moves to KEEP, then OTHER goes.

KEEP's own values always win; its empty fields are filled from OTHER, and OTHER's
emails, phones, profiles, tags, relations, dates and handles are added where KEEP
lacks them (its photo when KEEP has none; relations naming OTHER then name KEEP, once,
and none is left naming KEEP itself). What KEEP already has is deleted row by row
through the transaction, not by the foreign keys, so the whole merge is one
transaction and one undoable batch (with a backup taken first): it commits entirely
or not at all, and `crm undo` puts back every row.

The plan shown to the rep is made again inside that transaction, on both records
as they are then: one merged away or deleted since (by a concurrent merge) is
refused, and nothing is filled from a stale copy of it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crmcli.core.db.store import Store, Tx
from crmcli.core.errors import Invalid, NotFound

if TYPE_CHECKING:
    from crmcli.core.people.rows import ContactDetail

FILLED = (
    "prefix",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "title",
    "company_id",
    "lead_source",
    "birthday",
    "notes",
    "cadence_days",
    "addresses",
    "nickname",
)
MOVED = ("interaction", "followup", "deal")


@dataclass
class Plan:
    keep: ContactDetail
    other: ContactDetail
    fill: dict[str, Any] = field(default_factory=dict)
    moves: dict[str, int] = field(default_factory=dict)
    new_emails: list[str] = field(default_factory=list)
    new_phones: list[str] = field(default_factory=list)
    new_urls: list[str] = field(default_factory=list)
    new_tags: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What the merge will change, in words, for the rep to read before agreeing."""
        keep, other = self.keep, self.other
        out = [
            f"keep #{keep['id']} {keep['display_name']}; "
            f"delete #{other['id']} {other['display_name']}"
        ]
        out += [f"  {table}s moved: {n}" for table, n in self.moves.items() if n]
        for label, values in (
            ("emails", self.new_emails),
            ("phones", self.new_phones),
            ("profiles", self.new_urls),
            ("tags", self.new_tags),
        ):
            if values:
                out.append(f"  {label} added: {', '.join(values)}")
        out += [
            f"  {column} filled in: {value}"
            for column, value in self.fill.items()
            if column != "company_id"
        ]
        if "company_id" in self.fill:
            out.append(f"  company filled in: {other['company']}")
        return out


def plan(store: Store, keep_id: int, other_id: int) -> Plan:
    from crmcli.core.people.directory import get

    if keep_id == other_id:
        raise Invalid("cannot merge a contact with itself")
    keep, other = get(store, keep_id), get(store, other_id)
    result = Plan(keep, other)
    keep_row: Mapping[str, Any] = keep  # read column by column, by name
    other_row: Mapping[str, Any] = other
    for column in FILLED:
        if keep_row[column] in (None, "") and other_row[column] not in (None, ""):
            result.fill[column] = other_row[column]
    for table in MOVED:
        result.moves[table] = int(
            store.value(f"SELECT count(*) FROM {table} WHERE contact_id = ?", (other_id,))
        )
    have = {e["email_norm"] for e in keep["emails"]}
    result.new_emails = [e["email"] for e in other["emails"] if e["email_norm"] not in have]
    digits = {p["e164"] or p["raw"] for p in keep["phones"]}
    result.new_phones = [p["raw"] for p in other["phones"] if (p["e164"] or p["raw"]) not in digits]
    urls = {u["url_norm"] for u in keep["urls"]}
    result.new_urls = [u["url"] for u in other["urls"] if u["url_norm"] not in urls]
    tags = {t["tag_key"] for t in keep["tag_rows"]}
    result.new_tags = [t["tag"] for t in other["tag_rows"] if t["tag_key"] not in tags]
    return result


def _still_there(tx: Tx, table: str, ids: tuple[int, int], label: str) -> None:
    """Refuse, inside the transaction, when either record is gone (merged or deleted)."""
    for row_id in ids:
        if tx.get(table, row_id) is None:
            raise NotFound(
                f"{label} #{row_id} no longer exists (merged or deleted elsewhere); "
                "nothing was merged"
            )


def merge(store: Store, keep_id: int, other_id: int) -> Plan:
    """Carry out the merge planned for these two contacts."""
    from crmcli.core.db.backup import auto_backup
    from crmcli.core.people.index import reindex

    plan(store, keep_id, other_id)  # refuses a missing contact before the backup is taken
    auto_backup(store, "pre-merge")
    with store.write(f"contact merge {keep_id} {other_id}", rules=False) as tx:
        _still_there(tx, "contact", (keep_id, other_id), "contact")
        merge_plan = plan(store, keep_id, other_id)
        keep, other = merge_plan.keep, merge_plan.other
        for table in MOVED:
            for (row_id,) in store.tuples(
                f"SELECT id FROM {table} WHERE contact_id = ?", (other_id,)
            ):
                tx.update(table, int(row_id), {"contact_id": keep_id}, contact_id=keep_id)
        child = (
            ("contact_email", "email_norm", {e["email_norm"] for e in keep["emails"]}),
            ("contact_url", "url_norm", {u["url_norm"] for u in keep["urls"]}),
            ("contact_tag", "tag_key", {t["tag_key"] for t in keep["tag_rows"]}),
        )
        for table, key, have in child:
            for row in store.rows(
                f"SELECT id, {key} FROM {table} WHERE contact_id = ?", (other_id,)
            ):
                if row[key] in have:
                    tx.delete(table, int(row["id"]), contact_id=other_id)
                else:
                    values: dict[str, Any] = {"contact_id": keep_id}
                    if table == "contact_email" and keep["emails"]:
                        values["is_primary"] = False
                    tx.update(table, int(row["id"]), values, contact_id=keep_id)
        have_phone = {p["e164"] or p["raw"] for p in keep["phones"]}
        for row in store.rows(
            "SELECT id, e164, raw FROM contact_phone WHERE contact_id = ?", (other_id,)
        ):
            if (row["e164"] or row["raw"]) in have_phone:
                tx.delete("contact_phone", int(row["id"]), contact_id=other_id)
            else:
                tx.update(
                    "contact_phone", int(row["id"]), {"contact_id": keep_id}, contact_id=keep_id
                )
        values = dict(merge_plan.fill)
        if "addresses" in values:
            values["addresses"] = json.dumps(values["addresses"], ensure_ascii=False)
        for column in ("custom_fields", "external_ids"):
            merged = {**(other[column] or {}), **(keep[column] or {})}
            if merged != (keep[column] or {}):
                values[column] = json.dumps(merged, ensure_ascii=False)
        if other["do_not_contact"] and not keep["do_not_contact"]:
            values["do_not_contact"] = True  # a do-not-contact request survives a merge
        if values:
            tx.update("contact", keep_id, values, contact_id=keep_id)
        from crmcli.core.people import extras

        extras.merge_into(tx, keep, other_id, keep_id)  # relations, dates, handles, photo
        tx.execute("DELETE FROM search_term WHERE contact_id = ?", (other_id,))
        tx.delete("contact", other_id, contact_id=other_id)
        from crmcli.core.activity.interactions import recompute_touch

        recompute_touch(tx, keep_id)
        reindex(tx, keep_id)
    return merge_plan


def merge_companies(store: Store, keep_id: int, other_id: int) -> dict[str, int]:
    """Fold company OTHER into KEEP: its people and deals move, KEEP's empty fields are
    filled, OTHER is deleted; one undoable transaction. Returns what moved."""
    from crmcli.core.db.backup import auto_backup
    from crmcli.core.people.companies import get

    if keep_id == other_id:
        raise Invalid("cannot merge a company with itself")
    for company_id in (keep_id, other_id):
        get(store, company_id)  # refuses a missing one before the backup is taken
    auto_backup(store, "pre-merge")
    moved = {"contact": 0, "deal": 0}
    with store.write(f"company merge {keep_id} {other_id}", rules=False) as tx:
        _still_there(tx, "company", (keep_id, other_id), "company")
        keep, other = get(store, keep_id), get(store, other_id)
        for table in moved:
            for (row_id,) in store.tuples(
                f"SELECT id FROM {table} WHERE company_id = ?", (other_id,)
            ):
                # No reindex: a company's words are not search-index rows (`people.index`).
                tx.update(table, int(row_id), {"company_id": keep_id})
                moved[table] += 1
        fill: dict[str, Any] = {
            c: other[c]
            for c in ("domain", "industry", "notes", "website", "phone", "email")
            if not keep[c] and other[c]
        }  # and schema v6's address and JSON columns, OTHER's where KEEP has none
        if other["addresses"] and not keep["addresses"]:
            fill["addresses"] = json.dumps(other["addresses"], ensure_ascii=False)
        for column in ("external_ids", "custom_fields"):
            mine = keep[column] or {}
            extra = {k: v for k, v in (other[column] or {}).items() if k not in mine}
            if extra:
                fill[column] = json.dumps({**mine, **extra}, ensure_ascii=False)
        if fill:
            tx.update("company", keep_id, fill)
        tx.delete("company", other_id)
    return moved
