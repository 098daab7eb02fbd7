"""Meetings pulled from a calendar: who an ended occurrence was with, and its interaction.

An occurrence is a meeting with each known contact among its organiser and
attendees, never with one of the rep's own addresses (`my_emails`), never with a
contact who declined; a cancelled occurrence, or one the rep declined, is no meeting
at all. Each is logged as one `meeting` interaction per contact through
`interactions.record`, as `crm log meeting` would, so last touch, cadence and scoring
move with it. Its external id (`ical:UID#RECURRENCE-ID`) keeps the same meeting seen
in two calendars from being logged twice on one contact.
"""

from __future__ import annotations

from datetime import datetime, time, tzinfo
from typing import TYPE_CHECKING

from crmcli.core import clock
from crmcli.core.activity import interactions
from crmcli.core.activity.interactions import Kind
from crmcli.core.sync.calendar_steps import MEETING

if TYPE_CHECKING:
    from crmcli.core.db.store import Tx
    from crmcli.core.sync.calendar_files import Occurrence
    from crmcli.core.sync.calendar_steps import Meeting
    from crmcli.core.sync.mail import AddressBook

EXCERPT = 280  # characters of the description kept, as a mail's excerpt (store_bodies: all)
BODY = 10_000  # and at most this many with store_bodies


def key(occurrence: Occurrence) -> str:
    """The occurrence's key in sync_item: its UID and RECURRENCE-ID ("-" for a single one)."""
    return f"{MEETING}{occurrence.recurrence_id or '-'}/{occurrence.uid}"


def contacts_met(
    occurrence: Occurrence, book: AddressBook, my_emails: frozenset[str]
) -> list[int] | None:
    """The contacts an ended occurrence was a meeting with; None when it is none at all."""
    people = occurrence.people
    if occurrence.cancelled or any(
        p.email in my_emails and p.partstat == "DECLINED" for p in people
    ):
        return None
    present = [p.email for p in people if p.email not in my_emails and p.partstat != "DECLINED"]
    return book.contacts(present) or None


def line(occurrence: Occurrence, names: list[str], zone: tzinfo) -> str:
    """How a dry run shows a meeting it would log."""
    if occurrence.all_day:
        day = occurrence.start.date().isoformat()
    else:
        day = occurrence.start.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    return f"meeting  {day}  {', '.join(names)}  {occurrence.summary}"


def log(
    tx: Tx, meeting: Meeting, zone: tzinfo, *, store_bodies: bool = False
) -> tuple[int | None, int]:
    """One `meeting` interaction per contact (not twice for a contact it is already
    logged on, from another calendar); returns the first row id and how many.

    A timed meeting is logged at its start with its length; an all-day one at noon of
    its day (as `crm log` reads a date without a time), without a length. Its body is
    the location and the start of the description, the whole description only with
    `store_bodies` (the privacy choice the mail sync makes too).
    """
    occurrence = meeting.occurrence
    external = f"ical:{occurrence.uid}" + (
        f"#{occurrence.recurrence_id}" if occurrence.recurrence_id else ""
    )
    if occurrence.all_day:
        local = datetime.combine(occurrence.start.date(), time(12, 0), tzinfo=zone)
        at, duration = clock.stamp(local), None
    else:
        at = clock.stamp(occurrence.start)
        seconds = int((occurrence.end - occurrence.start).total_seconds())
        duration = seconds if seconds > 0 else None
    parts = [f"Location: {occurrence.location}"] if occurrence.location else []
    if occurrence.description:
        parts.append(_cut(occurrence.description, BODY if store_bodies else EXCERPT))
    body = "\n\n".join(parts) or None
    first: int | None = None
    logged = 0
    for contact_id in meeting.contacts:
        contact = tx.store.row(
            "SELECT id, cadence_days, last_touch_at FROM contact WHERE id = ?", (contact_id,)
        )
        if contact is None or tx.store.value(
            "SELECT 1 FROM interaction WHERE external_id = ? AND contact_id = ? LIMIT 1",
            (external, contact_id),
        ):
            continue
        row_id = interactions.record(
            tx,
            contact,
            Kind.meeting,
            occurrence.summary or "Meeting",
            at=at,
            body=body,
            duration_seconds=duration,
            external_id=external,
        )
        first = row_id if first is None else first
        logged += 1
    return first, logged


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"
