"""Activity goals: how many calls, emails or meetings a week (or a month), and how far along.

Progress counts the owner's interactions of that kind in the current week (from
the configured week start) or calendar month, in local time.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from crmcli.core import clock
from crmcli.core.activity.interactions import Kind
from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid, NotFound

PERIODS = ("week", "month")
_TARGET = re.compile(r"\s*(\d+)\s*(?:/\s*(week|wk|w|month|mo|m))?\s*", re.IGNORECASE)


def parse_kind(text: str) -> Kind:
    value = text.strip().lower().rstrip("s")  # "calls" is a call goal
    try:
        return Kind(value)
    except ValueError:
        allowed = ", ".join(f"{k.value}s" for k in Kind)
        raise Invalid(f"unknown goal {text!r} (one of {allowed})") from None


def parse_target(text: str) -> tuple[int, str]:
    """`50/week`, `20/month`, or `50` (a week)."""
    match = _TARGET.fullmatch(text)
    if not match or int(match.group(1)) <= 0:
        raise Invalid(f"cannot read {text!r} as a goal (try 50/week or 20/month)")
    period = (match.group(2) or "week").lower()
    return int(match.group(1)), "month" if period.startswith("m") else "week"


def period_start(now: datetime, period: str, week_start: str) -> datetime:
    local = now.astimezone(clock.local_zone())
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "month":
        return day.replace(day=1)
    first = 6 if week_start == "sun" else 0
    return day - timedelta(days=(day.weekday() - first) % 7)


def set_goal(store: Store, kind: Kind, target: int, period: str) -> None:
    owner = str(store.config.get("user"))
    with store.write(f"goal set {kind.value}") as tx:
        existing = store.value(
            "SELECT id FROM goal WHERE owner = ? AND kind = ? AND period = ?",
            (owner, kind.value, period),
        )
        if existing is None:
            tx.insert("goal", {"kind": kind.value, "target": target, "period": period})
        else:
            tx.update("goal", int(existing), {"target": target})


def remove_goal(store: Store, kind: Kind) -> None:
    owner = str(store.config.get("user"))
    rows = store.tuples("SELECT id FROM goal WHERE owner = ? AND kind = ?", (owner, kind.value))
    if not rows:
        raise NotFound(f"no {kind.value} goal")
    with store.write(f"goal rm {kind.value}") as tx:
        for (goal_id,) in rows:
            tx.delete("goal", int(goal_id))


def progress(store: Store, now: datetime) -> list[dict[str, Any]]:
    """Each goal with how many interactions of its kind this period, and the share done."""
    owner = str(store.config.get("user"))
    week_start = str(store.config.get("week_start"))
    out = []
    for goal in store.rows(
        "SELECT kind, target, period FROM goal WHERE owner = ? ORDER BY period, kind", (owner,)
    ):
        since = period_start(now, goal["period"], week_start)
        done = int(
            store.value(
                "SELECT count(*) FROM interaction "
                "WHERE owner = ? AND kind = ? AND occurred_at >= ?",
                (owner, goal["kind"], clock.stamp(since)),
            )
        )
        out.append(
            {
                **goal,
                "done": done,
                "since": since.date().isoformat(),
                "percent": round(100 * done / goal["target"]) if goal["target"] else 0,
            }
        )
    return out
