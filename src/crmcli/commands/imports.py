"""`crm import ...`: bring contacts and deals in from the files other tools export."""

from __future__ import annotations

import contextlib
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, BinaryIO, NoReturn

import typer

from crmcli.commands._import_report import (
    FileFacts,
    contacts_json,
    print_json,
    render_contacts,
    total,
    total_line,
)
from crmcli.commands._options import ReportJsonFlag
from crmcli.commands._output import warn
from crmcli.commands._progress import Progress, progress_for
from crmcli.commands._state import AppState, state
from crmcli.core.errors import by_ctrl_c

if TYPE_CHECKING:
    from collections.abc import Callable

    from crmcli.core.atomic import TextReplacement
    from crmcli.core.db.store import Store
    from crmcli.core.interchange.files import Reading
    from crmcli.core.interchange.importing.options import ImportOptions, ImportSummary
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
Sources = Annotated[
    list[str],
    typer.Argument(
        help="The files (each imported whole or not at all, one after another), a vdir folder "
        "of .vcf files (read as one file), or - for standard input.",
        show_default=False,
    ),
]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show what would happen; write nothing.")]


def _open(source: str) -> tuple[BinaryIO, Path | None]:
    """The input as a seekable binary stream (stdin is spooled: sniffing reads it twice)."""
    from crmcli.core.errors import Invalid

    if source == "-":
        return _spool(sys.stdin.buffer, "standard input"), None
    path = Path(source).expanduser()
    if not path.exists():
        raise Invalid(f"no such file: {source}")
    if path.is_dir():
        return _vdir(path, source), path
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise Invalid(f"cannot read {source}: {exc.strerror}") from exc
    if path.is_file():
        return stream, path
    # A pipe (`<(iconv ...)`, /dev/stdin, a FIFO) or a device cannot be read twice: spooled.
    with stream:
        return _spool(stream, source), path


def _spool(stream: BinaryIO, label: str) -> BinaryIO:
    """A stream that cannot seek, copied to a seekable temporary file (sniffing reads twice).

    Its first MiB is looked at before the rest is copied: /dev/zero or a binary stream is
    refused at once instead of being copied without end.
    """
    from crmcli.core.errors import Invalid
    from crmcli.core.interchange.encoding import wide_encoding

    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115
    first = True
    while chunk := stream.read(1 << 20):
        if first and b"\x00" in chunk and wide_encoding(chunk) is None:
            spool.close()
            raise Invalid(f"{label} looks like a binary file, not a contacts file")
        first = False
        spool.write(chunk)
    spool.seek(0)
    return spool  # type: ignore[return-value]


def _vdir(path: Path, source: str) -> BinaryIO:
    """A vdir address book (khard, vdirsyncer, `crm export --split`): its cards as one file.

    One .vcf per contact, read in name order as if they were one multi-card file, so the
    folder gets one report and one all-or-nothing import, not one per card.
    """
    from crmcli.core.errors import Invalid

    cards = sorted(
        p for p in path.iterdir() if p.suffix.lower() in (".vcf", ".vcard") and p.is_file()
    )
    if not cards:
        raise Invalid(f"{source} is a folder with no .vcf files in it")
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115
    for card in cards:
        try:
            data = card.read_bytes()
        except OSError as exc:
            raise Invalid(f"cannot read {card}: {exc.strerror}") from exc
        spool.write(data.removeprefix(b"\xef\xbb\xbf"))  # a BOM mid-stream is no text
        if not data.endswith(b"\n"):
            spool.write(b"\r\n")
    spool.seek(0)
    return spool  # type: ignore[return-value]


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
            if path and path.is_file()  # not beside a pipe: /dev/fd/63.rejects.csv
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
            from crmcli.core.interchange.csv_out import Sheet

            # The one CSV writer: a rejected row can hold a formula a spreadsheet would run.
            self._writer = Sheet(self._file.stream, ["line", "reason", *self.header])
        self._writer.row([reject.line, reject.reason, *reject.cells])

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
    sources: Sources,
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
    as_json: ReportJsonFlag = False,
) -> None:
    """Import contacts from CSV (Google, Outlook in English and six other languages,
    Thunderbird, LinkedIn, HubSpot, Salesforce, Zoho, Pipedrive, spreadsheets), vCard or LDIF.

    Atomic: all of a file is imported, or nothing; several files are imported one after
    another, each with its report, then a total. Duplicates (same email with a compatible
    name, same name and phone, same profile URL) update the existing contact, filling empty
    fields and adding new emails, phones and tags, never overwriting what is there.

    The report names the format and encoding read, what was created, updated, merged or
    left alone, possible duplicates, rejected rows (also written to FILE.rejects.csv) and
    fields not imported. On a terminal a long import shows its progress.
    """
    from crmcli.core.errors import Invalid
    from crmcli.core.interchange.files import open_contacts
    from crmcli.core.interchange.importing.options import ImportOptions

    if on_duplicate not in ("update", "skip", "create"):
        raise Invalid(f"--on-duplicate must be update, skip or create, not {on_duplicate!r}")
    if sources.count("-") > 1:
        raise Invalid("- (standard input) can be given only once")
    app_state = state(ctx)
    options = ImportOptions(on_duplicate=on_duplicate, dry_run=dry_run, strict=strict)
    with contextlib.ExitStack() as stack:
        # Every file is opened and recognised before any is imported: a missing file or one
        # that is no contacts file is refused while nothing has been written yet.
        files = []
        for source in sources:
            stream, path = _open(source)
            stack.enter_context(stream)
            size = _size(stream)
            reading = open_contacts(
                stream,
                fmt=fmt,
                encoding=encoding,
                overrides=maps or [],
                date_order=app_state.config.date_order,
            )
            files.append(_Input(stream, path, size, reading))
        if show_mapping:
            for item in files:
                if len(files) > 1:
                    print(f"{item.name}:")
                _print_mapping(item.reading)
            return
        # One file after another, each whole or not at all: each report is printed as its
        # file is done, so an error in a later file never hides what the earlier ones did.
        summaries: list[ImportSummary] = []
        reports: list[dict[str, Any]] = []
        for item in files:
            facts, summary = _import_file(app_state, item, options)
            summaries.append(summary)
            if as_json:
                reports.append(contacts_json(facts, summary, dry_run))
            else:
                render_contacts(facts, summary, dry_run)
    if as_json:  # one file: the same object as ever; several: each, and the total
        several = {"files": reports, "total": total(summaries)}
        print_json(reports[0] if len(reports) == 1 else several)
    elif len(files) > 1:
        print(total_line(summaries, dry_run))


@dataclass
class _Input:
    """One file of the command line, opened and recognised."""

    stream: BinaryIO
    path: Path | None
    size: int | None
    reading: Reading

    @property
    def name(self) -> str:
        return self.path.name if self.path else "stdin"


def _import_file(
    app_state: AppState, item: _Input, options: ImportOptions
) -> tuple[FileFacts, ImportSummary]:
    """Import one file, whole or not at all; its facts and summary for the report."""
    from crmcli.core.interchange.importing.contacts import import_contacts

    reading, dry_run = item.reading, options.dry_run
    scratch = None
    if dry_run and not _exists(app_state):
        # A dry run never creates the database: it runs against an empty scratch one.
        scratch = tempfile.TemporaryDirectory(prefix="crm-dry-run-")
        from crmcli.core.books import open_store

        store = open_store(str(Path(scratch.name) / "scratch.db"), app_state.config, write=True)
    else:
        store = app_state.store(write=True)
    rejects = _Rejects(item.path, reading.header, store, write=not dry_run)
    # Bytes read of the file's size: the one fraction known before the end. Only a CSV
    # file is read as it is imported; the other formats are read whole first.
    progress = progress_for(
        f"importing {item.name}",
        size=item.size if reading.format == "csv" else None,
        position=item.stream.tell,
    )
    try:
        summary = import_contacts(
            store,
            reading.items,
            replace(options, label=f"import contacts {item.name}"),
            on_reject=rejects,
            progress=progress,
            convert=reading.convert,
        )
    except BaseException as exc:
        rejects.discard()
        if by_ctrl_c(exc):
            _interrupted(progress)
        raise
    finally:
        if progress:
            progress.close()
        if scratch is not None:
            store.close()
            scratch.cleanup()
    rejects.close()
    for field_name, why in (getattr(reading, "not_imported", None) or {}).items():
        summary.not_imported_field(field_name, why, 0)
    facts = FileFacts.of(item.name, reading)
    if rejects.count and not dry_run:
        facts.rejects_file = rejects.target
    return facts, summary


def _size(stream: BinaryIO) -> int | None:
    """The input's size in bytes (stdin was spooled whole, so it has one too)."""
    try:
        size = stream.seek(0, 2)
        stream.seek(0)
    except (OSError, ValueError):
        return None
    return size or None


def _interrupted(progress: Progress | None) -> NoReturn:
    """Ctrl-C: the import is one transaction, rolled back by now; say so, exit 130."""
    if progress:
        progress.close()
    sys.stderr.write("crm: interrupted: nothing was imported, the database is as it was\n")
    raise typer.Exit(130)


def _exists(app_state: AppState) -> bool:
    from crmcli.core.db.store import resolve_location

    location = resolve_location(app_state.db)
    return location.is_url or Path(location.target).expanduser().exists()


def _print_mapping(reading: Reading) -> None:
    """The format, the tool, the encoding as found, and where each column goes."""
    for line in getattr(reading, "warnings", None) or []:
        warn(line)
    encoding = getattr(reading, "encoding_note", None) or reading.encoding
    print(
        f"format: {reading.format}, source: {reading.source}, encoding: {encoding}"
        + (f", delimiter: {reading.delimiter!r}" if reading.format == "csv" else "")
    )
    if reading.format != "csv":
        print("(vCard, LDIF and JSON fields map by name; there are no columns to map)")
        return
    width = max((len(h) for h, _ in reading.mapping), default=0)
    for header, target in reading.mapping:
        print(f"  {header.ljust(width)}  ->  {target or '(kept as a custom field)'}")


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
    as_json: ReportJsonFlag = False,
) -> None:
    """Import deals from CSV: Salesforce, Pipedrive, HubSpot and Zoho exports, or any sheet.

    Salesforce (Data Loader, Data Export and report exports), Pipedrive, HubSpot and Zoho
    deals exports are recognised, other sheets by their column names (English or French):
    title, contact (name and/or email) or company, amount, currency, stage, probability,
    expected close date, next step, status. Each row's own currency column is used; won/lost
    flags and the vendors' default stage names map onto the pipeline. Contacts and companies
    are matched or created. Deals with the same title and company are one deal only when
    their id in the other tool, or their amount and close date too, agree. An unknown stage
    on an open deal stops the import with the list of stages unless mapped with --map-stage.
    """
    from crmcli.commands._deals_report import deals_json, render_deals
    from crmcli.core.interchange.deals_csv import read_deals, source_of
    from crmcli.core.interchange.importing.deals import import_deals, parse_stage_map
    from crmcli.core.interchange.importing.options import ImportOptions

    app_state = state(ctx)
    stage_map = parse_stage_map(map_stage or [])
    stream, path = _open(source)
    name = path.name if path else "stdin"
    with stream:
        size = _size(stream)
        layout, mapping, records = read_deals(
            stream, encoding=encoding, overrides=maps or [], date_order=app_state.config.date_order
        )
        store, scratch = _deals_store(app_state, dry_run)
        rejects = _Rejects(path, layout.header, store, write=not dry_run)
        options = ImportOptions(dry_run=dry_run, strict=strict, label=f"import deals {name}")
        bar = progress_for(f"reading {name}", size=size, position=stream.tell)
        try:
            summary = import_deals(
                store,
                records,
                options,
                stage_map=stage_map,
                on_reject=rejects,
                source=source_of(layout.header),
                progress=_two_passes(bar, f"importing {name}") if bar else None,
            )
        except BaseException as exc:
            rejects.discard()
            if by_ctrl_c(exc):
                _interrupted(bar)
            raise
        finally:
            if bar:
                bar.close()
            if scratch is not None:
                store.close()
                scratch.cleanup()
        rejects.close()
    rejects_file = rejects.target if rejects.count and not dry_run else None
    custom = [h.strip() or f"column {i + 1}" for i, (h, t) in enumerate(mapping) if t is None]
    report = (name, layout, summary, dry_run, custom, rejects_file)
    if as_json:
        print_json(deals_json(*report))
    else:
        render_deals(*report)


def _deals_store(app_state: AppState, dry_run: bool) -> tuple[Store, Any]:
    """The database to import deals into; a dry run with no database yet gets an empty
    scratch one (and the folder to clean up), so that it never creates the real one."""
    if not dry_run or _exists(app_state):
        return app_state.store(write=True), None
    from crmcli.core.books import open_store

    scratch = tempfile.TemporaryDirectory(prefix="crm-dry-run-")
    path = str(Path(scratch.name) / "scratch.db")
    return open_store(path, app_state.config, write=True), scratch


def _two_passes(bar: Progress, writing: str) -> Callable[[int, int | None], None]:
    """The deals importer's progress: the file read and checked (by bytes), then the rows
    written (of how many), each pass with its own label, rate and time left."""
    passes = {"writing": False}

    def tick(rows: int, total: int | None) -> None:
        if total is not None and not passes["writing"]:
            passes["writing"] = True
            bar.restart(writing, total=total)
        bar(rows)

    return tick
