"""The crm side of `crm sync contacts`: the contacts in scope with their synced fields, and
the writes a card's changes make to a contact.

Reading is a handful of queries for the whole book (one per table, whatever its
size), so that finding what changed in crm since the last sync costs no query per
contact. Writing takes a card's values as the importer prepared them
(`importing.prepare`): the rows written are the ones `crm import` would write for
that card, each one in the change log (`crm undo`), and the search index kept
(`people.index.reindex`), as every contact write does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crmcli.core.db.store import in_chunks
from crmcli.core.errors import Invalid
from crmcli.core.interchange.importing.prepare import CONTACT_COLUMNS
from crmcli.core.people import companies
from crmcli.core.people.index import reindex
from crmcli.core.sync.contact_fields import Decision, Fields, address_value, from_contact
from crmcli.core.values.phones import phone_key
from crmcli.core.values.text import fold

if TYPE_CHECKING:
    from crmcli.core.db.store import Store, Tx
    from crmcli.core.interchange.importing.prepare import Prepared


@dataclass
class Local:
    """A contact as the sync sees it: live or archived, in the scope or not, its fields."""

    id: int
    name: str
    archived: bool
    in_scope: bool
    fields: Fields

    @property
    def label(self) -> str:
        return f"#{self.id} {self.name}"


def scope_clause(tag: str | None) -> tuple[str, list[Any]]:
    """Which contacts a sync sends (on alias `c`): every live one, or those with the tag."""
    if not tag:
        return "c.archived_at IS NULL", []
    return (
        "c.archived_at IS NULL AND EXISTS (SELECT 1 FROM contact_tag t "
        "WHERE t.contact_id = c.id AND t.tag_key = ?)",
        [fold(tag)],
    )


def read_book(store: Store, tag: str | None, source_id: int | None) -> dict[int, Local]:
    """The contacts in scope, and every contact linked to a card of this source."""
    scope, params = scope_clause(tag)
    where, where_params = f"({scope})", list(params)
    if source_id is not None:
        where += (
            " OR c.id IN (SELECT row_id FROM sync_item WHERE source_id = ? "
            "AND table_name = 'contact')"
        )
        where_params.append(source_id)
    return _read(store, tag, where, where_params)


def read_ids(store: Store, tag: str | None, ids: Iterable[int]) -> dict[int, Local]:
    """These contacts (live or archived, in scope or not), by id."""
    out: dict[int, Local] = {}
    for chunk, marks in in_chunks(sorted(set(ids))):
        out.update(_read(store, tag, f"c.id IN ({marks})", list(chunk)))
    return out


def _read(store: Store, tag: str | None, where: str, params: list[Any]) -> dict[int, Local]:
    scope, scope_params = scope_clause(tag)
    rows = store.rows(
        "SELECT c.id, c.display_name, c.prefix, c.first_name, c.middle_name, c.last_name, "
        "c.suffix, c.nickname, c.title, c.birthday, c.notes, c.addresses, c.archived_at, "
        f"co.name AS company, CASE WHEN {scope} THEN 1 ELSE 0 END AS in_scope "
        f"FROM contact c LEFT JOIN company co ON co.id = c.company_id WHERE {where}",
        [*scope_params, *params],
    )
    if not rows:
        return {}
    lists: dict[str, dict[int, list[Any]]] = {}
    for key, columns, table in (
        ("emails", "x.email_norm", "contact_email"),
        ("phones", "x.raw, x.e164, x.extension", "contact_phone"),
        ("urls", "x.url_norm", "contact_url"),
        ("handles", "x.service, x.handle", "contact_handle"),
    ):
        found: dict[int, list[Any]] = {}
        for child in store.tuples(
            f"SELECT x.contact_id, {columns} FROM {table} x JOIN contact c "
            f"ON c.id = x.contact_id WHERE {where}",
            params,
        ):
            found.setdefault(int(child[0]), []).append(child[1] if len(child) == 2 else child[1:])
        lists[key] = found
    out: dict[int, Local] = {}
    for row in rows:
        cid = int(row["id"])
        fields = from_contact(
            row,
            row["company"],
            lists["emails"].get(cid, ()),
            lists["phones"].get(cid, ()),
            lists["urls"].get(cid, ()),
            lists["handles"].get(cid, ()),
        )
        out[cid] = Local(
            cid, row["display_name"], row["archived_at"] is not None, bool(row["in_scope"]), fields
        )
    return out


# The columns of a prepared row's children, in its order (`Prepared`: the import
# writer's bulk columns, the first one the record's ordinal, not a contact id).
_CHILDREN: dict[str, tuple[str, tuple[str, ...]]] = {
    "emails": (
        "contact_email",
        ("ordinal", "email", "email_norm", "label", "is_primary", "valid", "position"),
    ),
    "phones": (
        "contact_phone",
        ("ordinal", "raw", "e164", "extension", "formatted", "label", "position", "valid"),
    ),
    "urls": ("contact_url", ("ordinal", "url", "url_norm", "kind", "position")),
    "handles": ("contact_handle", ("ordinal", "service", "handle", "position")),
}
_NAME_COLUMNS = (
    "display_name", "name_key", "prefix", "first_name", "middle_name", "last_name", "suffix",
)  # fmt: skip


def _key(field: str, values: Mapping[str, Any]) -> str:
    """What two rows of a list are the same by (as the import completes a contact)."""
    if field == "emails":
        return str(values["email_norm"])
    if field == "phones":
        return phone_key(values["raw"], values["e164"])
    if field == "urls":
        return str(values["url_norm"])
    return f"{values['service']}:{str(values['handle']).casefold()}"


def apply_card(tx: Tx, contact_id: int, row: Prepared, how: Mapping[str, Decision]) -> None:
    """Write the card's values of the fields settled "here" (they replace crm's) or
    "union" (added to crm's) on the contact."""
    card = dict(zip(CONTACT_COLUMNS, row.contact, strict=True))
    values: dict[str, Any] = {}
    if how.get("name") == "here":
        values.update({column: card[column] for column in _NAME_COLUMNS})
    for field, column in (
        ("nickname", "nickname"),
        ("title", "title"),
        ("birthday", "birthday"),
        ("notes", "notes"),
    ):
        if how.get(field) == "here":
            values[column] = card[column]
    if how.get("company") == "here":
        values["company_id"] = _company(tx, row.company)
    if how.get("addresses") in ("here", "union"):
        values["addresses"] = _addresses(tx, contact_id, card["addresses"], how["addresses"])
    changed_lists = False
    for field, (table, columns) in _CHILDREN.items():
        mode = how.get(field)
        if mode in ("here", "union"):
            changed_lists |= _replace_list(tx, contact_id, field, table, columns, row, mode)
    if values:
        tx.update("contact", contact_id, values, contact_id=contact_id)
    elif changed_lists:  # list-only changes still move the row's version, as an edit does
        tx.update("contact", contact_id, {"updated_at": tx.stamp}, contact_id=contact_id)
    reindex(tx, contact_id)


def _company(tx: Tx, name: str | None) -> int | None:
    if not name:
        return None
    if not companies.company_key(name):
        return None  # no letter or digit: not a company crm can name
    try:
        return companies.ensure(tx, name)[0]
    except Invalid:
        return None


def _addresses(tx: Tx, contact_id: int, card: str | None, mode: Decision) -> str | None:
    if mode == "here":
        return card
    current = tx.store.value("SELECT addresses FROM contact WHERE id = ?", (contact_id,))
    mine: list[Any] = json.loads(current) if current else []
    have = {address_value(a) for a in mine}
    for address in json.loads(card) if card else []:
        if address_value(address) not in have:
            mine.append(address)
            have.add(address_value(address))
    return json.dumps(mine, ensure_ascii=False) if mine else None


def _replace_list(
    tx: Tx,
    contact_id: int,
    field: str,
    table: str,
    columns: tuple[str, ...],
    row: Prepared,
    mode: Decision,
) -> bool:
    """Replace the contact's rows of one list with the card's ("here"), or add those it
    lacks ("union"); True when anything was written."""
    current = tx.store.rows(
        f"SELECT * FROM {table} WHERE contact_id = ? ORDER BY position, id", (contact_id,)
    )
    incoming = [dict(zip(columns, child, strict=True)) for child in getattr(row, field)]
    written = False
    if mode == "here":
        for old in current:
            tx.delete(table, int(old["id"]), contact_id=contact_id)
            written = True
        current = []
    have = {_key(field, old) for old in current}
    position = 1 + max((int(old["position"]) for old in current), default=-1)
    has_primary = any(old.get("is_primary") for old in current)
    for values in incoming:
        if _key(field, values) in have:
            continue
        have.add(_key(field, values))
        del values["ordinal"]
        values["contact_id"] = contact_id
        values["position"] = position
        position += 1
        if "is_primary" in values:
            values["is_primary"] = bool(values["is_primary"]) and not has_primary
            has_primary = has_primary or values["is_primary"]
            values["valid"] = bool(values["valid"])
        if "valid" in values:
            values["valid"] = bool(values["valid"])
        tx.insert(table, values, contact_id=contact_id)
        written = True
    return written


def set_archived(tx: Tx, contact_id: int, archived: bool) -> None:
    """Archive a contact (hidden from lists, nothing deleted), or bring it back, as
    `crm contact archive` and the TUI's bulk archive do."""
    tx.update(
        "contact",
        contact_id,
        {"archived_at": tx.stamp if archived else None},
        contact_id=contact_id,
    )


def add_tag(tx: Tx, contact_id: int, tag: str) -> bool:
    """Give the contact the tag unless it has it (case and accents aside); True if added."""
    key = fold(tag)
    if tx.store.value(
        "SELECT 1 FROM contact_tag WHERE contact_id = ? AND tag_key = ?", (contact_id, key)
    ):
        return False
    tx.insert(
        "contact_tag", {"contact_id": contact_id, "tag_key": key, "tag": tag}, contact_id=contact_id
    )
    tx.update("contact", contact_id, {"updated_at": tx.stamp}, contact_id=contact_id)
    reindex(tx, contact_id)
    return True
