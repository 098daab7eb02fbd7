"""`crm export ...`: stream records to stdout (or a file) for other tools.

Every export streams (flat memory), writes UTF-8, and defaults to stdout so it
pipes into jq, csvkit, sqlite3, a spreadsheet or a mail merge. CSV and TSV cells
that a spreadsheet would run as formulas are neutralised unless --raw.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from crmcli.commands._options import format_option
from crmcli.commands._output import Column, OutputFormat, render, resolve
from crmcli.commands._state import state

if TYPE_CHECKING:
    from crmcli.core.db.store import Store

app = typer.Typer(
    name="export",
    no_args_is_help=True,
    help="Write records out for other tools (csv, json, vcard, ics...).",
)

Output = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write to this file instead of stdout (replaced whole; never the database).",
        show_default=False,
    ),
]
Raw = Annotated[
    bool, typer.Option("--raw", help="Write csv/tsv cells untouched (no formula neutralising).")
]
# What each export writes: its --format help, completion and check come from these.
TABULAR = (OutputFormat.csv, OutputFormat.tsv, OutputFormat.json, OutputFormat.jsonl)
CONTACT_FORMATS = (*TABULAR, OutputFormat.vcard)
FOLLOWUP_FORMATS = (*TABULAR, OutputFormat.ics)
Format = Annotated[OutputFormat | None, format_option(*TABULAR, default=OutputFormat.csv)]
ContactFormat = Annotated[
    OutputFormat | None, format_option(*CONTACT_FORMATS, default=OutputFormat.csv)
]
FollowupFormat = Annotated[
    OutputFormat | None, format_option(*FOLLOWUP_FORMATS, default=OutputFormat.csv)
]


@contextmanager
def destination(path: Path | None, store: Store) -> Iterator[TextIO]:
    """stdout, or a file through the guarded writer (`core/db/guarded.py`).

    A file is never the database, its journals or a backup; it is written to a 0600
    temporary file beside it as rows come and renamed into place when complete, so an
    existing file is replaced whole or not at all.

    stdout gets a buffer of its own, in UTF-8 as documented: written through
    `sys.stdout`, which is unbuffered under PYTHONUNBUFFERED (many containers set it),
    a million-row export cost a write call a row, a fifth of its time.
    """
    if path is None:
        try:
            fd = sys.stdout.fileno()
        except (AttributeError, OSError, ValueError):  # not a real file (a test's capture)
            yield sys.stdout
            return
        sys.stdout.flush()
        with open(
            fd, "w", encoding="utf-8", newline="", buffering=1 << 16, closefd=False
        ) as stream:
            yield stream
        return
    from crmcli.core.db import guarded

    with guarded.open_text(store, path) as stream:
        yield stream


def _tabular(
    store: Store,
    rows: Iterable[Mapping[str, Any]],
    fmt: OutputFormat,
    columns: tuple[str, ...],
    output: Path | None,
    raw: bool,
) -> None:
    with destination(output, store) as out:
        render(rows, fmt, [Column(c, c) for c in columns], out=out, safe=not raw)


@app.command("contacts")
def contacts(
    ctx: typer.Context,
    fmt: ContactFormat = None,
    output: Output = None,
    raw: Raw = False,
    tag: Annotated[str | None, typer.Option("--tag", help="Only contacts with this tag.")] = None,
    company: Annotated[
        str | None, typer.Option("--company", "-c", help="Only people at this company.")
    ] = None,
    status: Annotated[str | None, typer.Option("--status", help="Only this status.")] = None,
    archived: Annotated[
        bool, typer.Option("--archived", help="Archived contacts instead.")
    ] = False,
) -> None:
    """Contacts as csv (default), tsv, json, jsonl or vcard.

    CSV columns: id, name, prefix, first_name, middle_name, last_name, suffix, company,
    title, email (primary), emails (all, "; "-separated), phone (primary), phones (all,
    E.164 where known), urls, tags ("; "-separated), status, lead_source, birthday
    (YYYY-MM-DD or --MM-DD), do_not_contact, cadence_days, last_touch_at, notes,
    custom_fields / external_ids / addresses (JSON), created_at, updated_at.
    """
    from crmcli.core.interchange import exporting
    from crmcli.core.people import companies

    chosen = resolve(fmt or OutputFormat.csv, False, CONTACT_FORMATS)
    store = state(ctx).store()
    company_id = companies.resolve(store, company) if company else None
    views = exporting.contacts(
        store, tag=tag, company_id=company_id, status=status, archived=archived
    )
    if chosen is OutputFormat.vcard:
        from crmcli.core.interchange.vcard.write import write_vcards

        with destination(output, store) as out:
            write_vcards(views, out, uid_domain=exporting.calendar_domain(store))
        return
    if chosen in (OutputFormat.csv, OutputFormat.tsv):
        rows = (exporting.contact_csv_row(v) for v in views)
        _tabular(store, rows, chosen, exporting.CONTACT_CSV_COLUMNS, output, raw)
    else:
        _tabular(store, views, chosen, exporting.CONTACT_CSV_COLUMNS, output, raw)


@app.command("companies")
def companies_(
    ctx: typer.Context, fmt: Format = None, output: Output = None, raw: Raw = False
) -> None:
    """Companies as csv (default), tsv, json or jsonl."""
    from crmcli.core.interchange import exporting

    chosen = resolve(fmt or OutputFormat.csv, False, TABULAR)
    store = state(ctx).store()
    _tabular(store, exporting.companies(store), chosen, exporting.COMPANY_COLUMNS, output, raw)


@app.command("deals")
def deals(
    ctx: typer.Context,
    fmt: Format = None,
    output: Output = None,
    raw: Raw = False,
    stage: Annotated[str | None, typer.Option("--stage", "-s", help="Only this stage.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="open, won or lost.")] = None,
    closing_before: Annotated[
        str | None, typer.Option("--closing-before", help="Expected to close before.")
    ] = None,
) -> None:
    """Deals as csv (default), tsv, json or jsonl; `amount` is a plain decimal."""
    from crmcli.commands import _dates
    from crmcli.core.errors import Invalid
    from crmcli.core.interchange import exporting
    from crmcli.core.pipeline.stages import resolve as resolve_stage

    chosen = resolve(fmt or OutputFormat.csv, False, TABULAR)
    app_state = state(ctx)
    if status and status not in ("open", "won", "lost"):
        raise Invalid(f"unknown status {status!r} (open, won or lost)")
    before = _dates.parse(app_state, closing_before, "future").date if closing_before else None
    store = app_state.store()
    stage_id = int(resolve_stage(store, stage)["id"]) if stage else None
    rows = exporting.deals(store, stage_id=stage_id, status=status, closing_before=before)
    _tabular(store, rows, chosen, exporting.DEAL_COLUMNS, output, raw)


@app.command("interactions")
def interactions(
    ctx: typer.Context,
    fmt: Format = None,
    output: Output = None,
    raw: Raw = False,
    contact: Annotated[
        str | None, typer.Option("--contact", "-c", help="Only this contact's.")
    ] = None,
) -> None:
    """The interaction log as csv (default), tsv, json or jsonl."""
    from crmcli.core.interchange import exporting
    from crmcli.core.search.refs import resolve_contact

    chosen = resolve(fmt or OutputFormat.csv, False, TABULAR)
    store = state(ctx).store()
    contact_id = resolve_contact(store, contact) if contact else None
    if chosen in (OutputFormat.csv, OutputFormat.tsv):
        from crmcli.commands._output import write_csv_tuples

        columns, rows = exporting.interaction_tuples(store, contact_id=contact_id, safe=not raw)
        with destination(output, store) as out:
            write_csv_tuples(
                columns, rows, out, delimiter="\t" if chosen is OutputFormat.tsv else ","
            )
        return
    _tabular(
        store,
        exporting.interactions(store, contact_id=contact_id),
        chosen,
        exporting.INTERACTION_COLUMNS,
        output,
        raw,
    )


@app.command("followups")
def followups(
    ctx: typer.Context,
    fmt: FollowupFormat = None,
    output: Output = None,
    raw: Raw = False,
    done: Annotated[bool, typer.Option("--done", help="Include completed follow-ups.")] = False,
) -> None:
    """Follow-ups as csv (default), tsv, json, jsonl, or ics (a calendar phones can import).

    The ics file has one event per open follow-up, all-day for date-only ones, each with a
    stable UID (re-importing updates instead of duplicating) and an alarm:
    reminder_lead_minutes before a timed one, at reminder_all_day_time (09:00) on the day
    of an all-day one.
    """
    from crmcli.core import clock
    from crmcli.core.interchange import exporting

    chosen = resolve(fmt or OutputFormat.csv, False, FOLLOWUP_FORMATS)
    app_state = state(ctx)
    store = app_state.store()
    rows = exporting.followups(store, include_done=done)
    if chosen is OutputFormat.ics:
        from crmcli.core.interchange.ics import write_calendar

        lead = int(app_state.config.get("reminder_lead_minutes"))
        with destination(output, store) as out:
            write_calendar(
                rows,
                out,
                now=clock.now(),
                alarm_minutes=lead,
                all_day_alarm=app_state.config.all_day_time,
                uid_domain=exporting.calendar_domain(store),
            )
        return
    _tabular(store, rows, chosen, exporting.FOLLOWUP_COLUMNS, output, raw)
