"""`crm tui`: the full-screen interface (pipeline board, contacts, today)."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands._state import state


def tui(
    ctx: typer.Context,
    theme: Annotated[
        str,
        typer.Option(
            "--theme",
            help="auto (light or dark, as the terminal is), textual-light, textual-dark, "
            "or any Textual theme name.",
        ),
    ] = "auto",
) -> None:
    """Open the full-screen interface: the pipeline board, contacts and today."""
    # The one command that imports the TUI, here and only here: no other command pays
    # for Textual (the import contract lists this line as its one exception).
    from crmcli.tui.app import run

    store = state(ctx).store(write=True)
    run(store, theme=theme)
    # What rules did was told on screen as it happened (a notification a second after the
    # write at most): not told again on the shell once the interface closes.
    store.fired.clear()
