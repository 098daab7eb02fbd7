"""Help, usage lines and value errors read like a person wrote them (issue #20, item 6).

No Python types (`<bool>`, `<list[str]>`, `{ref}`), a --format that lists exactly what
the command writes, pydantic's wording never reaching a rep, counted words right, and a
manual page generated from the same command tree.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from crmcli.commands._output import OutputFormat
from tests.conftest import invoke

ROOT = Path(__file__).resolve().parents[2]
PYTHONISH = re.compile(r"<(bool|str|int|float|list\[.*?\]|path|file)>|\{[a-z_]+\}|list\[str\]")


def _tree() -> Any:
    from crmcli.cli import build_app

    return typer.main.get_command(build_app())


def _paths(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    commands = getattr(command, "commands", None)
    if commands is None:
        yield path, command
        return
    yield path, command
    for name, sub in sorted(commands.items()):
        yield from _paths(sub, (*path, name))


COMMANDS = [path for path, _ in _paths(_tree())]


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "crm")
def test_help_and_usage_name_no_python_types(path: tuple[str, ...]) -> None:
    out = invoke(*path, "--help")
    assert out.exit_code == 0, out.stderr
    assert not PYTHONISH.findall(out.stdout), out.stdout
    usage = next(line for line in out.stdout.splitlines() if "Usage:" in line)
    assert "{" not in usage and "<" not in usage


def test_usage_lines_name_arguments_in_capitals() -> None:
    assert "Usage: crm deal move [OPTIONS] REF STAGE" in invoke("deal", "move", "--help").stdout
    assert "Usage: crm log [OPTIONS] KIND REF [SUMMARY]" in invoke("log", "--help").stdout
    add = invoke("contact", "add", "--help").stdout
    assert "--email" in add and "EMAIL" in add and "--version" not in add
    root = invoke("--help").stdout
    assert "--version " in root and "<bool>" not in root


def _format_help(path: tuple[str, ...]) -> list[str] | None:
    text = " ".join(invoke(*path, "--help").stdout.split())
    text = re.sub(r"[│|] ", "", text)
    match = re.search(r"Output format: ((?:[a-z]+, )*[a-z]+)(?: or ([a-z]+))?", text)
    if match is None:
        return None
    listed = [w.strip() for w in match.group(1).split(",")]
    return [*listed, match.group(2)] if match.group(2) else listed


FORMAT_COMMANDS = [  # every --format of output formats (import's names an input format)
    p
    for p, c in _paths(_tree())
    if any(o.name == "fmt" and (o.help or "").startswith("Output format") for o in c.params)
]


@pytest.mark.parametrize("path", FORMAT_COMMANDS, ids=" ".join)
def test_each_command_offers_only_the_formats_it_accepts(path: tuple[str, ...]) -> None:
    """Whatever the help lists is accepted; anything else is refused, by the same list."""
    command = _tree()
    for name in path:
        command = command.commands[name]
    option = next(o for o in command.params if o.name == "fmt")
    listed = _format_help(path)
    assert listed, f"crm {' '.join(path)} --help does not list its formats"
    ctx = command.context_class(command, info_name=path[-1])
    for fmt in OutputFormat:
        if fmt.value in listed:
            assert option.process_value(ctx, fmt.value) is fmt
        else:
            with pytest.raises(typer.TyperException, match=f"'{fmt.value}'; use "):
                option.process_value(ctx, fmt.value)


def test_the_formats_issue_20_named() -> None:
    assert _format_help(("followup", "list")) == ["table", "json", "jsonl", "csv"]
    refused = invoke("followup", "list", "--format", "mutt")
    assert refused.exit_code == 2
    assert "does not write 'mutt'; use table, json, jsonl or csv" in refused.stderr
    assert _format_help(("export", "contacts")) == ["csv", "tsv", "json", "jsonl", "vcard"]
    assert invoke("export", "contacts", "--format", "ics").exit_code == 2
    assert _format_help(("export", "followups")) == ["csv", "tsv", "json", "jsonl", "ics"]
    assert _format_help(("report",)) == ["table", "json", "csv"]
    assert _format_help(("find",)) == ["table", "json", "jsonl", "csv", "mutt", "aerc"]
    invoke("contact", "add", "Ann Lee", "-e", "ann@example.com")
    mutt = invoke("find", "ann", "--format", "mutt")
    assert mutt.exit_code == 0 and "ann@example.com\tAnn Lee" in mutt.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("log", "phone", "x"), "unknown kind 'phone'; use call, email, meeting, note or message"),
        (("today", "--limit", "abc"), "--limit takes a whole number, not 'abc'"),
        (("today", "--limit", "0"), "--limit must be 1 or more, not 0"),
        (("agenda", "--days", "400"), "--days must be 366 or less, not 400"),
        (
            ("contact", "add", "X", "--status", "vip"),
            "unknown status 'vip'; use lead, prospect, customer or inactive",
        ),
        (("search", "x", "--format", "yaml"), "unknown format 'yaml'; use table, json, jsonl or"),
    ],
)
def test_bad_values_are_refused_in_plain_words(args: tuple[str, ...], message: str) -> None:
    out = invoke(*args)
    assert out.exit_code == 2
    assert message in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    for leak in ("Value error", "Input should be", "is not one of", "x>=", "<="):
        assert leak not in out.stderr


def test_import_summary_counts_in_words(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text("name,email,company\nAnn Lee,ann@example.com,Initech\n")
    out = invoke("import", "contacts", str(source))
    assert out.exit_code == 0, out.stderr
    assert "1 company created" in out.stdout and "companies" not in out.stdout
    deals = tmp_path / "deals.csv"
    deals.write_text("title,contact,amount,stage\nPilot,Bo Chan,1000,Lead\n")
    out = invoke("import", "deals", str(deals))
    assert out.exit_code == 0, out.stderr
    assert "1 deal created" in out.stdout and "1 contact and 0 companies created" in out.stdout


def test_the_shipped_manual_page_is_generated_from_the_cli() -> None:
    """tools/make_man.py wrote src/crmcli/man/crm.1 from this very command tree."""
    from crmcli.cli import man_page

    page = man_page()
    shipped = ROOT / "src" / "crmcli" / "man" / "crm.1"
    assert shipped.read_text(encoding="utf-8") == page, "run: python tools/make_man.py"
    for path in COMMANDS:
        if path and path[0] in ("contact", "deal", "log", "remind"):
            assert (
                f'.SS "crm {" ".join(path).replace("-", chr(92) + "-")}' in page or len(path) == 1
            )
    assert '.SS "crm log [OPTIONS] KIND REF [SUMMARY]"' in page
    assert not PYTHONISH.findall(page)


@pytest.mark.subprocess
def test_crm_man_renders_with_man(tmp_path: Path) -> None:
    exe = str(Path(sys.executable).with_name("crm"))
    out = subprocess.run([exe, "--man"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.startswith('.\\"')
    if shutil.which("man") is None:
        pytest.skip("no man program here to render the page")
    page = tmp_path / "crm.1"
    page.write_text(out.stdout)
    shown = subprocess.run(
        ["man", "-l", str(page)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"MANPAGER": "cat", "PAGER": "cat", "MANWIDTH": "100", "PATH": "/usr/bin:/bin"},
    )
    assert shown.returncode == 0, shown.stderr
    text = re.sub(r".\x08", "", shown.stdout)
    assert "crm - a terminal-first CRM" in text
    assert "crm deal move [OPTIONS] REF STAGE" in text
    assert "EXIT STATUS" in text and "CRM_CONFIG" in text


@pytest.mark.slow
@pytest.mark.subprocess
def test_the_wheel_installs_the_manual_page(tmp_path: Path) -> None:
    """`pip install .` (and pipx, which links share/man) puts crm.1 where man looks."""
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if built.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {built.stderr.strip()[-200:]}")
    import zipfile

    (wheel,) = tmp_path.glob("crmcli-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.endswith(".data/data/share/man/man1/crm.1") for n in names), names
    assert "crmcli/man/crm.1" in names
