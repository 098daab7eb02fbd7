"""`crm brief REF`: the pre-call sheet a rep reads while the phone rings, on one screen.

The declaration only: the body is `commands/hot/brief.py`, which the fast path runs too.
"""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands import _complete
from crmcli.commands._state import state
from crmcli.commands.hot import brief as body


def brief(
    ctx: typer.Context,
    ref: Annotated[
        str,
        typer.Argument(
            help="Contact: id, phone number, email, exact name or unique name prefix.",
            show_default=False,
            autocompletion=_complete.contacts,
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Write the sheet as JSON.")] = False,
) -> int:
    """The pre-call sheet: who they are, what happened, what is open, what you promised.

    Name, role and company, phones, emails, tags, engagement score and keep-in-touch
    status; then the last 5 interactions, open deals (stage, age, days in stage against
    the stage's target, next step), open follow-ups (overdue marked) and the promises
    you wrote in the last 90 days of notes ("I'll send...", "je vous envoie..."). A
    section with nothing in it is left out; --json gives every one, empty ones as
    empty lists. On a terminal the sheet fits the screen: the header whole, then older
    interactions and promises give way before open deals and overdue follow-ups, each
    cut section saying how many more there are. Piped, nothing is cut. Exit 1 when REF
    names nobody or several contacts (they are listed).
    """
    return body.brief(state(ctx), ref=ref, as_json=as_json)
