"""`crm find QUERY`: the mid-call lookup, across names, companies, emails, phones, tags.

The declaration only: the body is `commands/hot/find.py`, which the fast path runs too.
"""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands._options import JsonFlag, LimitOpt, format_option
from crmcli.commands._output import OutputFormat
from crmcli.commands._state import state
from crmcli.commands.hot import find as body
from crmcli.commands.hot.find import FORMATS


def find(
    ctx: typer.Context,
    query: Annotated[
        list[str],
        typer.Argument(
            help="Words to look for (name, company, email, tag), a phone number or a few "
            "of its digits (212, 0612), or @domain.",
            show_default=False,
        ),
    ],
    limit: LimitOpt = 20,
    fmt: Annotated[OutputFormat | None, format_option(*FORMATS)] = None,
    as_json: JsonFlag = False,
) -> int:
    """Look someone up: accent- and case-insensitive, typo-tolerant, any phone format.

    Names match with or without their punctuation (obrien finds O'Brien); three or
    more digits find the numbers holding them, written nationally or internationally;
    @domain finds everyone with an address there. Best match first, with what
    matched. Exit 1 when nothing matches.
    """
    return body.find(state(ctx), query=query, limit=limit, fmt=fmt, as_json=as_json)
