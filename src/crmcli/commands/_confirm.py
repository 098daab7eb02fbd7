"""Asking before destroying: the same rule on every command that deletes, erases or merges.

`--yes` goes ahead. Otherwise the rep is asked on a terminal; with no terminal to
ask on (a script, a pipe, cron) nothing is destroyed and the command says why in
one line (Refused, exit 1). A "no" is Refused too, so a script can tell.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import typer


def confirm(question: str, *, yes: bool, not_doing: str, declined: str) -> None:
    """Go on only with `--yes` or a yes typed on a terminal; otherwise raise Refused.

    `not_doing` says what was not done ("not merging"), `declined` what a "no" left
    ("not merged").
    """
    if yes:
        return
    _terminal_or_refuse(not_doing)
    if not typer.confirm(question):
        from crmcli.core.errors import Refused

        raise Refused(declined)


def confirm_by_typing(
    question: str, *, yes: bool, not_doing: str, matches: Callable[[str], bool], declined: str
) -> None:
    """Like `confirm`, for what cannot be undone: the rep types a word (a name) back."""
    if yes:
        return
    _terminal_or_refuse(not_doing)
    if not matches(typer.prompt(question)):
        from crmcli.core.errors import Refused

        raise Refused(declined)


def offer(question: str) -> bool:
    """An optional step offered on a terminal (the caller checks there is one); default no."""
    return typer.confirm(question, default=False)


def _terminal_or_refuse(not_doing: str) -> None:
    if not sys.stdin.isatty():
        from crmcli.core.errors import Refused

        raise Refused(f"{not_doing} without --yes (no terminal to ask on)")
