"""`crm status`: one short line about what is due; `--prompt` for a shell prompt."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands._options import JsonFlag
from crmcli.commands._state import state


def status(
    ctx: typer.Context,
    prompt: Annotated[
        bool,
        typer.Option(
            "--prompt",
            help="Print only a tiny marker such as crm:3! (or nothing), for PS1 or starship.",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """What is due: follow-ups due today or earlier, `!` when some are overdue.

    `crm status --prompt` is normally answered before the CLI even loads (see
    crmcli.entry); it is handled here too for unusual spellings of the same call.
    """
    from crmcli.prompt import counts, marker

    if as_json:
        import json

        due, overdue = counts(state(ctx).db)
        print(json.dumps({"due": due, "overdue": overdue}))
        return
    text = marker(state(ctx).db)
    if prompt:
        if text:
            print(text)
        return
    print(text or "crm: nothing due")
