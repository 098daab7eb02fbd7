"""Bulk edits of deals: `deal edit --where/--view --set ...` and `deal bulk-edit`.

Both show a diff per deal and a count, ask on a terminal (`--yes` goes ahead; a script
without it is refused, nothing changed), and write everything in one transaction, one
undo batch. A stage is looked up in each deal's own pipeline (`pipeline.bulk`); the
file the editor opens is `interchange.bulk_tsv`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.commands._bulk_flow import (
    DryRunFlag,
    bulk_form,
    edit_file,
    matched_or_exit,
    refuse_others,
    run_plan,
    set_option,
    where_fragment,
)
from crmcli.commands._options import YesFlag
from crmcli.commands._state import state
from crmcli.commands._where import DealView, DealWhere

if TYPE_CHECKING:
    from crmcli.core.db.store import Store

__all__ = ["DealView", "DealWhere", "DryRunFlag", "Sets", "YesFlag"]

Sets = Annotated[
    list[str] | None,
    set_option("stage (in each deal's pipeline), owner, close, next"),
]

# `deal edit`'s own parameters that its bulk form takes; any other is refused there.
BULK_PARAMS = {"ref", "where", "view", "set_", "yes", "dry_run"}


def edited_many(
    ctx: typer.Context,
    ref: str | None,
    where: str | None,
    view: str | None,
    sets: list[str] | None,
    yes: bool,
    dry_run: bool,
) -> bool:
    """`crm deal edit --where Q|--view NAME --set F=V ...`: True when this bulk form was
    asked (and done), False for one deal's edit (REF)."""
    if not bulk_form(ctx, ref, where, view, "deal"):
        return False
    _edit_many(ctx, where, view, sets, yes, dry_run)
    return True


def _edit_many(
    ctx: typer.Context,
    where: str | None,
    view: str | None,
    sets: list[str] | None,
    yes: bool,
    dry_run: bool,
) -> None:
    from crmcli.core.errors import Invalid
    from crmcli.core.pipeline import bulk

    refuse_others(
        ctx, BULK_PARAMS, "deal", "--set FIELD=VALUE", {"close": "close", "next_step": "next"}
    )
    store = state(ctx).store(write=not dry_run)
    values = bulk.parse_sets(store, sets or [])
    if not values:
        raise Invalid(
            f"nothing to change: give --set FIELD=VALUE (fields: {', '.join(bulk.SETTABLE)})"
        )
    states = _matching(store, where, view)
    plan = bulk.plan(states, values, bulk.stage_finder(store))
    _conclude(store, plan, "deal edit --where", yes=yes, dry_run=dry_run)


def bulk_edit(
    ctx: typer.Context,
    where: DealWhere = None,
    view: DealView = None,
    yes: YesFlag = False,
    dry_run: DryRunFlag = False,
) -> None:
    """Edit the matching open deals as a table in $VISUAL/$EDITOR (TSV); on save, shows
    the diff per deal and asks, then writes it all as one change (`crm undo`).

    Columns: id, title, stage (in the deal's own pipeline), owner, close, next.
    Keep the ids; delete a row to leave that deal as it is.
    """
    from crmcli.core.interchange import bulk_tsv
    from crmcli.core.pipeline import bulk

    store = state(ctx).store(write=not dry_run)
    states = _matching(store, where, view)
    edits, removed = edit_file(
        bulk_tsv.deals_file(states), lambda text: bulk_tsv.deal_edits(store, text, states)
    )
    if removed:
        from crmcli.commands._output import message
        from crmcli.commands._words import plural

        message(f"{plural(removed, 'row')} deleted from the file: left as they are")
    plan = bulk.plan(states, edits, bulk.stage_finder(store), per_deal=True)
    _conclude(store, plan, "deal bulk-edit", yes=yes, dry_run=dry_run)


def _matching(store: Store, where: str | None, view: str | None) -> list[Any]:
    from crmcli.core.pipeline import bulk

    states = bulk.matching(store, where_fragment(store, "deals", where, view))
    matched_or_exit(len(states), "open deals")
    return states


def _conclude(store: Store, plan: Any, command: str, *, yes: bool, dry_run: bool) -> None:
    from crmcli.core.pipeline import bulk

    def write() -> tuple[int, list[str]]:
        done = bulk.apply(store, plan.diffs, f"{command} ({len(plan.diffs)} deals)")
        return done.deals, done.notes

    run_plan(plan, "deal", write, yes=yes, dry_run=dry_run)
