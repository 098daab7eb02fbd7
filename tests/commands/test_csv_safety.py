"""Every CSV and TSV crm writes is formula-safe, list commands included; JSON stays raw.

A contact, company, deal, follow-up, stage, note and owner whose text starts with
each character a spreadsheet runs as a formula go through every command that offers
`--format csv` (or tsv): each such cell comes out with the leading apostrophe that
`crm export` gives it, through the one `neutralise`; the same command's JSON keeps it
as typed. Tab- and CR-led cells cannot be stored (input is trimmed), so the renderer
is held to them directly.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from crmcli.commands._output import Column, OutputFormat, render, write_csv_tuples
from crmcli.core.interchange.csv_out import FORMULA_STARTS, neutralise, read_tsv
from tests.conftest import invoke

NAME = '=HYPERLINK("http://x","y")'
COMPANY = "+SUM(A1)"
TITLE = "-2+3"
TAG = "@cmd"
NOTES = "=cmd|' /C calc'!A0"
SOURCE = "-src"
DEAL = "-2+3 renewal"
NEXT_STEP = "@call them"
DEAL_SOURCE = "+web"
FOLLOWUP = "+SUM(B2) call back"
STAGE = "@Stage"
OWNER = "@me"
SUMMARY = "=cmd|' /C calc'!A0 said the client"
PIPELINE = "+Renewals()"
VIEW_QUERY = "-tag:dnc"  # a real query that starts like a formula
RULE = "=chase(1)"
TEMPLATE = "+thanks"
TEMPLATE_SUBJECT = "=Merci {first_name}"


def _seed() -> None:
    steps = [
        ("config", "set", "user", OWNER),
        ("stage", "add", STAGE),
        (
            "contact",
            "add",
            NAME,
            "-c",
            COMPANY,
            "-t",
            TITLE,
            "--tag",
            TAG,
            "--note",
            NOTES,
            "--source",
            SOURCE,
            "-p",
            "+33 6 12 34 56 78",
        ),
        (
            "deal",
            "add",
            "-c",
            "1",
            "--next",
            NEXT_STEP,
            "--amount",
            "1500",
            "--source",
            DEAL_SOURCE,
            "--stage",
            STAGE,
            "--",
            DEAL,
        ),
        ("followup", "add", "1", "tomorrow", FOLLOWUP, "--deal", "1"),
        ("log", "note", "1", "--", SUMMARY),
        ("goal", "set", "notes", "5/week"),
        ("pipeline", "add", "--", PIPELINE),
        ("view", "save", "vips", "--", VIEW_QUERY),
        ("rule", "add", RULE, "--when", "contact created", "--if", VIEW_QUERY, "--then", "tag x"),
        ("template", "add", TEMPLATE, "-s", TEMPLATE_SUBJECT, "-b", "Hello"),
    ]
    for step in steps:
        out = invoke(*step)
        assert out.exit_code == 0, (step, out.stderr)


# command line (without --format) -> the dangerous values its CSV must show defused
CSV_COMMANDS: dict[str, tuple[tuple[str, ...], set[str]]] = {
    "contact list": (("contact", "list"), {NAME, COMPANY, TAG}),
    "find": (("find", "hyperlink"), {NAME, COMPANY}),
    "search": (("search", "client"), {NAME}),
    "company list": (("company", "list"), {COMPANY}),
    "deal list": (("deal", "list"), {DEAL, NAME, STAGE, NEXT_STEP}),
    "followup list": (("followup", "list"), {NAME, FOLLOWUP, DEAL}),
    "stage list": (("stage", "list"), {STAGE}),
    "pipeline list": (("pipeline", "list"), {PIPELINE}),
    "view list": (("view", "list"), {VIEW_QUERY}),
    "rule list": (("rule", "list"), {RULE, VIEW_QUERY}),
    "template list": (("template", "list"), {TEMPLATE, TEMPLATE_SUBJECT}),
    "config list": (("config", "list"), {OWNER}),
    "goal list": (("goal", "list"), set()),  # numbers only: none of them may change
    "report pipeline": (("report", "--section", "pipeline"), {STAGE}),
    "report sources": (("report", "--section", "sources"), {DEAL_SOURCE}),
    "report funnel": (("report", "--section", "funnel"), {STAGE}),
    "export contacts": (
        ("export", "contacts"),
        {NAME, COMPANY, TITLE, TAG, NOTES, SOURCE},
    ),
    "export companies": (("export", "companies"), {COMPANY, OWNER}),
    "export deals": (("export", "deals"), {DEAL, NAME, COMPANY, STAGE, NEXT_STEP, OWNER}),
    "export interactions": (("export", "interactions"), {NAME, SUMMARY, OWNER}),
    "export followups": (("export", "followups"), {NAME, DEAL, FOLLOWUP}),
}
TSV_COMMANDS = [name for name in CSV_COMMANDS if name.startswith("export ")]
# Commands with a --format that writes no CSV or TSV at all.
NO_CSV = {
    "contact export": "JSON only (an access request)",
    "import contacts": "--format names the input file's format",
}


def _cells(text: str, delimiter: str) -> list[list[str]]:
    """CSV read as CSV; TSV as IANA TSV (no quoting, `\\t \\n` escapes), as crm writes it."""
    if delimiter == "\t":
        return list(read_tsv(io.StringIO(text, newline="")))
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [(name, "csv") for name in CSV_COMMANDS] + [(name, "tsv") for name in TSV_COMMANDS],
)
def test_every_csv_and_tsv_defuses_formulas(name: str, fmt: str) -> None:
    _seed()
    args, dangerous = CSV_COMMANDS[name]
    out = invoke(*args, "--format", fmt)
    assert out.exit_code == 0, out.stderr
    table = _cells(out.stdout, "\t" if fmt == "tsv" else ",")
    cells = {cell for row in table for cell in row}
    assert {"'" + value for value in dangerous} <= cells
    assert not dangerous & cells  # none of them raw
    # Nothing else a spreadsheet would run either: a cell that still starts with a
    # formula character is one phone number (with spaces) or a plain number.
    risky = {cell for cell in cells if cell[:1] in FORMULA_STARTS}
    assert all(neutralise(c, "phone") == c or neutralise(c, "number") == c for c in risky), risky
    if name == "goal list":
        assert "5" in table[1]  # the target, a plain number, untouched


@pytest.mark.parametrize("name", [n for n in CSV_COMMANDS if not n.startswith("report ")])
def test_json_keeps_what_was_typed(name: str) -> None:
    """JSON is not a spreadsheet format: the same command's JSON is never altered."""
    _seed()
    args, dangerous = CSV_COMMANDS[name]
    out = invoke(*args, "--format", "json")
    assert out.exit_code == 0, out.stderr
    strings = set(_strings(json.loads(out.stdout)))
    assert dangerous <= strings
    assert not {"'" + value for value in dangerous} & strings


def test_report_json_keeps_what_was_typed() -> None:
    _seed()
    strings = set(_strings(json.loads(invoke("report", "--json").stdout)))
    assert {STAGE, DEAL_SOURCE} <= strings


def test_export_raw_still_writes_cells_untouched() -> None:
    _seed()
    for entity, value in (("contacts", NAME), ("deals", DEAL), ("interactions", SUMMARY)):
        for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
            out = invoke("export", entity, "--format", fmt, "--raw")
            cells = {cell for row in _cells(out.stdout, delimiter) for cell in row}
            assert value in cells and "'" + value not in cells, (entity, fmt)


def test_every_command_with_a_format_is_covered() -> None:
    """A new command with --format must join CSV_COMMANDS (or say why it writes no CSV)."""
    import typer.main

    from crmcli import cli

    def walk(command: Any, path: tuple[str, ...]) -> Iterator[str]:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                yield from walk(sub, (*path, name))
        elif any("--format" in getattr(p, "opts", ()) for p in command.params):
            yield " ".join(path)

    with_format = set(walk(typer.main.get_command(cli.build_app()), ()))
    covered = {
        name.split(" ", 1)[0] if name.startswith("report ") else name for name in CSV_COMMANDS
    }
    assert with_format == covered | set(NO_CSV)


# -- the renderer itself ---------------------------------------------------------------

ROWS = [
    {"id": 1, "text": "\tTAB", "other": "\rCR", "amount": -1500, "phone": "+33 6 12 34 56 78"},
    {"id": 2, "text": "-2+3", "other": ["@a", "b"], "amount": "-1500.50", "phone": None},
]
COLUMNS = [Column(k, k.upper()) for k in ("id", "text", "other", "amount", "phone")]


@pytest.mark.parametrize(("fmt", "delimiter"), [("csv", ","), ("tsv", "\t")])
def test_the_renderer_defuses_tabs_and_returns_and_leaves_numbers(fmt: str, delimiter: str) -> None:
    out = io.StringIO()
    assert render(iter(ROWS), OutputFormat(fmt), COLUMNS, out=out) == 2
    table = _cells(out.getvalue(), delimiter)
    assert table[1] == ["1", "'\tTAB", "'\rCR", "-1500", "+33 6 12 34 56 78"]
    assert table[2] == ["2", "'-2+3", "'@a; b", "-1500.50", ""]
    raw = io.StringIO()
    render(iter(ROWS), OutputFormat(fmt), COLUMNS, out=raw, safe=False)
    assert _cells(raw.getvalue(), delimiter)[1][1:3] == ["\tTAB", "\rCR"]


def test_table_and_json_lines_are_never_altered() -> None:
    out = io.StringIO()
    render(iter(ROWS), OutputFormat.jsonl, COLUMNS, out=out)
    assert json.loads(out.getvalue().splitlines()[1])["text"] == "-2+3"
    out = io.StringIO()
    render(iter(ROWS), OutputFormat.table, COLUMNS, out=out)
    assert "-2+3" in out.getvalue() and "'-2+3" not in out.getvalue()


def test_tuples_written_safe_are_neutralised_by_the_same_rule() -> None:
    rows = [(1, "=x", -5, "-5"), (2, "fine", None, "+33 6 12 34 56 78")]
    out = io.StringIO()
    write_csv_tuples(["id", "@text", "n", "s"], iter(rows), out, safe=True)
    assert _cells(out.getvalue(), ",") == [
        ["id", "'@text", "n", "s"],
        ["1", "'=x", "-5", "'-5"],  # an int is a number; "-5" in a text column is text
        ["2", "fine", "", "'+33 6 12 34 56 78"],  # a phone only in a phone column
    ]
    phones = io.StringIO()
    write_csv_tuples(
        ["id", "s"], iter([(2, "+33 6 12 34 56 78")]), phones, safe=True, kinds={"s": "phone"}
    )
    assert _cells(phones.getvalue(), ",")[1] == ["2", "+33 6 12 34 56 78"]
    raw = io.StringIO()
    write_csv_tuples(["id", "text", "n", "s"], iter(rows), raw)
    assert _cells(raw.getvalue(), ",")[1] == ["1", "=x", "-5", "-5"]
