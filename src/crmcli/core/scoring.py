"""The engagement score: how warm a relationship is, from 0 to 100.

Three parts, each explainable to a rep:
- recency (up to 40): 40 on the day of the last interaction, falling to 0 at 180 days;
- frequency (up to 30): 3 points per interaction in the last 90 days, at most 30;
- pipeline (up to 30): the win probability of their most advanced open deal, scaled.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from crmcli.core import clock

RECENCY_DAYS = 180
FREQUENCY_DAYS = 90


def score(
    last_touch_at: str | None, recent: int, best_probability: int | None, now: datetime
) -> int:
    recency = 0.0
    if last_touch_at:
        days = max(0.0, (now - clock.parse_stamp(last_touch_at)).total_seconds() / 86400)
        recency = 40 * max(0.0, 1 - days / RECENCY_DAYS)
    frequency = min(30, 3 * recent)
    pipeline = 30 * (best_probability or 0) / 100
    return round(recency + frequency + pipeline)


SCORE_SQL = (
    "(SELECT count(*) FROM interaction i WHERE i.contact_id = c.id AND i.occurred_at >= ?) "
    "AS recent_interactions, "
    "(SELECT max(coalesce(d.probability, s.probability)) FROM deal d JOIN stage s "
    "ON s.id = d.stage_id WHERE d.contact_id = c.id AND d.status = 'open') AS best_probability"
)


def since(now: datetime) -> str:
    """The start of the frequency window, as a stored stamp."""
    return clock.stamp(now - timedelta(days=FREQUENCY_DAYS))
