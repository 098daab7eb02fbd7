"""The links of a two-way sync: which item of a collection is which record here, and what the
two last agreed on (`sync_item` rows: item = href, fingerprint = etag, base = JSON).

Which writes go to the change log is a decision about `crm undo`:
- a new link is logged, so undoing the run that made it forgets it: the next run
  finds the pair again by UID (or makes the record again from the item), never
  deleting anything on the other side because of an undo;
- a link's later moves (its etag, its base) and its removal are not: they record
  what the two sides now hold, which an undo here does not change there. So after
  `crm undo`, what the undo put back in crm differs from the base, and the next run
  carries it to the other side like any other change made in crm.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crmcli.core.db.store import Store, Tx

# A fingerprint no etag equals: the item is read again on the next run (a conflict
# still open, or an item whose fields this run did not settle).
RECHECK = "recheck"


@dataclass
class Link:
    """One item linked (or only remembered: `row_id` None) and what it was last."""

    id: int
    href: str
    etag: str | None
    table: str | None
    row_id: int | None
    base: dict[str, Any] | None  # the fields both sides last agreed on
    ours: bool  # crm created the item there (so it may remove it when it leaves the scope)


def read(store: Store, source_id: int | None) -> dict[str, Link]:
    """Every item remembered for a source, by href: one query."""
    if source_id is None:
        return {}
    out: dict[str, Link] = {}
    for link_id, href, etag, table, row_id, base in store.tuples(
        "SELECT id, item, fingerprint, table_name, row_id, base FROM sync_item WHERE source_id = ?",
        (source_id,),
    ):
        fields, ours = _loads(base)
        out[href] = Link(
            int(link_id),
            href,
            etag,
            table,
            None if row_id is None else int(row_id),
            fields,
            ours,
        )
    return out


def _loads(base: str | None) -> tuple[dict[str, Any] | None, bool]:
    if not base:
        return None, False
    try:
        doc = json.loads(base)
    except ValueError:
        return None, False  # damaged: as if never agreed, so nothing is overwritten
    if not isinstance(doc, dict):
        return None, False
    fields = doc.get("fields")
    return (fields if isinstance(fields, dict) else None), bool(doc.get("ours"))


def _dumps(fields: dict[str, Any] | None, ours: bool) -> str | None:
    if fields is None and not ours:
        return None
    return json.dumps({"fields": fields or {}, "ours": ours}, ensure_ascii=False, sort_keys=True)


def add(
    tx: Tx,
    source_id: int,
    href: str,
    etag: str | None,
    table: str | None,
    row_id: int | None,
    fields: dict[str, Any] | None,
    ours: bool,
) -> None:
    """A new link, in the change log (see the module's docstring)."""
    tx.insert(
        "sync_item",
        {
            "source_id": source_id,
            "item": href,
            "fingerprint": etag,
            "table_name": table,
            "row_id": row_id,
            "seen_at": tx.stamp,
            "base": _dumps(fields, ours),
        },
        contact_id=row_id if table == "contact" else None,  # erased with the person
    )


def move(
    tx: Tx,
    link: Link,
    *,
    href: str | None = None,
    etag: str | None,
    row_id: int | None,
    fields: dict[str, Any] | None,
    ours: bool,
) -> None:
    """A link's new state, outside the change log (see the module's docstring)."""
    tx.execute(
        "UPDATE sync_item SET item = ?, fingerprint = ?, row_id = ?, base = ?, seen_at = ?, "
        "table_name = ? WHERE id = ?",
        (
            href or link.href,
            etag,
            row_id,
            _dumps(fields, ours),
            tx.stamp,
            "contact" if row_id is not None else link.table,
            link.id,
        ),
    )


def drop(tx: Tx, link: Link) -> None:
    """Forget a link (both sides let go of the pair), outside the change log."""
    tx.execute("DELETE FROM sync_item WHERE id = ?", (link.id,))
