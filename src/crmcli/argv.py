"""The global `--db` option, read from argv before any parser is loaded.

Two front doors look at argv before Typer does: the prompt segment, which must
never load Typer, and the CLI's lazy registration, which loads only the command
group that was named. Both need the `--db X` / `--db=X` option taken out first,
so both read it here. Standard library only: this runs on every shell prompt.
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
