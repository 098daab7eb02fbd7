"""`crm search TEXT`: full-text search over interactions, follow-up notes and contact notes."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands._options import FormatOpt, JsonFlag, LimitOpt
from crmcli.commands._output import LIST_FORMATS, Column, OutputFormat, message, render, resolve
from crmcli.commands._state import state
from crmcli.core.clock import local_time

COLUMNS = [
    Column("when", "WHEN"),
    Column("contact", "CONTACT", max_width=24),
    Column("what", "WHAT"),
    Column("snippet", "MATCH", max_width=70),
]


def search(
    ctx: typer.Context,
    text: Annotated[
        list[str], typer.Argument(help="Words to find (prefixes match).", show_default=False)
    ],
    limit: LimitOpt = 20,
    fmt: FormatOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Search what was said and written: call notes, emails, follow-ups, contact notes."""
    from crmcli.core.search.fulltext import search as run_search

    chosen = resolve(fmt, as_json, LIST_FORMATS)
    rows = run_search(state(ctx).store(), " ".join(text), limit=limit or 20)
    for row in rows:
        row["when"] = local_time(row["at"])
        row["rank"] = round(float(row["rank"]), 3)
    render(rows, chosen, COLUMNS)
    if not rows:
        if chosen is OutputFormat.table:
            message(f"nothing mentions {' '.join(text)!r}")
        raise typer.Exit(1)
