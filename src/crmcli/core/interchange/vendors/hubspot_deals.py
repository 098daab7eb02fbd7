"""HubSpot's deals export: "Record ID", "Deal Name", "Deal Stage", "Associated Company".

Beside vendors/hubspot.py (its contacts export); the record id is the external id
"hubspot" in both. "Associated Contact" holds "Name (email)", split when read.
"""

from __future__ import annotations

NAME = "hubspot"
DATE_ORDER = "ymd"

_DEAL_COLUMNS = {
    "record id": "external_id:hubspot",
    "deal id": "external_id:hubspot",
    "deal name": "title",
    "deal stage": "stage",
    "amount": "amount",
    "currency": "currency",
    "deal currency code": "currency",
    "close date": "expected_close",
    "associated company": "company",
    "associated company (primary)": "company",
    "associated contact": "contact_name",
    "associated contact (primary)": "contact_name",
    "deal probability": "probability_fraction",  # 0.2 is 20%
    "next step": "next_step",
    "closed lost reason": "lost_reason",
    "original source type": "lead_source",
}


def recognises_deals(names: set[str]) -> bool:
    """A HubSpot deals export: "Deal Name" or "Deal Stage" beside "Record ID"."""
    return "record id" in names and bool(names & {"deal name", "deal stage"})


def deal_columns(header: list[str]) -> list[tuple[str, str | None]]:
    """Each column's deal field; pipeline, owner and dates stay custom fields."""
    return [(h, _DEAL_COLUMNS.get(h.strip().casefold())) for h in header]
