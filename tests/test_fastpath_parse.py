"""The fast path reads a line as Typer does, or declines it: checked against Typer itself.

Each line is read twice in this process: by `crmcli.fastpath.parse`, and by the real
CLI (`crmcli.cli.run`) with the hot commands' bodies replaced by a recorder, so what
Typer would hand the body is seen without running it. Wherever the fast path reads a
line, Typer must call the same body with the same values and the same database;
wherever Typer refuses a line (a usage error), the fast path must have declined it.
A fixed-seed generator makes thousands of lines, hostile ones included, on top of the
hand-written ones.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from crmcli.fastpath.parse import parse
from crmcli.fastpath.spec import COMMANDS


class Recorded(Exception):
    """Raised by a stand-in body, carrying what Typer passed it."""


@pytest.fixture
def typer_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A function: argv -> (body, db, values) as Typer calls the body, or None (refused)."""
    import importlib

    from crmcli.cli import run

    seen: list[tuple[str, str | None, dict[str, object]]] = []
    for command in COMMANDS.values():
        module_name, _, function = command["run"].partition(":")
        module = importlib.import_module(module_name)

        def stand_in(app: Any, _run: str = command["run"], **values: object) -> int:
            seen.append((_run, app.db, values))
            return 0

        monkeypatch.setattr(module, function, stand_in)

    def read(argv: list[str]) -> tuple[str, str | None, dict[str, object]] | None:
        seen.clear()
        code = run(list(argv))
        if not seen:
            return None  # refused, or another command than a hot one
        assert code == 0
        return seen[0]

    yield read


def check(argv: list[str], typer_reads: Any) -> bool:
    """The fast path and Typer agree on `argv`; True when the fast path read it."""
    ours = parse(argv)
    theirs = typer_reads(argv)
    if ours is None:
        return False
    assert theirs is not None, f"the fast path read a line Typer refuses: {argv}"
    assert (ours.run, ours.db, ours.values) == theirs, argv
    for key, value in ours.values.items():  # the same types too: Kind.call is not "call"
        assert type(value) is type(theirs[2][key]), (argv, key)
    return True


READ = [
    ["find", "ann"],
    ["find", "ann", "smith"],
    ["find", "ann", "-n", "5", "smith"],
    ["find", "--limit=3", "ann"],
    ["find", "ann", "--json"],
    ["find", "ann", "--format", "csv"],
    ["find", "ann", "-f", "mutt"],
    ["find", "ann", "--format=aerc", "--limit", "1"],
    ["find", "ann", "--limit", "5", "--limit", "7"],  # the last wins
    ["find", "-"],
    ["find", ""],
    ["--db", "other.db", "find", "ann"],
    ["--db=other.db", "find", "ann"],
    ["find", "ann", "--db", "other.db"],
    ["tui"],
    ["tui", "--theme", "textual-light"],
    ["tui", "--theme=x", "--theme", "nord"],
    ["--db", "other.db", "tui", "--theme="],
    ["--db", "a.db", "find", "ann", "--db", "b.db"],
    ["contact", "show", "12"],
    ["contact", "show", "ann@example.com", "-n", "0", "--json"],
    ["log", "call", "ann", "spoke about pricing"],
    ["log", "note", "12", "-"],
    ["log", "call", "ann"],
    ["log", "email", "-"],
    ["log", "call", "ann", "x", "--at", "-2h"],  # a value that looks like an option
    ["log", "call", "ann", "x", "--at", "--json"],
    ["log", "meeting", "ann", "x", "-d", "1h", "--in", "--out", "--next", "fri 10am"],
    ["log", "call", "ann", "--outcome", "voicemail", "x", "--next-note", "again", "-e"],
    ["today"],
    ["today", "--all", "--json"],
    ["today", "-n", "3", "--owner", "bob", "--brief"],
    ["search", "pricing"],
    ["search", "pricing", "proposal", "-n", "2", "--format", "jsonl"],
    ["followup", "add", "ann", "tomorrow"],
    ["followup", "add", "ann", "fri 10am", "call back", "--deal", "Acme", "--json"],
    ["followup", "done", "3"],
    ["followup", "done", "abc", "--json"],
    ["deal", "move", "Acme", "Proposal"],
    ["deal", "move", "7", "Lost", "--reason", "price", "--if-version", "3", "--json"],
    ["deal", "move", "7", "Won", "--pipeline", "Renewals"],
    ["brief", "ann"],
    ["brief", "+33 6 12 34 56 78", "--json"],
]

DECLINED = [
    [],
    ["find"],
    ["find", "--help"],
    ["find", "-h"],
    ["find", "ann", "--", "-x"],
    ["find", "ann", "--limt", "3"],
    ["find", "ann", "--lim", "3"],  # click knows no abbreviations; Typer says so
    ["find", "ann", "-n5"],
    ["find", "ann", "-n", "05"],
    ["find", "ann", "-n", "+5"],
    ["find", "ann", "-n", "0"],
    ["find", "ann", "-n", "-1"],
    ["find", "ann", "-n", "1e3"],
    ["find", "ann", "-n", "٣"],
    ["find", "ann", "-n"],
    ["find", "ann", "--json=yes"],
    ["find", "ann", "--format", "JSON"],
    ["find", "ann", "--format", "tsv"],
    ["find", "ann", "--format", " json"],
    ["find", "-x"],
    ["find", "ann", "--version"],
    ["--version"],
    ["--db"],
    ["find", "ann", "--db"],
    ["contact"],
    ["contact", "show"],
    ["contact", "show", "1", "2"],
    ["contact", "--json", "show", "1"],
    ["contact show", "1"],  # one word is no group and command
    ["contact", "show 1"],
    ["contact", "list"],
    ["log", "CALL", "ann", "x"],
    ["log", "visit", "ann", "x"],
    ["log", "call"],
    ["log", "call", "ann", "x", "y"],
    ["log", "call", "ann", "x", "--at"],
    ["log", "call", "ann", "x", "--in=1"],
    ["today", "extra"],
    ["today", "--limit", "0"],
    ["followup", "add", "ann"],
    ["followup", "list"],
    ["deal", "move", "7"],
    ["deal", "move", "7", "Won", "--if-version", "-1"],
    ["brief"],
    ["tui", "x"],
    ["tui", "--theme"],
    ["tui", "-t", "x"],
    ["tui", "--help"],
    ["status", "--prompt"],
    ["report"],
    ["find", "ann", "--show-completion"],
    ["log", "call", "ann", "x", "--at", "--show-completion"],  # optional_shell's own
]


@pytest.mark.parametrize("argv", READ, ids=" ".join)
def test_lines_the_fast_path_reads_typer_reads_alike(argv: list[str], typer_reads: Any) -> None:
    assert check(argv, typer_reads), f"declined: {argv}"


@pytest.mark.parametrize("argv", DECLINED, ids=" ".join)
def test_lines_left_to_typer(argv: list[str], typer_reads: Any) -> None:
    assert parse(argv) is None
    typer_reads(argv)  # whatever Typer makes of it, it does not crash the check


# -- generated lines --------------------------------------------------------------------

VALUES = ["5", "1", "0", "20", "-1", "05", "+3", "3.0", "x", "", "-", "--", "JSON", "json"]
VALUES += ["csv", "mutt", "tsv", "call", "note", "Call", "tomorrow", "-2h", "--json", "٣"]
WORDS = ["ann", "Ann Smith", "-", "", "12", "@acme.fr", "-x", "--limt", "-n5", "--json=1"]
WORDS += ["--db", "--db=x.db", "--help", "-h", "--", "--out", "--format=json", "--limit="]


def lines(seed: int, count: int) -> Iterator[list[str]]:
    """Random lines of the hot commands: their own options mixed with the wrong ones."""
    rng = random.Random(seed)
    names = list(COMMANDS)
    for _ in range(count):
        name = rng.choice(names)
        command = COMMANDS[name]
        argv = name.split()
        for _ in range(rng.randint(0, 6)):
            roll = rng.random()
            if roll < 0.45:
                spelling = rng.choice(list(command["options"]))
                argv.append(spelling)
                if command["options"][spelling][1] is None and rng.random() < 0.9:
                    argv.append(rng.choice(VALUES))
            elif roll < 0.9:
                argv.append(rng.choice([*WORDS, *VALUES]))
            else:
                at = rng.randint(0, len(argv))
                argv[at:at] = ["--db", "b.db"]
        if rng.random() < 0.2:
            argv = ["--db", "a.db", *argv]
        yield argv


@pytest.mark.slow
def test_generated_lines_are_read_alike_or_declined(typer_reads: Any) -> None:
    """3,000 generated lines: never a line read differently, and many read at all."""
    read = sum(check(argv, typer_reads) for argv in lines(seed=25, count=3000))
    assert read > 300  # the generator reaches the fast path, not only its refusals
