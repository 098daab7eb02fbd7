"""`crm today` and `crm agenda`: the rep's day, and the days ahead.

`today` is declared here; its body is `commands/hot/today.py`, which the fast path runs too.
"""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands._options import JsonFlag, OwnerOpt
from crmcli.commands._output import style
from crmcli.commands._state import state
from crmcli.commands.hot import today as body
from crmcli.commands.hot.today import SHOWN, followup_cells


def today(
    ctx: typer.Context,
    show_all: Annotated[
        bool, typer.Option("--all", help="Show every item, not the first 20.")
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help="Items shown per section.")
    ] = SHOWN,
    brief: Annotated[
        bool,
        typer.Option(
            "--brief",
            help="A few lines for a shell's start-up file; nothing "
            "when nothing is due or there is no database.",
        ),
    ] = False,
    owner: OwnerOpt = None,
    as_json: JsonFlag = False,
) -> int:
    """Overdue follow-ups (oldest first), today's, contacts due for a touch, deals at risk.

    Time rules (crm rule run) run first; what they did is one line on stderr.
    """
    return body.today(
        state(ctx), show_all=show_all, limit=limit, brief=brief, owner=owner, as_json=as_json
    )


def agenda(
    ctx: typer.Context,
    days: Annotated[int, typer.Option("--days", min=1, max=366, help="How many days ahead.")] = 7,
    as_json: JsonFlag = False,
) -> None:
    """The coming days' follow-ups, grouped by day (overdue ones first)."""
    from crmcli.commands._dates import short_date
    from crmcli.core import clock
    from crmcli.core.overview.agenda import agenda as build

    store = state(ctx).store()
    groups = build(store, clock.local_now(), days)
    if as_json:
        import json

        print(
            json.dumps(
                [{"day": day, "followups": rows} for day, rows in groups],
                ensure_ascii=False,
                indent=2,
                default=str,
            )
        )
        return
    cells = [[followup_cells(row, late=day == "overdue") for row in rows] for day, rows in groups]
    # One column width for every day, so the days line up under each other.
    widths = [max((len(c[i]) for day in cells for c in day), default=0) for i in (0, 1)]
    for (day, rows), day_cells in zip(groups, cells, strict=True):
        title = "Overdue" if day == "overdue" else short_date(day)
        print(style(title, "1") + ("" if rows else "  —"))
        for label, when, who in day_cells:
            print(f"  {label.ljust(widths[0])}  {when.ljust(widths[1])}  {who}".rstrip())
