"""The engagement score: how warm a relationship is, from 0 to 100.

Three parts, each explainable to a rep:
- recency (up to 40): 40 on the day of the last interaction, falling to 0 at 180 days;
- frequency (up to 30): 3 points per interaction in the last 90 days, at most 30;
- pipeline (up to 30): the win probability of their most advanced open deal, scaled.
The total is rounded half up. The database computes it (`columns` and `expression`),
so lists can be ordered by it and cut with LIMIT; `score` is the same rule in Python,
the reference the SQL is tested against.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from crmcli.core import clock

if TYPE_CHECKING:
    from crmcli.core.db.dialect import Dialect

RECENCY_DAYS = 180
FREQUENCY_DAYS = 90


def columns(dialect: Dialect, *, ceiling: bool = False) -> str:
    """What scoring reads for each contact `c`, as the columns days, recent and best.

    Bind `params(now, ceiling=...)` before the query's own parameters. No touch since
    the window opened means no interaction to count in it, so most contacts skip the
    count. With `ceiling`, recent is not counted but taken at its most (10) for anyone
    touched inside the window: the score the contact could at best reach.
    """
    recent = (
        "10"
        if ceiling
        else "(SELECT count(*) FROM interaction i WHERE i.contact_id = c.id AND i.occurred_at >= ?)"
    )
    return (
        f"{dialect.days_between('?', 'c.last_touch_at')} AS days, "
        f"CASE WHEN c.last_touch_at >= ? THEN {recent} ELSE 0 END AS recent, "
        "(SELECT max(coalesce(d.probability, s.probability)) FROM deal d JOIN stage s "
        "ON s.id = d.stage_id WHERE d.contact_id = c.id AND d.status = 'open') AS best"
    )


def params(now: datetime, *, ceiling: bool = False) -> list[str]:
    """The parameters of `columns`: now, then the start of the frequency window."""
    since = clock.stamp(now - timedelta(days=FREQUENCY_DAYS))
    return [clock.stamp(now), since] if ceiling else [clock.stamp(now), since, since]


def expression(dialect: Dialect, t: str = "t") -> str:
    """The score of a row of subquery `t` that selected `columns`, as SQL."""
    recency = (
        f"CASE WHEN {t}.days IS NULL THEN 0.0 WHEN {t}.days <= 0 THEN 40.0 "
        f"WHEN {t}.days >= {RECENCY_DAYS} THEN 0.0 "
        f"ELSE 40.0 * (1.0 - {t}.days / {RECENCY_DAYS}.0) END"
    )
    frequency = f"CASE WHEN {t}.recent >= 10 THEN 30 ELSE 3 * {t}.recent END"
    pipeline = f"30.0 * coalesce({t}.best, 0) / 100.0"
    return dialect.round_half_up(f"{recency} + {frequency} + {pipeline}")


def from_parts(days: float | None, recent: int, best_probability: int | None) -> int:
    """The score from days since the last touch (None: never), interactions in the
    window and the best open deal's win probability; the same arithmetic as `expression`."""
    recency = 0.0
    if days is not None:
        recency = (
            40.0
            if days <= 0
            else 0.0
            if days >= RECENCY_DAYS
            else 40.0 * (1.0 - days / RECENCY_DAYS)
        )
    frequency = 30 if recent >= 10 else 3 * recent
    return math.floor(recency + frequency + 30.0 * (best_probability or 0) / 100.0 + 0.5)


def score(
    last_touch_at: str | None, recent: int, best_probability: int | None, now: datetime
) -> int:
    """The score in Python, from a stored last-touch stamp."""
    days = None
    if last_touch_at:
        days = (now - clock.parse_stamp(last_touch_at)).total_seconds() / 86400
    return from_parts(days, recent, best_probability)
