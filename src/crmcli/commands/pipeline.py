"""`crm pipeline` and `crm forecast`: the board in the shell, and what will close when.

`crm pipeline` is a group whose default (no subcommand) is the board, with every
option it always had; `list`, `add`, `rename` and `rm` manage the pipelines beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, TypedDict, cast

import typer

from crmcli.commands._options import FormatOpt, JsonFlag, OwnerOpt
from crmcli.commands._output import style
from crmcli.commands._state import state

if TYPE_CHECKING:
    from crmcli.core.pipeline.rows import Deal

app = typer.Typer(
    name="pipeline",
    no_args_is_help=False,
    help="The board (no subcommand), and the pipelines: list, add, rename, rm.",
)

PipelineOpt = Annotated[
    str | None,
    typer.Option(
        "--pipeline",
        help="Which pipeline: a name or id (default: the first), or all.",
        show_default=False,
    ),
]
PipelineName = Annotated[
    str, typer.Argument(help="Pipeline name (or unique prefix, or id).", show_default=False)
]


@app.callback(invoke_without_command=True)
def pipeline(
    ctx: typer.Context,
    limit: Annotated[
        int,
        typer.Option("--limit", "-n", min=0, help="Cards shown per stage (oldest in stage first)."),
    ] = 8,
    show_all: Annotated[bool, typer.Option("--all", help="Show every card.")] = False,
    owner: OwnerOpt = None,
    as_json: JsonFlag = False,
    which: PipelineOpt = None,
) -> None:
    """The board: a column per open stage with count, total and weighted amount, and cards."""
    if ctx.invoked_subcommand is not None:
        return
    from crmcli.commands._board import render_board
    from crmcli.core import clock
    from crmcli.core.pipeline import pipelines
    from crmcli.core.pipeline.board import board

    store = state(ctx).store()
    per_stage = None if (show_all or as_json) else limit
    pipeline_id = pipelines.scope(store, which)
    columns = board(store, clock.now(), per_stage=per_stage, owner=owner, pipeline_id=pipeline_id)
    if as_json:
        import json

        doc = {
            "pipeline": columns[0].pipeline if pipeline_id and columns else None,
            "stages": [
                {
                    "pipeline": c.pipeline,
                    "stage": c.stage["name"],
                    "probability": c.stage["probability"],
                    "target_days": c.stage["target_days"],
                    "count": c.count,
                    "totals": c.totals,
                    "weighted": c.weighted,
                    "deals": [_card(d) for d in c.cards],
                }
                for c in columns
            ],
        }
        # Compact: a board of thousands of cards is for jq and scripts, not for reading.
        print(json.dumps(doc, ensure_ascii=False))
        return
    if pipeline_id is None or pipelines.several(store):  # say which board this is
        shown = sorted({c.pipeline for c in columns}, key=[c.pipeline for c in columns].index)
        for name in shown:
            print(style(f"Pipeline: {name}", "1"))
            print(render_board([c for c in columns if c.pipeline == name]), end="")
        return
    print(render_board(columns), end="")


COLUMNS_LIST = [
    ("id", "ID"),
    ("name", "PIPELINE"),
    ("stages", "STAGES"),
    ("open_deals", "OPEN DEALS"),
    ("deals", "DEALS"),
]


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = None, as_json: JsonFlag = False) -> None:
    """The pipelines, the default (first) first, with their stages and deals counted."""
    from crmcli.commands._output import LIST_FORMATS, Column, render, resolve
    from crmcli.core.pipeline.pipelines import list_pipelines

    render(
        list_pipelines(state(ctx).store()),
        resolve(fmt, as_json, LIST_FORMATS),
        [Column(k, h) for k, h in COLUMNS_LIST],
    )


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="New pipeline name.", show_default=False)],
    stages: Annotated[
        str | None,
        typer.Option(
            "--stages",
            help='Its open stages, in order: "Intro,Quote,Signature" (default: Lead, '
            "Qualified, Demo, Proposal, Negotiation). Won and Lost are always added.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Add a pipeline with its own open stages and its own Won and Lost."""
    from crmcli.core.pipeline import pipelines
    from crmcli.core.pipeline.stages import names

    store = state(ctx).store(write=True)
    made = pipelines.add(store, name, stages=stages)
    print(f"added pipeline {made['name']}: {names(store, made['id'])}")


@app.command("rename")
def rename(
    ctx: typer.Context,
    old: PipelineName,
    new: Annotated[str, typer.Argument(help="Its new name.", show_default=False)],
) -> None:
    """Rename a pipeline."""
    from crmcli.commands.stage import rules_naming
    from crmcli.core.pipeline import pipelines

    store = state(ctx).store(write=True)
    was, now = pipelines.rename(store, old, new)
    print(f"renamed pipeline {was} to {now['name']}")
    rules_naming(store, was, None, "pipeline")


@app.command("rm")
def rm(ctx: typer.Context, ref: PipelineName) -> None:
    """Remove a pipeline and its stages (refused while it holds deals, or is the last one)."""
    from crmcli.commands.stage import rules_naming
    from crmcli.core.pipeline import pipelines

    store = state(ctx).store(write=True)
    gone = pipelines.remove(store, ref)
    print(f"removed pipeline {gone['name']} and its stages")
    rules_naming(store, gone["name"], None, "pipeline")


class Card(TypedDict):
    """A card of `crm pipeline --json`: the `Deal` keys a board shows."""

    id: int
    title: str
    contact: str | None
    company: str | None
    amount_minor: int | None
    currency: str | None
    days_in_stage: int
    expected_close: str | None
    next_step: str | None
    probability: int | None
    stale: bool
    no_next_step: bool


_CARD_KEYS = tuple(Card.__annotations__)


def _card(deal: Deal) -> Card:
    by_name: Mapping[str, Any] = deal  # read key by key
    return cast("Card", {k: by_name[k] for k in _CARD_KEYS})


def forecast(
    ctx: typer.Context,
    months: Annotated[
        int,
        typer.Option(
            "--months", "-m", min=1, max=36, help="How many months ahead, this one included."
        ),
    ] = 3,
    as_json: JsonFlag = False,
    which: PipelineOpt = None,
) -> None:
    """Weighted amount by expected close month, beside best case (all) and commit."""
    from crmcli.core import clock
    from crmcli.core.pipeline import pipelines
    from crmcli.core.pipeline.board import forecast as build
    from crmcli.core.values.money import format_totals

    app_state = state(ctx)
    commit_at = int(app_state.config.get("commit_probability"))
    store = app_state.store()
    pipeline_id = pipelines.scope(store, which)
    buckets = build(
        store,
        clock.local_now().date(),
        months=months,
        commit_at=commit_at,
        pipeline_id=pipeline_id,
    )
    if as_json:
        import json

        print(
            json.dumps(
                {
                    "commit_probability": commit_at,
                    "months": [
                        {
                            "month": b.label,
                            "deals": b.deals,
                            "weighted": b.weighted,
                            "best_case": b.best,
                            "commit": b.commit,
                        }
                        for b in buckets
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    from crmcli.commands._output import Column, OutputFormat, render

    rows = [
        {
            "month": {"earlier": "earlier (past due)", "undated": "no close date"}.get(
                b.label, b.label
            ),
            "deals": b.deals,
            "weighted": format_totals(b.weighted),
            "best": format_totals(b.best),
            "commit": format_totals(b.commit),
        }
        for b in buckets
        if b.deals or b.label not in ("earlier", "undated")
    ]
    scope = ""
    if pipeline_id is None:
        scope = ", every pipeline"
    elif pipelines.several(store):
        scope = f", pipeline {pipelines.resolve(store, str(pipeline_id))['name']}"
    print(style(f"Forecast (commit = win probability >= {commit_at}%{scope})", "1"))
    render(
        rows,
        OutputFormat.table,
        [
            Column("month", "MONTH"),
            Column("deals", "DEALS"),
            Column("weighted", "WEIGHTED", max_width=50),
            Column("best", "BEST CASE", max_width=50),
            Column("commit", "COMMIT", max_width=50),
        ],
    )
