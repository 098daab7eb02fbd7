"""`crm stage ...`: the pipeline's steps, their win probability and target days."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands import _complete
from crmcli.commands._options import FormatOpt, JsonFlag
from crmcli.commands._output import LIST_FORMATS, Column, render, resolve
from crmcli.commands._state import state

app = typer.Typer(name="stage", no_args_is_help=True, help="List and change the pipeline's stages.")

StageRef = Annotated[
    str,
    typer.Argument(
        help="Stage name (or unique prefix, or id).",
        show_default=False,
        autocompletion=_complete.stages,
    ),
]
Before = Annotated[str | None, typer.Option("--before", help="Put it before this stage.")]
After = Annotated[str | None, typer.Option("--after", help="Put it after this stage.")]

COLUMNS = [
    Column("position", "#"),
    Column("name", "STAGE"),
    Column("kind", "KIND"),
    Column("probability", "WIN %"),
    Column("target_days", "TARGET DAYS"),
    Column("open_deals", "OPEN DEALS"),
]


def _show(ctx: typer.Context) -> None:
    from crmcli.core.pipeline.stages import list_stages

    render(list_stages(state(ctx).store()), resolve(None, False), COLUMNS)


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = None, as_json: JsonFlag = False) -> None:
    """The stages in order, with their probability, target days and open deals."""
    from crmcli.core.pipeline.stages import list_stages

    render(list_stages(state(ctx).store()), resolve(fmt, as_json, LIST_FORMATS), COLUMNS)


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="New stage name.", show_default=False)],
    probability: Annotated[
        int, typer.Option("--probability", "-p", help="Win probability, 0-100.")
    ] = 50,
    days: Annotated[
        int | None, typer.Option("--days", "--target-days", help="Target days in this stage.")
    ] = None,
    kind: Annotated[str, typer.Option("--kind", help="open, won or lost.")] = "open",
    before: Before = None,
    after: After = None,
) -> None:
    """Add a stage (after the last open stage unless --before/--after say otherwise)."""
    from crmcli.core.pipeline import stages

    stage = stages.add(
        state(ctx).store(write=True),
        name,
        probability=probability,
        target_days=days,
        kind=kind,
        before=before,
        after=after,
    )
    print(f"added stage {stage['name']} ({stage['probability']}%)")
    _show(ctx)


@app.command("edit")
def edit(
    ctx: typer.Context,
    ref: StageRef,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    probability: Annotated[
        int | None, typer.Option("--probability", "-p", help="Win probability, 0-100.")
    ] = None,
    days: Annotated[
        int | None, typer.Option("--days", "--target-days", help="Target days in stage.")
    ] = None,
    no_days: Annotated[bool, typer.Option("--no-days", help="No target: never stale.")] = False,
) -> None:
    """Rename a stage or change its probability or target days."""
    from crmcli.core.pipeline import stages

    stage = stages.edit(
        state(ctx).store(write=True),
        ref,
        name=name,
        probability=probability,
        target_days=days,
        clear_days=no_days,
    )
    print(f"updated stage {stage['name']}")


@app.command("move")
def move(
    ctx: typer.Context,
    ref: StageRef,
    position: Annotated[
        int | None, typer.Argument(help="New position (1 = first).", show_default=False)
    ] = None,
    before: Before = None,
    after: After = None,
) -> None:
    """Reorder: `crm stage move Demo 2`, or --before / --after another stage."""
    from crmcli.core.pipeline import stages

    stages.move(state(ctx).store(write=True), ref, before=before, after=after, position=position)
    _show(ctx)


@app.command("rm")
def rm(
    ctx: typer.Context,
    ref: StageRef,
    to: Annotated[str | None, typer.Option("--to", help="Move its deals to this stage.")] = None,
) -> None:
    """Remove a stage; one that still holds deals needs --to OTHER."""
    from crmcli.commands._words import plural
    from crmcli.core.pipeline import stages

    stage, moved = stages.remove(state(ctx).store(write=True), ref, to=to)
    extra = f"; {plural(moved, 'deal')} moved to {to}" if moved else ""
    print(f"removed stage {stage['name']}{extra}")
