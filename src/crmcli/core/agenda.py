"""The daily view and the agenda: what is overdue, due today, due for a touch, at risk.

Every section is one indexed query with a count, so `crm today` stays fast on
a large database; the table shows the first few of each, JSON carries them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from crmcli.core import clock
from crmcli.core.deals import needing_attention
from crmcli.core.followups import SELECT as FOLLOWUP_SELECT
from crmcli.core.store import Store


@dataclass
class Section:
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0


@dataclass
class Today:
    now: datetime
    overdue: Section
    due_today: Section
    touch: Section
    deals: Section

    @property
    def empty(self) -> bool:
        return not (
            self.overdue.total or self.due_today.total or self.touch.total or self.deals.total
        )


def lateness(seconds: float) -> str:
    """`3 days`, `1 day`, `5h`, `40 min`: how late, the way a person says it."""
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    hours = minutes // 60
    if hours < 24:
        return f"{hours}h"
    days = hours // 24
    return f"{days} day{'s' if days != 1 else ''}"


def _day_bounds(day: date, now: datetime) -> tuple[str, str]:
    """A generous UTC range around a local day, for index range scans on due_at."""
    start = datetime(day.year, day.month, day.day, tzinfo=now.tzinfo) - timedelta(days=1)
    return clock.stamp(start), clock.stamp(start + timedelta(days=3))


OVERDUE = "f.status = 'open' AND f.due_at < ? AND (f.due_time IS NOT NULL OR f.due_date < ?)"


def overdue(store: Store, now: datetime, *, limit: int | None = None) -> Section:
    today = now.date().isoformat()
    params = [clock.stamp(now), today]
    total = int(store.value(f"SELECT count(*) FROM followup f WHERE {OVERDUE}", params))
    sql = f"{FOLLOWUP_SELECT} WHERE {OVERDUE} ORDER BY f.due_at, f.id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    rows = store.rows(sql, params)
    for row in rows:
        due = clock.parse_stamp(row["due_at"])
        if row["due_time"] is None:  # all-day: late from the end of its day
            due = datetime.fromisoformat(row["due_date"]).replace(tzinfo=now.tzinfo) + timedelta(
                days=1
            )
        row["late_seconds"] = int((now - due).total_seconds())
        row["late"] = lateness(row["late_seconds"])
    # Oldest first by how late they are (an all-day item is late from the end of its day,
    # so its due_at alone would misplace it among timed ones).
    rows.sort(key=lambda r: (-r["late_seconds"], r["id"]))
    return Section(rows, total)


def due_on(
    store: Store, now: datetime, day: date, *, limit: int | None = None, after_now: bool = False
) -> Section:
    """Open follow-ups on a local day (with `after_now`, only those not yet overdue)."""
    low, high = _day_bounds(day, now)
    where = "f.status = 'open' AND f.due_at >= ? AND f.due_at < ? AND f.due_date = ?"
    params: list[Any] = [low, high, day.isoformat()]
    if after_now:
        where += " AND (f.due_time IS NULL OR f.due_at >= ?)"
        params.append(clock.stamp(now))
    total = int(store.value(f"SELECT count(*) FROM followup f WHERE {where}", params))
    sql = f"{FOLLOWUP_SELECT} WHERE {where} ORDER BY f.due_time IS NOT NULL, f.due_time, f.id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return Section(store.rows(sql, params), total)


TOUCH = (
    "c.touch_due_at IS NOT NULL AND c.touch_due_at <= ? AND c.cadence_days IS NOT NULL "
    "AND NOT c.do_not_contact AND c.archived_at IS NULL"
)


def touch_due(store: Store, now: datetime, *, limit: int | None = None) -> Section:
    """Contacts whose keep-in-touch cadence has run out: warmest relationships first.

    Ordered by engagement score (crmcli.core.scoring), then longest waiting: when there
    is no time for everyone, the relationships with most at stake come first. The
    database ranks every due contact from index-only reads (the partial index
    `ix_contact_touch`, the interaction and deal indexes) and returns the first few.
    """
    from crmcli.core import scoring

    due = [clock.stamp(now)]
    total = int(store.value(f"SELECT count(*) FROM contact c WHERE {TOUCH}", due))
    sql = (
        f"SELECT t.id, t.last_touch_at, t.touch_due_at, {scoring.expression(store.dialect)} "
        "AS score FROM (SELECT c.id, c.last_touch_at, c.touch_due_at, "
        f"{scoring.columns(store.dialect)} FROM contact c WHERE {TOUCH}) t "
        "ORDER BY score DESC, t.touch_due_at, t.id"
    )
    params: list[Any] = [*scoring.params(now), *due]
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    ranked = store.tuples(sql, params)
    names = {
        row[0]: row[1:]
        for row in store.tuples_in(
            "SELECT c.id, c.display_name, co.name, c.cadence_days FROM contact c "
            "LEFT JOIN company co ON co.id = c.company_id WHERE c.id IN ({ids})",
            [row[0] for row in ranked],
        )
    }
    rows = [
        {
            "id": contact_id,
            "contact": names[contact_id][0],
            "company": names[contact_id][1],
            "cadence_days": names[contact_id][2],
            "last_touch_at": last_touch,
            "touch_due_at": due_at,
            "score": int(score),
        }
        for contact_id, last_touch, due_at, score in ranked
    ]
    return Section(rows, total)


def today(store: Store, now: datetime, *, limit: int | None = None) -> Today:
    """Overdue first (oldest first), then today's, then touches due, then deals at risk."""
    deals, deal_total = needing_attention(store, now, limit=limit)
    return Today(
        now=now,
        overdue=overdue(store, now, limit=limit),
        due_today=due_on(store, now, now.date(), limit=limit, after_now=True),
        touch=touch_due(store, now, limit=limit),
        deals=Section(deals, deal_total),
    )


def agenda(store: Store, now: datetime, days: int) -> list[tuple[str, list[dict[str, Any]]]]:
    """Overdue follow-ups, then each of the coming `days` days with its follow-ups."""
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    late = overdue(store, now)
    if late.rows:
        groups.append(("overdue", late.rows))
    for offset in range(days):
        day = now.date() + timedelta(days=offset)
        section = due_on(store, now, day, after_now=offset == 0)
        groups.append((day.isoformat(), section.rows))
    return groups
