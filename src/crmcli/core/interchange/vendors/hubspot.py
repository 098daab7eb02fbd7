"""HubSpot's contacts export: a "Record ID" kept as the external id, and lifecycle stages.

The id is the first thing a re-import matches on (system "hubspot"): older exports call
it "Contact ID", the current ones "Record ID"."""

from __future__ import annotations

NAME = "hubspot"
DATE_ORDER = "ymd"

_COLUMNS = {
    "record id": "external_id:hubspot",
    "contact id": "external_id:hubspot",
    "first name": "first",
    "last name": "last",
    "email": "email",
    "phone number": "phone",
    "mobile phone number": "phone:mobile",
    "fax number": "phone:fax",
    "company name": "company",
    "job title": "title",
    "lifecycle stage": "status",
    "street address": "street",
    "city": "city",
    "state/region": "region",
    "postal code": "postcode",
    "country/region": "country",
    "website url": "url",
    "linkedin url": "linkedin",
    "original source": "lead_source",
    "notes": "notes",
}

STAGES = frozenset(
    "lead subscriber marketingqualifiedlead salesqualifiedlead opportunity customer "
    "evangelist".split()
)
"""HubSpot's own lifecycle stages, folded: only these become a crm status in a HubSpot file."""


def recognises(header: list[str], names: set[str]) -> bool:
    """A HubSpot export: "Record ID" (or the older "Contact ID") beside a name or email."""
    named = bool(names & {"first name", "last name", "email"})
    return named and bool(names & {"record id", "contact id"})


def columns(header: list[str]) -> list[tuple[str, str | None]]:
    """Each column's field."""
    return [(h, _COLUMNS.get(h.strip().casefold())) for h in header]
