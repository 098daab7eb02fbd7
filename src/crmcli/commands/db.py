"""`crm db ...`: the database file itself: where it is, its schema version, upgrades."""

from __future__ import annotations

import json

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
    from crmcli.core.store import resolve_location

    target = resolve_location(state(ctx).db).target
    print(json.dumps(target) if as_json else target)


@app.command("info")
def info(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Schema version and record counts."""
    from crmcli.core.stats import database_info

    facts = database_info(state(ctx).store())
    render_record(
        facts,
        OutputFormat.json if as_json else OutputFormat.table,
        [(k.replace("_", " ").capitalize(), v) for k, v in facts.items()],
    )


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Bring an older database to this crm's schema (a backup is taken first)."""
    from crmcli.core import migrations

    # Opening for writing is what upgrades (after a backup); report what it did.
    store = state(ctx).store(write=True)
    if store.upgraded_from is not None:
        print(f"upgraded from schema v{store.upgraded_from} to v{migrations.CURRENT}")
    else:
        print(f"schema v{migrations.CURRENT}: up to date")
