"""WHEN phrases for the commands: parsed in local time with the user's settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from crmcli.commands._state import AppState
    from crmcli.core.values.when import When


def parse(app: AppState, text: str, direction: Literal["future", "past"]) -> When:
    """Resolve a WHEN phrase relative to now, in the local zone."""
    from crmcli.core.values.when import parse_with_config

    return parse_with_config(text, app.config, direction)


def short_date(iso: str) -> str:
    """`2026-11-27` -> `Fri 27 Nov`."""
    from datetime import date

    day = date.fromisoformat(iso)
    return day.strftime("%a %d %b")
