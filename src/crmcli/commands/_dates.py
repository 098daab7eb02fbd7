"""WHEN phrases for the commands: parsed in local time with the user's settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from crmcli.commands._state import AppState
    from crmcli.core.activity.rows import FollowUp
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


def warn_past(typed: str, row: FollowUp) -> None:
    """A follow-up due before now is kept, with a word: it is overdue from the start."""
    from datetime import date

    from crmcli.commands._output import warn
    from crmcli.core import clock
    from crmcli.core.activity import followups

    if followups.in_the_past(row, clock.local_now()):
        due = date.fromisoformat(row["due_date"]).strftime("%a %d %b %Y")
        due += f" {row['due_time']}" if row["due_time"] else ""
        warn(f"{typed.strip()} is {due}, in the past: follow-up #{row['id']} is overdue already")
