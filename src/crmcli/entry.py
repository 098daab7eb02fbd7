"""The `crm` console script: the smallest possible front door.

It imports nothing but `os`, `sys` and the tiny `crmcli.argv` before deciding what to
run: the prompt segment (`crm status --prompt`) runs on every shell prompt and
must not pay for Typer, Rich or pydantic, so it is dispatched here, before the
CLI is loaded. An argument no command could use (bytes that are not UTF-8, a
number Python will not convert) is refused first, before anything is opened.
Help written to anything but a terminal is plain text (see `run_cli`).
"""

from __future__ import annotations

import os
import sys

from crmcli.argv import bad_argument


def main() -> None:
    argv = sys.argv[1:]
    problem = bad_argument(argv)
    if problem is not None:
        sys.stderr.write(f"crm: {problem}\n")
        sys.exit(2)
    if "--prompt" in argv:
        from crmcli.prompt import is_prompt_call
        from crmcli.prompt import main as prompt_main

        if is_prompt_call(argv):
            sys.exit(prompt_main(argv))
    sys.exit(run_cli(argv))


# Typer's switch for its Rich help, read once, when Typer is first imported
# (named in commands/_typer_compat.py).
RICH_SWITCH = "TYPER_USE_RICH"


def run_cli(argv: list[str]) -> int:
    """Run the CLI, Typer loaded with its Rich help switched off if stdout is no terminal.

    Rich draws help in boxes and, meeting a closed pipe (`crm --help | head -1`),
    exits 1. Piped into a file, grep or a pager, help should be plain text, and a
    reader that stops early is no error. The switch is set around Typer's import
    only and removed after, so crm's child processes and in-process runs see the
    environment as it was; a TYPER_USE_RICH the user set is left alone.
    """
    plain = RICH_SWITCH not in os.environ and not (sys.stdout and sys.stdout.isatty())
    if plain:
        os.environ[RICH_SWITCH] = "0"
    try:
        from crmcli.cli import run
    finally:
        if plain:
            del os.environ[RICH_SWITCH]
    return run(argv)
