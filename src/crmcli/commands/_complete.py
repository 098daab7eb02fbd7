"""Shell completion from the database, as Typer asks for it: contacts, deals, stages, ids.

Typer calls these with its context; each reads the root's `--db` from it and hands over
to `commands/hot/complete.py`, where the candidates are found without Typer (the fast
path completes from there too). Nothing is printed on any problem: an error message
must never land in the rep's command line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import typer

from crmcli.commands.hot.complete import BUILDERS, Candidates, quietly

if TYPE_CHECKING:
    from crmcli.core.db.store import Store


def _quiet(
    build: Callable[[Store, str], Candidates],
) -> Callable[[typer.Context, str], Candidates]:
    """A completion function for Typer: `build`'s candidates from the line's database."""

    def complete(ctx: typer.Context, incomplete: str) -> Candidates:
        root = ctx.find_root()
        return quietly(build, root.params.get("db") if root.params else None, incomplete)

    complete.__name__ = build.__name__
    return complete


contacts = _quiet(BUILDERS["contacts"])
deals = _quiet(BUILDERS["deals"])
stages = _quiet(BUILDERS["stages"])
followups = _quiet(BUILDERS["followups"])
