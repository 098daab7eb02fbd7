"""The interaction log: calls, emails, meetings, notes and messages with a contact.

Logging is one short transaction: the interaction, the contact's last-touch
time (which moves its keep-in-touch due date), and the optional follow-up
promised in the same breath (`--next`) commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, cast

from crmcli.core import clock
from crmcli.core.db.store import Store, Tx
from crmcli.core.errors import Invalid, NotFound
from crmcli.core.values.text import strip_controls

if TYPE_CHECKING:
    from crmcli.core.activity.rows import FollowUp, Interaction
    from crmcli.core.values.when import When


class Kind(StrEnum):
    call = "call"
    email = "email"
    meeting = "meeting"
    note = "note"
    message = "message"


class Direction(StrEnum):
    inbound = "in"
    outbound = "out"


OUTCOMES = (
    "connected",
    "voicemail",
    "no-answer",
    "busy",
    "wrong-number",
    "left-message",
    "completed",
    "rescheduled",
    "cancelled",
    "no-show",
    "replied",
    "bounced",
)


@dataclass
class Logged:
    interaction: Interaction
    followup: FollowUp | None


def check_kind(kind: str) -> Kind:
    try:
        return Kind(kind.strip().lower())
    except ValueError:
        allowed = ", ".join(k.value for k in Kind)
        raise Invalid(f"unknown interaction kind {kind!r} (one of {allowed})") from None


def check_outcome(outcome: str) -> str:
    value = outcome.strip().lower().replace(" ", "-").replace("_", "-")
    if value not in OUTCOMES:
        raise Invalid(f"unknown outcome {outcome!r} (one of {', '.join(OUTCOMES)})")
    return value


def split_text(text: str) -> tuple[str, str | None]:
    """Summary (first non-empty line) and body (the whole text when it has more lines).

    Text with control characters (a NUL, an escape: what a binary file piped in by
    mistake holds) is refused rather than stored raw or changed behind the rep's back.
    """
    if strip_controls(text)[1]:
        raise Invalid("the text holds control characters (such as NUL): is it a binary file?")
    stripped = text.strip()
    if not stripped:
        raise Invalid("summary must not be empty")
    lines = stripped.splitlines()
    summary = lines[0].strip()
    return summary, (stripped if len(lines) > 1 else None)


def touch_due(last_touch: str | None, cadence_days: int | None, fallback: str) -> str | None:
    """When a cadence next falls due: last touch + cadence (or `fallback` if never touched)."""
    if not cadence_days:
        return None
    if last_touch is None:
        return fallback
    return clock.stamp(clock.parse_stamp(last_touch) + timedelta(days=cadence_days))


def log(
    store: Store,
    contact_id: int,
    kind: Kind,
    summary: str,
    *,
    at: datetime | None = None,
    body: str | None = None,
    duration_seconds: int | None = None,
    outcome: str | None = None,
    direction: Direction | None = None,
    deal_id: int | None = None,
    next_when: When | None = None,
    next_note: str | None = None,
    external_id: str | None = None,
    thread: str | None = None,
) -> Logged:
    """Record an interaction (and a follow-up with `next_when`) in one transaction."""
    text = summary.strip()
    if not text:
        raise Invalid("summary must not be empty")
    if duration_seconds is not None and duration_seconds < 0:
        raise Invalid("duration must not be negative")
    contact = store.row(
        "SELECT id, display_name, cadence_days, last_touch_at FROM contact WHERE id = ?",
        (contact_id,),
    )
    if contact is None:
        raise NotFound(f"no contact #{contact_id}")
    with store.write(f"log {kind.value} {contact_id}") as tx:
        row_id = record(
            tx,
            contact,
            kind,
            text,
            at=clock.stamp(at) if at else None,
            body=body,
            duration_seconds=duration_seconds,
            outcome=outcome,
            direction=direction,
            deal_id=deal_id,
            external_id=external_id,
            thread=thread,
        )
        followup = None
        if next_when is not None:
            from crmcli.core.activity.followups import insert_followup

            followup = insert_followup(tx, contact_id, next_when, next_note, deal_id=deal_id)
    return Logged(get(store, row_id), followup)


def record(
    tx: Tx,
    contact: dict[str, Any],
    kind: Kind,
    summary: str,
    *,
    at: str | None = None,
    body: str | None = None,
    duration_seconds: int | None = None,
    outcome: str | None = None,
    direction: Direction | None = None,
    deal_id: int | None = None,
    external_id: str | None = None,
    thread: str | None = None,
) -> int:
    """One interaction inside the caller's transaction (`log`, a mail sync's batch): the
    row, and the contact's last touch and cadence due date moved forward, never back.
    `contact` holds its id, cadence_days and last_touch_at; `at` is a stamp (now if None);
    `thread` an email's conversation (`values.message_ids`)."""
    contact_id = int(contact["id"])
    when = at or tx.stamp
    row_id = tx.insert(
        "interaction",
        {
            "contact_id": contact_id,
            "deal_id": deal_id,
            "kind": kind.value,
            "direction": direction.value if direction else None,
            "occurred_at": when,
            "summary": summary,
            "body": body,
            "duration_seconds": duration_seconds,
            "outcome": outcome,
            "external_id": external_id,
            "thread": thread,
        },
        contact_id=contact_id,
    )
    if contact["last_touch_at"] is None or when > contact["last_touch_at"]:
        tx.update(
            "contact",
            contact_id,
            {
                "last_touch_at": when,
                "touch_due_at": touch_due(when, contact["cadence_days"], when),
            },
            contact_id=contact_id,
            derived=True,
        )
        contact["last_touch_at"] = when  # the caller's next record for them compares to this
    return row_id


def get(store: Store, interaction_id: int) -> Interaction:
    row = store.row(
        "SELECT i.*, c.display_name AS contact FROM interaction i "
        "JOIN contact c ON c.id = i.contact_id WHERE i.id = ?",
        (interaction_id,),
    )
    if row is None:
        raise NotFound(f"no interaction #{interaction_id}")
    return cast("Interaction", row)  # the store's dict, of that shape


def recompute_touch(tx: Tx, contact_id: int) -> None:
    """Re-derive a contact's last touch and cadence due date from what is stored."""
    row = tx.store.row(
        "SELECT c.cadence_days, c.created_at, c.updated_at, "
        "(SELECT max(occurred_at) FROM interaction i WHERE i.contact_id = c.id) AS last "
        "FROM contact c WHERE c.id = ?",
        (contact_id,),
    )
    if row is None:
        return
    tx.update(
        "contact",
        contact_id,
        {
            "last_touch_at": row["last"],
            "touch_due_at": touch_due(row["last"], row["cadence_days"], tx.stamp),
        },
        contact_id=contact_id,
        derived=True,
    )


def happened_at(when: When) -> datetime:
    """When an interaction happened: a date-only phrase means noon that day (now, if today)."""
    from datetime import time

    zone = clock.local_zone()
    if when.time is not None:
        return when.instant(zone)
    now = clock.local_now()
    if when.date == now.date():
        return now
    return datetime.combine(when.date, time(12, 0), tzinfo=zone)
