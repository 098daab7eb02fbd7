"""The deal row every list shows, and the attention rules: stale in its stage, no next step.

A deal is stale when it has stayed in its stage longer than the stage's target
days; every open deal should have a next step. The daily view, the board, the
reports and `crm deal list` all read deals through `DEAL_SELECT` and `annotate`,
so the rules are written once. Kept apart from the deal writes: `crm today`
loads this and nothing of the pipeline's editing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from crmcli.core import clock
from crmcli.core.db.store import Store

if TYPE_CHECKING:
    from crmcli.core.pipeline.rows import Deal

DEAL_SELECT = (
    "SELECT d.id, d.title, d.contact_id, c.display_name AS contact, d.company_id, "
    "co.name AS company, d.amount_minor, d.currency, d.stage_id, s.name AS stage, "
    "s.target_days, s.probability AS stage_probability, d.probability, d.expected_close, "
    "d.next_step, d.status, d.stage_entered_at, d.version "
    "FROM deal d JOIN stage s ON s.id = d.stage_id "
    "LEFT JOIN contact c ON c.id = d.contact_id LEFT JOIN company co ON co.id = d.company_id"
)


def stale_condition(store: Store, now: datetime) -> tuple[str, list[Any]]:
    """SQL that is true for a deal past its stage's target days (one clause per stage)."""
    clauses: list[str] = []
    params: list[Any] = []
    for stage_id, target in store.tuples(
        "SELECT id, target_days FROM stage WHERE kind = 'open' AND target_days IS NOT NULL"
    ):
        clauses.append("(d.stage_id = ? AND d.stage_entered_at < ?)")
        params += [stage_id, clock.stamp(now - timedelta(days=int(target)))]
    return ("(" + " OR ".join(clauses) + ")" if clauses else "(1 = 0)"), params


def annotate(row: dict[str, Any], now: datetime) -> Deal:
    """Add days in stage and the stale / no-next-step flags to a deal row (in place)."""
    entered = clock.parse_stamp(row["stage_entered_at"])
    days = max(0, (now - entered).days)
    row["days_in_stage"] = days
    row["stale"] = (
        row["status"] == "open"
        and row["target_days"] is not None
        and now - entered > timedelta(days=int(row["target_days"]))
    )
    row["no_next_step"] = row["status"] == "open" and not (row["next_step"] or "").strip()
    return cast("Deal", row)  # a DEAL_SELECT row from the store, now annotated


def needing_attention(
    store: Store, now: datetime, *, limit: int | None = None, owner: str | None = None
) -> tuple[list[Deal], int]:
    """Open deals that are stale or have no next step, most overdue first; and their count."""
    from crmcli.core.db import owners

    stale_sql, params = stale_condition(store, now)
    mine, mine_params = owners.where(store, owner, "d")
    where = (
        f"d.status = 'open' AND s.kind = 'open' AND ({stale_sql} OR d.next_step IS NULL "
        f"OR d.next_step = ''){mine}"
    )
    params += mine_params
    total = int(
        store.value(
            f"SELECT count(*) FROM deal d JOIN stage s ON s.id = d.stage_id WHERE {where}", params
        )
    )
    sql = f"{DEAL_SELECT} WHERE {where} ORDER BY d.stage_entered_at, d.id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [annotate(r, now) for r in store.rows(sql, params)], total


def count_stale(store: Store, now: datetime) -> int:
    """Open deals past their stage's target days."""
    sql, params = stale_condition(store, now)
    return int(
        store.value(
            f"SELECT count(*) FROM deal d JOIN stage s ON s.id = d.stage_id "
            f"WHERE d.status = 'open' AND {sql}",
            params,
        )
    )
