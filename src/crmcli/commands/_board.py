"""The pipeline board as text: stage columns fitted to the terminal, wrapping when narrow.

Plain characters only (no box drawing), so it reads the same piped into a file;
on a colour terminal the marks for stale deals and missing next steps are coloured.
Columns are measured in terminal cells, not characters, so a card for 山田太郎 or
an emoji in a title does not push the stages beside it out of line.
"""

from __future__ import annotations

import re
import shutil
from typing import TYPE_CHECKING

from crmcli.commands._output import cells, crop, style
from crmcli.core.values.money import format_amount

if TYPE_CHECKING:
    from crmcli.core.pipeline.board import Column
    from crmcli.core.pipeline.rows import Deal

MIN_WIDTH = 24
GAP = "  "


# An ANSI style sequence (the coloured marks): no width on screen.
_STYLE = re.compile(r"\x1b\[[0-9;]*m")


def card_lines(card: Deal, width: int) -> list[str]:
    """Title, who, amount and days in stage, then the warning marks."""
    who = card["contact"] or card["company"] or "—"
    amount = (
        format_amount(int(card["amount_minor"]), card["currency"] or "")
        if card["amount_minor"] is not None
        else "no amount"
    )
    lines = [
        crop(f"#{card['id']} {card['title']}", width),
        crop(who, width),
        crop(f"{amount} · {card['days_in_stage']}d", width),
    ]
    marks = []
    if card["stale"]:
        marks.append(style("STALE", "31"))
    if card["no_next_step"]:
        marks.append(style("NO NEXT STEP", "33"))
    elif card["next_step"]:
        lines.append(crop(f"> {card['next_step']}", width))
    if marks:
        lines.append(" ".join(marks))
    return lines


def column_lines(column: Column, width: int) -> list[str]:
    stage = column.stage
    lines = [style(crop(f"{stage['name']} ({column.count})", width), "1")]
    # One line per currency: totals are never summed across currencies.
    currencies = sorted(c for c, v in column.totals.items() if v) or [""]
    for currency in currencies:
        total = format_amount(column.totals[currency], currency) if currency else "0"
        lines.append(crop(f"total {total}", width))
    for currency in currencies:
        weighted = format_amount(column.weighted[currency], currency) if currency else "0"
        lines.append(crop(f"w{stage['probability']}% {weighted}", width))
    lines.append("-" * width)
    for card in column.cards:
        lines += card_lines(card, width)
        lines.append("")
    if column.more > 0:
        lines.append(crop(f"+ {column.more} more", width))
    return lines


def _visible_len(text: str) -> int:
    """Cells the text takes on screen, its colour codes left out."""
    return cells(_STYLE.sub("", text))


def render_board(columns: list[Column], width: int | None = None) -> str:
    """Columns side by side, as many as fit; further stages wrap onto more rows."""
    total = width or shutil.get_terminal_size((120, 40)).columns
    per_row = max(1, min(len(columns), (total + len(GAP)) // (MIN_WIDTH + len(GAP))))
    col_width = max(MIN_WIDTH, (total - len(GAP) * (per_row - 1)) // per_row) if per_row else total
    out: list[str] = []
    for start in range(0, len(columns), per_row):
        group = [column_lines(c, col_width) for c in columns[start : start + per_row]]
        height = max(len(g) for g in group)
        for i in range(height):
            row = []
            for lines in group:
                text = lines[i] if i < len(lines) else ""
                row.append(text + " " * (col_width - _visible_len(text)))
            out.append(GAP.join(row).rstrip())
        out.append("")
    return "\n".join(out).rstrip() + "\n"
