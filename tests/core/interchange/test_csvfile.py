"""Reading CSV bytes: encodings, BOMs, delimiters, preambles, line numbers, streaming."""

from __future__ import annotations

import codecs
import contextlib
import csv
import gc
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmcli.core.errors import Invalid
from crmcli.core.interchange import csvfile as csvread
from crmcli.core.interchange.csvfile import CsvLayout, rows, sniff

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "import" / "csv"


def _sniff(data: bytes, encoding: str | None = None) -> CsvLayout:
    return sniff(io.BytesIO(data), encoding=encoding)


def _all(data: bytes, encoding: str | None = None) -> tuple[CsvLayout, list[tuple[int, list[str]]]]:
    stream = io.BytesIO(data)
    layout = sniff(stream, encoding=encoding)
    return layout, list(rows(stream, layout))


# -- encodings -----------------------------------------------------------------------------


def test_google_bom_never_reaches_the_first_header() -> None:
    with (FIXTURES / "google.csv").open("rb") as f:
        assert f.read(3) == codecs.BOM_UTF8
        layout = sniff(f)
        assert f.tell() == 0
    assert layout.encoding == "utf-8-sig"
    assert layout.header[0] == "First Name"
    assert layout.header_line == 1


@pytest.mark.parametrize("forced", ["utf-8", "UTF8", "cp1252"])
def test_bom_is_dropped_even_when_the_encoding_is_forced(forced: str) -> None:
    layout = _sniff(codecs.BOM_UTF8 + b"Email,Name\r\na@example.com,Ann\r\n", forced)
    assert layout.header == ["Email", "Name"]


@pytest.mark.parametrize(
    ("codec", "bom"), [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)]
)
def test_utf16_with_bom(codec: str, bom: bytes) -> None:
    text = "Prénom\tNom\r\nZoé\t山田\r\n"
    layout, found = _all(bom + text.encode(codec))
    assert layout.encoding == "utf-16"
    assert (layout.delimiter, layout.header) == ("\t", ["Prénom", "Nom"])
    assert found == [(2, ["Zoé", "山田"])]


def test_utf16_without_bom_is_recognised_not_called_binary() -> None:
    layout, found = _all("Name,Email\r\nAnn,a@example.com\r\n".encode("utf-16-le"))
    assert layout.encoding == "utf-16-le"
    assert found == [(2, ["Ann", "a@example.com"])]


def test_cp1252_characters_decode() -> None:
    with (FIXTURES / "outlook.csv").open("rb") as f:
        layout = sniff(f)
        cells = [c for _, row in rows(f, layout) for c in row]
    assert layout.encoding == "cp1252"
    text = " ".join(cells)
    for char in "€’“”Œœé":
        assert char in text


def test_bytes_cp1252_leaves_undefined_read_as_latin1() -> None:
    data = b"Name,Notes\r\nAnn,caf\xe9 \x80 \x81\x8d\x8f\x90\x9d \x92\r\n"
    layout, found = _all(data)
    assert layout.encoding == "cp1252"
    assert found == [(2, ["Ann", "café € \x81\x8d\x8f\x90\x9d ’"])]


def test_utf8_is_validated_over_the_whole_file_not_just_the_start() -> None:
    ascii_rows = b"Name,Email\r\n" + b"Ann,a@example.com\r\n" * 100_000  # ~1.9 MB
    assert _sniff(ascii_rows + "Zoé,z@example.com\r\n".encode()).encoding == "utf-8"
    assert _sniff(ascii_rows + b"Zo\xe9,z@example.com\r\n").encoding == "cp1252"


def test_utf8_character_split_across_chunks_is_still_utf8() -> None:
    header = b"Name,Notes\r\n"
    pad = b"x" * (csvread._CHUNK - len(header) - 5)
    data = header + b"Ann," + pad + "é".encode() + b"\r\n"
    assert data[csvread._CHUNK - 1 : csvread._CHUNK + 1] == "é".encode()
    assert _sniff(data).encoding == "utf-8"


def test_forced_encoding() -> None:
    assert _sniff(b"Name,Ville\r\nAnn,Gen\xe8ve\r\n", "latin-1").encoding == "iso8859-1"
    _, found = _all(b"Name,Ville\r\nAnn,Gen\xe8ve\r\n", "latin-1")
    assert found == [(2, ["Ann", "Genève"])]


@pytest.mark.parametrize("name", ["klingon", "hex", "rot13", ""])
def test_unknown_encoding_is_invalid(name: str) -> None:
    with pytest.raises(Invalid, match="unknown encoding"):
        _sniff(b"a,b\r\n1,2\r\n", name)


def test_forced_utf8_on_bytes_that_are_not_utf8_is_invalid() -> None:
    with pytest.raises(Invalid, match="not valid utf-8"):
        _sniff(b"Name,City\r\nAnn,Gen\xe8ve\r\n", "utf-8")


def test_empty_file_is_invalid() -> None:
    with (FIXTURES / "empty.csv").open("rb") as f, pytest.raises(Invalid, match="is empty"):
        sniff(f)
    with pytest.raises(Invalid, match="is empty"):
        _sniff(b"\r\n\r\n  \r\n")


def test_binary_file_is_invalid() -> None:
    path = FIXTURES / "binary.png"
    with path.open("rb") as f, pytest.raises(Invalid, match="binary file, not CSV") as err:
        sniff(f)
    assert str(path) in err.value.message


def test_nul_beyond_the_head_is_just_a_character() -> None:
    data = b"Name,Notes\r\n" + b"Ann,x\r\n" * 20_000 + b"Bob,a\x00b\r\n"
    _, found = _all(data)
    assert found[-1] == (20_002, ["Bob", "a\x00b"])


# -- delimiter and header ------------------------------------------------------------------


def test_linkedin_preamble_is_skipped() -> None:
    with (FIXTURES / "Connections.csv").open("rb") as f:
        layout = sniff(f)
        found = list(rows(f, layout))
    assert layout.header_line == 4
    assert layout.header == [
        "First Name",
        "Last Name",
        "URL",
        "Email Address",
        "Company",
        "Position",
        "Connected On",
    ]
    assert [line for line, _ in found] == [5, 6]


def test_excel_title_rows_are_a_preamble() -> None:
    data = (
        "Liste des contacts;;;;\r\n"
        "Exporté le;2024-01-01;;;\r\n"
        ";;;;\r\n"
        "Prénom;Nom;Courriel;Téléphone;Ville\r\n"
        "Élodie;Rousseau;elodie@example.fr;01 23 45 67 89;Nantes\r\n"
    ).encode("cp1252")
    layout = _sniff(data)
    assert (layout.delimiter, layout.header_line) == (";", 4)
    assert layout.header[0] == "Prénom"


@pytest.mark.parametrize(
    ("name", "delimiter"),
    [("french.csv", ";"), ("tabs.tsv", "\t"), ("google.csv", ","), ("Connections.csv", ",")],
)
def test_delimiter_of_each_fixture(name: str, delimiter: str) -> None:
    with (FIXTURES / name).open("rb") as f:
        assert sniff(f).delimiter == delimiter


def test_other_delimiters_inside_quotes_do_not_confuse_the_sniffer() -> None:
    data = 'Name,Notes,Amount\r\n"Dupont; Jean","a;b;c\td","1;2"\r\n"Martin; Paul","x;y","3;4"\r\n'
    assert _sniff(data.encode()).delimiter == ","
    french = 'Nom;Montant;Notes\r\nDupont;1250,50;"a, b"\r\nMartin;300,25;c\r\n'
    assert _sniff(french.encode()).delimiter == ";"


def test_header_is_found_when_rows_miss_trailing_cells() -> None:
    data = (
        b"First,Last,Email,Phone,Notes\r\nAnn,Lee,a@example.com\r\nBob,Ray\r\nCid,Fox,c@x.org\r\n"
    )
    layout = _sniff(data)
    assert (layout.header_line, layout.header[-1]) == (1, "Notes")


def test_one_column_file() -> None:
    layout, found = _all(b"Email\na@example.com\nb@example.com\n")
    assert (layout.delimiter, layout.header, layout.header_line) == (",", ["Email"], 1)
    assert found == [(2, ["a@example.com"]), (3, ["b@example.com"])]


def test_header_names_are_trimmed() -> None:
    assert _sniff(b" Name ;\tEmail \r\nAnn;a@x.org\r\n").header == ["Name", "Email"]


def test_header_only() -> None:
    layout, found = _all((FIXTURES / "header_only.csv").read_bytes())
    assert layout.header == ["First Name", "Last Name", "Email"]
    assert found == []


# -- rows ----------------------------------------------------------------------------------


def test_rows_report_physical_start_lines_across_mixed_line_ends() -> None:
    with (FIXTURES / "tabs.tsv").open("rb") as f:
        layout = sniff(f)
        found = list(rows(f, layout))
    assert [line for line, _ in found] == [2, 3, 4]
    assert found[1][1][4] == 'tab\there, "quoted"'
    assert found[2][1][4] == "line one\nline two"


def test_rows_keep_quoted_newlines_and_count_them() -> None:
    data = (
        b"Name,Notes\r\n"
        b'Ann,"one\r\ntwo\r\n\r\nthree"\r\n'
        b'Bob,"he said ""hi"", then left"\n'
        b"\r\n"
        b"  Cid  , spaced \r"
        b"Dee,last"
    )
    _, found = _all(data)
    assert found == [
        (2, ["Ann", "one\r\ntwo\r\n\r\nthree"]),
        (6, ["Bob", 'he said "hi", then left']),
        (7, []),
        (8, ["  Cid  ", " spaced "]),
        (9, ["Dee", "last"]),
    ]


def test_rows_yield_empty_rows_too() -> None:
    with (FIXTURES / "ragged.csv").open("rb") as f:
        layout = sniff(f)
        found = list(rows(f, layout))
    assert found[2:4] == [(4, ["", "", "", ""]), (5, [])]
    assert [line for line, _ in found] == [2, 3, 4, 5, 6, 7, 8]


def test_rows_do_not_close_the_callers_stream() -> None:
    stream = io.BytesIO(b"Name,Email\r\nAnn,a@x.org\r\nBob,b@x.org\r\n")
    layout = sniff(stream)
    first = rows(stream, layout)
    next(first)
    del first
    gc.collect()
    assert not stream.closed
    assert list(rows(stream, layout)) == [(2, ["Ann", "a@x.org"]), (3, ["Bob", "b@x.org"])]
    assert not stream.closed


def test_a_quote_that_never_closes_is_invalid_with_its_line() -> None:
    data = b'Name,Notes\r\nAnn,ok\r\nBob,"' + b"x" * 200_000 + b"\r\n"
    stream = io.BytesIO(data)
    layout = sniff(stream)
    with pytest.raises(Invalid, match="line 3"):
        list(rows(stream, layout))


# -- properties ----------------------------------------------------------------------------

_CELL = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    table=st.lists(st.lists(_CELL, min_size=1, max_size=6), max_size=8),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_any_cell_text_round_trips(table: list[list[str]], delimiter: str, encoding: str) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(["h1", "h2"])
    writer.writerows(table)
    stream = io.BytesIO(out.getvalue().encode(encoding))
    layout = CsvLayout(encoding, delimiter, ["h1", "h2"], 1)
    assert [cells for _, cells in rows(stream, layout)] == table


@settings(max_examples=150)
@given(table=st.lists(st.lists(_CELL, min_size=3, max_size=3), max_size=6))
def test_any_cell_text_round_trips_through_sniff(table: list[list[str]]) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["First Name", "Last Name", "E-mail Address", "Business Phone"][:3])
    writer.writerows(table)
    data = out.getvalue().encode()
    if b"\x00" in data:
        return  # a NUL byte is what marks a binary file
    layout, found = _all(data)
    assert layout.header_line == 1
    assert [cells for _, cells in found] == table


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=600), forced=st.sampled_from([None, "utf-8", "cp1252", "utf-16"]))
def test_arbitrary_bytes_read_or_fail_cleanly(data: bytes, forced: str | None) -> None:
    with contextlib.suppress(Invalid):
        _all(data, forced)


def test_old_mac_line_ends_and_excel_sep_hint() -> None:
    layout, found = _all(b"Name,Email\rAnn,a@x.org\rBob,b@x.org\r")
    assert found == [(2, ["Ann", "a@x.org"]), (3, ["Bob", "b@x.org"])]
    layout, found = _all(b"sep=;\r\nNom;Courriel\r\nAnn;a@x.org\r\n")
    assert (layout.delimiter, layout.header, layout.header_line) == (";", ["Nom", "Courriel"], 2)
    assert found == [(3, ["Ann", "a@x.org"])]
