"""The one output renderer: table, json, jsonl, csv (and tsv) for every command.

Data goes to stdout, messages to stderr. Tables are plain aligned text (no box
drawing), so output pipes cleanly; coloured on a terminal unless NO_COLOR is set
(non-empty), and when piped too if FORCE_COLOR is (https://no-color.org,
https://force-color.org). Tables are hand-rolled rather than Rich's because the
hot commands cannot afford Rich's import time; they align by display width (a
CJK character takes two cells, a combining accent none), measured by Rich's own
`cell_len` only for text that needs it. json/jsonl/csv stream row by row.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, TextIO

from crmcli.core.values.text import cell_text

if TYPE_CHECKING:
    from crmcli.core.interchange.csv_out import Kind


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


# How a column gives way when a table is wider than the terminal:
# - whole: never cut (a rep acts on it: the id to type, the number to dial, the address
#   to write to, a date or an amount, useless in part);
# - trim: cut with `…` once the free text has given way, down to TRIM_FLOOR cells (and
#   below only when the whole columns leave no other room);
# - give: free text, cut first (down to GIVE_FLOOR cells) and, when even that leaves no
#   room, left out, the rightmost first.
Keep = Literal["whole", "trim", "give"]

WHOLE_KEYS = frozenset(
    {"id", "email", "emails", "phone", "phones", "due", "at", "when", "amount"}
    | {"expected_close", "last_touch_at", "weighted", "best", "commit"}
)
GIVE_KEYS = frozenset(
    {"company", "tags", "notes", "note", "matched", "next_step", "text", "snippet", "doc"}
    | {"deal", "status", "industry", "domain", "source", "outcome", "flags"}
)
GIVE_FLOOR = 8
TRIM_FLOOR = 12
GAP = 2  # cells between columns


@dataclass(frozen=True)
class Column:
    """A column of a table: the row key, its header, and how to show its value.

    `keep` says how the column gives way on a narrow terminal; by default it follows
    from the key (WHOLE_KEYS, GIVE_KEYS, anything else is trimmed). `max_width` caps a
    column on a terminal; a whole column is never capped.
    """

    key: str
    header: str
    fmt: Callable[[Any], str] | None = None
    max_width: int = 40
    keep: Keep | None = None
    kind: Literal["text", "phone", "number"] | None = None  # for csv: see csv_out.kind_of

    @property
    def role(self) -> Keep:
        if self.keep is not None:
            return self.keep
        if self.key in WHOLE_KEYS:
            return "whole"
        return "give" if self.key in GIVE_KEYS else "trim"


def use_color(stream: TextIO) -> bool:
    """Style this stream? NO_COLOR (non-empty) says never, FORCE_COLOR (non-empty) always.

    Otherwise only a terminal that is not `dumb`. An empty NO_COLOR= or FORCE_COLOR=
    counts as unset, as both conventions ask.
    """
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty() and os.environ.get("TERM", "") != "dumb"


def style(text: str, code: str, stream: TextIO | None = None) -> str:
    """Wrap text in an ANSI style when the stream is a colour terminal."""
    return f"\033[{code}m{text}\033[0m" if use_color(stream or sys.stdout) else text


# Characters one terminal cell wide, as Rich measures them (tests/commands/test_width.py
# checks every one): printable ASCII and Latin-1, Latin Extended and IPA, Greek and
# Cyrillic, general punctuation (dashes, quotes, bullets, `…`), arrows, box drawing and
# blocks. Text made of these alone, nearly every name in a European address book, is
# measured by len(); anything else (CJK, combining marks, emoji, zero-width joiners) by
# Rich's `cell_len`, imported only then: a hot command on such data does not load Rich.
_NOT_ONE_CELL = re.compile(
    "[^\x20-\x7e\xa0-\xac\xae-\u02ff\u0370-\u0482\u2010-\u2027\u2030-\u205e"
    "\u2190-\u21ff\u2500-\u25fc]"
)


def _one_cell_each(text: str) -> bool:
    return text.isascii() or _NOT_ONE_CELL.search(text) is None


def cells(text: str) -> int:
    """The width of text on a terminal, in cells: 山田 is 4, e + U+0301 is 1, 👍 is 2."""
    if _one_cell_each(text):
        return len(text)
    from rich.cells import cell_len  # only for text that needs it (see _NOT_ONE_CELL)

    return cell_len(text)


def crop(text: str, width: int) -> str:
    """Text in at most `width` cells, ending in `…` when cut (never through a character)."""
    if cells(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    if _one_cell_each(text):
        return text[: width - 1] + "…"
    from rich.cells import set_cell_size

    # set_cell_size keeps a combining mark with its letter; a wide character it
    # would split becomes a space, which the ellipsis replaces.
    return set_cell_size(text, width - 1).rstrip(" ") + "…"


def pad(text: str, width: int) -> str:
    """Text cropped or padded with spaces to exactly `width` cells."""
    text = crop(text, width)
    return text + " " * (width - cells(text))


cell = cell_text  # a value as plain text: lists joined, None empty, booleans as yes/no


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
    excel: bool = False,
    delimiter: str = ",",
) -> int:
    """Write rows in the chosen format; returns how many were written.

    csv and tsv are spreadsheet formats, written by the one writer
    (`crmcli.core.interchange.csv_out`): cells a spreadsheet would run as formulas come
    out neutralised unless `safe` is off (`crm export --raw`); `excel` adds a UTF-8
    byte-order mark, `delimiter` replaces the comma of csv. JSON, JSON Lines and tables
    are never altered.
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
        # Imported here: table and JSON output never need it (hot commands count their
        # modules). The one writer neutralises formulas, headers included (a report's
        # columns can carry a stage's or a currency's name), phones and numbers by kind.
        from crmcli.core.interchange.csv_out import Sheet

        keys = [c.key for c in columns]
        sheet = Sheet(
            stream,
            keys,
            tsv=fmt is OutputFormat.tsv,
            delimiter=delimiter,
            excel=excel,
            safe=safe,
            kinds={c.key: c.kind for c in columns if c.kind},
        )
        return sheet.dicts(rows, keys)
    return _table(list(rows), columns, stream)


def write_csv_tuples(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    out: TextIO,
    *,
    delimiter: str = ",",
    safe: bool = False,
    tsv: bool = False,
    excel: bool = False,
    kinds: Mapping[str, Kind] | None = None,
) -> int:
    """CSV (or TSV) straight from tuples, written as they come: the path for millions of rows.

    Through the one writer (`csv_out.Sheet`): with `safe`, cells a spreadsheet would
    run as formulas are neutralised on the way, a row without one untouched.
    """
    from crmcli.core.interchange.csv_out import Sheet

    sheet = Sheet(out, columns, tsv=tsv, delimiter=delimiter, excel=excel, safe=safe, kinds=kinds)
    return sheet.rows(rows)


# Line breaks and tabs become spaces in a table: inside a value they would break its rows.
_FLAT = str.maketrans("\n\r\t", "   ")


def _table(rows: list[Mapping[str, Any]], columns: Sequence[Column], stream: TextIO) -> int:
    if not rows:
        return 0
    texts = [
        [
            t if (t := c.fmt(row.get(c.key)) if c.fmt else cell(row.get(c.key))).isprintable()
            else t.translate(_FLAT)
            for c in columns
        ]
        for row in rows
    ]  # fmt: skip
    # Each cell measured once: tables of thousands of rows are on the hot path.
    sizes = [[len(t) if t.isascii() else cells(t) for t in line] for line in texts]
    by_column = zip(*sizes, strict=True)
    natural = [max(cells(c.header), *sized) for c, sized in zip(columns, by_column, strict=True)]
    widths: list[int | None] = list(natural)
    if stream.isatty():
        widths = fit_widths(columns, natural, shutil.get_terminal_size((100, 24)).columns)
    shown = [(i, w) for i, w in enumerate(widths) if w is not None]
    header = "  ".join(pad(columns[i].header, w) for i, w in shown)
    stream.write(style(header.rstrip(), "1", stream) + "\n")
    for line, size in zip(texts, sizes, strict=True):
        fitted = [
            line[i] + " " * (w - size[i]) if size[i] <= w else _cut(line[i], size[i], w)
            for i, w in shown
        ]
        stream.write("  ".join(fitted).rstrip() + "\n")
    return len(rows)


def _cut(text: str, size: int, width: int) -> str:
    """Text `size` cells wide, too wide for `width`: cut with `…` to exactly `width` cells."""
    if size == len(text) and _one_cell_each(text):
        return text[: width - 1] + "…"
    return pad(text, width)


def fit_widths(columns: Sequence[Column], natural: Sequence[int], total: int) -> list[int | None]:
    """Each column's width on a terminal `total` cells wide; None for a column left out.

    The free text gives way first (cut, then left out from the right), then the other
    trimmable columns; whole columns (phone, email, id, dates) keep their width even
    when the line then has to wrap: a cut phone number is worse than a wrapped line.
    """
    roles = [c.role for c in columns]
    capped = [
        n if role == "whole" else min(n, c.max_width)
        for n, c, role in zip(natural, columns, roles, strict=True)
    ]
    give = [i for i, role in enumerate(roles) if role == "give"]
    trim = [i for i, role in enumerate(roles) if role == "trim"]
    for dropped in range(len(give) + 1):
        hidden = set(give[len(give) - dropped :])
        widths = {i: w for i, w in enumerate(capped) if i not in hidden}
        over = sum(widths.values()) + GAP * (len(widths) - 1) - total
        over = _shrink(widths, [i for i in give if i in widths], GIVE_FLOOR, over)
        over = _shrink(widths, trim, TRIM_FLOOR, over)
        if over <= 0:
            break
    else:  # even without the free text: names go below their floor, whole columns stay
        _shrink(widths, trim, 3, over)
    return [widths.get(i) for i in range(len(columns))]


def _shrink(widths: dict[int, int], which: Sequence[int], floor: int, over: int) -> int:
    """Take up to `over` cells from the widest of `which`, one at a time, none below floor."""
    while over > 0:
        wide = [i for i in which if widths[i] > floor]
        if not wide:
            break
        widths[max(wide, key=widths.__getitem__)] -= 1
        over -= 1
    return over


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
    width = max((cells(label) for label, _ in shown), default=0)
    margin = " " * (width + 2)
    for label, value in shown:
        value_text = value.replace("\n", "\n" + margin)
        stream.write(f"{style(pad(label, width), '2', stream)}  {value_text}\n")


def message(text: str) -> None:
    """A note for the person (stderr), never mixed into the data on stdout."""
    sys.stderr.write(text + "\n")


def warn(text: str) -> None:
    sys.stderr.write(style("warning:", "33", sys.stderr) + " " + text + "\n")
