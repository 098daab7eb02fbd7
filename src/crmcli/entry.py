"""The `crm` console script: the smallest possible front door.

It imports nothing but `sys` before deciding what to run: the prompt segment
(`crm status --prompt`) runs on every shell prompt and must not pay for Typer,
Rich or pydantic, so it is dispatched here, before the CLI is loaded.
"""

from __future__ import annotations

import sys


def main() -> None:
    argv = sys.argv[1:]
    if "--prompt" in argv:
        from crmcli.prompt import is_prompt_call
        from crmcli.prompt import main as prompt_main

        if is_prompt_call(argv):
            sys.exit(prompt_main(argv))
    from crmcli.cli import run

    sys.exit(run(argv))
