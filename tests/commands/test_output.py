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


@pytest.mark.parametrize(
    ("no_color", "force_color", "tty", "expected"),
    [
        ("", None, True, True),  # an empty NO_COLOR= is unset (no-color.org)
        ("1", None, True, False),
        (None, "1", False, True),  # FORCE_COLOR colours a pipe (force-color.org)
        (None, "", False, False),  # ... when non-empty
        ("1", "1", False, False),  # NO_COLOR wins
    ],
)
def test_no_color_and_force_color_conventions(
    monkeypatch: pytest.MonkeyPatch,
    no_color: str | None,
    force_color: str | None,
    tty: bool,
    expected: bool,
) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    for name, value in (("NO_COLOR", no_color), ("FORCE_COLOR", force_color)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert use_color(FakeTTY() if tty else io.StringIO()) is expected


def test_plural_words() -> None:
    from crmcli.commands._words import plural

    assert [plural(n, "company") for n in (0, 1, 2)] == ["0 companies", "1 company", "2 companies"]
    assert plural(1, "deal") == "1 deal" and plural(3, "follow-up") == "3 follow-ups"
    assert plural(2, "match") == "2 matches" and plural(2, "day") == "2 days"
    assert plural(1.0, "day") == "1 day" and plural(2.5, "day") == "2.5 days"
    assert (
        plural(2, "person", "people") == "2 people" and plural(1, "person", "people") == "1 person"
    )


def test_a_daily_cadence_reads_every_day(db: object) -> None:
    from tests.conftest import invoke

    assert invoke("contact", "add", "Ann Lee", "--every", "1d").exit_code == 0
    assert invoke("contact", "add", "Bob Stone", "--every", "14d").exit_code == 0
    assert "Keep in touch  every day\n" in invoke("contact", "show", "Ann Lee").stdout
    assert "Keep in touch  every 14 days\n" in invoke("contact", "show", "Bob Stone").stdout
