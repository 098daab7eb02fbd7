"""`crm config ...`: where the settings file is, and reading and changing settings."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from crmcli.commands._options import FormatOpt, JsonFlag
from crmcli.commands._output import LIST_FORMATS, Column, render, resolve
from crmcli.commands._state import state

app = typer.Typer(name="config", no_args_is_help=True, help="Read and change settings.")

Key = Annotated[
    str, typer.Argument(help="Setting name (see `crm config list`).", show_default=False)
]


@app.command("path")
def path(as_json: JsonFlag = False) -> None:
    """Print the settings file's path (it may not exist yet)."""
    from crmcli.core.paths import config_path

    print(json.dumps(str(config_path())) if as_json else config_path())


@app.command("get")
def get(ctx: typer.Context, key: Key, as_json: JsonFlag = False) -> None:
    """Print one setting's effective value."""
    value = state(ctx).config.get(key)
    print(json.dumps(value) if as_json else value)


@app.command("set")
def set_(
    ctx: typer.Context,
    key: Key,
    value: Annotated[str, typer.Argument(help="New value.", show_default=False)],
) -> None:
    """Change a setting; a bad value is refused and the file left as it was."""
    from crmcli.core.config import set_value

    parsed = set_value(key, value)
    print(f"{key} = {parsed}")


@app.command("unset")
def unset(key: Key) -> None:
    """Go back to a setting's default."""
    from crmcli.core.config import unset_value

    unset_value(key)
    print(f"{key} reset to its default")


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = None, as_json: JsonFlag = False) -> None:
    """Every setting: value, where it comes from, and what it does."""
    from crmcli.core.config import SETTINGS

    config = state(ctx).config
    rows = [
        {"key": key, "value": config.get(key), "source": config.source(key), "doc": s.doc}
        for key, s in SETTINGS.items()
    ]
    render(
        rows,
        resolve(fmt, as_json, LIST_FORMATS),
        [
            Column("key", "KEY"),
            Column("value", "VALUE"),
            Column("source", "FROM"),
            Column("doc", "MEANING", max_width=70),
        ],
    )


def whoami(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Who you are to crm: the owner of the records you create, and which database."""
    from crmcli.core.db.store import resolve_location, shown_url

    app_state = state(ctx)
    location = resolve_location(app_state.db)
    facts = {
        "user": app_state.config.get("user"),
        "set_in": "settings file" if app_state.config.source("user") == "file" else "login name",
        "database": shown_url(location.target),
        "mode": "team (shared server)" if location.is_url else "local file",
    }
    if as_json:
        print(json.dumps(facts, ensure_ascii=False, indent=2))
        return
    print(facts["user"])
    print(f"  {facts['mode']}: {facts['database']}", file=sys.stderr)
    if facts["set_in"] != "settings file":
        print("  (your login name; `crm config set user NAME` to choose one)", file=sys.stderr)
