"""`crm pipeline` and `crm forecast`: the board in the shell, and what will close when."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, TypedDict, cast

import typer

from crmcli.commands._options import JsonFlag, OwnerOpt
from crmcli.commands._output import style
from crmcli.commands._state import state

if TYPE_CHECKING:
    from crmcli.core.pipeline.rows import Deal


def pipeline(
    ctx: typer.Context,
    limit: Annotated[
        int,
        typer.Option("--limit", "-n", min=0, help="Cards shown per stage (oldest in stage first)."),
    ] = 8,
    show_all: Annotated[bool, typer.Option("--all", help="Show every card.")] = False,
    owner: OwnerOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """The board: a column per open stage with count, total and weighted amount, and cards."""
    from crmcli.commands._board import render_board
    from crmcli.core import clock
    from crmcli.core.pipeline.board import board

    store = state(ctx).store()
    per_stage = None if (show_all or as_json) else limit
    columns = board(store, clock.now(), per_stage=per_stage, owner=owner)
    if as_json:
        import json

        doc = {
            "stages": [
                {
                    "stage": c.stage["name"],
                    "probability": c.stage["probability"],
                    "target_days": c.stage["target_days"],
                    "count": c.count,
                    "totals": c.totals,
                    "weighted": c.weighted,
                    "deals": [_card(d) for d in c.cards],
                }
                for c in columns
            ]
        }
        # Compact: a board of thousands of cards is for jq and scripts, not for reading.
        print(json.dumps(doc, ensure_ascii=False))
        return
    print(render_board(columns), end="")


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
) -> None:
    """Weighted amount by expected close month, beside best case (all) and commit."""
    from crmcli.core import clock
    from crmcli.core.pipeline.board import forecast as build
    from crmcli.core.values.money import format_totals

    app_state = state(ctx)
    commit_at = int(app_state.config.get("commit_probability"))
    buckets = build(app_state.store(), clock.local_now().date(), months=months, commit_at=commit_at)
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
    print(style(f"Forecast (commit = win probability >= {commit_at}%)", "1"))
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
