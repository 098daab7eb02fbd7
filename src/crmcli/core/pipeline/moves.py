"""Putting a deal in a stage: its new place and status, and the history row each move leaves.

Both a deal's own moves (`deals.move`, won, lost, reopen) and removing a stage
that still holds deals (`stages.remove --to`) go through `relocate`, so a deal
never changes stage without a `deal_stage_change` row. It sits below `deals`
and `stages`, which both need it.
"""

from __future__ import annotations

from typing import Any

from crmcli.core.db.store import Tx


def record(
    tx: Tx,
    deal_id: int,
    from_id: int | None,
    to_id: int,
    contact_id: int | None,
    reason: str | None = None,
) -> None:
    """The history row of one move (`from_id` None: the deal was created in `to_id`),
    with why it moved when the rep said."""
    tx.insert(
        "deal_stage_change",
        {
            "deal_id": deal_id,
            "from_stage_id": from_id,
            "to_stage_id": to_id,
            "at": tx.stamp,
            "owner": tx.owner,
            "reason": (reason or "").strip() or None,
        },
        contact_id=contact_id,
    )


def relocate(tx: Tx, deal_id: int, stage: dict[str, Any], reason: str | None = None) -> None:
    """Put a deal in a stage (history row, time in stage restarts); closes it for won/lost."""
    deal = tx.get("deal", deal_id)
    assert deal is not None
    values: dict[str, Any] = {"stage_id": stage["id"], "stage_entered_at": tx.stamp}
    if stage["kind"] == "open":
        values.update(status="open", closed_at=None)
    else:
        values.update(status=stage["kind"], closed_at=tx.stamp)
    if stage["kind"] != "lost":
        values["lost_reason"] = None
    tx.update("deal", deal_id, values, contact_id=deal["contact_id"])
    record(tx, deal_id, deal["stage_id"], stage["id"], deal["contact_id"], reason)
