"""`crm log KIND REF [SUMMARY]`: record a call, email, meeting, note or message in one line.

The declaration only: the body is `commands/hot/log.py`, which the fast path runs too.
"""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands import _complete
from crmcli.commands._options import JsonFlag
from crmcli.commands._state import state
from crmcli.commands.hot import log as body
from crmcli.core.activity.interactions import Kind


def log(
    ctx: typer.Context,
    kind: Annotated[
        Kind,
        typer.Argument(
            help="call, email, meeting, note or message.", case_sensitive=False, show_default=False
        ),
    ],
    ref: Annotated[
        str,
        typer.Argument(
            help="Contact: id, email, exact name or unique prefix. With `crm log email -`, "
            "a raw message on stdin names the contact by its From/To addresses.",
            show_default=False,
            autocompletion=_complete.contacts,
        ),
    ],
    summary: Annotated[
        str | None,
        typer.Argument(
            help="What happened. `-` (or a pipe) reads it from stdin; the first line is the "
            "summary, the rest the body.",
            show_default=False,
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at", help="When it happened (default now): yesterday, fri 3pm, -2h, 2 days ago..."
        ),
    ] = None,
    duration: Annotated[
        str | None, typer.Option("--duration", "-d", help="15m, 1h, 1h30, 90s.")
    ] = None,
    outcome: Annotated[
        str | None,
        typer.Option("--outcome", help="connected, voicemail, no-answer, busy, left-message, ..."),
    ] = None,
    inbound: Annotated[
        bool | None,
        typer.Option(
            "--in/--out",
            help="They reached you (--in) or you reached them (--out).",
            show_default=False,
        ),
    ] = None,
    deal: Annotated[
        str | None, typer.Option("--deal", help="Deal this was about (id or title).")
    ] = None,
    next_when: Annotated[
        str | None,
        typer.Option("--next", help="Also create a follow-up due then: tomorrow, fri 10am, +3d..."),
    ] = None,
    next_note: Annotated[
        str | None, typer.Option("--next-note", help="The follow-up's note.")
    ] = None,
    edit: Annotated[
        bool, typer.Option("--edit", "-e", help="Write the summary in $EDITOR.")
    ] = False,
    as_json: JsonFlag = False,
) -> int:
    """Log an interaction with a contact; with --next, promise a follow-up in the same step."""
    return body.log(
        state(ctx),
        kind=kind,
        ref=ref,
        summary=summary,
        at=at,
        duration=duration,
        outcome=outcome,
        inbound=inbound,
        deal=deal,
        next_when=next_when,
        next_note=next_note,
        edit=edit,
        as_json=as_json,
    )
