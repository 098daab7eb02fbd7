"""Batches written by a front end other than the shell (`(via mcp)`): told apart, taken back.

`Store.origin` marks every batch such a front end writes: its command ends with
` (via ORIGIN)`, which `crm undo --list` shows. The assistant may take back its own
batches only, never the rep's shell work (that is what `crm undo` is for), so the
batch to undo is chosen among those of its origin and then undone by `undo.undo`,
with all its checks (owner, already undone, a later change built on it).
"""

from __future__ import annotations

import json
from typing import Any

from crmcli.core import undo
from crmcli.core.db.store import DryRun, Store, origin_mark
from crmcli.core.errors import NotFound, Refused


def suffix(origin: str) -> str:
    """What a batch's command ends with when written with this origin (as `Tx` builds it)."""
    return origin_mark(origin)


def made_via(command: str, origin: str) -> bool:
    return command.endswith(suffix(origin))


def undo_own(store: Store, owner: str, origin: str, batch_id: int | None = None) -> undo.Batch:
    """Undo the owner's newest batch made via `origin`, or batch `batch_id` if it was one.

    A batch made in the shell is refused, named, with the command that takes it back.
    A dry run (`store.dry_run`) raises `DryRun` whose changes are what the undo would do:
    each entry of the batch inverted, newest first, as the undo applies them.
    """
    target = _target(store, owner, origin, batch_id)
    try:
        return undo.undo(store, owner, target)
    except DryRun as planned:
        # An undo writes no change-log entries of its own: what it would change is the
        # batch's entries, inverted.
        command = f"undo {target}{suffix(store.origin) if store.origin else ''}"
        raise DryRun(command, inverse(store, target)) from planned


def _target(store: Store, owner: str, origin: str, batch_id: int | None) -> int:
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
