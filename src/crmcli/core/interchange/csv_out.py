"""The one CSV and TSV writer: every spreadsheet file crm writes goes through `Sheet`.

Why one writer: a spreadsheet runs a cell that starts with `= + - @`, a tab or a
carriage return as a formula (CSV injection, OWASP), and crm reads its own files back.
Both rules (how a cell is defused, how it is restored) must agree byte for byte, so
they live here and nowhere else: `crm export`, every list command's `--format
csv`/`tsv` and the import's rejects file use this module.

Formula safety. A text cell that starts with one of those characters gets a leading
apostrophe (`'=HYPERLINK(...)`), which spreadsheets show as text. So that *any* text
survives `export` then `import` exactly, a cell that starts with apostrophes followed
by a formula character gets one more (`'=x` is written `''=x`), and `restore` takes
exactly one apostrophe off a cell of that shape and leaves every other cell alone.
Two kinds of column are exempt, by what they are declared to be, never by guessing
from the content of an arbitrary cell:
- phone columns (`PHONE_COLUMNS`, or a `Column`'s kind): a cell holding exactly one
  number in international form is written unprefixed, its groups separated by spaces
  (`+33 6 12 34 56 78`, `+1 905 555 0100`: libphonenumber's `+1 905-555-0100` would
  read as a subtraction); spreadsheets and pandas keep it as text, so the `+` survives.
  A cell holding several numbers is text like any other, and is neutralised;
- numeric columns (`NUMBER_COLUMNS`, and any int or float value): a plain number,
  negative ones included, is written as it is, so amounts can be summed;
- date columns (kind "date"): a whole `YYYY-MM-DD` or year-less `--MM-DD` (what Google
  writes for a birthday without a year) is a date, not a formula, and is written as is.
A third kind is for files meant for another tool's importer (`--layout google|outlook`),
which never takes an apostrophe off: kind "foreign" prefixes a cell starting with `=`,
a tab or a carriage return, and one starting with `+ - @` only when it could run
something (a function call `NAME(`, a DDE `|` or a reference `!`); `-5 points`, `- call
back`, `+33 6 12 34 56 78 ::: +44 ...` go as written, and an apostrophe is never doubled.

TSV is IANA text/tab-separated-values: no quoting at all; inside a value a tab, a
line feed, a carriage return and a backslash are written `\\t`, `\\n`, `\\r`, `\\\\`
(the convention of PostgreSQL's COPY, MySQL and Python's `csv` readers with an escape
step), so one record is always one line; `tsv_unescape` reads them back.

Pure stdlib: list commands are hot, and this is imported only when they write CSV.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import compress, repeat
from typing import Any, Literal, TextIO

from crmcli.core.values.text import cell_text

Kind = Literal["text", "phone", "number", "date", "foreign"]

FORMULA_STARTS = frozenset("=+-@\t\r")
"""First characters a spreadsheet may run as a formula (or hide one behind)."""
_CHECK = FORMULA_STARTS | {"'"}  # the fast path: any other first character is safe

PHONE_COLUMNS = frozenset(
    {"phone", "phones", "contact_phone", "mobile", "work_phone", "home_phone", "number"}
)
"""Columns, by name, that hold phone numbers wherever crm writes them."""
NUMBER_COLUMNS = frozenset(
    {"id", "amount", "amount_minor", "probability", "weighted", "best", "commit", "value"}
    | {"total", "count", "target", "done", "days_in_stage", "cadence_days", "duration_seconds"}
    | {"contact_id", "company_id", "deal_id", "people", "snooze_count", "version", "open"}
    | {"won", "lost", "win_rate", "average", "deals", "days"}
)
"""Columns, by name, that hold numbers: `-1500.50` there is an amount, not a formula."""

_ONE_PHONE = re.compile(r"\+\d{1,3}(?:[ -]\d+)+(?: ext\. \d+)?")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r]")
_DATE = re.compile(r"(?:\d{4}|-)-\d\d-\d\d")
_RUNS = re.compile(r"[|!]|[^\W\d]\s*\(")  # a DDE pipe, a sheet reference, a function call
_TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_TSV_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_TSV_UNESCAPES = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}
_TSV_SPECIAL = re.compile(r"[\\\t\n\r]")
BOM = "\ufeff"


def kind_of(column: str) -> Kind:
    """A column's kind by its name (crm's columns are named the same in every command)."""
    if column in PHONE_COLUMNS:
        return "phone"
    return "number" if column in NUMBER_COLUMNS else "text"


def neutralise(value: str, kind: Kind = "text") -> str:
    """A cell made safe for a spreadsheet, by the rule of the module docstring."""
    if not value or value[0] not in _CHECK:
        return value
    if kind == "foreign":
        if value[0] in "=\t\r" or (value[0] in "+-@" and _RUNS.search(value)):
            return "'" + value
        return value
    if kind == "date" and _DATE.fullmatch(value):
        return value
    if value[0] == "'":
        # Apostrophes then a formula character: one more, so `restore` gives it back.
        return "'" + value if _NEUTRALISED.match(value) else value
    if kind == "phone" and _ONE_PHONE.fullmatch(value):
        return value.replace("-", " ")
    if kind == "number" and _NUMBER.fullmatch(value):
        return value
    return "'" + value


def restore(value: str) -> str:
    """The text `neutralise` was given: one apostrophe off a cell it prefixed, else as is."""
    return value[1:] if value[:1] == "'" and _NEUTRALISED.match(value) else value


def tsv_escape(value: str) -> str:
    return value.translate(_TSV_ESCAPES) if _TSV_SPECIAL.search(value) else value


def tsv_unescape(value: str) -> str:
    """`\\t \\n \\r \\\\` back to what they stand for; any other backslash is kept as written."""
    if "\\" not in value:
        return value
    return _TSV_ESCAPED.sub(lambda m: _TSV_UNESCAPES.get(m.group(1), m.group(0)), value)


def _is_number(value: Any) -> bool:
    """An int, float or Decimal value: a number by its type, whatever its column."""
    return (type(value) is not bool and isinstance(value, int | float)) or (
        type(value).__name__ == "Decimal"
    )


_text = cell_text  # a value as cell text: the renderer's rule


def check_delimiter(delimiter: str) -> str:
    """The delimiter, or ValueError saying why it cannot be one (the command says it in a line)."""
    if len(delimiter) != 1:
        raise ValueError(f"--delimiter must be one character, not {delimiter!r}")
    if delimiter in "\"'\r\n" or delimiter.isalnum():
        raise ValueError(f"--delimiter cannot be {delimiter!r} (a quote, a newline or a letter)")
    if delimiter != "\t" and not (delimiter.isascii() and delimiter.isprintable()):
        # `→` or a control byte: spreadsheets' import dialogs, pandas' fast reader and crm's
        # own import split on one ASCII byte; a file none of them can read back is no export.
        raise ValueError(
            f"--delimiter must be a tab or one ASCII character such as , ; or |, not {delimiter!r}"
        )
    return delimiter


class Sheet:
    """Rows to one CSV or TSV stream: `header` once, then `row` or `rows`.

    `kinds` overrides the kind a column has by its name (`kind_of`); `safe=False`
    (`crm export --raw`) leaves formulas as they are, but TSV is still escaped: that is
    the format, not a safety measure, and a raw tab would break its row. `excel` starts
    the file with a UTF-8 byte-order mark, which Excel and LibreOffice need to read UTF-8.
    """

    def __init__(
        self,
        out: TextIO,
        columns: Sequence[str],
        *,
        tsv: bool = False,
        delimiter: str = ",",
        excel: bool = False,
        safe: bool = True,
        kinds: Mapping[str, Kind] | None = None,
        header: bool = True,
    ) -> None:
        self.out = out
        self.tsv = tsv
        self.safe = safe
        self.kinds: list[Kind] = [(kinds or {}).get(c) or kind_of(c) for c in columns]
        self._csv = None if tsv else csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
        self._delimiter = "\t" if tsv else delimiter
        self._pending: list[str] = []  # the lines `_lines` writes, one at a time
        self._lines = csv.writer(_Into(self._pending), delimiter=delimiter, lineterminator="\r\n")
        self.count = 0
        if excel:
            out.write(BOM)
        if header:
            self._write([neutralise(c) if safe else c for c in columns])

    def _write(self, cells: list[str]) -> None:
        if self._csv is not None:
            self._csv.writerow(cells)
        else:
            self.out.write("\t".join(map(tsv_escape, cells)) + "\n")

    def _line(self, values: Sequence[Any]) -> str:
        """One row as `row` writes it, without its line end."""
        return self._quoted(self.cells(values))

    def _quoted(self, cells: Sequence[Any]) -> str:
        """Cells quoted (CSV) or escaped (TSV) as `row` writes them, without the line end."""
        return self._quoted_lines([cells])[0]

    def _quoted_lines(self, rows: list[Sequence[Any]]) -> list[str]:
        """`_quoted` for several rows at once (the CSV module's loop, in C); as they are:
        for stored cells, in which nothing is to be neutralised."""
        if self._csv is None:
            return ["\t".join([tsv_escape(_text(c)) for c in cells]) for cells in rows]
        self._pending.clear()
        self._lines.writerows(rows)
        return [line[:-2] for line in self._pending]  # less their "\r\n"

    def cells(self, values: Sequence[Any]) -> list[str]:
        """One row's cells as written (before CSV quoting or TSV escaping)."""
        texts = [_text(v) for v in values]
        if not self.safe:
            return texts
        check = _CHECK
        for t in texts:
            if t and t[0] in check:
                break
        else:
            return texts  # nearly every row: no cell to look at twice
        return [
            neutralise(t, k) if t and t[0] in check and not _is_number(v) else t
            for t, v, k in zip(texts, values, self.kinds, strict=False)
        ]

    def row(self, values: Sequence[Any]) -> None:
        self._write(self.cells(values))
        self.count += 1

    def rows(self, rows: Iterable[Sequence[Any]]) -> int:
        """Write rows as they come (flat memory); returns how many."""
        before = self.count
        for values in rows:
            self.row(values)
        return self.count - before

    def stored(self, batches: Iterable[Sequence[Sequence[Any]]]) -> int:
        """Batches of rows as a database driver returns them, written byte for byte as
        `rows` writes them, at several times its speed (a million-row export); how many.

        The cells must be str, int, float, bytes or None (what sqlite3 and psycopg give
        for integer and text columns), never bool or list, which `cell_text` spells its
        own way. Each row is first written the naive way, its cells' text joined by the
        delimiter: a C loop, where the CSV module spends over a microsecond a row. A row
        keeps that line when no cell could be written otherwise: the line holds exactly
        one delimiter fewer than cells (so no cell holds one), no cell holds a quote, a
        line break (TSV: a backslash), and, unless raw, none starts with a character
        `neutralise` looks at. Those are checked on the whole batch at once, and only in
        a batch that fails one, row by row; a row that fails goes through `row`'s own
        path (`cells`, then the CSV module), so the rule stays the one above.
        """
        before = self.count
        plain = _Plain(self._delimiter, self._csv is None, self.safe)
        end = "\n" if self._csv is None else "\r\n"
        out = self.out
        for batch in batches:
            lines = plain.lines(batch)
            wrapped, quoted, formulas = plain.suspects(lines, len(batch[0]) if batch else 0)
            if wrapped:  # a delimiter in a cell, and nothing else: that cell in quotes
                # (no quote to double, no line break in the row: the CSV module's rule)
                done = [plain.wrap(batch[i]) for i in wrapped]
                suspect = plain.hidden(done)
                for i, line in zip(wrapped, done, strict=True):
                    lines[i] = self._line(batch[i]) if suspect and suspect(line) else line
            if quoted:  # the CSV module's own lines, unless a cell may be a formula
                written = self._quoted_lines([batch[i] for i in quoted])
                suspect = plain.hidden(written)
                for i, line in zip(quoted, written, strict=True):
                    lines[i] = self._line(batch[i]) if suspect and suspect(line) else line
            for i in formulas:
                lines[i] = self._line(batch[i])
            lines.append("")  # the last line's end
            out.write(end.join(lines))
            self.count += len(batch)
        return self.count - before

    def dicts(self, rows: Iterable[Mapping[str, Any]], keys: Sequence[str]) -> int:
        before = self.count
        for row in rows:
            self.row([row.get(k) for k in keys])
        return self.count - before


class _Into:
    """A file for `csv.writer` that keeps what it writes in a list."""

    def __init__(self, into: list[str]) -> None:
        self.write = into.append


_NONE_EMPTY = {None: ""}.get  # map(_NONE_EMPTY, cells, cells): None as "", anything else as is


class _Plain:
    """The naive lines of `Sheet.stored` and which of them cannot stand as written.

    Every search runs over a whole batch's lines joined by the delimiter, where a cell
    starts at the beginning or after a delimiter (in a quoted line, perhaps behind its
    opening quote or, TSV, a backslash): a C loop over the batch, usually a `memchr`
    for a character absent from it. A line is looked at alone only when its batch has
    something to look for; a false alarm (a delimiter inside a quoted cell) only costs
    that line the exact path.
    """

    def __init__(self, delimiter: str, tsv: bool, safe: bool) -> None:
        self.delimiter = delimiter
        self.tsv = tsv
        self.texts = False  # whether the last batch's cells were all text already
        # Characters that make a cell's text differ from its naive line: the CSV
        # module quotes a cell holding a quote or a line break; TSV escapes these. The
        # delimiter is counted instead.
        self.special = ("\\\r\n" if tsv else '"\r\n').replace(delimiter, "")
        starts = "".join(sorted(_CHECK - {delimiter}))  # the delimiter starts none: counted
        self.heads = tuple(starts) if safe else ()
        if safe and tsv:  # any escape may hide a tab or a CR: suspect, whatever it is
            quoted_heads = (*starts, "\\")
        elif safe:
            quoted_heads = (*starts, *(f'"{c}' for c in sorted(_CHECK)))
        else:
            quoted_heads = ()
        self.quoted_heads: tuple[str, ...] = quoted_heads
        d, first = re.escape(delimiter), re.escape(starts)
        self.start = re.compile(f"(?:^|{d})[{first}]").search
        checks = re.escape("".join(sorted(_CHECK)))
        self.quoted_start = re.compile(
            f"(?:^|{d})[{first}\\\\]" if tsv else f'(?:^|{d})(?:"[{checks}]|[{first}])'
        ).search

    def lines(self, batch: Sequence[Sequence[Any]]) -> list[str]:
        join = self.delimiter.join
        try:  # cells already text (a query that casts its numbers and NULLs): fastest
            self.texts = True
            return list(map(join, batch))
        except TypeError:
            self.texts = False
            return [join(map(str, map(_NONE_EMPTY, row, row))) for row in batch]

    def _starts(self, joined: str, heads: tuple[str, ...]) -> bool:
        """Whether a cell of these joined lines may start with one of `heads`."""
        if not heads or joined.startswith(heads):
            return bool(heads)
        # Only heads whose last character is there at all (a `memchr` each), then one
        # search for them all (two-character searches cost a pass over the batch each).
        present = [re.escape(self.delimiter + h) for h in heads if h[-1] in joined]
        return bool(present) and re.search("|".join(present), joined) is not None

    def wrap(self, row: Sequence[Any]) -> str:
        """A CSV line whose only cells to quote hold the delimiter (no quote, no line
        break anywhere in the row): those cells in quotes, as the CSV module writes them."""
        d = self.delimiter
        cells = row if self.texts else map(str, map(_NONE_EMPTY, row, row))
        return d.join([f'"{c}"' if d in c else c for c in cells])

    def suspects(self, lines: list[str], width: int) -> tuple[list[int], list[int], list[int]]:
        """The lines (by position) whose rows must be written cell by cell: those with a
        delimiter in a cell and nothing else to quote (CSV), those to quote or escape,
        and those with a cell `neutralise` may change."""
        if width < 2:  # the CSV module writes a lone empty cell `""`: not worth a rule
            return [], [], list(range(len(lines)))
        every = range(len(lines))
        delimiters = list(map(str.count, lines, repeat(self.delimiter)))
        wrapped: set[int] = set()
        if delimiters.count(width - 1) != len(lines):
            wrapped.update(compress(every, map((width - 1).__ne__, delimiters)))
        joined = self.delimiter.join(lines)
        quoted: set[int] = set()
        for c in self.special:
            if c in joined:
                quoted.update(compress(every, map(str.__contains__, lines, repeat(c))))
        formulas: set[int] = set()
        if self._starts(joined, self.heads):
            formulas.update(compress(every, map(self.start, lines)))
        if self.tsv:  # every TSV suspect is escaped by `tsv_escape`
            quoted |= wrapped
            wrapped = set()
        quoted -= formulas
        return sorted(wrapped - quoted - formulas), sorted(quoted), sorted(formulas)

    def hidden(self, lines: list[str]) -> Callable[[str], object] | None:
        """How to tell which of these quoted or escaped lines may start a cell with a
        formula character; None when the whole lot surely does not."""
        if self._starts(self.delimiter.join(lines), self.quoted_heads):
            return self.quoted_start
        return None


def neutralised(
    rows: Iterable[Sequence[Any]], kinds: Sequence[Kind] = ()
) -> Iterator[Sequence[Any]]:
    """Rows with each text cell that needs it neutralised (by its column's kind, text if
    none given); a row without one, nearly every one, goes out as it came, not copied."""
    check = _CHECK
    for row in rows:
        for value in row:
            if type(value) is str and value and value[0] in check:
                yield [
                    neutralise(v, kinds[i] if i < len(kinds) else "text")
                    if type(v) is str and v and v[0] in check
                    else v
                    for i, v in enumerate(row)
                ]
                break
        else:
            yield row


def read_tsv(lines: Iterable[str]) -> Iterator[list[str]]:
    """Rows of an IANA TSV stream (crm's own): split on tabs, each cell un-escaped."""
    for line in lines:
        line = line.rstrip("\n").removesuffix("\r")
        yield [tsv_unescape(c) for c in line.split("\t")]
