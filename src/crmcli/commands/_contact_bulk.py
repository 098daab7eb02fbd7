"""Bulk edits of contacts: `contact edit --where/--view --set ...` and `contact bulk-edit`.

Both show a diff per contact and a count, ask on a terminal (`--yes` goes ahead; a
script without it is refused, nothing changed), and write everything in one
transaction, one undo batch. The diffs and the write are the core's
(`people.bulk`), the file the editor opens is `interchange.bulk_tsv`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.commands import _complete
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
from crmcli.commands._where import ContactView, ContactWhere

if TYPE_CHECKING:
    from crmcli.core.db.store import Store

__all__ = ["ContactView", "ContactWhere", "DryRunFlag", "OptionalRef", "Sets"]

OptionalRef = Annotated[
    str | None,
    typer.Argument(
        help="Id, email, exact name, or unique name prefix (or --where/--view for many).",
        show_default=False,
        autocompletion=_complete.contacts,
    ),
]
Sets = Annotated[list[str] | None, set_option("status, title, company, source, every, dnc")]

# `contact edit`'s own parameters that its bulk form takes; any other is refused there.
BULK_PARAMS = {"ref", "where", "view", "set_", "add_tag", "rm_tag", "yes", "dry_run"}


def edited_many(
    ctx: typer.Context,
    ref: str | None,
    where: str | None,
    view: str | None,
    sets: list[str] | None,
    add_tag: list[str] | None,
    rm_tag: list[str] | None,
    yes: bool,
    dry_run: bool,
) -> bool:
    """`crm contact edit --where Q|--view NAME --set F=V --add-tag T --rm-tag T`: True when
    this bulk form was asked (and done), False for one contact's edit (REF)."""
    if not bulk_form(ctx, ref, where, view, "contact"):
        return False
    _edit_many(ctx, where, view, sets, add_tag, rm_tag, yes, dry_run)
    return True


def _edit_many(
    ctx: typer.Context,
    where: str | None,
    view: str | None,
    sets: list[str] | None,
    add_tag: list[str] | None,
    rm_tag: list[str] | None,
    yes: bool,
    dry_run: bool,
) -> None:
    from crmcli.core.errors import Invalid
    from crmcli.core.people import bulk
    from crmcli.core.values.text import fold

    refuse_others(
        ctx,
        BULK_PARAMS,
        "contact",
        "--set FIELD=VALUE, --add-tag and --rm-tag",
        {f: f for f in ("status", "title", "company", "source", "every", "dnc")},
    )
    values = bulk.parse_sets(sets or [])
    add = bulk.checked_tags(add_tag or [])
    rm = tuple(t.strip() for t in rm_tag or [] if fold(t))
    if not values and not add and not rm:
        raise Invalid(
            "nothing to change: give --set FIELD=VALUE, --add-tag or --rm-tag "
            f"(fields: {', '.join(bulk.SETTABLE)})"
        )
    store = state(ctx).store(write=not dry_run)
    states = _matching(store, where, view)
    edit = bulk.Edit(values=values, add_tags=add, rm_tags=rm)
    _conclude(store, bulk.plan(states, edit), "contact edit --where", yes=yes, dry_run=dry_run)


def bulk_edit(
    ctx: typer.Context,
    where: ContactWhere = None,
    view: ContactView = None,
    yes: YesFlag = False,
    dry_run: DryRunFlag = False,
) -> None:
    """Edit the matching contacts as a table in $VISUAL/$EDITOR (TSV); on save, shows the
    diff per contact and asks, then writes it all as one change (`crm undo` takes it back).

    Columns: id, name, status, title, company, source, every, dnc, tags (a comma list).
    Keep the ids; delete a row to leave that contact as it is.
    """
    from crmcli.core.interchange import bulk_tsv
    from crmcli.core.people import bulk

    store = state(ctx).store(write=not dry_run)
    states = _matching(store, where, view)
    edits, removed = edit_file(
        bulk_tsv.contacts_file(states), lambda text: bulk_tsv.contact_edits(text, states)
    )
    if removed:
        from crmcli.commands._output import message
        from crmcli.commands._words import plural

        message(f"{plural(removed, 'row')} deleted from the file: left as they are")
    _conclude(store, bulk.plan(states, edits), "contact bulk-edit", yes=yes, dry_run=dry_run)


def _matching(store: Store, where: str | None, view: str | None) -> list[Any]:
    from crmcli.core.people import bulk

    states = bulk.matching(store, where_fragment(store, "contacts", where, view))
    matched_or_exit(len(states), "contacts")
    return states


def _conclude(store: Store, plan: Any, command: str, *, yes: bool, dry_run: bool) -> None:
    from crmcli.core.people import bulk

    def write() -> tuple[int, list[str]]:
        done = bulk.apply(store, plan.diffs, f"{command} ({len(plan.diffs)} contacts)")
        return done.contacts, [f"created company {c}" for c in done.created_companies]

    run_plan(plan, "contact", write, yes=yes, dry_run=dry_run)
