"""`crm search TEXT`: full-text search over interactions, follow-up notes and contact notes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmcli.commands._output import LIST_FORMATS, Column, OutputFormat, message, render, resolve

if TYPE_CHECKING:
    from crmcli.commands._state import AppState

COLUMNS = [
    Column("when", "WHEN"),
    Column("contact", "CONTACT", max_width=24),
    Column("what", "WHAT"),
    Column("snippet", "MATCH", max_width=70),
]


def search(
    app: AppState, *, text: list[str], limit: int | None, fmt: OutputFormat | None, as_json: bool
) -> int:
    """Print what mentions the words, best first; 1 when nothing does."""
    from crmcli.core.clock import local_time
    from crmcli.core.search.fulltext import search as run_search

    chosen = resolve(fmt, as_json, LIST_FORMATS)
    rows = run_search(app.store(), " ".join(text), limit=limit or 20)
    for row in rows:
        row["when"] = local_time(row["at"])
        row["rank"] = round(float(row["rank"]), 3)
    render(rows, chosen, COLUMNS)
    if not rows:
        if chosen is OutputFormat.table:
            message(f"nothing mentions {' '.join(text)!r}")
        return 1
    return 0
