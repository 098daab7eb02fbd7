"""`crm undo`: revert your most recent change, or a chosen one."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands._options import JsonFlag
from crmcli.commands._output import Column, OutputFormat, render
from crmcli.commands._state import state
from crmcli.core.clock import local_time


def undo(
    ctx: typer.Context,
    change: Annotated[
        int | None,
        typer.Argument(
            help="A change id from --list (default: your most recent change).", show_default=False
        ),
    ] = None,
    show: Annotated[bool, typer.Option("--list", help="Show your recent changes.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Undo your most recent change (an edit, a move, a deletion, a whole import)."""
    from crmcli.core import undo as undoing

    app_state = state(ctx)
    owner = str(app_state.config.get("user"))
    if show:
        from crmcli.core.rules.effects import counts

        store = app_state.store()
        batches = undoing.recent(store, owner)
        by_rules = counts(store, [b.batch for b in batches])
        rows = [{**b.__dict__, "by_rules": by_rules.get(b.batch, 0)} for b in batches]
        fmt = OutputFormat.json if as_json else OutputFormat.table
        render(
            rows,
            fmt,
            [
                Column("id", "ID"),
                Column("at", "WHEN", fmt=local_time),
                Column("command", "CHANGE"),
                Column("changes", "ROWS"),
                Column("by_rules", "BY RULES", fmt=lambda n: str(n) if n else ""),
            ],
        )
        if not rows:
            if not as_json:
                typer.echo("nothing to undo", err=True)
            raise typer.Exit(1)
        return
    batch = undoing.undo(app_state.store(write=True), owner, change)
    print(
        f"undid #{batch.id} {batch.command} ({batch.changes} change"
        f"{'s' if batch.changes != 1 else ''}, {local_time(batch.at)})"
    )
