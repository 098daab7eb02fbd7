"""`crm tui`: the full-screen interface (pipeline board, contacts, today).

The declaration only: the body is `commands/hot/tui.py`, which the fast path runs too.
"""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands._state import state
from crmcli.commands.hot import tui as body


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
) -> int:
    """Open the full-screen interface: the pipeline board, contacts and today."""
    return body.tui(state(ctx), theme=theme)
