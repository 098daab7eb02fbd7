"""`crm goal ...`: weekly or monthly activity goals, and how far along you are."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands._options import FormatOpt, JsonFlag
from crmcli.commands._output import LIST_FORMATS, Column, OutputFormat, render, resolve
from crmcli.commands._state import state

app = typer.Typer(
    name="goal",
    no_args_is_help=True,
    help="Set weekly or monthly activity goals and see your progress.",
)

Kind = Annotated[
    str, typer.Argument(help="calls, emails, meetings, notes or messages.", show_default=False)
]


@app.command("set")
def set_(
    ctx: typer.Context,
    kind: Kind,
    target: Annotated[
        str, typer.Argument(help="50/week, 20/month (a bare number is a week).", show_default=False)
    ],
) -> None:
    """Set a goal: `crm goal set calls 50/week`."""
    from crmcli.core.activity import goals

    parsed_kind = goals.parse_kind(kind)
    count, period = goals.parse_target(target)
    goals.set_goal(state(ctx).store(write=True), parsed_kind, count, period)
    print(f"goal: {count} {parsed_kind.value}s a {period}")


@app.command("rm")
def rm(ctx: typer.Context, kind: Kind) -> None:
    """Remove a goal."""
    from crmcli.core.activity import goals

    parsed = goals.parse_kind(kind)
    goals.remove_goal(state(ctx).store(write=True), parsed)
    print(f"removed the {parsed.value} goal")


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = None, as_json: JsonFlag = False) -> None:
    """Your goals with this week's (or month's) progress. Exit 1 when there are none."""
    from crmcli.core import clock
    from crmcli.core.activity import goals

    chosen = resolve(fmt, as_json, LIST_FORMATS)
    rows = goals.progress(state(ctx).store(), clock.now())
    render(
        rows,
        chosen,
        [
            Column("kind", "KIND"),
            Column("done", "DONE"),
            Column("target", "GOAL"),
            Column("period", "PER"),
            Column("percent", "%"),
            Column("since", "SINCE"),
        ],
    )
    if not rows:
        if chosen is OutputFormat.table:
            typer.echo("no goals yet (crm goal set calls 50/week)", err=True)
        raise typer.Exit(1)
