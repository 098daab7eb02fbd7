"""The `crm` console script: the smallest possible front door.

It imports nothing but `sys` and the tiny `crmcli.argv` before deciding what to
run: the prompt segment (`crm status --prompt`) runs on every shell prompt and
must not pay for Typer, Rich or pydantic, so it is dispatched here, before the
CLI is loaded. An argument no command could use (bytes that are not UTF-8, a
number Python will not convert) is refused first, before anything is opened.
"""

from __future__ import annotations

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
    from crmcli.cli import run

    sys.exit(run(argv))
