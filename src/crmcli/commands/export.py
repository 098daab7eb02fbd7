"""`crm export ...`: stream records to stdout (or a file) for other tools.

Every export streams (flat memory), writes UTF-8, and defaults to stdout (`-o -` too)
so it pipes into jq, csvkit, sqlite3, a spreadsheet or a mail merge. CSV and TSV go
through the one writer (`core/interchange/csv_out.py`): formula cells neutralised
unless --raw, phones written as text, amounts as plain decimals; --excel adds the
byte-order mark Excel needs, --delimiter ';' the separator European spreadsheets use.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from crmcli.commands._options import format_option
from crmcli.commands._output import Column, OutputFormat, message, render, resolve
from crmcli.commands._state import state
from crmcli.commands._where import (
    CompanyView,
    CompanyWhere,
    ContactView,
    ContactWhere,
    DealView,
    DealWhere,
    FollowupView,
    FollowupWhere,
    InteractionWhere,
    compiled,
)

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
        help="Write to this file instead of stdout (replaced whole; never the database); "
        "- is stdout.",
        show_default=False,
    ),
]
Raw = Annotated[
    bool, typer.Option("--raw", help="Write csv/tsv cells untouched (no formula neutralising).")
]
Excel = Annotated[
    bool,
    typer.Option(
        "--excel", help="csv/tsv: start with a UTF-8 byte-order mark, so Excel reads accents."
    ),
]
Delimiter = Annotated[
    str | None,
    typer.Option(
        "--delimiter",
        "-d",
        help="csv: the separator, e.g. ';' for spreadsheets in European locales.",
        show_default=False,
    ),
]
# What each export writes: its --format help, completion and check come from these.
TABULAR = (OutputFormat.csv, OutputFormat.tsv, OutputFormat.json, OutputFormat.jsonl)
LAYOUTS = ("google", "outlook")  # core/interchange/layouts.py, named here for --help
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
    if path is None or str(path) == "-":
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


@dataclass(frozen=True)
class SheetOptions:
    """How a csv or tsv export is written: checked once, before anything is."""

    raw: bool = False
    excel: bool = False
    delimiter: str = ","


def sheet_options(fmt: OutputFormat, raw: bool, excel: bool, delimiter: str | None) -> SheetOptions:
    """--excel and --delimiter checked against the format: a misfit is one line, exit 2."""
    from crmcli.core.errors import Invalid
    from crmcli.core.interchange.csv_out import check_delimiter

    tabular = fmt in (OutputFormat.csv, OutputFormat.tsv)
    if excel and not tabular:
        raise Invalid(f"--excel applies to csv and tsv, not {fmt.value}")
    if delimiter is not None:
        if fmt is not OutputFormat.csv:
            raise Invalid(f"--delimiter applies to csv only, not {fmt.value}")
        try:
            check_delimiter(delimiter)
        except ValueError as exc:
            raise Invalid(str(exc)) from exc
    return SheetOptions(raw=raw, excel=excel, delimiter=delimiter or ",")


def _ticking(rows: Iterable[Any], label: str, total: int | None = None) -> Iterator[Any]:
    """Rows passed on as they come, with a progress bar on a terminal (nothing on a pipe)."""
    from crmcli.commands._progress import progress

    with progress(label, total=total) as tick:
        done = 0
        for row in rows:
            yield row
            done += 1
            if not done & 255:
                tick(done)
        tick(done)


def _ticking_batches(
    batches: Iterable[list[Any]], label: str, total: int | None = None
) -> Iterator[list[Any]]:
    """Batches of rows passed on as they come, the progress bar moved at each."""
    from crmcli.commands._progress import progress

    with progress(label, total=total) as tick:
        done = 0
        for batch in batches:
            yield batch
            done += len(batch)
            tick(done)
        tick(done)


def _count(store: Store, table: str, filtered: bool) -> int | None:
    """Rows an unfiltered export will write (the bar's time left); None when filtered."""
    from crmcli.core.interchange.exporting import count

    return None if filtered else count(store, table)


def _tabular(
    store: Store,
    rows: Iterable[Mapping[str, Any]],
    fmt: OutputFormat,
    columns: tuple[str, ...] | list[Column],
    output: Path | None,
    sheet: SheetOptions,
    *,
    label: str = "exporting",
    total: int | None = None,
) -> None:
    cols = [c if isinstance(c, Column) else Column(c, c) for c in columns]
    with destination(output, store) as out:
        render(
            _ticking(rows, label, total),
            fmt,
            cols,
            out=out,
            safe=not sheet.raw,
            excel=sheet.excel,
            delimiter=sheet.delimiter,
        )


Layout = Annotated[
    str | None,
    typer.Option(
        "--layout",
        help="csv: the columns Google Contacts (google) or Outlook (outlook) import as they are.",
        show_default=False,
    ),
]
Split = Annotated[
    Path | None,
    typer.Option(
        "--split",
        help="vcard: one UID.vcf file per contact in this folder (a vdir for khard, vdirsyncer).",
        show_default=False,
    ),
]
PeopleOnly = Annotated[
    bool,
    typer.Option(
        "--people-only",
        help="vcard: leave out the company cards (written for companies with details of "
        "their own: website, phone, email, address, notes, ids...).",
    ),
]


@app.command("contacts")
def contacts(
    ctx: typer.Context,
    fmt: ContactFormat = None,
    output: Output = None,
    raw: Raw = False,
    excel: Excel = False,
    delimiter: Delimiter = None,
    layout: Layout = None,
    split: Split = None,
    people_only: PeopleOnly = False,
    tag: Annotated[str | None, typer.Option("--tag", help="Only contacts with this tag.")] = None,
    company: Annotated[
        str | None, typer.Option("--company", "-c", help="Only people at this company.")
    ] = None,
    status: Annotated[str | None, typer.Option("--status", help="Only this status.")] = None,
    archived: Annotated[
        bool, typer.Option("--archived", help="Archived contacts instead.")
    ] = False,
    where: ContactWhere = None,
    view: ContactView = None,
) -> None:
    """Contacts as csv (default), tsv, json, jsonl or vcard.

    CSV columns: id, name, prefix, first_name, middle_name, last_name, suffix, company,
    title, email (primary), emails (all, "; "-separated), phone (primary), phones (all),
    urls, tags ("; "-separated), status, lead_source, birthday (YYYY-MM-DD or --MM-DD),
    do_not_contact, cadence_days, last_touch_at, notes, custom_fields / external_ids /
    addresses (JSON), nickname, relations / dates / handles (JSON), created_at, updated_at
    (photos travel in json and vcard only). Phones are in international form with
    spaces (+33 6 12 34 56 78), which spreadsheets keep as text. --layout google or
    outlook writes those tools' own columns instead; --split DIR writes a vCard folder.
    A vCard export also holds a company card (Apple's and khard's kind) for each company
    with details of its own, unless --people-only, or filtered by anything but --company
    (--where and --view included).
    """
    from crmcli.core.errors import Invalid
    from crmcli.core.interchange import exporting
    from crmcli.core.people import companies

    chosen = resolve(fmt or OutputFormat.csv, False, CONTACT_FORMATS)
    sheet = sheet_options(chosen, raw, excel, delimiter)
    if layout is not None and (
        layout not in ("google", "outlook") or chosen is not OutputFormat.csv
    ):
        raise Invalid(f"--layout is google or outlook, with csv (not {layout!r} {chosen.value})")
    if split is not None and output is not None:
        raise Invalid("--split DIR writes one file per card into DIR: give it or -o, not both")
    if split is not None and chosen is not OutputFormat.vcard:
        raise Invalid(f"--split DIR writes vcard files: give --format vcard, not {chosen.value}")
    if people_only and chosen is not OutputFormat.vcard:
        raise Invalid(f"--people-only applies to vcard, not {chosen.value}")
    store = state(ctx).store()
    company_id = companies.resolve(store, company) if company else None
    query = compiled(store, "contacts", where, view)
    filtered = bool(tag or company_id or status or archived or query)
    views = exporting.contacts(
        store, tag=tag, company_id=company_id, status=status, archived=archived, where=query
    )
    rows = _ticking(views, "exporting contacts", _count(store, "contact", filtered))
    if chosen is OutputFormat.vcard:
        # Company cards in a whole export, or the one company asked for; a tag, a status
        # or the archive is a selection of people, not of companies.
        cards = not people_only and not (tag or status or archived or query)
        firms = exporting.company_cards(store, company_id=company_id) if cards else iter(())
        _vcards(store, rows, firms, output, split, exporting.calendar_domain(store))
        return
    if layout is not None:
        from collections import Counter

        from crmcli.commands._output import write_csv_tuples
        from crmcli.core.interchange import layouts

        header = layouts.header(layout)
        dropped: Counter[str] = Counter()
        with destination(output, store) as out:
            write_csv_tuples(
                header,
                layouts.rows(layout, rows, dropped),
                out,
                delimiter=sheet.delimiter,
                safe=not raw,
                excel=excel,
                kinds=layouts.kinds(layout),
            )
        if line := layouts.dropped_line(layout, dropped):
            message(line)  # the file is written; what it could not hold is named
        return
    if chosen in (OutputFormat.csv, OutputFormat.tsv):
        csv_rows = (exporting.contact_csv_row(v) for v in rows)
        _tabular(store, csv_rows, chosen, exporting.CONTACT_CSV_COLUMNS, output, sheet)
    else:
        _tabular(store, rows, chosen, exporting.CONTACT_CSV_COLUMNS, output, sheet)


def _vcards(
    store: Store,
    views: Iterable[Any],
    firms: Iterable[Any],
    output: Path | None,
    split: Path | None,
    domain: str,
) -> None:
    """Company cards first, then people: an import then knows a renamed company by its
    card's ids before its people name it. A relation to someone whose card came from
    another address book names them by that card's UID."""
    from crmcli.core.people.relations import card_uids

    uids = card_uids(store)
    if split is None:
        from crmcli.core.interchange.vcard.write import write_company_cards, write_vcards

        with destination(output, store) as out:
            write_company_cards(firms, out, uid_domain=domain)
            write_vcards(views, out, uid_domain=domain, uids=uids)
        return
    from crmcli.commands._output import message
    from crmcli.core.db import guarded
    from crmcli.core.interchange.vcard.vdir import write_vdir

    result = write_vdir(
        views,
        split,
        uid_domain=domain,
        database=guarded.database_path(store),
        companies=firms,
        uids=uids,
    )
    from crmcli.commands._words import plural

    message(f"{split}: {plural(result.written, 'card')} written, {result.unchanged} unchanged")
    if result.stale:
        message(
            f"{len(result.stale)} card files there match no exported contact "
            f"(left in place): {', '.join(result.stale[:3])}"
            + (" …" if len(result.stale) > 3 else "")
        )


@app.command("companies")
def companies_(
    ctx: typer.Context,
    fmt: Format = None,
    output: Output = None,
    raw: Raw = False,
    excel: Excel = False,
    delimiter: Delimiter = None,
    where: CompanyWhere = None,
    view: CompanyView = None,
) -> None:
    """Companies as csv (default), tsv, json or jsonl."""
    from crmcli.core.interchange import exporting

    chosen = resolve(fmt or OutputFormat.csv, False, TABULAR)
    sheet = sheet_options(chosen, raw, excel, delimiter)
    store = state(ctx).store()
    rows = exporting.companies(
        store,
        structured=chosen in (OutputFormat.json, OutputFormat.jsonl),
        where=compiled(store, "companies", where, view),
    )
    _tabular(
        store, rows, chosen, exporting.COMPANY_COLUMNS, output, sheet, label="exporting companies"
    )


@app.command("deals")
def deals(
    ctx: typer.Context,
    fmt: Format = None,
    output: Output = None,
    raw: Raw = False,
    excel: Excel = False,
    delimiter: Delimiter = None,
    stage: Annotated[str | None, typer.Option("--stage", "-s", help="Only this stage.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="open, won or lost.")] = None,
    closing_before: Annotated[
        str | None, typer.Option("--closing-before", help="Expected to close before.")
    ] = None,
    where: DealWhere = None,
    view: DealView = None,
) -> None:
    """Deals as csv (default), tsv, json or jsonl; `amount` is a plain decimal (1500.00, JPY
    1500) with its `currency` beside it, so a spreadsheet can sum it."""
    from crmcli.commands import _dates
    from crmcli.core.errors import Invalid
    from crmcli.core.interchange import exporting
    from crmcli.core.pipeline.stages import resolve as resolve_stage

    chosen = resolve(fmt or OutputFormat.csv, False, TABULAR)
    sheet = sheet_options(chosen, raw, excel, delimiter)
    app_state = state(ctx)
    if status and status not in ("open", "won", "lost"):
        raise Invalid(f"unknown status {status!r} (open, won or lost)")
    before = _dates.parse(app_state, closing_before, "future").date if closing_before else None
    store = app_state.store()
    stage_id = int(resolve_stage(store, stage)["id"]) if stage else None
    query = compiled(store, "deals", where, view)
    rows = exporting.deals(
        store,
        stage_id=stage_id,
        status=status,
        closing_before=before,
        structured=chosen in (OutputFormat.json, OutputFormat.jsonl),
        where=query,
    )
    total = _count(store, "deal", bool(stage or status or before or query))
    _tabular(
        store,
        rows,
        chosen,
        exporting.DEAL_COLUMNS,
        output,
        sheet,
        label="exporting deals",
        total=total,
    )


@app.command("interactions")
def interactions(
    ctx: typer.Context,
    fmt: Format = None,
    output: Output = None,
    raw: Raw = False,
    excel: Excel = False,
    delimiter: Delimiter = None,
    contact: Annotated[
        str | None, typer.Option("--contact", "-c", help="Only this contact's.")
    ] = None,
    where: InteractionWhere = None,
) -> None:
    """The interaction log as csv (default), tsv, json or jsonl."""
    from crmcli.core.interchange import exporting
    from crmcli.core.search.refs import resolve_contact

    chosen = resolve(fmt or OutputFormat.csv, False, TABULAR)
    sheet = sheet_options(chosen, raw, excel, delimiter)
    store = state(ctx).store()
    contact_id = resolve_contact(store, contact) if contact else None
    query = compiled(store, "interactions", where)
    total = _count(store, "interaction", contact_id is not None or query is not None)
    if chosen in (OutputFormat.csv, OutputFormat.tsv):
        from crmcli.core.interchange.csv_out import Sheet

        columns, batches = exporting.interaction_batches(store, contact_id=contact_id, where=query)
        with destination(output, store) as out:
            Sheet(
                out,
                columns,
                tsv=chosen is OutputFormat.tsv,
                delimiter=sheet.delimiter,
                excel=excel,
                safe=not raw,
            ).stored(_ticking_batches(batches, "exporting interactions", total))
        return
    _tabular(
        store,
        exporting.interactions(store, contact_id=contact_id, where=query),
        chosen,
        exporting.INTERACTION_COLUMNS,
        output,
        sheet,
        label="exporting interactions",
        total=total,
    )


@app.command("followups")
def followups(
    ctx: typer.Context,
    fmt: FollowupFormat = None,
    output: Output = None,
    raw: Raw = False,
    excel: Excel = False,
    delimiter: Delimiter = None,
    done: Annotated[bool, typer.Option("--done", help="Include completed follow-ups.")] = False,
    where: FollowupWhere = None,
    view: FollowupView = None,
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
    sheet = sheet_options(chosen, raw, excel, delimiter)
    app_state = state(ctx)
    store = app_state.store()
    query = compiled(store, "followups", where, view)
    rows = exporting.followups(store, include_done=done, where=query)
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
    _tabular(
        store, rows, chosen, exporting.FOLLOWUP_COLUMNS, output, sheet, label="exporting follow-ups"
    )
