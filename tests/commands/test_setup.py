"""Set-up that reproduces: the README's tour runs as printed on a fresh install.

The commands and their printed output are read from README.md itself (its "A one-minute
tour" section, console blocks), run one by one on the installed `crm` in a fresh HOME
with a US locale and no CRM_DB or CRM_CONFIG, and compared with what the README shows.
The tour sets the region and currency its figures depend on, so it comes out the same
on any machine. Times of day are not compared (the README's clock is not the test's);
dates are, on a clock set to the tour's day (`# the next morning` moves it on a day).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess

README = Path(__file__).resolve().parents[2] / "README.md"
TIME_OF_DAY = re.compile(r"\b\d{1,2}:\d{2}\b")


@dataclass
class Step:
    """One `$ crm ...` line of the tour and the lines printed under it."""

    argv: list[str]
    expected: list[str] = field(default_factory=list)
    next_day: bool = False  # a `# the next morning` comment came before it


def tour_section(readme: str) -> str:
    start = readme.index("\n## A one-minute tour")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end != -1 else len(readme)]


def tour_steps(readme: str) -> list[Step]:
    """Every command of the tour's console blocks, with the output printed for it."""
    steps: list[Step] = []
    next_day = False
    for block in re.findall(r"```console\n(.*?)```", tour_section(readme), re.S):
        lines = block.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.startswith("$ "):
                command = line[2:]
                while command.endswith("\\") and i + 1 < len(lines):
                    i += 1
                    command = command[:-1] + " " + lines[i].strip()
                steps.append(Step(shlex.split(command), next_day=next_day))
                next_day = False
            elif line.startswith("# "):
                next_day = next_day or "next morning" in line
            elif steps:
                steps[-1].expected.append(line.rstrip())
            i += 1
    for step in steps:
        while step.expected and not step.expected[-1]:
            step.expected.pop()
    return steps


def tour_day(readme: str) -> datetime:
    """The day the tour's output was made on: its first printed `YYYY-MM-DD HH:MM`."""
    found = re.search(r"\b(\d{4}-\d{2}-\d{2}) \d{2}:\d{2}\b", tour_section(readme))
    assert found, "the tour prints no date to set the clock by"
    return datetime.fromisoformat(f"{found.group(1)}T10:00")


def run_tour(readme: str, home: Path) -> list[str]:
    """Run the tour; returns one message per step whose result differs from the README."""
    exe = str(Path(sys.executable).with_name("crm"))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CRM_", "XDG_", "LC_")) and k not in ("LANG", "LANGUAGE")
    }
    env.update(
        HOME=str(home), LANG="en_US.UTF-8", COLUMNS="100", NO_COLOR="1", PYTHONUNBUFFERED="1"
    )
    clock = tour_day(readme)
    problems: list[str] = []
    for step in tour_steps(readme):
        assert step.argv[0] == "crm", step.argv
        if step.next_day:
            clock = (clock + timedelta(days=1)).replace(hour=8, minute=55)
        env["CRM_NOW"] = clock.isoformat()
        out = subprocess.run(
            [exe, *step.argv[1:]], capture_output=True, text=True, env=env, timeout=120
        )
        shown = f"$ {shlex.join(step.argv)}"
        expected = [TIME_OF_DAY.sub("HH:MM", x) for x in step.expected]
        stdout = [TIME_OF_DAY.sub("HH:MM", x.rstrip()) for x in out.stdout.splitlines()]
        stderr = [TIME_OF_DAY.sub("HH:MM", x.rstrip()) for x in out.stderr.splitlines()]
        failing = bool(expected) and expected[0].startswith("crm: ")
        if out.returncode != (1 if failing else 0):
            problems.append(f"{shown}: exit {out.returncode}\n{out.stderr}")
            continue
        # Messages (stderr) may sit anywhere among the printed lines; data keeps its order.
        missing = [x for x in stderr if x not in expected]
        data = [x for x in expected if x not in stderr]
        while stdout and not stdout[-1]:
            stdout.pop()
        if missing or data != stdout:
            got = "\n".join([*stdout, *stderr])
            problems.append(f"{shown}\n--- README\n" + "\n".join(expected) + f"\n--- got\n{got}")
    return problems


def test_the_readme_tour_runs_as_printed_on_a_fresh_install(tmp_path: Path) -> None:
    readme = README.read_text(encoding="utf-8")
    steps = tour_steps(readme)
    assert len(steps) >= 10 and any(s.argv[1:3] == ["config", "set"] for s in steps)
    home = tmp_path / "home"
    home.mkdir()
    problems = run_tour(readme, home)
    assert problems == [], "\n\n".join(problems)
    assert (home / ".local" / "share" / "crmcli" / "crm.db").exists()  # the default place


def test_the_readme_says_how_to_keep_crm_on_the_path() -> None:
    readme = README.read_text(encoding="utf-8")
    assert "pipx install ." in readme and "uv tool install ." in readme
