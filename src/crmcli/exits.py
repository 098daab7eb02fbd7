"""How a command's failure reaches the shell: one line on stderr and its exit code.

Both front doors that run commands end here: `crmcli.cli.run` (through Typer) and the
fast path (`crmcli.fastpath`, without it), so an error reads and exits the same
whichever ran the command. Standard library and the core only: no Typer.
"""

from __future__ import annotations

import os
import sys


def fail(message: str, code: int, *, multiline: bool = False) -> int:
    """`crm: message` on stderr, one line: whatever it quotes (a file's name with a line
    break, an escape sequence from a file) written escaped; returns `code`. `multiline`
    keeps the line breaks of a message made of lines (a query with a caret under it)."""
    from crmcli.core.values.text import printable

    lines = message.split("\n") if multiline else [message]
    sys.stderr.write("crm: " + "\n".join(map(printable, lines)) + "\n")
    return code


def reader_gone() -> int:
    """The reader (head, less) went away: not an error for a pipe.

    What is still buffered for stdout goes to /dev/null instead, so that flushing it at
    exit cannot fail a second time.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 0


def code_for(exc: Exception) -> int | None:
    """The exit code for an exception a command let out, its line written on stderr.

    A domain error is its own message and code; a closed pipe is no error; a database
    failure the store recognises (locked, full disk, not a database) is said in its
    words; anything else is a bug, said in one line. None when CRM_DEBUG asks for the
    traceback instead: the caller re-raises.
    """
    from crmcli.core.errors import CrmError, by_ctrl_c

    if isinstance(exc, CrmError):
        return fail(exc.message, exc.exit_code, multiline=exc.multiline)
    if isinstance(exc, BrokenPipeError):
        return reader_gone()
    if by_ctrl_c(exc):  # Ctrl-C met inside a driver, which raised its own error
        return 130
    from crmcli.core.db.store import describe_error

    mapped = describe_error(exc)
    if mapped is not None:
        return fail(mapped.message, mapped.exit_code)
    if os.environ.get("CRM_DEBUG"):
        return None
    return fail(f"internal error: {type(exc).__name__}: {exc} (CRM_DEBUG=1 shows more)", 1)
