"""The bulk editor's file: contacts or deals as TSV to edit in `$EDITOR`, and read back.

One header line (`id` then the editable columns), one row per record, `#` lines are
comments. Inside a cell a backslash, tab, newline and carriage return are written
`\\\\`, `\\t`, `\\n` and `\\r`, so every value reads back exactly; in a list cell (tags)
the items are separated by `, ` and a comma inside an item is written `\\,`.

Reading checks the file's shape before any value: the header as written, each row's
number of cells, its id one of those written (a row cannot be added, nor its id changed,
nor appear twice). A row deleted leaves its record as it is (`Edited.removed` counts
them). Only cells that differ from what was written are read as values, by the same
checks as `--set` (`people.bulk.check`, `pipeline.bulk.check`), and a bad one is one
`Invalid` naming the line, the id and the column.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crmcli.core.errors import Invalid

_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def escape(text: str) -> str:
    """A cell's text with its backslashes, tabs and line breaks written as escapes."""
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def unescape(text: str, where: str = "") -> str:
    """`escape` undone; a backslash before anything else is kept as it is."""
    out: list[str] = []
    chars = iter(text)
    for ch in chars:
        if ch != "\\":
            out.append(ch)
            continue
        nxt = next(chars, "")
        out.append(_UNESCAPES.get(nxt, "\\" + nxt))
    return "".join(out)


def join_list(items: Sequence[str]) -> str:
    """A list cell: items joined by `, `, a comma or backslash inside one escaped."""
    return ", ".join(i.replace("\\", "\\\\").replace(",", "\\,") for i in items)


def split_list(text: str) -> list[str]:
    """`join_list` undone: the items, trimmed, empty ones dropped."""
    items: list[str] = []
    current: list[str] = []
    chars = iter(text)
    for ch in chars:
        if ch == "\\":
            current.append(next(chars, "\\"))
        elif ch == ",":
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    return [i.strip() for i in items if i.strip()]


@dataclass(frozen=True)
class Row:
    """A row read back: its line in the file, its id, and its cells by column."""

    line: int
    id: int
    cells: dict[str, str]


@dataclass(frozen=True)
class Edited:
    """The rows read back (by id) and how many of those written were deleted."""

    rows: dict[int, Row]
    removed: int


def write(columns: Sequence[str], rows: Sequence[tuple[int, Sequence[str]]], intro: str) -> str:
    """The file: `intro` as `#` comment lines, the header, one line per (id, cells)."""
    lines = [f"# {line}" if line else "#" for line in intro.splitlines()]
    lines.append("\t".join(["id", *columns]))
    lines += ["\t".join([str(i), *(escape(c) for c in cells)]) for i, cells in rows]
    return "\n".join(lines) + "\n"


def read(text: str, columns: Sequence[str], ids: Sequence[int]) -> Edited:
    """The rows of an edited file, its shape checked against what `write` wrote."""
    header = "\t".join(["id", *columns])
    written = set(ids)
    rows: dict[int, Row] = {}
    seen_header = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        if not seen_header:
            if line.rstrip() != header:
                raise Invalid(
                    f"line {number}: the header was changed; keep it as written "
                    f"({' | '.join(['id', *columns])})"
                )
            seen_header = True
            continue
        cells = line.split("\t")
        first = cells[0].strip()
        if not first.isdigit() or int(first) not in written:
            raise Invalid(
                f"line {number}: id {first!r} is not one of the rows written "
                "(rows cannot be added, nor their id changed)"
            )
        row_id = int(first)
        if row_id in rows:
            raise Invalid(
                f"line {number}: id {row_id} appears twice (first on line {rows[row_id].line})"
            )
        if len(cells) != len(columns) + 1:
            raise Invalid(
                f"line {number} (id {row_id}): {len(cells)} cells, not {len(columns) + 1} "
                "(a tab added or removed? write a tab inside a value as \\t)"
            )
        rows[row_id] = Row(
            number, row_id, dict(zip(columns, map(unescape, cells[1:]), strict=True))
        )
    if not seen_header:
        raise Invalid("the file has no header line left; nothing to read")
    return Edited(rows, len(written - set(rows)))


def changed_values(
    edited: Edited,
    original: Mapping[int, Mapping[str, str]],
    check: Callable[[int, str, str], Any],
) -> dict[int, dict[str, Any]]:
    """The values of the cells that differ from those written, by id and column, each
    read by `check(id, column, text)`; a bad one names its line, id and column."""
    out: dict[int, dict[str, Any]] = {}
    for row_id, row in edited.rows.items():
        for column, text in row.cells.items():
            if text == original[row_id][column]:
                continue
            try:
                out.setdefault(row_id, {})[column] = check(row_id, column, text)
            except Invalid as exc:
                raise Invalid(
                    f"line {row.line} (id {row_id}), column {column}: {exc.message}"
                ) from None
    return out


# -- contacts -----------------------------------------------------------------------------------

CONTACT_INTRO = (
    "crm contact bulk-edit: change the cells, save and quit; the diff is shown before\n"
    "anything is written. Keep the header and the ids; delete a row to leave that contact\n"
    "as it is. Tags: a comma-separated list. every: 30d, 2w, 3mo or empty. dnc: yes or no.\n"
    "Inside a cell, write a tab as \\t and a line break as \\n."
)


def contact_cells(state: Any) -> list[str]:
    """A contact's cells (`people.bulk.ContactState`), in `people.bulk.COLUMNS` order."""
    from crmcli.core.people.bulk import COLUMNS, shown

    return [
        join_list(state.values["tags"]) if c == "tags" else shown(c, state.values[c])
        for c in COLUMNS
    ]


def contacts_file(states: Sequence[Any]) -> str:
    """The file to edit for these contacts (`people.bulk.ContactState`)."""
    from crmcli.core.people.bulk import COLUMNS

    return write(COLUMNS, [(s.id, contact_cells(s)) for s in states], CONTACT_INTRO)


def contact_edits(text: str, states: Sequence[Any]) -> tuple[dict[int, Any], int]:
    """The edited file as `people.bulk.Edit`s by id (only rows with a changed cell), and
    how many rows were deleted."""
    from crmcli.core.people.bulk import COLUMNS, Edit, check, checked_tags

    edited = read(text, COLUMNS, [s.id for s in states])
    original = {s.id: dict(zip(COLUMNS, contact_cells(s), strict=True)) for s in states}

    def value(_row_id: int, column: str, cell: str) -> Any:
        return checked_tags(split_list(cell)) if column == "tags" else check(column, cell)

    edits: dict[int, Any] = {}
    for row_id, values in changed_values(edited, original, value).items():
        tags = values.pop("tags", None)
        edits[row_id] = Edit(values=values, tags=tags)
    return edits, edited.removed


# -- deals --------------------------------------------------------------------------------------

DEAL_INTRO = (
    "crm deal bulk-edit: change the cells, save and quit; the diff is shown before\n"
    "anything is written. Keep the header and the ids; delete a row to leave that deal\n"
    "as it is. stage: a stage of the deal's own pipeline (not Lost: crm deal lost).\n"
    "close: a date (2026-12-31, eom, jan 15) or empty. Inside a cell, write a tab as \\t\n"
    "and a line break as \\n."
)


def deal_cells(state: Any) -> list[str]:
    """A deal's cells (`pipeline.bulk.DealState`), in `pipeline.bulk.COLUMNS` order."""
    from crmcli.core.pipeline.bulk import COLUMNS, shown

    return [shown(state.values[c]) for c in COLUMNS]


def deals_file(states: Sequence[Any]) -> str:
    """The file to edit for these deals (`pipeline.bulk.DealState`)."""
    from crmcli.core.pipeline.bulk import COLUMNS

    return write(COLUMNS, [(s.id, deal_cells(s)) for s in states], DEAL_INTRO)


def deal_edits(store: Any, text: str, states: Sequence[Any]) -> tuple[dict[int, Any], int]:
    """The edited file as values by deal id (only rows with a changed cell), and how many
    rows were deleted."""
    from crmcli.core.pipeline.bulk import COLUMNS, check

    edited = read(text, COLUMNS, [s.id for s in states])
    original = {s.id: dict(zip(COLUMNS, deal_cells(s), strict=True)) for s in states}
    values = changed_values(edited, original, lambda _i, c, cell: check(store, c, cell))
    return dict(values), edited.removed
