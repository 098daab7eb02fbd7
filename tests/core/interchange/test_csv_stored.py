"""`Sheet.stored`, the million-row path, writes byte for byte what `Sheet.rows` writes.

Hypothesis draws rows of what a database driver returns (text full of formula starts,
quotes, delimiters, line breaks, backslashes, apostrophes, unicode; integers, floats,
NULLs, bytes) and every writer option (CSV and TSV, any delimiter crm accepts, raw,
--excel, a phone and a number column), cut into batches of any size.
"""

from __future__ import annotations

import io
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.core.interchange.csv_out import FORMULA_STARTS, Sheet

TRICKY = [*sorted(FORMULA_STARTS), *"'\",;|\n\\", "é", "👩", "\u200d", " ", "x", "1"]
TEXT = st.text(alphabet=st.sampled_from(TRICKY), max_size=8) | st.sampled_from(
    ["+33 6 12 34 56 78", "-42", "-1500.50", "1e5", "'=x", "''", "=1+2", "a,b", "\\t"]
)
CELL: st.SearchStrategy[Any] = (
    TEXT
    | st.none()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False)
    | st.binary(max_size=3)
)
COLUMNS = ["id", "summary", "phone", "contact", "amount"]  # number, text, phone, text, number


def written(columns: list[str], write: Any, **options: Any) -> str:
    out = io.StringIO()
    write(Sheet(out, columns, **options))
    return out.getvalue()


@settings(max_examples=400, deadline=None)
@given(
    width=st.integers(1, len(COLUMNS)),
    cells=st.lists(st.lists(CELL, min_size=len(COLUMNS), max_size=len(COLUMNS)), max_size=12),
    cuts=st.lists(st.integers(1, 5), max_size=12),
    tsv=st.booleans(),
    delimiter=st.sampled_from([",", ";", "|", "\t", "-", "@", "="]),
    safe=st.booleans(),
    excel=st.booleans(),
)
def test_stored_batches_are_written_as_rows_are(
    width: int,
    cells: list[list[Any]],
    cuts: list[int],
    tsv: bool,
    delimiter: str,
    safe: bool,
    excel: bool,
) -> None:
    columns = COLUMNS[:width]
    rows = [tuple(row[:width]) for row in cells]
    batches, start = [], 0
    for size in [*cuts, len(rows)]:
        if start < len(rows):
            batches.append(rows[start : start + size])
            start += size
    options = {"tsv": tsv, "delimiter": delimiter, "safe": safe, "excel": excel}
    expected = written(columns, lambda sheet: sheet.rows(rows), **options)
    assert written(columns, lambda sheet: sheet.stored(batches), **options) == expected


def test_a_batch_of_plain_rows_and_one_of_every_kind_of_exception() -> None:
    """The cases one by one, each beside plain rows in the same batch."""
    plain = (1, "Sent the proposal", None, "Ana", 5)
    odd = [
        (2, "=HYPERLINK(1)", None, "Ana", 5),  # a formula: neutralised
        (3, "Pricing, again", None, "Ana", 5),  # a comma: quoted
        (4, 'He said "yes"', None, "Ana", 5),  # a quote: doubled
        (5, "two\nlines", None, "Ana", 5),
        (6, "x", "+33 6 12 34 56 78", "Ana", 5),  # one phone: kept
        (7, "x", None, "\rCR", -5),  # a CR start: neutralised; a negative number kept
        (8, "a, =b", None, "'=x", "-5"),  # a comma then a formula start inside one cell
        (9, 1.5, b"\x00", "\t", 2**70),
    ]
    rows = [plain, *odd, plain]
    for options in (
        {},
        {"tsv": True},
        {"delimiter": ";"},
        {"delimiter": "-"},
        {"safe": False},
        {"excel": True, "tsv": True},
    ):
        expected = written(COLUMNS, lambda sheet: sheet.rows(rows), **options)
        assert written(COLUMNS, lambda sheet: sheet.stored([rows]), **options) == expected
    assert "'=HYPERLINK(1)" in written(COLUMNS, lambda sheet: sheet.stored([rows]))
