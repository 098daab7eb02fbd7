"""Short text forms of domain values for the screens: money, days, fitting.

A time as `YYYY-MM-DD HH:MM` is `crmcli.core.clock.local_time`, shared with the commands.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len, set_cell_size

from crmcli.core import clock
from crmcli.core.values.money import format_amount, format_totals

if TYPE_CHECKING:
    from crmcli.core.activity.rows import FollowUp


def fit(text: str, width: int) -> str:
    """`text` cut to `width` cells, with an ellipsis when something was cut."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1) + "…"


def money(row: Mapping[str, Any]) -> str:
    """A deal's amount in its currency, or an empty string when it has none."""
    amount = row.get("amount_minor")
    if amount is None:
        return ""
    return format_amount(int(amount), str(row.get("currency") or ""))


def totals(values: dict[str, int]) -> str:
    """Per-currency totals side by side: never summed across currencies."""
    return format_totals(values)


def local_day(stamp: str | None) -> str:
    """A stored UTC stamp as a local `Fri 27 Nov 2026`."""
    if not stamp:
        return ""
    return clock.local(clock.parse_stamp(stamp)).strftime("%a %d %b %Y")


def due(row: FollowUp) -> str:
    """A follow-up's due date (and time, if it has one) as the rep set it."""
    from datetime import date

    day = date.fromisoformat(str(row["due_date"])).strftime("%a %d %b")
    return f"{day} {row['due_time']}" if row.get("due_time") else day


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
