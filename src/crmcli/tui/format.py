"""Short text forms of domain values for the screens: money, days, fitting in display cells.

A time as `YYYY-MM-DD HH:MM` is `crmcli.core.clock.local_time`, shared with the commands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len, set_cell_size
from textual.content import Content

from crmcli.core import clock
from crmcli.core.values.money import format_amount, format_totals

if TYPE_CHECKING:
    from crmcli.core.activity.rows import FollowUp


def fit(text: str, width: int) -> str:
    """`text` in at most `width` display cells, with an ellipsis when something was cut.

    Cells, not characters: 山田 takes four cells, an accent typed as a combining mark
    none, an emoji two. A wide character that would straddle the edge is left out whole
    (the result is then a cell short: `pad` fills a column), and the ellipsis follows the
    last character shown, never a space.
    """
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1).rstrip(" ") + "…"


def pad(text: str, width: int) -> str:
    """`text` fitted to `width` cells, then filled with spaces to exactly `width` cells."""
    text = fit(text, width)
    return text + " " * max(0, width - cell_len(text))


MIN_VALUE = 12  # narrower, and a value column wraps every word: labels go above instead


def labelled(rows: Sequence[tuple[str, str | Content]], width: int, style: str = "dim") -> Content:
    """`label  value` lines, the values in one column: a long value wraps under itself.

    The label column is as wide as the longest label in display cells, so no value
    ever starts under a label; a value too long for the rest of the line wraps (at
    spaces, else mid-word) onto lines indented to the value column. Narrower than a
    useful value column, each label goes on its own line with its value under it.
    `width` 0 (before the first layout) wraps nothing.
    """
    label_width = max((cell_len(label) for label, _ in rows), default=0)
    room = width - label_width - 2
    stacked = 0 < width and room < MIN_VALUE
    lines: list[Content] = []
    for label, value in rows:
        text = value if isinstance(value, Content) else Content(value)
        if stacked:
            lines.append(Content.styled(label, style))
            lines += [Content("  ") + part for part in text.wrap(max(1, width - 2))]
            continue
        parts = text.wrap(room) if width > 0 else [text]
        head = Content.styled(label, style).pad_right(label_width - cell_len(label))
        lines.append(Content.assemble(head, "  ", parts[0] if parts else ""))
        lines += [Content(" " * (label_width + 2)) + part for part in parts[1:]]
    return Content("\n").join(lines)


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
