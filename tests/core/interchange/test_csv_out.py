"""The one CSV/TSV writer: formulas defused, phones and amounts kept, any text read back exactly.

Property tests hold the writer and the readers crm (and a person with Python's csv
module) use against each other: whatever text goes in, the same text comes back, in
CSV and in TSV, with any delimiter, after neutralising.
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.core.interchange.csv_out import (
    FORMULA_STARTS,
    Sheet,
    check_delimiter,
    neutralise,
    read_tsv,
    restore,
    tsv_escape,
    tsv_unescape,
)

DANGEROUS = [
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "+SUM(A1)",
    "-2+3",
    "@SUM(A1)",
    "\tTAB",
    "\rCR",
    "-1500",  # in a text column a number is text: neutralised (OWASP)
    "+33 6 12 34 56 78; +1 905 555 0100",  # several numbers: text like any other
]


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_starts_get_one_apostrophe_and_lose_it_on_the_way_back(value: str) -> None:
    assert neutralise(value) == "'" + value
    assert restore(neutralise(value)) == value


def test_a_value_that_already_starts_with_an_apostrophe_survives() -> None:
    assert neutralise("'=x") == "''=x" and restore("''=x") == "'=x"
    assert neutralise("'plain") == "'plain" and restore("'plain") == "'plain"
    assert restore("'") == "'" and neutralise("'") == "'"


def test_one_phone_in_a_phone_column_is_written_as_text_a_spreadsheet_keeps() -> None:
    assert neutralise("+33 6 12 34 56 78", "phone") == "+33 6 12 34 56 78"
    assert neutralise("+1 905-555-0100", "phone") == "+1 905 555 0100"  # not a subtraction
    assert neutralise("+1 905 555 0100 ext. 12", "phone") == "+1 905 555 0100 ext. 12"
    # Several numbers, or a formula, in a phone column: neutralised.
    assert neutralise("+33 6 12 34 56 78; +1 905 555 0100", "phone").startswith("'")
    assert neutralise("+SUM(A1)", "phone") == "'+SUM(A1)"
    assert neutralise("=1+2", "phone") == "'=1+2"


def test_negative_amounts_in_number_columns_are_left_alone() -> None:
    assert neutralise("-1500.50", "number") == "-1500.50"
    assert neutralise("-2+3", "number") == "'-2+3"


def test_the_sheet_uses_column_kinds_and_value_types() -> None:
    out = io.StringIO()
    sheet = Sheet(out, ["name", "phone", "amount", "note"])
    sheet.row(["=x", "+33 6 12 34 56 78", "-12.50", -3])
    sheet.row(["@a", ["+33 6 12 34 56 78", "+1 905 555 0100"], -1500, "-1"])
    table = list(csv.reader(io.StringIO(out.getvalue())))
    assert table == [
        ["name", "phone", "amount", "note"],
        ["'=x", "+33 6 12 34 56 78", "-12.50", "-3"],  # an int is a number wherever it is
        ["'@a", "'+33 6 12 34 56 78; +1 905 555 0100", "-1500", "'-1"],
    ]


def test_excel_bom_and_delimiter() -> None:
    out = io.StringIO()
    Sheet(out, ["a", "b"], delimiter=";", excel=True).row(["x;y", "1,5"])
    assert out.getvalue() == '\ufeffa;b\r\n"x;y";1,5\r\n'


@pytest.mark.parametrize("bad", ["", ";;", '"', "\n", "a"])
def test_a_delimiter_that_cannot_be_one_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="--delimiter"):
        check_delimiter(bad)


def test_tsv_is_one_line_a_record_with_escapes() -> None:
    out = io.StringIO()
    Sheet(out, ["a", "b"], tsv=True).row(['line\none\ttab "q"', "back\\slash\r"])
    assert out.getvalue() == 'a\tb\nline\\none\\ttab "q"\tback\\\\slash\\r\n'
    assert list(read_tsv(io.StringIO(out.getvalue()))) == [
        ["a", "b"],
        ['line\none\ttab "q"', "back\\slash\r"],
    ]
    assert tsv_unescape("a\\qb") == "a\\qb"  # an unknown escape is kept as written


text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
apostrophes = st.builds(
    lambda p, rest: p + rest, st.sampled_from(["'", "''", "'=", "''+", "'\t", ""]), text
)
cellvalue = st.one_of(text, apostrophes, st.sampled_from(sorted(FORMULA_STARTS)).map(str))
kinds = st.sampled_from(["text", "phone", "number"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(cellvalue, kinds), min_size=1, max_size=6), st.sampled_from([",", ";"]))
def test_any_text_round_trips_through_csv(cells: list[tuple[str, str]], delimiter: str) -> None:
    names = [f"c{i}" for i in range(len(cells))]
    out = io.StringIO(newline="")
    sheet = Sheet(
        out, names, delimiter=delimiter, kinds=dict(zip(names, (k for _, k in cells), strict=True))
    )
    sheet.row([v for v, _ in cells])
    read = list(csv.reader(io.StringIO(out.getvalue(), newline=""), delimiter=delimiter))
    back = [restore(c) for c in read[1]]
    # A phone column's one number comes back with spaces for hyphens: the same number.
    expected = [
        neutralise(v, k) if k == "phone" and not neutralise(v, k).startswith("'") else v
        for v, k in cells
    ]
    assert back == expected
    assert all(
        c[:1] not in FORMULA_STARTS or c == neutralise(c, k)
        for c, (_, k) in zip(read[1], cells, strict=True)
    )


@settings(max_examples=400, deadline=None)
@given(st.lists(cellvalue, min_size=1, max_size=6))
def test_any_text_round_trips_through_tsv(cells: list[str]) -> None:
    names = ["id", *(f"c{i}" for i in range(len(cells)))]
    out = io.StringIO(newline="")
    Sheet(out, names, tsv=True).row([1, *cells])
    lines = out.getvalue().split("\n")
    assert len(lines) == 3 and lines[2] == ""  # header, one record, the final newline
    back = list(read_tsv(io.StringIO(out.getvalue(), newline="")))[1]
    assert [restore(c) for c in back] == ["1", *cells]
    # Python's csv module, told there is no quoting, splits it the same way.
    plain = list(csv.reader(io.StringIO(lines[1]), delimiter="\t", quoting=csv.QUOTE_NONE))
    assert [restore(tsv_unescape(c)) for c in plain[0]] == ["1", *cells]


@given(text)
def test_tsv_escape_is_undone_exactly(value: str) -> None:
    assert tsv_unescape(tsv_escape(value)) == value
    assert not set("\t\n\r") & set(tsv_escape(value))
