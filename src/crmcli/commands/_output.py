"""The one output renderer: table, json, jsonl, csv (and tsv) for every command.

Data goes to stdout, messages to stderr. Tables are plain aligned text (no box
drawing), coloured only on a terminal without NO_COLOR, so output pipes
cleanly; it is hand-rolled rather than Rich's because the hot commands cannot
afford Rich's import time. json/jsonl/csv stream row by row.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TextIO


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    tsv = "tsv"
    ics = "ics"
    vcard = "vcard"
    mutt = "mutt"
    aerc = "aerc"


LIST_FORMATS = (OutputFormat.table, OutputFormat.json, OutputFormat.jsonl, OutputFormat.csv)


@dataclass(frozen=True)
class Column:
    """A column of a table: the row key, its header, and how to show its value."""

    key: str
    header: str
    fmt: Callable[[Any], str] | None = None
    max_width: int = 40


def use_color(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM", "") != "dumb"


def style(text: str, code: str, stream: TextIO | None = None) -> str:
    """Wrap text in an ANSI style when the stream is a colour terminal."""
    return f"\033[{code}m{text}\033[0m" if use_color(stream or sys.stdout) else text


def cell(value: Any) -> str:
    """A value as plain text: lists joined, None empty, booleans as yes/no."""
    if type(value) is str:  # the common case first: tables of thousands of rows
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return "; ".join(cell(v) for v in value)
    return str(value)


def resolve(
    fmt: OutputFormat | None, as_json: bool, allowed: Sequence[OutputFormat] = LIST_FORMATS
) -> OutputFormat:
    """`--json` is shorthand for `--format json`; a format the command lacks is a usage error."""
    from crmcli.core.errors import Invalid

    if as_json:
        if fmt not in (None, OutputFormat.json):
            raise Invalid("--json and --format disagree; give one of them")
        fmt = OutputFormat.json
    chosen = fmt or OutputFormat.table
    if chosen not in allowed:
        names = ", ".join(f.value for f in allowed)
        raise Invalid(f"this command does not write {chosen.value}; formats: {names}")
    return chosen


def _json_default(value: Any) -> Any:
    return str(value)


def render(
    rows: Iterable[Mapping[str, Any]],
    fmt: OutputFormat,
    columns: Sequence[Column],
    *,
    out: TextIO | None = None,
    safe: bool = True,
) -> int:
    """Write rows in the chosen format; returns how many were written.

    csv and tsv are spreadsheet formats: their cells a spreadsheet would run as
    formulas come out neutralised (`crmcli.core.values.cells`), unless `safe` is off
    (`crm export --raw`). JSON, JSON Lines and tables are never altered.
    """
    stream = out or sys.stdout
    if fmt is OutputFormat.json:
        count = 0
        stream.write("[")
        for row in rows:
            stream.write(",\n  " if count else "\n  ")
            stream.write(json.dumps(row, ensure_ascii=False, default=_json_default))
            count += 1
        stream.write("\n]\n" if count else "]\n")
        return count
    if fmt is OutputFormat.jsonl:
        count = 0
        for row in rows:
            stream.write(json.dumps(row, ensure_ascii=False, default=_json_default) + "\n")
            count += 1
        return count
    if fmt in (OutputFormat.csv, OutputFormat.tsv):
        keys = [c.key for c in columns]
        writer = _csv_writer(stream, "\t" if fmt is OutputFormat.tsv else ",")
        count = 0
        if safe:
            # Imported here: table and JSON output never need it (hot commands count
            # their modules). A cell whose first character is safe, nearly all of them,
            # costs one set lookup; the rest go through the one `neutralise`. Headers
            # too: a report's columns can carry a stage's or a currency's name.
            from crmcli.core.values.cells import FORMULA_STARTS, neutralise

            writer.writerow([neutralise(k) for k in keys])
            starts = FORMULA_STARTS
            for row in rows:
                writer.writerow(
                    [neutralise(v) if (v := cell(row.get(k)))[:1] in starts else v for k in keys]
                )
                count += 1
            return count
        writer.writerow(keys)
        for row in rows:
            writer.writerow([cell(row.get(k)) for k in keys])
            count += 1
        return count
    return _table(list(rows), columns, stream)


def write_csv_tuples(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    out: TextIO,
    *,
    delimiter: str = ",",
    safe: bool = False,
) -> None:
    """CSV straight from tuples, written as they come: the export path for millions of rows.

    With `safe`, cells a spreadsheet would run as formulas are neutralised on the way
    (`neutralised`: a row without one goes out untouched, not copied). Without it the
    rows go out as given: the interaction export's arrive neutralised by that same
    function already, unless --raw.
    """
    writer = _csv_writer(out, delimiter)
    if safe:
        from crmcli.core.values.cells import neutralised

        writer.writerows(neutralised([columns]))
        writer.writerows(neutralised(rows))
    else:
        writer.writerow(columns)
        writer.writerows(rows)


def _csv_writer(out: TextIO, delimiter: str) -> Any:
    """Every CSV and TSV crm writes: RFC 4180 quoting and line ends."""
    return csv.writer(out, delimiter=delimiter, lineterminator="\r\n")


def _table(rows: list[Mapping[str, Any]], columns: Sequence[Column], stream: TextIO) -> int:
    if not rows:
        return 0
    tty = stream.isatty()
    texts = [
        [
            (c.fmt(row.get(c.key)) if c.fmt else cell(row.get(c.key))).replace("\n", " ")
            for c in columns
        ]
        for row in rows
    ]
    widths = [max(len(c.header), *(len(t[i]) for t in texts)) for i, c in enumerate(columns)]
    if tty:
        widths = [min(w, c.max_width) for w, c in zip(widths, columns, strict=True)]
        total = shutil.get_terminal_size((100, 24)).columns
        # Too wide for the terminal: narrow the widest column, one character at a
        # time, so the squeeze is shared instead of wiping out a single column.
        overflow = sum(widths) + 2 * (len(widths) - 1) - total
        while overflow > 0 and max(widths) > 8:
            widths[widths.index(max(widths))] -= 1
            overflow -= 1

    def fit(text: str, width: int) -> str:
        return text if len(text) <= width else text[: width - 1] + "…"

    header = "  ".join(c.header.ljust(w) for c, w in zip(columns, widths, strict=True))
    stream.write(style(header.rstrip(), "1", stream) + "\n")
    for t in texts:
        line = "  ".join(fit(v, w).ljust(w) for v, w in zip(t, widths, strict=True))
        stream.write(line.rstrip() + "\n")
    return len(rows)


def render_record(
    record: Mapping[str, Any],
    fmt: OutputFormat,
    lines: Sequence[tuple[str, Any]],
    *,
    out: TextIO | None = None,
) -> None:
    """One record: a JSON object, or `label  value` lines for people."""
    stream = out or sys.stdout
    if fmt in (OutputFormat.json, OutputFormat.jsonl):
        indent = 2 if fmt is OutputFormat.json else None
        stream.write(
            json.dumps(record, ensure_ascii=False, indent=indent, default=_json_default) + "\n"
        )
        return
    shown = [(label, cell(value)) for label, value in lines if cell(value) != ""]
    width = max((len(label) for label, _ in shown), default=0)
    for label, value in shown:
        pad = " " * (width + 2)
        value_text = value.replace("\n", "\n" + pad)
        stream.write(f"{style(label.ljust(width), '2', stream)}  {value_text}\n")


def message(text: str) -> None:
    """A note for the person (stderr), never mixed into the data on stdout."""
    sys.stderr.write(text + "\n")


def warn(text: str) -> None:
    sys.stderr.write(style("warning:", "33", sys.stderr) + " " + text + "\n")
