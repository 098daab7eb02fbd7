"""The one renderer: plain when piped, coloured only on a terminal without NO_COLOR."""

from __future__ import annotations

import io

import pytest

from crmcli.commands._output import Column, OutputFormat, render, use_color


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


ROWS = [
    {"id": 1, "name": "Hélène Dupré", "tags": ["vip", "a,b"], "note": "=1+1"},
    {"id": 2, "name": "Bob", "tags": [], "note": None},
]
COLS = [Column("id", "ID"), Column("name", "NAME"), Column("tags", "TAGS"), Column("note", "NOTE")]


def test_color_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert use_color(FakeTTY())
    assert not use_color(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(FakeTTY())


def test_table_has_no_box_drawing_when_piped() -> None:
    out = io.StringIO()
    render(ROWS, OutputFormat.table, COLS, out=out)
    text = out.getvalue()
    assert text.splitlines()[0] == "ID  NAME          TAGS      NOTE"
    assert not any(ch in text for ch in "│─┃━╭\x1b")


def test_csv_and_tsv() -> None:
    out = io.StringIO()
    render(ROWS, OutputFormat.csv, COLS, out=out)
    assert out.getvalue() == (  # the formula-like note neutralised, as every csv cell is
        'id,name,tags,note\r\n1,Hélène Dupré,"vip; a,b",\'=1+1\r\n2,Bob,,\r\n'
    )
    out = io.StringIO()
    render(ROWS, OutputFormat.tsv, COLS, out=out)
    assert out.getvalue().splitlines()[1] == "1\tHélène Dupré\tvip; a,b\t'=1+1"  # neutralised


def test_json_streams_a_valid_document() -> None:
    import json

    out = io.StringIO()
    assert render(iter(ROWS), OutputFormat.json, COLS, out=out) == 2
    assert json.loads(out.getvalue()) == ROWS
    out = io.StringIO()
    render(iter([]), OutputFormat.json, COLS, out=out)
    assert json.loads(out.getvalue()) == []
