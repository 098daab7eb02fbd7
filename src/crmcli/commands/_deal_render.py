"""A deal as the deal commands print it: one line for people, or its public JSON shape.

Free of Typer: `crm deal move` runs on the fast path too (`commands/hot/deal_move.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict, cast

from crmcli.commands._output import OutputFormat, message, render_record

if TYPE_CHECKING:
    from crmcli.core.pipeline.rows import Deal, DealDetail


def money(row: Deal, style: tuple[str, str] | None = None) -> str:
    """The deal's amount with its currency ("12,000.00 EUR"); empty when it has none."""
    from crmcli.core.values.money import format_amount

    minor = row.get("amount_minor")
    if minor is None:
        return ""
    return format_amount(int(minor), row["currency"] or "", style)


class PublicDeal(TypedDict):
    """The JSON shape of a deal (`deal show/list --json`)."""

    id: int
    title: str
    contact_id: int | None
    contact: str | None
    company_id: int | None
    company: str | None
    amount_minor: int | None
    currency: str | None
    stage: str
    status: str
    probability: int | None
    expected_close: str | None
    next_step: str | None
    stage_entered_at: str
    days_in_stage: int
    stale: bool
    no_next_step: bool
    lost_reason: str | None
    contract_end: str | None
    lead_source: str | None
    closed_at: str | None
    owner: str | None
    created_at: str | None
    updated_at: str | None
    version: int
    external_ids: dict[str, str] | None  # `deal show`: the deal's ids in other tools
    custom_fields: dict[str, Any] | None  # `deal show`: columns it came with
    amount: str | None  # formatted for people: "12,000.00 EUR"
    win_probability: int  # its own override, else its stage's


_WORKED_OUT = ("amount", "win_probability")
_KEPT = tuple(k for k in PublicDeal.__annotations__ if k not in _WORKED_OUT)


def public(row: Deal, style: tuple[str, str] | None = None) -> PublicDeal:
    """The deal's JSON shape: its stored fields, its amount written out, its win %."""
    from crmcli.core.pipeline.deals import effective_probability

    by_name: Mapping[str, Any] = row  # list rows and `deal show` carry the same details
    out = {k: by_name.get(k) for k in _KEPT}
    out["amount"] = money(row, style) or None
    out["win_probability"] = effective_probability(row)
    return cast("PublicDeal", out)


def report(deal: DealDetail, verb: str, notes: list[str], as_json: bool) -> None:
    """What a change did to a deal: its notes on stderr, then one line (or the JSON)."""
    for note in notes:
        message(note)
    if as_json:
        render_record(public(deal), OutputFormat.json, [])
        return
    amount = f", {money(deal)}" if deal["amount_minor"] is not None else ""
    print(f"{verb} deal #{deal['id']} {deal['title']} ({deal['stage']}{amount})")
