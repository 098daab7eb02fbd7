"""Run a hot command's line without Typer, ending as it would have ended under Typer.

What Typer does around a command is done here the same way, and nothing more:
- the root callback, for a subcommand, only keeps `--db` in the command's `AppState`
  (spec.ROOT_CALLBACK is its source's hash: changed, this must be looked at again);
- the command's stores are closed when it ends, however it ends, before its error is
  said (Typer closes the context first), which is also when the rules' line is told;
- what Typer's `main` makes of an exception (`typer.core._main`): end of input is a
  blank line and "aborted", exit 1; Ctrl-C is exit 130, silently; a closed stdout
  (EPIPE) is a reader gone, exit 0;
- then what `crmcli.cli.run` makes of the rest, through the one `crmcli.exits.code_for`.
"""

from __future__ import annotations

import errno
import os
import sys

from crmcli import exits

# Set (non-empty), every command line goes to Typer: to compare the two, or to rule
# the fast path out when something looks wrong.
SWITCH = "CRM_NO_FAST_PATH"

# Typer's completion switch for `crm` (commands/_typer_compat.COMPLETE_VAR): a TAB
# press, answered here for a REF in bash (see complete.py), else by Typer.
COMPLETING = "_CRM_COMPLETE"


def run(argv: list[str]) -> int | None:
    """The exit code of the hot command `argv` runs, or None when Typer should run it."""
    if os.environ.get(SWITCH):
        return None
    instruction = os.environ.get(COMPLETING)
    if instruction is not None:
        from crmcli.fastpath.complete import complete

        return complete(instruction)
    from crmcli.fastpath.parse import parse

    call = parse(argv)
    if call is None:
        return None
    from crmcli.commands._state import AppState

    module, _, name = call.run.partition(":")
    body = getattr(__import__(module, fromlist=[name]), name)
    # run_line stays unset: it lets the demo's tour run other lines; no hot command does.
    app = AppState(db=call.db)
    try:
        try:
            code = body(app, **call.values)
        finally:
            app.close()
    except EOFError:
        sys.stderr.write("\n")
        return exits.fail("aborted", 1)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
            return exits.reader_gone()
        mapped = exits.code_for(exc)
        if mapped is None:  # CRM_DEBUG=1: the traceback
            raise
        return mapped
    return int(code)
