"""The pipeline board and the forecast: open deals by stage, and by expected close month.

Money is summed per currency and never mixed. A deal's weight is its own
probability override, else its stage's win probability. Both read one pipeline
(`pipeline_id`), or every pipeline when it is None: the board then has every
pipeline's columns in turn, and the forecast sums them (per currency).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

from crmcli.core.db.store import Store
from crmcli.core.pipeline.attention import DEAL_SELECT, annotate

if TYPE_CHECKING:
    from crmcli.core.pipeline.rows import BoardStage, Deal

PROBABILITY = "coalesce(d.probability, s.probability)"


@dataclass
class Column:
    stage: BoardStage
    pipeline: str = ""  # the pipeline's name
    count: int = 0
    totals: dict[str, int] = field(default_factory=dict)
    weighted: dict[str, int] = field(default_factory=dict)
    cards: list[Deal] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


def _round(value: int) -> int:
    """Sum of amount x percent, back to minor units (half up)."""
    return (int(value) + 50) // 100


def board(
    store: Store,
    now: datetime,
    *,
    per_stage: int | None = None,
    owner: str | None = None,
    pipeline_id: int | None = None,
) -> list[Column]:
    """One column per open stage of the pipeline (of each, in turn, when `pipeline_id` is
    None): count, totals and weighted totals per currency, cards."""
    from crmcli.core.db import owners

    mine, mine_params = owners.where(store, owner, "d")
    only, only_params = (" AND s.pipeline_id = ?", [pipeline_id]) if pipeline_id else ("", [])
    columns: dict[int, Column] = {}
    for row in store.rows(
        "SELECT s.id, s.name, s.position, s.probability, s.target_days, p.name AS pipeline "
        "FROM stage s JOIN pipeline p ON p.id = s.pipeline_id "
        f"WHERE s.kind = 'open'{only} ORDER BY s.pipeline_id, s.position, s.id",
        only_params,
    ):
        name = row.pop("pipeline")
        columns[row["id"]] = Column(cast("BoardStage", row), name)  # the store's dict
    for stage_id, currency, count, total, weighted in store.tuples(
        f"SELECT d.stage_id, coalesce(d.currency, ''), count(*), "
        f"coalesce(sum(d.amount_minor), 0), coalesce(sum(d.amount_minor * {PROBABILITY}), 0) "
        "FROM deal d JOIN stage s ON s.id = d.stage_id "
        f"WHERE d.status = 'open' AND s.kind = 'open'{mine}{only} "
        "GROUP BY d.stage_id, coalesce(d.currency, '')",
        [*mine_params, *only_params],
    ):
        column = columns[stage_id]
        column.count += int(count)
        if currency and total:
            column.totals[currency] = int(total)
            column.weighted[currency] = _round(weighted)
    for stage_id, column in columns.items():
        sql = (
            f"{DEAL_SELECT} WHERE d.stage_id = ? AND d.status = 'open'{mine} "
            "ORDER BY d.stage_entered_at, d.id"
        )
        params: list[Any] = [stage_id, *mine_params]
        if per_stage is not None:
            sql += " LIMIT ?"
            params.append(per_stage)
        column.cards = [annotate(r, now) for r in store.rows(sql, params)]
    return list(columns.values())


@dataclass
class Bucket:
    label: str  # YYYY-MM, "earlier" (expected before this month) or "undated"
    deals: int = 0
    weighted: dict[str, int] = field(default_factory=dict)
    best: dict[str, int] = field(default_factory=dict)
    commit: dict[str, int] = field(default_factory=dict)


def forecast(
    store: Store, today: date, *, months: int, commit_at: int, pipeline_id: int | None = None
) -> list[Bucket]:
    """Open deals by expected close month: weighted, best case (all) and commit (>= commit_at),
    of one pipeline, or of every one summed (per currency) when `pipeline_id` is None.

    Deals expected before this month are gathered as "earlier" (overdue to close),
    deals past the horizon are left out, and deals without a date are "undated".
    """
    first = date(today.year, today.month, 1)
    labels = []
    year, month = first.year, first.month
    for _ in range(months):
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    buckets = {
        "earlier": Bucket("earlier"),
        **{m: Bucket(m) for m in labels},
        "undated": Bucket("undated"),
    }
    for month_label, currency, count, total, weighted, commit in store.tuples(
        "SELECT substr(d.expected_close, 1, 7), coalesce(d.currency, ''), count(*), "
        "coalesce(sum(d.amount_minor), 0), "
        f"coalesce(sum(d.amount_minor * {PROBABILITY}), 0), "
        f"coalesce(sum(CASE WHEN {PROBABILITY} >= ? THEN d.amount_minor ELSE 0 END), 0) "
        "FROM deal d JOIN stage s ON s.id = d.stage_id WHERE d.status = 'open'"
        f"{' AND s.pipeline_id = ?' if pipeline_id else ''} "
        "GROUP BY substr(d.expected_close, 1, 7), coalesce(d.currency, '')",
        (commit_at, pipeline_id) if pipeline_id else (commit_at,),
    ):
        if month_label is None:
            key = "undated"
        elif month_label < labels[0]:
            key = "earlier"
        elif month_label in buckets:
            key = month_label
        else:
            continue
        bucket = buckets[key]
        bucket.deals += int(count)
        if currency and total:
            bucket.best[currency] = bucket.best.get(currency, 0) + int(total)
            bucket.weighted[currency] = bucket.weighted.get(currency, 0) + int(weighted)
            bucket.commit[currency] = bucket.commit.get(currency, 0) + int(commit)
    for bucket in buckets.values():
        bucket.weighted = {c: _round(v) for c, v in bucket.weighted.items()}
    return list(buckets.values())
