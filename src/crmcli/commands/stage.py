"""`crm stage ...`: the pipelines' steps, their win probability and target days.

A stage belongs to one pipeline; `--pipeline NAME` says which (adding: the first by
default; naming a stage: needed only when several pipelines have a stage of that name).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.commands import _complete
from crmcli.commands._options import FormatOpt, JsonFlag
from crmcli.commands._output import LIST_FORMATS, Column, render, resolve
from crmcli.commands._state import state

if TYPE_CHECKING:
    from crmcli.core.db.store import Store

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
PipelineOpt = Annotated[
    str | None,
    typer.Option(
        "--pipeline",
        help="The stage's pipeline (name or id): needed when several have a stage of that name.",
        show_default=False,
    ),
]

COLUMNS = [
    Column("position", "#"),
    Column("name", "STAGE"),
    Column("kind", "KIND"),
    Column("probability", "WIN %"),
    Column("target_days", "TARGET DAYS"),
    Column("open_deals", "OPEN DEALS"),
]


def _columns(several: bool) -> list[Column]:
    """With several pipelines, each stage says which it belongs to."""
    return [Column("pipeline", "PIPELINE"), *COLUMNS] if several else COLUMNS


def _show(ctx: typer.Context, pipeline_id: int) -> None:
    from crmcli.core.pipeline.pipelines import several
    from crmcli.core.pipeline.stages import list_stages

    store = state(ctx).store()
    render(list_stages(store, pipeline_id), resolve(None, False), _columns(several(store)))


@app.command("list")
def list_(
    ctx: typer.Context,
    fmt: FormatOpt = None,
    as_json: JsonFlag = False,
    pipeline: Annotated[
        str | None,
        typer.Option(
            "--pipeline",
            help="Only this pipeline's stages (default: all, grouped).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """The stages of every pipeline in order, with their probability, target days and open
    deals."""
    from crmcli.core.pipeline.pipelines import resolve as resolve_pipeline
    from crmcli.core.pipeline.pipelines import several
    from crmcli.core.pipeline.stages import list_stages

    store = state(ctx).store()
    pipeline_id = int(resolve_pipeline(store, pipeline)["id"]) if pipeline else None
    render(
        list_stages(store, pipeline_id),
        resolve(fmt, as_json, LIST_FORMATS),
        _columns(several(store) and pipeline_id is None),
    )


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
    pipeline: Annotated[
        str | None,
        typer.Option(
            "--pipeline", help="The pipeline to add it to (default: the first).", show_default=False
        ),
    ] = None,
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
        pipeline=pipeline,
    )
    print(f"added stage {stage['name']} ({stage['probability']}%) to {stage['pipeline']}")
    _show(ctx, stage["pipeline_id"])


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
    pipeline: PipelineOpt = None,
) -> None:
    """Rename a stage or change its probability or target days."""
    from crmcli.core.pipeline import stages

    store = state(ctx).store(write=True)
    before = stages.resolve(store, ref, pipeline=pipeline)
    stage = stages.edit(
        store,
        ref,
        name=name,
        probability=probability,
        target_days=days,
        clear_days=no_days,
        pipeline=pipeline,
    )
    print(f"updated stage {stage['name']}")
    if stage["name"] != before["name"]:
        rules_naming(store, before["pipeline"], before["name"], "stage")


@app.command("move")
def move(
    ctx: typer.Context,
    ref: StageRef,
    position: Annotated[
        int | None, typer.Argument(help="New position (1 = first).", show_default=False)
    ] = None,
    before: Before = None,
    after: After = None,
    pipeline: PipelineOpt = None,
) -> None:
    """Reorder within its pipeline: `crm stage move Demo 2`, or --before / --after another."""
    from crmcli.core.pipeline import stages

    order = stages.move(
        state(ctx).store(write=True),
        ref,
        before=before,
        after=after,
        position=position,
        pipeline=pipeline,
    )
    _show(ctx, int(order[0]["pipeline_id"]))


@app.command("rm")
def rm(
    ctx: typer.Context,
    ref: StageRef,
    to: Annotated[
        str | None, typer.Option("--to", help="Move its deals to this stage (of its pipeline).")
    ] = None,
    pipeline: PipelineOpt = None,
) -> None:
    """Remove a stage; one that still holds deals needs --to OTHER."""
    from crmcli.commands._words import plural
    from crmcli.core.pipeline import stages

    store = state(ctx).store(write=True)
    before = stages.resolve(store, ref, pipeline=pipeline)
    stage, moved = stages.remove(store, ref, to=to, pipeline=pipeline)
    extra = f"; {plural(moved, 'deal')} moved to {to}" if moved else ""
    print(f"removed stage {stage['name']}{extra}")
    rules_naming(store, before["pipeline"], before["name"], "stage")


def rules_naming(store: Store, pipeline: str, stage: str | None, what: str) -> None:
    """Warn of each rule still naming a stage (or a pipeline) that is gone or renamed: it
    would be skipped each time it fires, until `crm rule edit` mends it."""
    from crmcli.commands._output import warn
    from crmcli.core.rules.catalog import naming

    shown = f"{pipeline}/{stage}" if stage is not None else pipeline
    for name in naming(store, pipeline, stage):
        warn(f"rule {name!r} names {what} {shown!r} (crm rule edit to update it)")
