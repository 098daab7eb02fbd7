"""`crm export ...`: stream records to stdout (or a file) for other tools."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TextIO

import typer

from crmcli.commands._output import Column, OutputFormat, render, resolve
from crmcli.commands._state import state

app = typer.Typer(
    name="export",
    no_args_is_help=True,
    help="Write records out for other tools (csv, json, ics...).",
)

Output = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write to this file instead of stdout.", show_default=False
    ),
]
Format = Annotated[
    OutputFormat | None,
    typer.Option("--format", "-f", case_sensitive=False, help="Output format.", show_default=False),
]


@contextmanager
def destination(path: Path | None) -> Iterator[TextIO]:
    """stdout, or a file written beside its target and renamed into place when complete."""
    if path is None:
        yield sys.stdout
        return
    from crmcli.core.errors import Invalid

    tmp = path.with_name(f".{path.name}.crm-tmp")
    try:
        handle = tmp.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise Invalid(f"cannot write {path}: {exc.strerror}") from exc
    try:
        with handle:
            yield handle
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@app.command("followups")
def followups(
    ctx: typer.Context,
    fmt: Format = None,
    output: Output = None,
    done: Annotated[bool, typer.Option("--done", help="Include completed follow-ups.")] = False,
) -> None:
    """Follow-ups as csv, tsv, json, jsonl, or ics (a calendar file phones can import).

    The ics file has one event per open follow-up, all-day for date-only ones, each with a
    stable UID (re-importing updates instead of duplicating) and an alarm.
    """
    from crmcli.core import clock, exporting

    chosen = resolve(
        fmt,
        False,
        (
            OutputFormat.csv,
            OutputFormat.tsv,
            OutputFormat.json,
            OutputFormat.jsonl,
            OutputFormat.ics,
        ),
    )
    app_state = state(ctx)
    store = app_state.store()
    rows = exporting.followups(store, include_done=done)
    with destination(output) as out:
        if chosen is OutputFormat.ics:
            from crmcli.core.ics import write_calendar

            lead = int(app_state.config.get("reminder_lead_minutes"))
            write_calendar(
                rows,
                out,
                now=clock.now(),
                alarm_minutes=lead,
                uid_domain=exporting.calendar_domain(store),
            )
        else:
            render(rows, chosen, [Column(c, c) for c in exporting.FOLLOWUP_COLUMNS], out=out)
