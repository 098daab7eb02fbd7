"""The report's lists of deals at risk: the most overdue stale deals, the deals with no
next step; each the first few and the count, read from indexes.

`crm report`'s health section used to read every deal needing attention (at a million
contacts, 60,000 deals joined and annotated) to show ten of each kind. These give the
same rows in the same order, and the same counts:
- stale: open deals past their stage's target days, the most days over target first,
  then by id. Days over target only grow the longer a deal has been in its stage, so
  each open stage's stale deals are read oldest first from (stage_id, status,
  stage_entered_at, id), and only as far as can still reach the first few;
- no next step: open deals in open stages whose next step is blank (as
  `attention.annotate` means it) and that need attention (no next step at all, or
  stale), longest in their stage first, from the partial index of blank next steps.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from crmcli.core import clock
from crmcli.core.db.store import Store
from crmcli.core.pipeline.attention import (
    DEAL_SELECT,
    OPEN_STAGE,
    annotate,
    blank_step,
    stale_condition,
    stale_parts,
)

if TYPE_CHECKING:
    from crmcli.core.pipeline.rows import Deal


def _deals(store: Store, now: datetime, ids: list[int]) -> list[Deal]:
    """`DEAL_SELECT` rows of these deals, annotated, in the order of `ids`."""
    by_id: dict[int, Deal] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for row in store.rows(f"{DEAL_SELECT} WHERE d.id IN ({marks})", chunk):
            by_id[int(row["id"])] = annotate(row, now)
    return [by_id[i] for i in ids]


def stale_first(
    store: Store, now: datetime, limit: int | None, owner: str | None = None
) -> tuple[list[Deal], int]:
    """Open deals past their stage's target days, the most days over target first (then
    id): the first `limit` (None: all), and how many there are."""
    from crmcli.core.db import owners

    mine = owners.where(store, owner, "d")
    parts, params = stale_parts(store, now, mine)
    if not parts:
        return [], 0
    total = int(
        store.value("SELECT sum(n) FROM (" + " UNION ALL ".join(parts) + ") counts", params)
    )
    found: list[tuple[int, int]] = []  # (-(days over target), id)
    for stage_id, target in store.tuples(
        "SELECT id, target_days FROM stage WHERE kind = 'open' AND target_days IS NOT NULL"
    ):
        cutoff = clock.stamp(now - timedelta(days=int(target)))
        _, rows = store.stream_tuples(
            "SELECT d.id, d.stage_entered_at FROM deal d WHERE d.stage_id = ? "
            f"AND d.status = 'open' AND d.stage_entered_at < ?{mine[0]} "
            "ORDER BY d.stage_entered_at, d.id",
            [stage_id, cutoff, *mine[1]],
        )
        kept: list[tuple[int, int]] = []
        for deal_id, entered in rows:
            days = max(0, (now - clock.parse_stamp(entered)).days)  # as `annotate` counts
            key = (-(days - int(target)), int(deal_id))
            # Entered later means no more days over: once `limit` are kept, the first
            # with fewer days over than the last kept, and all after it, are not needed.
            if limit and len(kept) >= limit and key[0] > kept[limit - 1][0]:
                break
            kept.append(key)
        found += kept
    found.sort()
    shown = found[:limit] if limit else found
    return _deals(store, now, [deal_id for _, deal_id in shown]), total


def no_step_first(
    store: Store, now: datetime, limit: int | None, owner: str | None = None
) -> tuple[list[Deal], int]:
    """Open deals in open stages needing attention whose next step is blank, longest in
    their stage first (then id): the first `limit` (None: all), and how many there are."""
    from crmcli.core.db import owners

    mine = owners.where(store, owner, "d")
    stale_sql, stale_params = stale_condition(store, now)
    where = (
        f"d.status = 'open' AND {blank_step(store)} AND {OPEN_STAGE} "
        f"AND (d.next_step IS NULL OR d.next_step = '' OR {stale_sql}){mine[0]}"
    )
    params: list[Any] = [*stale_params, *mine[1]]
    total = int(store.value(f"SELECT count(*) FROM deal d WHERE {where}", params))
    sql = f"SELECT d.id FROM deal d WHERE {where} ORDER BY d.stage_entered_at, d.id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return _deals(store, now, [int(r[0]) for r in store.tuples(sql, params)]), total
