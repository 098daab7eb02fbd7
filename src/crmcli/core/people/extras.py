"""A contact's relations, dates, chat handles and photo (schema v6): read, added, merged.

They are child rows of a contact like its emails, so every write goes through the
store's `Tx` and is undone with it. A relation keeps the name as the source wrote
it; `related_id` points at the contact of that name when exactly one contact has
it (`resolve`), so `contact show` can give that person's REF and the link survives
a rename of either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from crmcli.core.db.store import Store, Tx
from crmcli.core.errors import Invalid
from crmcli.core.values.text import clean, name_key

_URI = re.compile(r"(?:urn:uuid:|urn:|uuid:)\S+", re.IGNORECASE)

# The tables, in the order `contact show` and exports list them.
EXTRA_TABLES = ("contact_relation", "contact_date", "contact_handle", "contact_photo")
_SQL = {
    "relations": "SELECT r.id, r.name, r.kind, r.related_id, c.display_name AS related_name "
    "FROM contact_relation r LEFT JOIN contact c ON c.id = r.related_id "
    "WHERE r.contact_id = ? ORDER BY r.position, r.id",
    "dates": "SELECT id, label, date FROM contact_date WHERE contact_id = ? ORDER BY position, id",
    "handles": "SELECT id, service, handle FROM contact_handle WHERE contact_id = ? "
    "ORDER BY position, id",
}


def read(store: Store, contact_id: int) -> dict[str, Any]:
    """relations, dates, handles (lists of dicts) and photo (a dict or None) of one contact."""
    out: dict[str, Any] = {key: store.rows(sql, (contact_id,)) for key, sql in _SQL.items()}
    out["photo"] = store.row(
        "SELECT id, media_type, data, uri FROM contact_photo WHERE contact_id = ?", (contact_id,)
    )
    return out


def view(contact: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON shape of the four (`public_view`): no ids but a relation's contact id."""
    photo = contact.get("photo")
    return {
        "relations": [
            {"name": r["name"], "kind": r["kind"], "contact_id": r["related_id"]}
            for r in contact.get("relations") or ()
        ],
        "dates": [{"label": d["label"], "date": d["date"]} for d in contact.get("dates") or ()],
        "handles": [
            {"service": h["service"], "handle": h["handle"]} for h in contact.get("handles") or ()
        ],
        "photo": (
            {"media_type": photo["media_type"], "data": photo["data"], "uri": photo["uri"]}
            if photo
            else None
        ),
    }


def photo_size(photo: Mapping[str, Any]) -> int:
    """Bytes of a stored (base64) photo."""
    data = photo.get("data") or ""
    return len(data) * 3 // 4 - data[-2:].count("=")


def new_extras(
    current: Mapping[str, Any], row: Any, store: Store | None = None
) -> dict[str, list[tuple[Any, ...]]]:
    """The prepared row's relations, dates, handles and photo that `current` lacks.

    Rows in `writer._BULK`'s columns, positions after the contact's own: a re-import
    adds what is new and nothing twice. A vCard 4.0 relation given as a card's URI
    (`RELATED:urn:uuid:...`) was stored under that person's name once resolved: with
    `store`, the URI is looked up again, so the same file twice adds it once.
    """
    out: dict[str, list[tuple[Any, ...]]] = {}
    relations = current.get("relations") or []
    have = {(name_key(r["name"]), r["kind"]) for r in relations}
    have_ids = {(r.get("related_id"), r["kind"]) for r in relations if r.get("related_id")}

    def known(name: str, kind: str | None) -> bool:
        if (name_key(name), kind) in have:
            return True
        if store is None or not _URI.fullmatch(name) or current.get("id") is None:
            return False
        found = _related(store, name, int(current["id"]))
        return found is not None and (found["related_id"], kind) in have_ids

    fresh = [r for r in row.relations if not known(r[1], r[2])]
    if fresh:
        out["contact_relation"] = [(0, r[1], r[2], len(relations) + i) for i, r in enumerate(fresh)]
    dates = current.get("dates") or []
    have_dates = {(d["label"], d["date"]) for d in dates}
    new_dates = [d for d in row.dates if (d[1], d[2]) not in have_dates]
    if new_dates:
        out["contact_date"] = [(0, d[1], d[2], len(dates) + i) for i, d in enumerate(new_dates)]
    handles = current.get("handles") or []
    have_handles = {(h["service"], h["handle"].casefold()) for h in handles}
    new_handles = [h for h in row.handles if (h[1], h[2].casefold()) not in have_handles]
    if new_handles:
        out["contact_handle"] = [
            (0, h[1], h[2], len(handles) + i) for i, h in enumerate(new_handles)
        ]
    if row.photo and not current.get("photo"):
        out["contact_photo"] = list(row.photo[:1])
    return out


def resolve(tx: Tx, contact_ids: Iterable[int]) -> set[int]:
    """Point the unresolved relations of these contacts at the one contact of that name.

    Exact name (folded `name_key`), exactly one such contact, never the contact itself.
    Returns the contacts some of whose relations still name nobody (retried later in an
    import: the person may come further down the file).
    """
    ids = sorted(set(contact_ids))
    if not ids:
        return set()
    pending: set[int] = set()
    rows = tx.store.tuples_in(
        "SELECT id, contact_id, name FROM contact_relation "
        "WHERE related_id IS NULL AND contact_id IN ({ids})",
        ids,
    )
    for relation_id, contact_id, name in rows:
        values = _related(tx.store, str(name), int(contact_id))
        if values:
            tx.update("contact_relation", int(relation_id), values, contact_id=int(contact_id))
        else:
            pending.add(int(contact_id))
    return pending


def link_newcomer(tx: Tx, contact_id: int, key: str) -> None:
    """Point other contacts' unresolved relations naming this new contact at it.

    "Spouse: Bob Example" typed before Bob was added links once Bob is, if he is the
    only contact of that name (the rule `resolve` follows). The unresolved relations
    are few (most link when written), so they are read and compared by folded name.
    """
    if not key or tx.store.value(
        "SELECT 1 FROM contact WHERE name_key = ? AND id != ? LIMIT 1", (key, contact_id)
    ):
        return  # nameless, or a namesake: who is meant cannot be told
    for relation_id, owner, name in tx.store.tuples(
        "SELECT id, contact_id, name FROM contact_relation "
        "WHERE related_id IS NULL AND contact_id != ?",
        (contact_id,),
    ):
        if name_key(str(name)) == key:
            tx.update("contact_relation", int(relation_id), {"related_id": contact_id},
                      contact_id=int(owner))  # fmt: skip


def _related(store: Store, name: str, contact_id: int) -> dict[str, Any] | None:
    """The contact a relation names: by its name, or (vCard 4.0 `RELATED:urn:uuid:...`) by
    the card UID it gives, whose person's name then replaces the URI."""
    if _URI.fullmatch(name):
        from crmcli.core.people.matching import external_term

        found = store.tuples(
            "SELECT t.contact_id, c.display_name FROM search_term t "
            "JOIN contact c ON c.id = t.contact_id WHERE t.term = ? AND t.field = 'external' "
            "AND t.contact_id != ? LIMIT 2",
            (external_term("vcard", name), contact_id),
        )
        if len(found) == 1:
            return {"related_id": int(found[0][0]), "name": str(found[0][1])}
        return None
    key = name_key(name)
    if not key:
        return None
    found = store.tuples(
        "SELECT id FROM contact WHERE name_key = ? AND id != ? LIMIT 2", (key, contact_id)
    )
    return {"related_id": int(found[0][0])} if len(found) == 1 else None


def merge_into(tx: Tx, keep: Mapping[str, Any], other_id: int, keep_id: int) -> None:
    """Move OTHER's relations, dates, handles (those KEEP lacks) and photo (if KEEP has
    none) to KEEP; the rest is deleted with OTHER. Relations naming OTHER now name KEEP.

    Every row is changed or deleted through `tx`, never left to the foreign keys'
    CASCADE or SET NULL when OTHER goes: the change log then holds each of them, so
    `crm undo` puts back exactly what was there. A relation that would name KEEP twice
    with one kind, or KEEP itself, is deleted: the same relation is kept once.
    """
    store = tx.store
    wanted = new_extras(keep, _Rows(read(store, other_id)))
    moved = {
        "contact_relation": {(r[1], r[2]) for r in wanted.get("contact_relation", [])},
        "contact_date": {(d[1], d[2]) for d in wanted.get("contact_date", [])},
        "contact_handle": {(h[1], h[2]) for h in wanted.get("contact_handle", [])},
    }
    for table, (a, b) in (
        ("contact_relation", ("name", "kind")),
        ("contact_date", ("label", "date")),
        ("contact_handle", ("service", "handle")),
    ):
        position = len(keep.get(table.removeprefix("contact_") + "s") or ())
        for row in store.rows(
            f"SELECT * FROM {table} WHERE contact_id = ? ORDER BY position, id", (other_id,)
        ):
            if (
                (row[a], row[b]) not in moved[table]
                or row.get("related_id") == keep_id
                or _linked_twice(store, keep_id, row)
            ):
                # KEEP has it, or it names KEEP itself: it goes with OTHER
                tx.delete(table, int(row["id"]), contact_id=other_id)
                continue
            values = {"contact_id": keep_id, "position": position}
            tx.update(table, int(row["id"]), values, contact_id=keep_id)
            position += 1
    photo = store.value("SELECT id FROM contact_photo WHERE contact_id = ?", (other_id,))
    if photo is not None and "contact_photo" in wanted:
        tx.update("contact_photo", int(photo), {"contact_id": keep_id}, contact_id=keep_id)
    elif photo is not None:
        tx.delete("contact_photo", int(photo), contact_id=other_id)
    for row_id, owner, kind in store.tuples(
        "SELECT id, contact_id, kind FROM contact_relation WHERE related_id = ? ORDER BY id",
        (other_id,),
    ):
        row = {"contact_id": int(owner), "kind": kind, "related_id": keep_id}
        if int(owner) == keep_id or _linked_twice(store, int(owner), row):
            tx.delete("contact_relation", int(row_id), contact_id=int(owner))
        else:
            tx.update("contact_relation", int(row_id), {"related_id": keep_id},
                      contact_id=int(owner))  # fmt: skip


def _linked_twice(store: Store, owner: int, row: Mapping[str, Any]) -> bool:
    """Whether OWNER already has a relation of this row's kind to the contact it names."""
    related = row.get("related_id")
    if related is None:
        return False
    kind = row.get("kind")
    return (
        store.value(
            "SELECT 1 FROM contact_relation WHERE contact_id = ? AND related_id = ? "
            f"AND {'kind IS NULL' if kind is None else 'kind = ?'} LIMIT 1",
            (owner, related) if kind is None else (owner, related, kind),
        )
        is not None
    )


class _Rows:
    """A contact's stored extras in the shape of a prepared row (for `new_extras`)."""

    def __init__(self, stored: Mapping[str, Any]) -> None:
        self.relations = [(0, r["name"], r["kind"]) for r in stored["relations"]]
        self.dates = [(0, d["label"], d["date"]) for d in stored["dates"]]
        self.handles = [(0, h["service"], h["handle"]) for h in stored["handles"]]
        photo = stored["photo"]
        self.photo = [(0, photo["media_type"], photo["data"], photo["uri"])] if photo else []


# -- what `crm contact add/edit` takes ---------------------------------------------------


def parse_relation(text: str) -> tuple[str, str | None]:
    """ "Jane Doe:spouse" -> ("Jane Doe", "spouse"); no kind after the colon is allowed."""
    from crmcli.core.values.personal import relation_kind

    name, _, kind = text.rpartition(":") if ":" in text else (text, "", "")
    name = clean(name)
    if not name:
        raise Invalid(f"relation {text!r}: give a name, as NAME or NAME:KIND (Jane Doe:spouse)")
    return name, relation_kind(kind)


def parse_date(text: str) -> tuple[str, str]:
    """ "anniversary:2010-06-01" (or "--06-01" without the year) -> (label, date)."""
    from crmcli.core.values.dates import parse_birthday
    from crmcli.core.values.personal import date_label

    label, _, date = text.partition(":")
    if not date.strip() or not label.strip():
        raise Invalid(f"date {text!r}: give LABEL:YYYY-MM-DD (anniversary:2010-06-01)")
    try:
        found = parse_birthday(date.strip())
    except Invalid:
        raise Invalid(
            f"date {text!r}: {date.strip()!r} is not a date (YYYY-MM-DD or --MM-DD)"
        ) from None
    return date_label(label), found


def parse_handle(text: str) -> tuple[str, str]:
    """ "skype:ann.example" -> ("skype", "ann.example")."""
    from crmcli.core.values.personal import service_name

    service, _, handle = text.partition(":")
    if not service.strip() or not handle.strip():
        raise Invalid(f"handle {text!r}: give SERVICE:HANDLE (skype:ann.example)")
    return service_name(service), handle.strip()


def add(
    tx: Tx,
    contact_id: int,
    current: Mapping[str, Any],
    relations: list[tuple[str, str | None]],
    dates: list[tuple[str, str]],
    handles: list[tuple[str, str]],
) -> None:
    """Add what a command gives that the contact lacks, then resolve the relations."""

    class Given:
        def __init__(self) -> None:
            self.relations = [(0, name, kind) for name, kind in relations]
            self.dates = [(0, label, date) for label, date in dates]
            self.handles = [(0, service, handle) for service, handle in handles]
            self.photo: list[tuple[Any, ...]] = []

    columns = {
        "contact_relation": ("name", "kind", "position"),
        "contact_date": ("label", "date", "position"),
        "contact_handle": ("service", "handle", "position"),
    }
    for table, rows in new_extras(current, Given()).items():
        for row in rows:
            values = dict(zip(columns[table], row[1:], strict=True))
            tx.insert(table, {"contact_id": contact_id, **values}, contact_id=contact_id)
    if relations:
        resolve(tx, [contact_id])
