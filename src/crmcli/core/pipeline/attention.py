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


# What `annotate` calls no next step, as SQL: empty, or nothing but what Python's
# str.isspace() calls space (str.strip's set, so the two never disagree). The partial
# index ix_deal_open_no_step (schema v9) holds exactly the open deals it is true for;
# each engine spells it its own way, and a query must spell it as its index does.
_SPACES = (9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 133, 160, 5760, *range(8192, 8203))
_SPACES += (8232, 8233, 8239, 8287, 12288)
BLANK_STEP = {
    "sqlite": "(next_step IS NULL OR trim(next_step, char({})) = '')".format(
        ", ".join(map(str, _SPACES))
    ),
    "postgresql": "(next_step IS NULL OR btrim(next_step, {}) = '')".format(
        " || ".join(f"chr({c})" for c in _SPACES)
    ),
}
# In an open stage, asked row by row: a stage id list (IN) made SQLite read every deal
# rather than the one partial index that holds the rows asked for.
OPEN_STAGE = "EXISTS (SELECT 1 FROM stage s WHERE s.id = d.stage_id AND s.kind = 'open')"


def blank_step(store: Store) -> str:
    """`BLANK_STEP` on deal alias `d`, for this store's engine."""
    return BLANK_STEP[store.dialect.name].replace("next_step", "d.next_step")


def needing_attention(
    store: Store, now: datetime, *, limit: int | None = None, owner: str | None = None
) -> tuple[list[Deal], int]:
    """Open deals that are stale or have no next step, longest in their stage first; and
    their count.

    The rows come in `stage_entered_at` order from a partial index of the open deals
    (ix_deal_open_entered, schema v9), the oldest first, which are nearly all stale:
    the first few are found without reading the rest. The count is `attention_count`.
    """
    from crmcli.core.db import owners

    stale_sql, params = stale_condition(store, now)
    mine, mine_params = owners.where(store, owner, "d")
    where = (
        f"d.status = 'open' AND s.kind = 'open' AND ({stale_sql} OR d.next_step IS NULL "
        f"OR d.next_step = ''){mine}"
    )
    params += mine_params
    total = attention_count(store, now, owner)
    sql = f"{DEAL_SELECT} WHERE {where} ORDER BY d.stage_entered_at, d.id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [annotate(r, now) for r in store.rows(sql, params)], total


def stale_parts(
    store: Store, now: datetime, mine: tuple[str, list[Any]]
) -> tuple[list[str], list[Any]]:
    """One count per open stage with target days: its open deals entered before the
    cutoff, a range of the (stage_id, status, stage_entered_at, id) index."""
    parts: list[str] = []
    params: list[Any] = []
    for stage_id, target in store.tuples(
        "SELECT id, target_days FROM stage WHERE kind = 'open' AND target_days IS NOT NULL"
    ):
        parts.append(
            "SELECT count(*) AS n FROM deal d WHERE d.stage_id = ? AND d.status = 'open' "
            f"AND d.stage_entered_at < ?{mine[0]}"
        )
        params += [stage_id, clock.stamp(now - timedelta(days=int(target))), *mine[1]]
    return parts, params


def attention_count(store: Store, now: datetime, owner: str | None = None) -> int:
    """How many open deals in open stages are stale or have no next step (NULL or '').

    Counted from indexes, not by reading every open deal: the stale ones stage by stage
    (`stale_parts`), plus the ones with no next step that are not stale, among the
    open deals with a blank next step (ix_deal_open_no_step).
    """
    from crmcli.core.db import owners

    mine = owners.where(store, owner, "d")
    parts, params = stale_parts(store, now, mine)
    stale_sql, stale_params = stale_condition(store, now)
    parts.append(
        f"SELECT count(*) AS n FROM deal d WHERE d.status = 'open' AND {blank_step(store)} "
        f"AND (d.next_step IS NULL OR d.next_step = '') AND {OPEN_STAGE} "
        f"AND NOT {stale_sql}{mine[0]}"
    )
    params += [*stale_params, *mine[1]]
    sql = "SELECT sum(n) FROM (" + " UNION ALL ".join(parts) + ") counts"
    return int(store.value(sql, params) or 0)


def count_stale(store: Store, now: datetime) -> int:
    """Open deals past their stage's target days."""
    parts, params = stale_parts(store, now, ("", []))
    if not parts:
        return 0
    return int(
        store.value("SELECT sum(n) FROM (" + " UNION ALL ".join(parts) + ") counts", params) or 0
    )
