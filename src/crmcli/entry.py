"""The `crm` console script: the smallest possible front door.

It imports nothing but `sys` before deciding what to run, so that paths which
must not pay for Typer (the prompt segment, later) can be dispatched from here.
"""

from __future__ import annotations

import sys


def main() -> None:
    from crmcli.cli import run

    sys.exit(run(sys.argv[1:]))
