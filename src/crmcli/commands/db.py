"""`crm db ...`: the database file itself: where it is, its schema version, upgrades."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from crmcli.commands._options import JsonFlag
from crmcli.commands._output import OutputFormat, render_record
from crmcli.commands._state import state

app = typer.Typer(
    name="db", no_args_is_help=True, help="The database file: where it is, its schema, upgrades."
)


@app.command("path")
def path(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Print which database crm would use (--db, $CRM_DB, or the default)."""
    from crmcli.core.db.store import resolve_location

    target = resolve_location(state(ctx).db).target
    print(json.dumps(target) if as_json else target)


@app.command("info")
def info(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Schema version and record counts."""
    from crmcli.core.db.stats import database_info

    facts = database_info(state(ctx).store())
    render_record(
        facts,
        OutputFormat.json if as_json else OutputFormat.table,
        [(k.replace("_", " ").capitalize(), v) for k, v in facts.items()],
    )


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Bring an older database to this crm's schema (a backup is taken first)."""
    from crmcli.core.db import migrations

    # Opening for writing is what upgrades (after a backup); report what it did.
    store = state(ctx).store(write=True)
    if store.upgraded_from is not None:
        print(f"upgraded from schema v{store.upgraded_from} to v{migrations.CURRENT}")
    else:
        print(f"schema v{migrations.CURRENT}: up to date")


@app.command("copy")
def copy(
    ctx: typer.Context,
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="Where to copy: a database URL (postgresql://user@host/db) or a file path.",
            show_default=False,
        ),
    ],
    as_json: JsonFlag = False,
) -> None:
    """Copy everything into another crm database (your file into the team's, and back).

    One transaction on the target, counts verified; copying the same database into the
    same target again copies nothing.
    """
    from crmcli.core.books import open_store
    from crmcli.core.db.copying import copy_database

    app_state = state(ctx)
    source = app_state.store()
    target = open_store(to, app_state.config, write=True, rules=False)  # a copy is no event
    try:
        report = copy_database(source, target)
    finally:
        target.close()
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    if report.already:
        print(f"{report.source} was already copied into {report.target} on {report.already}")
        return
    from crmcli.commands._output import Column, render

    render(
        [{"table": name, **counts} for name, counts in report.tables.items()],
        OutputFormat.table,
        [
            Column("table", "TABLE"),
            Column("read", "READ"),
            Column("written", "WRITTEN"),
            Column("matched", "SHARED"),
        ],
    )
    total = sum(c["written"] for c in report.tables.values())
    print(f"copied {total} rows from {report.source} to {report.target} (counts verified)")
