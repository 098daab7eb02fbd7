"""What `crm sync` remembers between runs: each source's last run and cursor, every item seen.

`sync_source` holds one row per source (kind + normalised name): its cursor and
how its last run went. `sync_item` holds one row per item seen, written in the
same transaction as what the item became here, so a run killed midway leaves
exactly the items whose work was committed: the next run diffs against them
and does the rest, never twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crmcli.core.db.store import Store, Tx


@dataclass(frozen=True)
class SourceState:
    """A source's row in `sync_source`, as `crm sync --status` shows it."""

    id: int
    kind: str
    name: str
    cursor: str | None
    last_run_at: str | None
    last_counts: dict[str, Any] | None
    last_error: str | None
    items: int  # how many items are remembered


def find(store: Store, kind: str, name: str) -> SourceState | None:
    """A source's state, or None before its first run."""
    row = store.row(
        "SELECT s.*, (SELECT count(*) FROM sync_item i WHERE i.source_id = s.id) AS items "
        "FROM sync_source s WHERE s.kind = ? AND s.name = ?",
        (kind, name),
    )
    return None if row is None else _state(row)


def all_sources(store: Store) -> list[SourceState]:
    """Every source that has run, by kind and name."""
    rows = store.rows(
        "SELECT s.*, (SELECT count(*) FROM sync_item i WHERE i.source_id = s.id) AS items "
        "FROM sync_source s ORDER BY s.kind, s.name"
    )
    return [_state(row) for row in rows]


def _state(row: dict[str, Any]) -> SourceState:
    counts = json.loads(row["last_counts"]) if row["last_counts"] else None
    return SourceState(
        int(row["id"]),
        row["kind"],
        row["name"],
        row["cursor"],
        row["last_run_at"],
        counts,
        row["last_error"],
        int(row["items"]),
    )


def ensure(tx: Tx, kind: str, name: str) -> int:
    """The source's id, its row created if new (not in the change log: undoing a sync
    takes back what it logged and the items it saw, not the source itself)."""
    found = tx.store.value("SELECT id FROM sync_source WHERE kind = ? AND name = ?", (kind, name))
    if found is not None:
        return int(found)
    return tx.insert("sync_source", {"kind": kind, "name": name}, log=False)


def known_items(store: Store, source_id: int | None) -> set[str]:
    """The keys of every item already seen for a source: one query, what the diff runs on."""
    if source_id is None:
        return set()
    return {
        row[0]
        for row in store.tuples("SELECT item FROM sync_item WHERE source_id = ?", (source_id,))
    }


@dataclass(frozen=True)
class Seen:
    """One item handled in this run: what it became here (None: skipped, nothing logged)."""

    item: str
    fingerprint: str | None
    table_name: str | None = None
    row_id: int | None = None


def remember(tx: Tx, source_id: int, seen: Iterable[Seen]) -> None:
    """Record items as seen, in the change log: undoing the batch forgets them too, so
    a sync run again after `crm undo` logs them again."""
    for entry in seen:
        tx.insert(
            "sync_item",
            {
                "source_id": source_id,
                "item": entry.item,
                "fingerprint": entry.fingerprint,
                "table_name": entry.table_name,
                "row_id": entry.row_id,
                "seen_at": tx.stamp,
            },
        )


def finish(
    tx: Tx,
    source_id: int,
    *,
    counts: dict[str, Any],
    cursor: str | None,
    error: str | None,
    set_cursor: bool,
) -> None:
    """A run's outcome on the source's row (outside the change log: it is a record of
    the run, not data the rep made).

    `last_run_at` is the last run that completed: a failed one leaves it, with its
    error, so that the next run starts from what was really done (the calendar reads
    meetings back to it; a failed run may have stopped before reading them)."""
    values: dict[str, Any] = {
        "last_counts": json.dumps(counts),
        "last_error": error,
    }
    if error is None:
        values["last_run_at"] = tx.stamp
    if set_cursor:
        values["cursor"] = cursor
    assignments = ", ".join(f"{name} = ?" for name in values)
    tx.execute(f"UPDATE sync_source SET {assignments} WHERE id = ?", [*values.values(), source_id])
