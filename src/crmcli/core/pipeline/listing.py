"""Deals by who they are for: one contact's or one company's, with the list filters.

`deals.list_deals` filters by stage, status, staleness and close date, as `crm deal
list` needs; an assistant also asks "Hélène's deals" and "Acme's deals", and a
contact's sheet lists their deals whole. Same row (`attention.DEAL_SELECT` and the
detail columns), same order (pipeline order, oldest in stage first), same owner rule.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from crmcli.core import clock
from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid
from crmcli.core.pipeline.attention import DEAL_SELECT, annotate

if TYPE_CHECKING:
    from crmcli.core.pipeline.rows import DealDetail

STATUSES = ("open", "won", "lost")
_DETAILS = (
    "d.lost_reason, d.contract_end, d.lead_source, d.closed_at, d.owner, d.created_at, "
    "d.updated_at, d.external_ids, d.custom_fields"
)
_SELECT = DEAL_SELECT.replace(" FROM deal d ", f", {_DETAILS} FROM deal d ", 1)
assert _SELECT != DEAL_SELECT, "attention.DEAL_SELECT no longer reads FROM deal d"
# pipeline order (pipelines in turn), oldest in stage first
_ORDER = "s.pipeline_id, s.position, d.stage_entered_at, d.id"


def deals(
    store: Store,
    now: datetime,
    *,
    contact_id: int | None = None,
    company_id: int | None = None,
    stage_id: int | None = None,
    status: str | None = "open",
    owner: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    where: tuple[str, list[Any]] | None = None,
) -> list[DealDetail]:
    """Deals matching every filter given (`status` None: open, won and lost alike), the
    `limit` of them from `offset` on in the list's order (a page of a long list).

    Each is a whole `DealDetail`, as `deals.get` gives it, with `age_days`: whole days
    since the deal was created. `where` is a compiled `--where` fragment on `d`
    (`crmcli.core.query`), ANDed.
    """
    clause, params = _where(store, contact_id, company_id, stage_id, status, owner, where)
    if limit is not None:
        # The page's ids first, sorted on the deal and its stage alone; only those are
        # joined to their contact and company (a page of 12,500 open deals: 14 ms, not 46).
        clause = (
            " WHERE d.id IN (SELECT d.id FROM deal d JOIN stage s ON s.id = d.stage_id"
            f"{clause} ORDER BY {_ORDER} LIMIT ? OFFSET ?)"
        )
        params += [limit, offset]
    sql = f"{_SELECT}{clause} ORDER BY {_ORDER}"
    out: list[DealDetail] = []
    for row in store.rows(sql, params):
        for key in ("external_ids", "custom_fields"):  # JSON text, parsed as `deals.get` does
            row[key] = json.loads(row[key]) if row[key] else None
        row["age_days"] = age_days(row["created_at"], now)
        out.append(cast("DealDetail", annotate(row, now)))
    return out


def age_days(created_at: str, now: datetime) -> int:
    """A deal's age: whole days since it was created (its stored stamp)."""
    return max(0, (now - clock.parse_stamp(created_at)).days)


def count(
    store: Store,
    *,
    contact_id: int | None = None,
    company_id: int | None = None,
    stage_id: int | None = None,
    status: str | None = "open",
    owner: str | None = None,
    where: tuple[str, list[Any]] | None = None,
) -> int:
    """How many deals `deals` would list with the same filters."""
    clause, params = _where(store, contact_id, company_id, stage_id, status, owner, where)
    return int(
        store.value(
            f"SELECT count(*) FROM deal d JOIN stage s ON s.id = d.stage_id{clause}", params
        )
    )


def _where(
    store: Store,
    contact_id: int | None,
    company_id: int | None,
    stage_id: int | None,
    status: str | None,
    owner: str | None,
    query: tuple[str, list[Any]] | None = None,
) -> tuple[str, list[Any]]:
    """` WHERE ...` (on `d`, the deal) for the filters, or ""; and its parameters."""
    from crmcli.core.db import owners

    mine, params = owners.clause(store, owner, "d")
    where: list[str] = [mine] if mine else []
    if status is not None:
        if status not in STATUSES:
            raise Invalid(f"unknown status {status!r} (open, won, lost or all)")
        where.append("d.status = ?")
        params.append(status)
    for column, value in (
        ("d.contact_id", contact_id),
        ("d.company_id", company_id),
        ("d.stage_id", stage_id),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if query is not None:
        where.append(f"({query[0]})")
        params += query[1]
    return (f" WHERE {' AND '.join(where)}" if where else ""), params
