"""`crm view ...`: saved views, a filter-language query kept under a name (`--view NAME`)."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from crmcli.commands._options import FormatOpt, JsonFlag
from crmcli.commands._output import LIST_FORMATS, Column, OutputFormat, message, render, resolve
from crmcli.commands._state import state

app = typer.Typer(
    name="view",
    no_args_is_help=True,
    help="Saved views: a --where query kept under a name, used with --view NAME.",
)


class ViewList(StrEnum):
    """The lists a view can filter (`crmcli.core.query.views.LISTS`)."""

    contacts = "contacts"
    deals = "deals"
    followups = "followups"
    companies = "companies"


# The command that lists what a view of each list filters: `crm view show` says it.
RUN = {
    "contacts": "crm contact list",
    "deals": "crm deal list",
    "followups": "crm followup list",
    "companies": "crm company list",
}

Name = Annotated[str, typer.Argument(help="The view's name.", show_default=False)]
COLUMNS = [Column("name", "NAME"), Column("list", "LIST"), Column("query", "QUERY", max_width=80)]


@app.command("save")
def save(
    ctx: typer.Context,
    name: Name,
    query: Annotated[
        str,
        typer.Argument(
            help="The filter-language query (README, 'Filter language'), e.g. "
            "'tag:vip touched:>30d -tag:dnc'.",
            show_default=False,
        ),
    ],
    which: Annotated[
        ViewList,
        typer.Option("--list", "-l", help="The list it filters.", case_sensitive=False),
    ] = ViewList.contacts,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace a view of the same name without asking.")
    ] = False,
) -> None:
    """Save a query under a name, as a view of one list (contacts by default).

    crm view save hot 'tag:vip touched:<30d', then crm contact list --view hot. The
    query is read first: one that cannot be read is an error (exit 2) and nothing is
    saved. A name in use is replaced with --replace, or after a yes on a terminal (exit
    1 otherwise).
    """
    from crmcli.core.query import views

    store = state(ctx).store(write=True)
    name = views.check_name(name)
    existing = views.find(store, name)
    if existing is not None and not replace:
        views.check_query(store, which.value, query)  # a bad query is said before asking
        _ask_replace(existing["name"], existing["list"], existing["query"])
        replace = True
    view, replaced = views.save(store, name, query, which.value, replace=replace)
    said = "replaced" if replaced else "saved"
    print(f"{said} view {view['name']} ({view['list']}): {view['query']}")


def _ask_replace(name: str, list_name: str, query: str) -> None:
    """A yes on a terminal replaces the view; no terminal, or a no: Refused (exit 1)."""
    from crmcli.core.errors import Refused

    if not sys.stdin.isatty():
        raise Refused(f"you already have a view named {name!r}: give --replace to replace it")
    if not typer.confirm(f"Replace the view {name} ({list_name}: {query})?", default=False):
        raise Refused(f"kept the view {name} as it was")


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = None, as_json: JsonFlag = False) -> None:
    """Your views: name, the list each filters, the query. Exit 1 when there are none."""
    from crmcli.core.query import views

    chosen = resolve(fmt, as_json, LIST_FORMATS)
    rows = [
        {"name": v["name"], "list": v["list"], "query": v["query"]}
        for v in views.list_views(state(ctx).store())
    ]
    render(rows, chosen, COLUMNS)
    if not rows:
        if chosen is OutputFormat.table:
            message("no views yet (crm view save NAME QUERY)")
        raise typer.Exit(1)


@app.command("show")
def show(ctx: typer.Context, name: Name, as_json: JsonFlag = False) -> None:
    """One view: its list, its query, and the command that lists what it filters."""
    from crmcli.commands._output import render_record
    from crmcli.core.clock import local_time
    from crmcli.core.query import views

    view = views.get(state(ctx).store(), name)
    record = {
        "name": view["name"],
        "list": view["list"],
        "query": view["query"],
        "created_at": view["created_at"],
        "updated_at": view["updated_at"],
    }
    fmt = OutputFormat.json if as_json else OutputFormat.table
    lines = [
        ("Name", view["name"]),
        ("List", view["list"]),
        ("Query", view["query"]),
        ("Saved", local_time(view["updated_at"])),
        ("Run", f"{RUN[view['list']]} --view {_quoted(view['name'])}"),
    ]
    render_record(record, fmt, lines)


def _quoted(name: str) -> str:
    """The name as a shell takes it back (quoted when it has spaces or quotes)."""
    import shlex

    return shlex.quote(name)


@app.command("rm")
def rm(ctx: typer.Context, name: Name) -> None:
    """Remove a view (`crm undo` brings it back)."""
    from crmcli.core.query import views

    view = views.remove(state(ctx).store(write=True), name)
    print(f"removed view {view['name']} ({view['list']}: {view['query']})")
