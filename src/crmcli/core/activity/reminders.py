"""`crm remind`: announce each follow-up once, when it falls due, across runs.

What was announced is recorded in `reminder_log`, keyed by follow-up and due
time: nothing is announced twice, nothing is missed between runs (a run finds
everything that fell due since, however long ago it last ran), and a snoozed
follow-up has a new due time, so it is announced again when that comes.

A timed follow-up fires `reminder_lead_minutes` before its time; an all-day one
at `reminder_all_day_time` (09:00 unless set) local on its day, the time its
calendar alarm rings too (`interchange/ics.py`). The very first run sums up what was already overdue
in one line instead of a flood of notifications.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from crmcli.core import clock
from crmcli.core.db.store import Store

ALL_DAY_AT = time(9, 0)  # the `reminder_all_day_time` default
FIRST_RUN_KEY = "remind_first_run"


@dataclass
class Plan:
    """What this run announces: one by one, plus a one-line summary on the first run."""

    items: list[dict[str, Any]] = field(default_factory=list)
    backlog: list[dict[str, Any]] = field(default_factory=list)  # summed up, not one by one
    first_run: bool = False


def fire_time(
    row: dict[str, Any], lead_minutes: int, zone: Any, all_day_at: time = ALL_DAY_AT
) -> datetime:
    """When a follow-up is announced: its time less the lead, or `all_day_at` on its day."""
    if row["due_time"] is None:
        day = datetime.fromisoformat(row["due_date"]).date()
        return datetime.combine(day, all_day_at, tzinfo=zone)
    return clock.parse_stamp(row["due_at"]) - timedelta(minutes=lead_minutes)


def plan(store: Store, now: datetime, lead_minutes: int, all_day_at: time = ALL_DAY_AT) -> Plan:
    """Open follow-ups whose fire time has come and that were not announced at this due time."""
    zone = now.tzinfo
    horizon = clock.stamp(now + timedelta(days=1, minutes=lead_minutes))
    rows = store.rows(
        "SELECT f.id, f.contact_id, c.display_name AS contact, f.note, f.kind, f.due_date, "
        "f.due_time, f.due_at, d.title AS deal FROM followup f "
        "JOIN contact c ON c.id = f.contact_id LEFT JOIN deal d ON d.id = f.deal_id "
        "WHERE f.status = 'open' AND f.due_at <= ? AND NOT EXISTS (SELECT 1 FROM reminder_log r "
        "WHERE r.followup_id = f.id AND r.due_at = f.due_at) ORDER BY f.due_at, f.id",
        (horizon,),
    )
    due = [r for r in rows if fire_time(r, lead_minutes, zone, all_day_at) <= now]
    first = store.value("SELECT value FROM crm_meta WHERE key = ?", (FIRST_RUN_KEY,)) is None
    result = Plan(first_run=first)
    if first:
        start_of_day = datetime.combine(now.date(), time(0, 0), tzinfo=zone)
        for row in due:
            fired = fire_time(row, lead_minutes, zone, all_day_at)
            (result.backlog if fired < start_of_day else result.items).append(row)
    else:
        result.items = due
    return result


def record(store: Store, announced: list[dict[str, Any]], channel: str, *, first_run: bool) -> None:
    """Remember what was announced (and that the first run happened), in one transaction."""
    with store.write("remind") as tx:
        for row in announced:
            tx.execute(
                "INSERT INTO reminder_log (followup_id, due_at, announced_at, channel) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (row["id"], row["due_at"], tx.stamp, channel),
            )
        if first_run:
            tx.execute(
                "INSERT INTO crm_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                (FIRST_RUN_KEY, tx.stamp),
            )
