"""`crm undo`: revert a recent change, from the before/after images in the change log.

Every write transaction is one batch in `change_log`. Undoing a batch applies the
inverse of each of its entries in reverse order (an insert is deleted, an update
gets its before image back, a delete is re-inserted with its id) in one
transaction, and marks the batch undone. An undo is not itself a change to undo:
undoing twice goes two steps back and never redoes anything. A batch further back
can be undone on its own only when no later change touched the same rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from crmcli.core.db.columns import COLUMNS
from crmcli.core.db.store import DryRun, Store, Tx, in_chunks, origin_mark
from crmcli.core.errors import NotFound, Refused


@dataclass
class Batch:
    id: int  # the batch's first change_log id: what `crm undo ID` takes
    batch: str
    at: str
    command: str
    changes: int


def recent(store: Store, owner: str, *, limit: int = 20) -> list[Batch]:
    """The owner's changes that can still be undone, newest first."""
    rows = store.tuples(
        "SELECT min(id), batch, min(at), min(command), count(*) FROM change_log "
        "WHERE owner = ? AND undone_at IS NULL GROUP BY batch ORDER BY min(id) DESC LIMIT ?",
        (owner, limit),
    )
    return [Batch(int(r[0]), r[1], r[2], r[3], int(r[4])) for r in rows]


def _entries(store: Store, batch: str) -> list[dict[str, Any]]:
    return store.rows("SELECT * FROM change_log WHERE batch = ? ORDER BY id DESC", (batch,))


def _check_independent(
    store: Store, target: Batch, entries: list[dict[str, Any]], owner: str
) -> None:
    """Refuse to undo a change that a later, still standing change built on.

    Later changes are read per table (an undo looks back a little way, so they are
    few) and matched against the batch's rows in memory: one query per table, even for
    an import's thousands of rows.
    """
    last = max(e["id"] for e in entries)
    rows_by_table: dict[str, set[int]] = {}
    for entry in entries:
        ids = (
            json.loads(entry["after"])["ids"] if entry["op"] == "insert-many" else [entry["row_id"]]
        )
        rows_by_table.setdefault(entry["table_name"], set()).update(int(i) for i in ids)
    for table, row_ids in rows_by_table.items():
        later = store.tuples(
            "SELECT id, row_id, owner FROM change_log WHERE id > ? AND undone_at IS NULL "
            "AND table_name = ? AND batch <> ? ORDER BY id",
            (last, table, target.batch),
        )
        for change_id, row_id, by in later:
            if int(row_id) not in row_ids:
                continue
            if by != owner:
                raise Refused(
                    f"{by} changed the same {table} since (change #{change_id}); "
                    "undoing yours would overwrite it"
                )
            raise Refused(f"a later change (#{change_id}) touched the same {table}; undo it first")


def undo(store: Store, owner: str, batch_id: int | None = None) -> Batch:
    """Revert the owner's most recent change, or the one with this id.

    The change is chosen and checked inside the undo's own write transaction: two undos
    at once take back two changes, never one change twice, and a change made meanwhile
    by another process is never overwritten by an older image.
    """
    touched: set[int] = set()
    with store.write("undo", rules=False) as tx:  # an undo never sets rules off
        target = _target(store, owner, batch_id)
        entries = _entries(store, target.batch)
        _check_independent(store, target, entries, owner)
        tx.command = f"undo {target.id}" + (origin_mark(store.origin) if store.origin else "")
        for entry in entries:
            _revert(tx, entry, touched)
        tx.execute("UPDATE change_log SET undone_at = ? WHERE batch = ?", (tx.stamp, target.batch))
        # The undo is bookkeeping, not a change of its own: nothing to undo it from.
        tx.execute("DELETE FROM change_log WHERE batch = ?", (tx.batch,))
        from crmcli.core.people.index import reindex

        for contact_id in sorted(touched):
            reindex(tx, contact_id)
    return target


def _target(store: Store, owner: str, batch_id: int | None) -> Batch:
    """The batch to undo: the owner's newest one, or the one with this id, if it may be."""
    if batch_id is None:
        found = recent(store, owner, limit=1)
        if not found:
            raise Refused("nothing to undo")
        return found[0]
    row = store.row(
        "SELECT min(id) AS id, batch, min(at) AS at, min(command) AS command, "
        "count(*) AS changes, min(owner) AS owner, max(undone_at) AS undone "
        "FROM change_log WHERE batch = (SELECT batch FROM change_log WHERE id = ?) "
        "GROUP BY batch",
        (batch_id,),
    )
    if row is None or row["id"] != batch_id:
        raise NotFound(f"no change #{batch_id} (see `crm undo --list`)")
    if row["owner"] != owner:
        raise Refused(f"change #{batch_id} was made by {row['owner']}, not you")
    if row["undone"] is not None:
        raise Refused(f"change #{batch_id} is already undone")
    return Batch(int(row["id"]), row["batch"], row["at"], row["command"], int(row["changes"]))


def _revert(tx: Tx, entry: dict[str, Any], touched: set[int]) -> None:
    table, row_id, op = entry["table_name"], entry["row_id"], entry["op"]
    if table not in COLUMNS:  # pragma: no cover - a table from a newer crm
        raise Refused(f"cannot undo changes to {table}")
    if op == "insert-many":
        ids = json.loads(entry["after"])["ids"]
        for chunk, marks in in_chunks(ids):
            tx.execute(f"DELETE FROM {table} WHERE id IN ({marks})", chunk)
        return
    if entry["contact_id"] is not None:
        touched.add(int(entry["contact_id"]))
    if op == "insert":
        tx.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
        return
    before = {k: v for k, v in json.loads(entry["before"]).items() if k in COLUMNS[table]}
    if op == "update":
        columns = [k for k in before if k != "id"]
        assignments = ", ".join(f"{c} = ?" for c in columns)
        tx.execute(
            f"UPDATE {table} SET {assignments} WHERE id = ?",
            [*(before[c] for c in columns), row_id],
        )
    elif op == "delete":
        names = ", ".join(before)
        marks = ", ".join("?" for _ in before)
        tx.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(before.values()))
    if table == "contact":
        touched.add(int(row_id))


# -- batches written by another front end (`(via mcp)`) --------------------------------
# `Store.origin` marks every batch such a front end writes: its command ends with
# ` (via ORIGIN)`, which `crm undo --list` shows. The assistant may take back its own
# batches only, never the rep's shell work (that is what `crm undo` is for), so the
# batch to undo is chosen among those of its origin and then undone by `undo`, with all
# its checks (owner, already undone, a later change built on it).


def suffix(origin: str) -> str:
    """What a batch's command ends with when written with this origin (as `Tx` builds it)."""
    return origin_mark(origin)


def made_via(command: str, origin: str) -> bool:
    return command.endswith(suffix(origin))


def undo_own(store: Store, owner: str, origin: str, batch_id: int | None = None) -> Batch:
    """Undo the owner's newest batch made via `origin`, or batch `batch_id` if it was one.

    A batch made in the shell is refused, named, with the command that takes it back.
    A dry run (`store.dry_run`) raises `DryRun` whose changes are what the undo would do:
    each entry of the batch inverted, newest first, as the undo applies them.
    """
    target = _own_target(store, owner, origin, batch_id)
    try:
        return undo(store, owner, target)
    except DryRun as planned:
        # An undo writes no change-log entries of its own: what it would change is the
        # batch's entries, inverted.
        command = f"undo {target}{suffix(store.origin) if store.origin else ''}"
        raise DryRun(command, inverse(store, target)) from planned


def _own_target(store: Store, owner: str, origin: str, batch_id: int | None) -> int:
    """The id of the batch to undo (its first change-log id, as `crm undo --list` shows)."""
    if batch_id is None:
        # Newest first, along the primary key: stops at the first batch of this origin.
        batch = store.value(
            "SELECT batch FROM change_log WHERE owner = ? AND undone_at IS NULL "
            "AND command LIKE ? ESCAPE '\\' ORDER BY id DESC LIMIT 1",
            (owner, "%" + _escape(suffix(origin))),
        )
        if batch is None:
            raise Refused(
                f"nothing made via {origin} is left to undo "
                "(your own changes in the shell are undone with `crm undo`)"
            )
        return int(store.value("SELECT min(id) FROM change_log WHERE batch = ?", (batch,)))
    row = store.row(
        "SELECT min(id) AS id, min(command) AS command FROM change_log "
        "WHERE batch = (SELECT batch FROM change_log WHERE id = ?)",
        (batch_id,),
    )
    if row is None or row["id"] != batch_id:
        raise NotFound(f"no change #{batch_id} (list_changes shows the ones that can be undone)")
    if not made_via(str(row["command"]), origin):
        raise Refused(
            f"change #{batch_id} ({row['command']}) was made in the shell, not via {origin}: "
            f"the rep takes it back with `crm undo {batch_id}`"
        )
    return batch_id


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def inverse(store: Store, batch_id: int) -> list[dict[str, Any]]:
    """What undoing batch `batch_id` changes, as change-log entries (table, row, op, images).

    An insert is deleted, an update gets its before image back, a delete is inserted
    again, an import's rows (`insert-many`) are deleted by id.
    """
    entries = store.rows(
        "SELECT table_name, row_id, op, before, after FROM change_log "
        "WHERE batch = (SELECT batch FROM change_log WHERE id = ?) ORDER BY id DESC",
        (batch_id,),
    )
    flipped = {"insert": "delete", "delete": "insert", "update": "update"}
    out: list[dict[str, Any]] = []
    for entry in entries:
        before = json.loads(entry["before"]) if entry["before"] is not None else None
        after = json.loads(entry["after"]) if entry["after"] is not None else None
        if entry["op"] == "insert-many":
            out.append({**entry, "op": "delete-many", "before": after, "after": None})
            continue
        out.append(
            {**entry, "op": flipped.get(entry["op"], entry["op"]), "before": after, "after": before}
        )
    return out
