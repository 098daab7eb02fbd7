"""A TAB press in bash on a hot command's REF, answered without Typer, or declined.

bash's completion script runs `crm` with `_CRM_COMPLETE=complete_bash`, the words in
COMP_WORDS and the cursor's word in COMP_CWORD. When the words before the cursor are
a hot command and plain arguments the spec reads (no option: an option's value is
Typer's to complete), and the argument under the cursor is one crm completes from
the database (a contact, a deal, a stage, a follow-up id), the candidates come from
the same function Typer would call (`commands/hot/complete.py`) and are written as
Typer's bash class writes them (`commands/_typer_compat.register_completion`):
Typer's prefix filter, which a value found by meaning opts out of, bash's escaping,
one per line, and click's `echo` (ANSI sequences removed when not on a terminal, a
closing newline). Every other TAB (zsh, fish, an option, a command name, a word that
looks like an option) is declined, for Typer to answer.
"""

from __future__ import annotations

import os
import re
import sys

from crmcli.fastpath.parse import Declined, command_name, value_of
from crmcli.fastpath.spec import COMMANDS, DECLINE

# Typer's switch for `crm` (commands/_typer_compat.COMPLETE_VAR), in either word order
# register_completion accepts.
INSTRUCTIONS = ("complete_bash", "bash_complete")

# click's `strip_ansi`, which its `echo` applies to output that is not a terminal.
_ANSI = re.compile(r"\033\[[;?0-9]*[a-zA-Z]")


def complete(instruction: str) -> int | None:
    """Answer a bash TAB press (exit code 0), or None to leave it to Typer."""
    if instruction not in INSTRUCTIONS:
        return None
    words, cursor = os.environ.get("COMP_WORDS"), os.environ.get("COMP_CWORD", "")
    if words is None or not (cursor.isascii() and cursor.isdigit()) or int(cursor) < 1:
        return None
    split = _split(words)
    args, incomplete = split[1 : int(cursor)], (split[int(cursor) :] or [""])[0]
    target = _target(args, incomplete)
    if target is None:
        return None
    from crmcli.commands.hot.complete import BUILDERS, for_bash, quietly

    db, kind = target
    found = quietly(BUILDERS[kind], db, incomplete)
    text = "\n".join(for_bash(value) for value, _ in found if value.startswith(incomplete))
    if not sys.stdout.isatty():
        text = _ANSI.sub("", text)
    sys.stdout.write(text + "\n")
    return 0


def _split(text: str) -> list[str]:
    """The words of COMP_WORDS as click splits them (`split_arg_string`): shell words,
    an unclosed quote ending the last one."""
    import shlex

    lex = shlex.shlex(text, posix=True)
    lex.whitespace_split = True
    lex.commenters = ""
    out: list[str] = []
    try:
        out.extend(lex)
    except ValueError:
        out.append(lex.token)
    return out


def _target(args: list[str], incomplete: str) -> tuple[str | None, str] | None:
    """(the database named, the kind of candidates) for the argument under the cursor."""
    if incomplete.startswith("-") or incomplete == "=" or any(w in DECLINE for w in args):
        return None
    db: str | None = None
    while args and (args[0] == "--db" or args[0].startswith("--db=")):
        if args[0] == "--db":
            if len(args) < 2:
                return None
            db, args = args[1], args[2:]
        else:
            db, args = args[0].removeprefix("--db="), args[1:]
    name, rest = command_name(args)
    if name is None:
        return None
    command = COMMANDS[name]
    arguments, params = command["arguments"], command["params"]
    if any(word.startswith("-") for word in rest) or len(rest) >= len(arguments):
        return None
    try:
        for key, word in zip(arguments, rest, strict=False):
            value_of(params[key], word)  # an argument Typer would read otherwise: its TAB
    except Declined:
        return None
    kind = params[arguments[len(rest)]].get("complete")
    return (db, kind) if kind is not None else None
