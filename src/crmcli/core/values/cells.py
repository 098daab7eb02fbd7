"""Spreadsheet cells made safe: text a spreadsheet would run as a formula, defused.

Every CSV or TSV crm writes (`crm export`, and every `--format csv`/`tsv` of a list
command) goes through `neutralise`, so there is one rule for what counts as a formula
(CSV injection) and one way of defusing it. Pure stdlib: list commands are hot.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?")
_PHONE = re.compile(r"\+?[\d\s().\-/]{4,}(?:\s*(?:ext\.?|x)\s*\d+)?")

# The first characters that can make a spreadsheet read a cell as a formula (or, for a
# tab or carriage return, hide one after them). Any other first character is safe:
# the fast path, taken by nearly every cell.
FORMULA_STARTS = frozenset("=@\t\r+-")


def neutralised(rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    """Rows with every cell `neutralise`d that needs it (the test inlined: a million rows).

    A row with no such cell, nearly every one, goes out as it came, not copied."""
    starts = FORMULA_STARTS
    for row in rows:
        for value in row:
            if type(value) is str and value and value[0] in starts:
                yield [neutralise(v) if type(v) is str and v and v[0] in starts else v for v in row]
                break
        else:
            yield row


def neutralise(value: str) -> str:
    """Defuse a cell a spreadsheet would run as a formula (CSV injection).

    Cells starting with = @ tab or carriage return, or with + or - when they are not
    a plain number or a phone number, get a leading apostrophe, which spreadsheets
    show as text; `+33 6 12 34 56 78` and `-42` stay as they are.
    """
    if not value:
        return value
    first = value[0]
    if first in "=@\t\r":
        return "'" + value
    if first in "+-" and not (_PLAIN_NUMBER.fullmatch(value) or _PHONE.fullmatch(value)):
        return "'" + value
    return value
