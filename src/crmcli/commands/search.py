"""`crm search TEXT`: full-text search over interactions, follow-up notes and contact notes.

The declaration only: the body is `commands/hot/search.py`, which the fast path runs too.
"""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands._options import FormatOpt, JsonFlag, LimitOpt
from crmcli.commands._state import state
from crmcli.commands.hot import search as body


def search(
    ctx: typer.Context,
    text: Annotated[
        list[str], typer.Argument(help="Words to find (prefixes match).", show_default=False)
    ],
    limit: LimitOpt = 20,
    fmt: FormatOpt = None,
    as_json: JsonFlag = False,
) -> int:
    """Search what was said and written: call notes, emails, follow-ups, contact notes."""
    return body.search(state(ctx), text=text, limit=limit, fmt=fmt, as_json=as_json)
