"""The global `--db` option, read from argv before any parser is loaded.

Three front doors look at argv before Typer does: the prompt segment and the fast
path (`crmcli.fastpath`), which must never load Typer, and the CLI's lazy
registration, which loads only the command group that was named. All need the
`--db X` / `--db=X` option found first, and the CLI and the fast path must find it
alike, so all read it here. Standard library only: this runs on every shell prompt.
"""

from __future__ import annotations


def split_db(argv: list[str]) -> tuple[str | None, list[str]]:
    """The `--db` value (the last one given, as Typer reads it) and argv without it."""
    db = None
    rest: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg == "--db":
            db = next(args, None)
        elif arg.startswith("--db="):
            db = arg.split("=", 1)[1]
        else:
            rest.append(arg)
    return db, rest


def hoist_db(argv: list[str]) -> list[str]:
    """Move `--db PATH` to the front, so `crm find x --db demo.db` works as well.

    Only options before a `--` are moved; anything after it is data.
    """
    out: list[str] = []
    front: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            out.extend(argv[i:])
            break
        if arg == "--db" and i + 1 < len(argv):
            front += [arg, argv[i + 1]]
            i += 2
            continue
        if arg.startswith("--db="):
            front.append(arg)
        else:
            out.append(arg)
        i += 1
    return front + out


# Python refuses to turn a run of more digits than this into an int (ValueError, CVE-2020-10735).
_INT_DIGITS = 4300


def bad_argument(argv: list[str]) -> str | None:
    """Why an argument cannot be used at all (as one line), or None when all can.

    Python decodes argv with `surrogateescape`, so bytes that are not UTF-8 arrive as
    lone surrogates and explode far away, the first time the text is encoded (written
    to the database, printed). A number longer than Python will convert explodes the
    same way. Both are refused here, before anything is opened. The common case costs
    one `isascii()` per argument.
    """
    for position, arg in enumerate(argv, 1):
        if not arg.isascii():
            try:
                arg.encode("utf-8")
            except UnicodeEncodeError:
                return f"argument {position} is not valid UTF-8 (crm reads UTF-8 text only)"
        if len(arg) > _INT_DIGITS:
            import re  # deferred: only an absurdly long argument pays for it

            run = max((len(m) for m in re.findall(r"\d+", arg)), default=0)
            if run > _INT_DIGITS:
                return f"argument {position} holds a {run}-digit number (at most {_INT_DIGITS})"
    return None
