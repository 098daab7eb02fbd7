"""What one unit of calendar-sync work is, and how it is remembered in `sync_item`.

A `Step` is at most one write to the calendar (create, update or delete an event),
then what crm records once that write is done: the item's `sync_item` row, a
follow-up moved, meetings logged. The planner (`calendar_plan`) and the reader of
others' events make steps; the engine (`calendar`) carries them out in chunks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from crmcli.core import clock
from crmcli.core.sync import events

if TYPE_CHECKING:
    from crmcli.core.db.store import Tx
    from crmcli.core.sync.calendar_files import Occurrence
    from crmcli.core.values.when import When

MEETING = "meeting/"  # prefix of a meeting's key in sync_item (no href starts so)


@dataclass(frozen=True)
class Planned:
    """One thing a run does (or would do, in a dry run): its action and a line about it."""

    action: str  # create, update, delete, move, conflict, gone, meeting
    followup_id: int | None
    text: str


@dataclass
class Known:
    """A row of sync_item for this calendar."""

    id: int
    item: str
    fingerprint: str | None
    table_name: str | None
    row_id: int | None
    base: dict[str, Any]


@dataclass
class Ours:
    """One of crm's events, read this run."""

    href: str
    etag: str
    followup_id: int
    uid: str
    start: str | None  # `events.followup_start` form
    local: tuple[date, time | None] | None  # its start, in the local zone
    last_modified: datetime | None
    cancelled: bool
    body: bytes


@dataclass
class Meeting:
    """An ended occurrence to log on these contacts."""

    key: str
    occurrence: Occurrence
    contacts: list[int]


@dataclass
class Step:
    """One unit of work: at most one calendar write, then what to record in crm."""

    followup_id: int | None = None
    # The calendar write: ("create", uid, body), ("update", href, etag, body) or
    # ("delete", href, etag).
    remote: tuple[Any, ...] | None = None
    # sync_item: the row to update or forget (None: insert), the item and what to keep.
    known: Known | None = None
    item: str | None = None
    fingerprint: str | None = None
    base: dict[str, Any] | None = None
    table_name: str | None = None
    forget: bool = False
    # crm's own changes: a follow-up to move (to `move`, if still at `version`), meetings.
    move: When | None = None
    version: int | None = None
    snoozed: bool = False
    meetings: list[Meeting] = field(default_factory=list)
    planned: list[Planned] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    logged: int = 0  # meeting interactions written
    repush: bool = False  # push the follow-up again once moved (it changed in crm too)


def remember(
    tx: Tx,
    source_id: int,
    item: str,
    fingerprint: str | None,
    table_name: str | None,
    row_id: int | None,
    base: dict[str, Any] | None,
) -> None:
    """Insert or update one sync_item row, in the change log either way (so undoing the
    batch forgets it). Looked up inside the transaction: a second crm syncing the same
    calendar at once updates the row the first inserted instead of failing on it."""
    values = {
        "fingerprint": fingerprint,
        "table_name": table_name,
        "row_id": row_id,
        "base": None if base is None else json.dumps(base, sort_keys=True),
    }
    found = tx.store.value(
        "SELECT id FROM sync_item WHERE source_id = ? AND item = ?", (source_id, item)
    )
    if found is None:
        tx.insert(
            "sync_item", {"source_id": source_id, "item": item, "seen_at": tx.stamp, **values}
        )
    else:
        tx.update("sync_item", int(found), values)


def records(step: Step) -> bool:
    """Does the step change anything in crm (or only say something)?"""
    return bool(step.forget or step.item is not None or step.meetings or step.move)


def base_of(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def agreed(rendered: events.Rendered) -> dict[str, Any]:
    """What both sides agree on once this rendering is in the calendar."""
    return {"start": rendered.start, "digest": rendered.digest, "gone": False, "uid": rendered.uid}


def moved_to(known: Known, stray: Ours) -> Known:
    return Known(
        known.id, stray.href, known.fingerprint, known.table_name, known.row_id, known.base
    )


def due(base: dict[str, Any], now: datetime) -> bool:
    """Has an other event's next occurrence ended by now (so it must be read again)?"""
    upcoming = base.get("next")
    if not isinstance(upcoming, str):
        return False
    try:
        return clock.parse_stamp(upcoming) <= now
    except ValueError:
        return True


def who(row: dict[str, Any]) -> str:
    note = " ".join(str(row.get("note") or "").split())
    if len(note) > 60:
        note = note[:60].rstrip() + "…"
    return f"{row['contact_name']} — {note}" if note else str(row["contact_name"])


def shown(local: tuple[date, time | None] | None) -> str:
    if local is None:
        return "?"
    day, at = local
    return day.isoformat() if at is None else f"{day.isoformat()} {at:%H:%M}"


def shown_row(row: dict[str, Any]) -> str:
    return str(row["due_date"]) + (f" {row['due_time']}" if row["due_time"] else "")


def at(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("changed %Y-%m-%d %H:%M UTC")


def describe(action: str, row: dict[str, Any]) -> str:
    return f"{action:<7} #{int(row['id'])}  {shown_row(row)}  {who(row)}"
