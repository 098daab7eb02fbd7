"""`crm followup ...`: promises to get back to someone, and keeping them.

`add` and `done` are declared here; their bodies are in `commands/hot/followup.py`,
which the fast path runs too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.commands import _complete
from crmcli.commands._options import FormatOpt, JsonFlag, LimitOpt, OwnerOpt
from crmcli.commands._output import (
    LIST_FORMATS,
    Column,
    OutputFormat,
    message,
    render,
    resolve,
)
from crmcli.commands._state import state
from crmcli.commands._where import FollowupView, FollowupWhere
from crmcli.commands.hot import followup as body

if TYPE_CHECKING:
    from crmcli.core.activity.rows import FollowUp

app = typer.Typer(
    name="followup", no_args_is_help=True, help="Add, list, complete, snooze and remove follow-ups."
)

Id = Annotated[
    str,
    typer.Argument(
        help="Follow-up id (from `crm followup list` or `crm today`).",
        show_default=False,
        autocompletion=_complete.followups,
    ),
]
When = Annotated[
    str,
    typer.Argument(
        help="When it is due: tomorrow, fri, fri 10am, +3d, "
        "in 2 weeks, jan 15, 2026-12-01 14:00...",
        show_default=False,
    ),
]

COLUMNS = [
    Column("id", "ID"),
    Column("due", "DUE"),
    Column("contact", "CONTACT", max_width=26),
    Column("note", "NOTE", max_width=50),
    Column("deal", "DEAL", max_width=24),
    Column("status", "STATUS"),
]


def _row(r: FollowUp) -> dict[str, Any]:
    due = r["due_date"] + (f" {r['due_time']}" if r["due_time"] else "")
    return {**r, "due": due}


@app.command("add")
def add(
    ctx: typer.Context,
    ref: Annotated[
        str,
        typer.Argument(help="Contact REF.", show_default=False, autocompletion=_complete.contacts),
    ],
    when: When,
    note: Annotated[str | None, typer.Argument(help="What to do.", show_default=False)] = None,
    deal: Annotated[str | None, typer.Option("--deal", help="Deal it is about.")] = None,
    as_json: JsonFlag = False,
) -> int:
    """Promise a follow-up; a date without a time makes an all-day one."""
    return body.add(state(ctx), ref=ref, when=when, note=note, deal=deal, as_json=as_json)


@app.command("list")
def list_(
    ctx: typer.Context,
    done: Annotated[bool, typer.Option("--done", help="Include completed follow-ups.")] = False,
    contact: Annotated[
        str | None, typer.Option("--contact", "-c", help="Only this contact's.")
    ] = None,
    owner: OwnerOpt = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = None,
    as_json: JsonFlag = False,
    where: FollowupWhere = None,
    view: FollowupView = None,
) -> None:
    """Open follow-ups by due date (exit 1 when there are none); --where filters them
    (e.g. 'due:<today tag:vip'; add --done to look at done ones too), --view NAME with a
    saved view."""
    from crmcli.commands._where import compiled
    from crmcli.core.activity import followups
    from crmcli.core.search.refs import resolve_contact

    chosen = resolve(fmt, as_json, LIST_FORMATS)
    store = state(ctx).store()
    contact_id = resolve_contact(store, contact) if contact else None
    query = compiled(store, "followups", where, view)
    rows = [
        _row(r)
        for r in followups.list_followups(
            store, include_done=done, contact_id=contact_id, limit=limit, owner=owner, where=query
        )
    ]
    render(rows, chosen, COLUMNS)
    if not rows:
        if chosen is OutputFormat.table:
            message("no follow-ups")
        raise typer.Exit(1)


@app.command("done")
def done_(ctx: typer.Context, followup_id: Id, as_json: JsonFlag = False) -> int:
    """Mark a follow-up done."""
    return body.done(state(ctx), followup_id=followup_id, as_json=as_json)


@app.command("snooze")
def snooze(ctx: typer.Context, followup_id: Id, when: When, as_json: JsonFlag = False) -> None:
    """Move a follow-up to a later time; it is announced again when that comes."""
    from crmcli.commands import _dates
    from crmcli.core.activity import followups

    app_state = state(ctx)
    fid = followups.check_id(followup_id)
    due = _dates.parse(app_state, when, "future")
    row = followups.snooze(app_state.store(write=True), fid, due)
    body.done_line("snoozed", row, as_json)
    _dates.warn_past(when, row)


@app.command("rm")
def rm(ctx: typer.Context, followup_id: Id) -> None:
    """Delete a follow-up (kept in the change log)."""
    from crmcli.core.activity import followups

    row = followups.remove(state(ctx).store(write=True), followups.check_id(followup_id))
    print(f"removed follow-up #{row['id']} for {row['contact']}")
