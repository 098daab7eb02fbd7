"""The daily view and the agenda: what is overdue, due today, due for a touch, at risk.

Every section is one indexed query with a count, so `crm today` stays fast on
a large database; the table shows the first few of each, JSON carries them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from crmcli.core import clock
from crmcli.core.activity.followups import SELECT as FOLLOWUP_SELECT
from crmcli.core.db.store import Store
from crmcli.core.pipeline.attention import needing_attention

if TYPE_CHECKING:
    from crmcli.core.activity.rows import FollowUp, LateFollowUp
    from crmcli.core.overview.rows import TouchDue
    from crmcli.core.pipeline.rows import Deal

Row = TypeVar("Row")


@dataclass
class Section(Generic[Row]):
    """The first rows of a section, and how many there are in all."""

    rows: list[Row] = field(default_factory=list)
    total: int = 0


@dataclass
class Today:
    now: datetime
    overdue: Section[LateFollowUp]
    due_today: Section[FollowUp]
    touch: Section[TouchDue]
    deals: Section[Deal]

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


def overdue(
    store: Store, now: datetime, *, limit: int | None = None, owner: str | None = None
) -> Section[LateFollowUp]:
    from crmcli.core.db import owners

    today = now.date().isoformat()
    mine, mine_params = owners.where(store, owner, "f")
    params = [clock.stamp(now), today, *mine_params]
    total = int(store.value(f"SELECT count(*) FROM followup f WHERE {OVERDUE}{mine}", params))
    sql = f"{FOLLOWUP_SELECT} WHERE {OVERDUE}{mine} ORDER BY f.due_at, f.id"
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
    return Section(cast("list[LateFollowUp]", rows), total)  # SELECT rows, lateness added


def due_on(
    store: Store,
    now: datetime,
    day: date,
    *,
    limit: int | None = None,
    after_now: bool = False,
    owner: str | None = None,
) -> Section[FollowUp]:
    """Open follow-ups on a local day (with `after_now`, only those not yet overdue)."""
    from crmcli.core.db import owners

    low, high = _day_bounds(day, now)
    mine, mine_params = owners.where(store, owner, "f")
    # The day's entries of ix_followup_open_day (schema v9) are read, in the order
    # shown; the due_at bounds are only checked on them (`|| ''` keeps a planner from
    # taking them for a range to scan instead: three days of follow-ups, then a sort).
    where = (
        f"f.status = 'open' AND f.due_date = ? AND f.due_at || '' >= ? AND f.due_at || '' < ?{mine}"
    )
    params: list[Any] = [day.isoformat(), low, high, *mine_params]
    if after_now:
        where += " AND (f.due_time IS NULL OR f.due_at >= ?)"
        params.append(clock.stamp(now))
    total = int(store.value(f"SELECT count(*) FROM followup f WHERE {where}", params))
    # All-day ones first, then by time: NULLS FIRST says so on both engines, and is the
    # index's order (no sort, and no reading of the whole day for its first few).
    sql = f"{FOLLOWUP_SELECT} WHERE {where} ORDER BY f.due_time NULLS FIRST, f.id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return Section(cast("list[FollowUp]", store.rows(sql, params)), total)  # SELECT rows


def touch_due(
    store: Store, now: datetime, *, limit: int | None = None, owner: str | None = None
) -> Section[TouchDue]:
    """Contacts whose keep-in-touch cadence has run out: warmest relationships first.

    Ordered by engagement score, then longest waiting, then id: when there is no time
    for everyone, the relationships with most at stake come first. `limit` None: all.
    How the first few are found among many (by rank, without scoring everyone):
    `crmcli.core.overview.touch`.
    """
    from crmcli.core.overview import touch

    return Section(*touch.due(store, now, limit=limit, owner=owner))


def today(
    store: Store, now: datetime, *, limit: int | None = None, owner: str | None = None
) -> Today:
    """Overdue first (oldest first), then today's, then touches due, then deals at risk."""
    deals, deal_total = needing_attention(store, now, limit=limit, owner=owner)
    return Today(
        now=now,
        overdue=overdue(store, now, limit=limit, owner=owner),
        due_today=due_on(store, now, now.date(), limit=limit, after_now=True, owner=owner),
        touch=touch_due(store, now, limit=limit, owner=owner),
        deals=Section(deals, deal_total),
    )


def days_ahead(
    store: Store,
    now: datetime,
    days: int,
    *,
    limit: int | None = None,
    owner: str | None = None,
) -> list[tuple[str, Section[FollowUp]]]:
    """Overdue follow-ups (when there are any), then each of the coming `days` days.

    Each group is `("overdue", section)` or `(ISO day, section)`; a section holds its
    first `limit` rows and the whole count, so a screen can show a few of a busy day
    and say how many there are. Today's group holds only what is not yet overdue.

    The days are read together, in two queries over the whole range (the counts per
    day, and each day's first rows numbered within the day), not two per day: on a
    busy book each day's range scan costs as much as the whole window's.
    """
    from crmcli.core.db import owners

    groups: list[tuple[str, Section[FollowUp]]] = []
    late = overdue(store, now, limit=limit, owner=owner)
    if late.total:
        groups.append(("overdue", cast("Section[FollowUp]", late)))  # a LateFollowUp is one
    first = now.date()
    last = first + timedelta(days=days - 1)
    low, _ = _day_bounds(first, now)
    _, high = _day_bounds(last, now)
    mine, mine_params = owners.where(store, owner, "f")
    # Today's group leaves out what is already overdue (a time earlier today).
    where = (
        "f.status = 'open' AND f.due_at >= ? AND f.due_at < ? AND f.due_date >= ? "
        "AND f.due_date <= ? AND (f.due_date > ? OR f.due_time IS NULL OR f.due_at >= ?)"
        f"{mine}"
    )
    today = first.isoformat()
    params: list[Any] = [low, high, today, last.isoformat(), today, clock.stamp(now)]
    params += mine_params
    counts = {
        str(day): int(n)
        for day, n in store.tuples(
            f"SELECT f.due_date, count(*) FROM followup f WHERE {where} GROUP BY f.due_date",
            params,
        )
    }
    # Each day's rows numbered on the follow-up table alone; only the first `limit`
    # of each day are then joined to their contact and deal.
    order = "f.due_time IS NOT NULL, f.due_time, f.id"
    numbered = (
        f"WITH w AS (SELECT f.id, ROW_NUMBER() OVER (PARTITION BY f.due_date ORDER BY {order}) "
        f"AS n FROM followup f WHERE {where}) "
    )
    cut = f" WHERE w.n <= {int(limit)}" if limit else ""
    by_day: dict[str, list[FollowUp]] = {}
    sql = f"{numbered}{FOLLOWUP_SELECT} JOIN w ON w.id = f.id{cut} ORDER BY f.due_date, w.n"
    for row in store.rows(sql, params):
        by_day.setdefault(str(row["due_date"]), []).append(cast("FollowUp", row))
    for offset in range(days):
        day = (first + timedelta(days=offset)).isoformat()
        groups.append((day, Section(by_day.get(day, []), counts.get(day, 0))))
    return groups


def due_between(
    store: Store, now: datetime, first: date, last: date | None = None, *, owner: str | None = None
) -> int:
    """How many open follow-ups are due from local day `first` to `last` (None: any later).

    What Today says is coming after it, and what the agenda says lies beyond its last
    day, so that a call on Friday is never out of sight.
    """
    from crmcli.core.db import owners

    mine, mine_params = owners.where(store, owner, "f")
    low, _ = _day_bounds(first, now)
    where = "f.status = 'open' AND f.due_at >= ? AND f.due_date >= ?"
    params: list[Any] = [low, first.isoformat()]
    if last is not None:
        _, high = _day_bounds(last, now)
        where += " AND f.due_at < ? AND f.due_date <= ?"
        params += [high, last.isoformat()]
    return int(
        store.value(f"SELECT count(*) FROM followup f WHERE {where}{mine}", params + mine_params)
    )


def agenda(store: Store, now: datetime, days: int) -> list[tuple[str, Sequence[FollowUp]]]:
    """Overdue follow-ups, then each of the coming `days` days with its follow-ups."""
    return [(day, section.rows) for day, section in days_ahead(store, now, days)]
