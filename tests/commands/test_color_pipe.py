"""Output on terminals and pipes: plain help when piped, quiet on a closed pipe, colour rules.

Run on the installed `crm`, as a rep's shell runs it: with a pipe, a closed pipe or a
pseudo-terminal as stdout. Colour follows https://no-color.org (NO_COLOR disables it
only when non-empty) and https://force-color.org (FORCE_COLOR, non-empty, forces it
even when piped, data tables included).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import invoke
from tests.terminal import drain

pytestmark = pytest.mark.subprocess

CRM = str(Path(sys.executable).with_name("crm"))
BOX = "│─╭╮╰╯┃━"
BOLD = "\x1b[1m"


def env_for(db: Path, **extra: str) -> dict[str, str]:
    """The test's environment without the suite's NO_COLOR, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(CRM_DB=str(db), COLUMNS="100", TERM="xterm-256color", **extra)
    return env


def piped(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CRM, *args], env=env, capture_output=True, text=True, timeout=60)


def on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Exit code and output of `crm` with a pseudo-terminal as its stdout."""
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen([CRM, *args], stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    out = drain(master)
    return proc.wait(timeout=60), out.decode()


def closed_pipe(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run `crm` with a stdout whose reader has already gone (`crm ... | head -0`)."""
    read, write = os.pipe()
    os.close(read)
    proc = subprocess.Popen([CRM, *args], stdout=write, stderr=subprocess.PIPE, env=env)
    os.close(write)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err.decode()


@pytest.fixture
def contacts(db: Path) -> Path:
    for name in ("Ann Lee", "Bob Stone", "山田太郎"):
        assert invoke("contact", "add", name).exit_code == 0
    return db


# -- help ------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["--help"], ["contact", "--help"], ["contact", "list", "-h"]])
def test_piped_help_is_plain_text(db: Path, args: list[str]) -> None:
    out = piped(args, env_for(db))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Usage: crm"), out.stdout[:200]
    assert not any(ch in out.stdout for ch in BOX) and "\x1b" not in out.stdout
    assert "Options:" in out.stdout and "--help" in out.stdout


def test_help_into_a_closed_pipe_exits_0_without_a_word(db: Path) -> None:
    code, err = closed_pipe(["--help"], env_for(db))
    assert (code, err) == (0, "")


def test_help_piped_into_head_under_pipefail(db: Path) -> None:
    shell = f"set -o pipefail; {CRM} --help | head -1; {CRM} contact --help | head -1"
    out = subprocess.run(
        ["bash", "-c", shell], env=env_for(db), capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "Usage: crm [OPTIONS] COMMAND [ARGS]...",
        "Usage: crm contact [OPTIONS] COMMAND [ARGS]...",
    ]
    assert out.stderr == ""


def test_a_bare_group_piped_prints_its_help(db: Path) -> None:
    out = piped(["contact"], env_for(db))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Usage: crm contact"), out.stdout[:200]


def test_help_on_a_terminal_is_still_drawn(db: Path) -> None:
    code, text = on_a_terminal(["--help"], env_for(db))
    assert code == 0
    assert "Usage" in text and any(ch in text for ch in BOX)


def test_a_big_list_into_a_closed_pipe_is_quiet(db: Path) -> None:
    demo = db.with_name("big.db")
    made = subprocess.run(
        [CRM, "demo", "--to", str(demo), "--contacts", "2000", "--no-tour"],
        env=env_for(db),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    for args in (["contact", "list"], ["contact", "list", "--json"], ["--help"]):
        code, err = closed_pipe(args, env_for(demo))
        assert (code, err) == (0, ""), args


# -- colour ----------------------------------------------------------------------------


def test_empty_no_color_does_not_disable_colour(contacts: Path) -> None:
    code, text = on_a_terminal(["contact", "list"], env_for(contacts, NO_COLOR=""))
    assert code == 0 and BOLD in text


def test_no_color_disables_colour_on_a_terminal(contacts: Path) -> None:
    code, text = on_a_terminal(["contact", "list"], env_for(contacts, NO_COLOR="1"))
    assert code == 0 and "Ann Lee" in text and "\x1b[" not in text


def test_force_color_colours_piped_tables(contacts: Path) -> None:
    out = piped(["contact", "list"], env_for(contacts, FORCE_COLOR="1"))
    assert out.returncode == 0 and out.stdout.startswith(BOLD + "ID")
    # The data itself is untouched: only the header is styled.
    assert "Ann Lee" in out.stdout and "\x1b" not in out.stdout.split("\n", 1)[1]


@pytest.mark.parametrize(
    ("extra", "coloured"),
    [
        ({}, False),
        ({"FORCE_COLOR": ""}, False),  # empty: unset
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),  # the rep's "no" wins
        ({"FORCE_COLOR": "1", "NO_COLOR": ""}, True),
        ({"FORCE_COLOR": "3"}, True),
    ],
)
def test_colour_rules_when_piped(contacts: Path, extra: dict[str, str], coloured: bool) -> None:
    out = piped(["contact", "list"], env_for(contacts, **extra))
    assert out.returncode == 0, out.stderr
    assert (BOLD in out.stdout) is coloured


def test_force_color_colours_the_board_when_piped(contacts: Path) -> None:
    assert invoke("deal", "add", "Pilot", "-c", "Ann Lee").exit_code == 0
    out = piped(["pipeline"], env_for(contacts, FORCE_COLOR="1"))
    assert out.returncode == 0 and BOLD + "Lead (1)" in out.stdout
