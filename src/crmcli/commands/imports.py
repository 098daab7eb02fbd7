"""`crm import ...`: bring contacts and deals in from the files other tools export."""

from __future__ import annotations

import csv
import sys
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, BinaryIO

import typer

from crmcli.commands._options import JsonFlag
from crmcli.commands._output import message, warn
from crmcli.commands._state import AppState, state
from crmcli.commands._words import plural

if TYPE_CHECKING:
    from crmcli.core.atomic import TextReplacement
    from crmcli.core.db.store import Store
    from crmcli.core.interchange.files import Reading
    from crmcli.core.interchange.importing.options import ImportSummary
    from crmcli.core.interchange.records import Reject

app = typer.Typer(
    name="import", no_args_is_help=True, help="Bring contacts and deals in from other tools' files."
)

Source = Annotated[
    str, typer.Argument(help="The file, or - for standard input.", show_default=False)
]
Encoding = Annotated[
    str | None,
    typer.Option(
        "--encoding", help="Force the text encoding (utf-8, cp1252...); detected otherwise."
    ),
]
Maps = Annotated[
    list[str] | None, typer.Option("--map", help='Map a column: "Header=field" (repeatable).')
]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show what would happen; write nothing.")]


def _open(source: str) -> tuple[BinaryIO, Path | None]:
    """The input as a seekable binary stream (stdin is spooled: sniffing reads it twice)."""
    from crmcli.core.errors import Invalid

    if source == "-":
        spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115
        while chunk := sys.stdin.buffer.read(1 << 20):
            spool.write(chunk)
        spool.seek(0)
        return spool, None  # type: ignore[return-value]
    path = Path(source).expanduser()
    if not path.exists():
        raise Invalid(f"no such file: {source}")
    if path.is_dir():
        raise Invalid(f"{source} is a folder, not a file")
    try:
        return path.open("rb"), path
    except OSError as exc:
        raise Invalid(f"cannot read {source}: {exc.strerror}") from exc


class _Rejects:
    """Rejected rows, written to a CSV beside the input for fixing (created on first use).

    The file goes through the guarded writer: checked before the import starts (never
    the database or a backup), written to a 0600 temporary file, and renamed into place
    only when the import completes; a failed import leaves no rejects file behind.
    """

    def __init__(
        self, path: Path | None, header: list[str], store: Store, *, write: bool = True
    ) -> None:
        from crmcli.core.db import guarded

        self.write = write
        self.target = (
            path.with_name(f"{path.stem}.rejects.csv")
            if path
            else Path.cwd() / "crm-import.rejects.csv"
        )
        self.header = header
        self.store = store
        self.count = 0
        self.first: list[str] = []
        self._writer: Any = None
        self._file: TextReplacement | None = None
        if write:
            guarded.check_target(guarded.database_path(store), self.target)

    def __call__(self, reject: Reject) -> None:
        self.count += 1
        if len(self.first) < 5:
            self.first.append(f"line {reject.line}: {reject.reason}")
        if not self.write:
            return
        if self._writer is None:
            from crmcli.core.db import guarded

            self._file = guarded.new_text_file(self.store, self.target)
            self._writer = csv.writer(self._file.stream)
            self._writer.writerow(["line", "reason", *self.header])
        self._writer.writerow([reject.line, reject.reason, *reject.cells])

    def close(self) -> None:
        """Put the rejects file in place (the import succeeded)."""
        if self._file is not None:
            from crmcli.core.db import guarded

            file, self._file = self._file, None
            with guarded.cannot_write(self.target):
                file.commit()

    def discard(self) -> None:
        """Leave no rejects file (the import failed or was aborted)."""
        if self._file is not None:
            file, self._file = self._file, None
            file.discard()


@app.command("contacts")
def contacts(
    ctx: typer.Context,
    source: Source,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="csv, vcard, ldif or json (detected from the content)."
        ),
    ] = None,
    encoding: Encoding = None,
    maps: Maps = None,
    show_mapping: Annotated[
        bool,
        typer.Option(
            "--show-mapping", help="Print the column mapping that would be used, and stop."
        ),
    ] = False,
    on_duplicate: Annotated[
        str,
        typer.Option("--on-duplicate", help="update (fill in), skip, or create a second contact."),
    ] = "update",
    dry_run: DryRun = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Abort the whole import on the first rejected row.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Import contacts from CSV (Google, Outlook in English and six other languages,
    Thunderbird, LinkedIn, HubSpot, spreadsheets), vCard or LDIF.

    Atomic: all of it is imported, or nothing. Duplicates (same email with a compatible name,
    same name and phone, same profile URL) update the existing contact, filling empty fields
    and adding new emails, phones and tags, never overwriting what is there.
    """
    from crmcli.core.errors import Invalid
    from crmcli.core.interchange.files import open_contacts
    from crmcli.core.interchange.importing.contacts import import_contacts
    from crmcli.core.interchange.importing.options import ImportOptions

    if on_duplicate not in ("update", "skip", "create"):
        raise Invalid(f"--on-duplicate must be update, skip or create, not {on_duplicate!r}")
    app_state = state(ctx)
    stream, path = _open(source)
    with stream:
        reading = open_contacts(
            stream,
            fmt=fmt,
            encoding=encoding,
            overrides=maps or [],
            date_order=app_state.config.date_order,
        )
        if show_mapping:
            _print_mapping(reading)
            return
        scratch = None
        if dry_run and not _exists(app_state):
            # A dry run never creates the database: it runs against an empty scratch one.
            scratch = tempfile.TemporaryDirectory(prefix="crm-dry-run-")
            from crmcli.core.db.opening import open_store

            store = open_store(str(Path(scratch.name) / "scratch.db"), app_state.config, write=True)
        else:
            store = app_state.store(write=True)
        rejects = _Rejects(path, reading.header, store, write=not dry_run)
        options = ImportOptions(
            on_duplicate=on_duplicate,
            dry_run=dry_run,
            strict=strict,
            label=f"import contacts {path.name if path else 'stdin'}",
        )
        progress = _Progress() if sys.stderr.isatty() else None
        try:
            summary = import_contacts(
                store,
                reading.items,
                options,
                on_reject=rejects,
                progress=progress,
                convert=reading.convert,
            )
        except BaseException:
            rejects.discard()
            raise
        finally:
            if progress:
                progress.done()
            if scratch is not None:
                store.close()
                scratch.cleanup()
        rejects.close()
    _report(reading, summary, rejects, dry_run, as_json, path)


def _exists(app_state: AppState) -> bool:
    from crmcli.core.db.store import resolve_location

    location = resolve_location(app_state.db)
    return location.is_url or Path(location.target).expanduser().exists()


class _Progress:
    """A one-line counter on stderr, for big files on a terminal."""

    def __call__(self, rows: int) -> None:
        sys.stderr.write(f"\rreading… {rows:,} rows")
        sys.stderr.flush()

    def done(self) -> None:
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


def _print_mapping(reading: Reading) -> None:
    print(
        f"format: {reading.format}, source: {reading.source}"
        + (
            f", encoding: {reading.encoding}, delimiter: {reading.delimiter!r}"
            if reading.format == "csv"
            else ""
        )
    )
    if reading.format != "csv":
        print("(vCard, LDIF and JSON fields map by name; there are no columns to map)")
        return
    width = max((len(h) for h, _ in reading.mapping), default=0)
    for header, target in reading.mapping:
        print(f"  {header.ljust(width)}  ->  {target or '(kept as a custom field)'}")


def _report(
    reading: Reading,
    summary: ImportSummary,
    rejects: _Rejects,
    dry_run: bool,
    as_json: bool,
    path: Path | None,
) -> None:
    name = path.name if path else "stdin"
    if as_json:
        import json

        print(
            json.dumps(
                {
                    "file": name,
                    "format": reading.format,
                    "source": reading.source,
                    "dry_run": dry_run,
                    **summary.as_dict(),
                    "custom_columns": reading.custom_columns,
                    "rejects_file": str(rejects.target) if rejects.count and not dry_run else None,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for line, issue in summary.issues[:10]:
        warn(f"line {line}: {issue}")
    if summary.flagged > 10:
        warn(f"… {summary.flagged - 10} more values flagged (see `crm doctor`)")
    for text in rejects.first:
        warn(f"rejected {text}")
    for line, new, other in summary.possible_duplicates[:5]:
        warn(
            f"line {line}: #{new} has the same name and company as #{other} "
            "(possible duplicate, not merged)"
        )
    if reading.custom_columns:
        message(f"kept as custom fields: {', '.join(reading.custom_columns)}")
    verb = "would import" if dry_run else "imported"
    text = (
        f"{verb} {name} ({reading.source}): {summary.created} created, {summary.updated} "
        f"updated, {summary.skipped} skipped, {summary.rejected} rejected"
    )
    if summary.unchanged:
        text += f", {summary.unchanged} already up to date"
    if summary.companies_created:
        text += f"; {plural(summary.companies_created, 'company')} created"
    if rejects.count and not dry_run:
        text += f" (rejected rows in {rejects.target})"
    print(text)


@app.command("deals")
def deals(
    ctx: typer.Context,
    source: Source,
    encoding: Encoding = None,
    maps: Maps = None,
    map_stage: Annotated[
        list[str] | None,
        typer.Option("--map-stage", help='Map a stage name from the file: "Old=New" (repeatable).'),
    ] = None,
    dry_run: DryRun = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Abort on the first rejected row.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Import deals from CSV (Pipedrive's deals export is the model).

    Columns: title, contact (name and/or email) or company, amount, currency, stage, expected
    close date, next step, status. Contacts and companies are matched or created; an unknown
    stage stops the import with the list of stages unless mapped with --map-stage.
    """
    from crmcli.core.interchange.deals_csv import read_deals
    from crmcli.core.interchange.importing.deals import import_deals, parse_stage_map
    from crmcli.core.interchange.importing.options import ImportOptions

    app_state = state(ctx)
    stage_map = parse_stage_map(map_stage or [])
    stream, path = _open(source)
    with stream:
        layout, _mapping, records = read_deals(
            stream, encoding=encoding, overrides=maps or [], date_order=app_state.config.date_order
        )
        store = app_state.store(write=True)
        rejects = _Rejects(path, layout.header, store, write=not dry_run)
        options = ImportOptions(
            dry_run=dry_run, strict=strict, label=f"import deals {path.name if path else 'stdin'}"
        )
        try:
            summary = import_deals(store, records, options, stage_map=stage_map, on_reject=rejects)
        except BaseException:
            rejects.discard()
            raise
        rejects.close()
    name = path.name if path else "stdin"
    if as_json:
        import json

        print(json.dumps({"file": name, "dry_run": dry_run, **summary.as_dict()}, indent=2))
        return
    for text in rejects.first:
        warn(f"rejected {text}")
    verb = "would import" if dry_run else "imported"
    extra = ""
    if summary.contacts_created or summary.companies_created:
        extra = (
            f"; {plural(summary.contacts_created, 'contact')} and "
            f"{plural(summary.companies_created, 'company')} created"
        )
    print(
        f"{verb} {name}: {plural(summary.created, 'deal')} created, {summary.updated} updated, "
        f"{summary.unchanged} already there, {summary.rejected} rejected{extra}"
    )
