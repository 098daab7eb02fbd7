"""Parameters shared by many commands, declared once (Typer's Annotated style)."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands._output import OutputFormat

JsonFlag = Annotated[bool, typer.Option("--json", help="Write JSON (same as --format json).")]
FormatOpt = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="Output format: table, json, jsonl or csv.",
        case_sensitive=False,
        show_default=False,
    ),
]
LimitOpt = Annotated[
    int | None, typer.Option("--limit", "-n", min=1, help="Show at most this many.")
]
YesFlag = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
OwnerOpt = Annotated[
    str | None,
    typer.Option(
        "--owner",
        help="Whose records: a user, or all (default: yours on a shared server; "
        "everything in a local file).",
        show_default=False,
    ),
]
