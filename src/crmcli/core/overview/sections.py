"""The report's sections by name: where each one's table sits in `reports.build`'s data.

`crm report --section NAME` and the assistant's `report(section=NAME)` take the same
names, so they are written once, here, beside the report they point into.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from crmcli.core.errors import Invalid

if TYPE_CHECKING:
    from crmcli.core.overview.rows import Report

SECTION_PATHS: dict[str, tuple[str, ...]] = {
    "pipeline": ("pipeline",),
    "forecast": ("forecast", "months"),
    "funnel": ("conversion", "funnel"),
    "stages": ("conversion", "stages"),
    "sources": ("conversion", "sources"),
    "activity": ("activity", "weeks"),
    "followups": ("activity", "followups"),
    "stale": ("health", "stale", "deals"),
    "no-next-step": ("health", "no_next_step", "deals"),
    "touch": ("health", "touch", "contacts"),
    "retention": ("health", "retention", "contacts"),
}

# The report's keys whose values are money: {currency: minor units}.
MONEY_KEYS = ("amount", "weighted", "best_case", "commit", "won_amount", "avg_won_amount")


def check_section(name: str) -> str:
    """`name` if it is a section, else Invalid listing them (the CLI's message)."""
    if name not in SECTION_PATHS:
        raise Invalid(f"unknown section {name!r} (one of {', '.join(SECTION_PATHS)})")
    return name


def section_rows(data: Report, name: str) -> list[Mapping[str, Any]]:
    """The table behind one section name (a single figure set is a one-row table)."""
    found: Any = data
    for key in SECTION_PATHS[check_section(name)]:
        found = found[key]
    return [found] if isinstance(found, dict) else list(found)
