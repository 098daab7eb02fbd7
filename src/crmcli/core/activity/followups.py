"""Follow-ups: promises to get back to someone, on a local date and maybe a time.

A date-only follow-up is all-day. `due_at` (the instant, local midnight for
all-day ones, in the zone it was made in) orders them and drives reminders;
`due_date`/`due_time` keep what the rep meant in local terms.

Whether a follow-up is still open is decided on its row read inside the write
transaction that marks it done or snoozes it, so of two `done` at once one is
refused, and a snooze never lands on a follow-up already done.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from crmcli.core import clock
from crmcli.core.db.store import Store, Tx
from crmcli.core.errors import Invalid, NotFound, Refused

if TYPE_CHECKING:
    from crmcli.core.activity.rows import FollowUp
    from crmcli.core.values.when import When

SELECT = (
    "SELECT f.id, f.contact_id, c.display_name AS contact, f.deal_id, d.title AS deal, "
    "f.kind, f.due_date, f.due_time, f.due_at, f.tz, f.note, f.status, f.done_at, "
    "f.snooze_count, f.original_due_date, f.version, f.created_at, f.updated_at "
    "FROM followup f JOIN contact c ON c.id = f.contact_id "
    "LEFT JOIN deal d ON d.id = f.deal_id"
)


def due_fields(when: When) -> dict[str, Any]:
    """The columns that say when a follow-up is due."""
    return {
        "due_date": when.date.isoformat(),
        "due_time": when.time.strftime("%H:%M") if when.time else None,
        "due_at": clock.stamp(when.instant(clock.local_zone())),
        "tz": clock.zone_name(),
    }


def insert_followup(
    tx: Tx,
    contact_id: int,
    when: When,
    note: str | None,
    *,
    deal_id: int | None = None,
    kind: str = "followup",
) -> FollowUp:
    """Create a follow-up inside an open transaction."""
    new_id = tx.insert(
        "followup",
        {
            "contact_id": contact_id,
            "deal_id": deal_id,
            "kind": kind,
            "note": (note or "").strip() or None,
            **due_fields(when),
        },
        contact_id=contact_id,
    )
    row = tx.store.row(f"{SELECT} WHERE f.id = ?", (new_id,))
    assert row is not None
    return cast("FollowUp", row)  # a SELECT row from the store


def add(
    store: Store,
    contact_id: int,
    when: When,
    note: str | None = None,
    *,
    deal_id: int | None = None,
) -> FollowUp:
    with store.write(f"followup add {contact_id}") as tx:
        return insert_followup(tx, contact_id, when, note, deal_id=deal_id)


def get(store: Store, followup_id: int) -> FollowUp:
    row = store.row(f"{SELECT} WHERE f.id = ?", (followup_id,))
    if row is None:
        raise NotFound(f"no follow-up #{followup_id}")
    return cast("FollowUp", row)  # a SELECT row from the store


def _open(tx: Tx, followup_id: int) -> dict[str, Any]:
    """The follow-up's row inside the write transaction, refused if it is done."""
    row = tx.get("followup", followup_id)
    if row is None:
        raise NotFound(f"no follow-up #{followup_id}")
    if row["status"] == "done":
        raise Refused(f"follow-up #{followup_id} is already done")
    return row


def done(store: Store, followup_id: int) -> FollowUp:
    with store.write(f"followup done {followup_id}") as tx:
        row = _open(tx, followup_id)
        tx.update(
            "followup",
            followup_id,
            {"status": "done", "done_at": tx.stamp},
            contact_id=row["contact_id"],
        )
    return get(store, followup_id)


def snooze(store: Store, followup_id: int, when: When) -> FollowUp:
    """Move an open follow-up to a new time; the original date is remembered."""
    with store.write(f"followup snooze {followup_id}") as tx:
        reschedule(tx, followup_id, when)
    return get(store, followup_id)


def reschedule(tx: Tx, followup_id: int, when: When, *, snoozed: bool = True) -> dict[str, Any]:
    """Move an open follow-up inside the caller's transaction (a snooze; an event moved
    in the calendar by `crm sync calendar`); returns the row as it was. The original date
    is remembered; `snoozed` counts the move as a snooze (a move earlier is not one)."""
    row = _open(tx, followup_id)
    tx.update(
        "followup",
        followup_id,
        {
            **due_fields(when),
            "snooze_count": int(row["snooze_count"]) + (1 if snoozed else 0),
            "original_due_date": row["original_due_date"] or row["due_date"],
        },
        contact_id=row["contact_id"],
    )
    return row


def remove(store: Store, followup_id: int) -> FollowUp:
    with store.write(f"followup rm {followup_id}") as tx:
        row = get(store, followup_id)  # what it was when removed, for the message
        tx.delete("followup", followup_id, contact_id=row["contact_id"])
    return row


def list_followups(
    store: Store,
    *,
    include_done: bool = False,
    contact_id: int | None = None,
    limit: int | None = None,
    owner: str | None = None,
    where: tuple[str, list[Any]] | None = None,
) -> list[FollowUp]:
    """Open follow-ups by due time (done ones too with `include_done`, newest done last);
    `where` is a compiled `--where` fragment on `f`, ANDed."""
    from crmcli.core.db import owners

    mine, params = owners.clause(store, owner, "f")
    clauses: list[str] = [mine] if mine else []
    if not include_done:
        # With a contact given, its own index is the short way: without statistics SQLite
        # takes `status = 'open'` for selective and walks every open follow-up instead
        # (`|| ''` keeps it off ix_followup_status_due; PostgreSQL plans by its statistics).
        clauses.append("f.status || '' = 'open'" if contact_id is not None else "f.status = 'open'")
    if contact_id is not None:
        clauses.append("f.contact_id = ?")
        params.append(contact_id)
    if where is not None:
        clauses.append(f"({where[0]})")
        params += where[1]
    sql = SELECT + (f" WHERE {' AND '.join(clauses)}" if clauses else "")
    sql += " ORDER BY f.status DESC, f.due_at, f.id"
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    return cast("list[FollowUp]", store.rows(sql, params))  # SELECT rows from the store


def is_overdue(row: FollowUp, now: datetime, today: str) -> bool:
    """Past its day (all-day) or past its time (timed), and still open."""
    if row["status"] != "open":
        return False
    if row["due_time"] is None:
        return bool(row["due_date"] < today)
    return bool(row["due_at"] < clock.stamp(now))


def in_the_past(row: FollowUp, now: datetime) -> bool:
    """Due before it was made: a day before today (all-day) or a time already gone.

    Never refused (a rep may log a promise made yesterday), but worth a word: such a
    follow-up is overdue from the start. `now` is local time.
    """
    return is_overdue(row, now, now.date().isoformat())


def check_id(text: str) -> int:
    value = text.strip().lstrip("#")
    if not value.isdigit():
        raise Invalid(f"a follow-up id is a number, not {text!r}")
    return int(value)
