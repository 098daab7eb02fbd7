"""The `crm` console script: the smallest possible front door.

It imports nothing but `os`, `sys` and the tiny `crmcli.argv` before deciding what to
run: the prompt segment (`crm status --prompt`) runs on every shell prompt and
must not pay for Typer, Rich or pydantic, so it is dispatched here, before the
CLI is loaded. An argument no command could use (bytes that are not UTF-8, a
number Python will not convert) is refused first, before anything is opened.
Then the fast path (`crmcli.fastpath`) runs a hot command's well-formed line
without Typer, or declines it; the CLI runs everything else. Help written to
anything but a terminal is plain text (see `run_cli`).
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

from crmcli.argv import bad_argument


def main() -> None:
    argv = sys.argv[1:]
    if sys.stderr is None:  # started with stderr closed (`2>&-`): messages go nowhere,
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115, PTH123 - exit codes stay right
    if sys.stdout is None:  # started with stdout closed (`crm find x >&-`)
        sys.stderr.write("crm: standard output is closed: nothing was done\n")
        sys.exit(2)
    problem = bad_argument(argv)
    if problem is not None:
        sys.stderr.write(f"crm: {problem}\n")
        sys.exit(2)
    if "--prompt" in argv:
        from crmcli.prompt import is_prompt_call
        from crmcli.prompt import main as prompt_main

        if is_prompt_call(argv):
            sys.exit(prompt_main(argv))
    from crmcli.fastpath.dispatch import run as run_fast

    code = run_fast(argv)
    if code is not None:
        leave(code)
    sys.exit(flushed(run_cli(argv)))


def flushed(code: int) -> int:
    """`code`, once stdout and stderr are flushed; a reader gone meanwhile is no error.

    Output still buffered is written here rather than by the interpreter's shutdown,
    which, meeting a reader that left (`crm find x | head -1`), would print "Exception
    ignored ... BrokenPipeError" and exit 120.
    """
    from crmcli.exits import reader_gone

    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except BrokenPipeError:
            if stream is sys.stdout:
                reader_gone()
        except (OSError, ValueError):  # a stream closed or broken: nothing left to say
            pass
    return code


def leave(code: int) -> NoReturn:
    """End the process once its output is flushed, without tearing the interpreter down.

    A hot command has closed its store (the fast path closes it however the command
    ended) and its output is flushed here; what remains of a normal exit is freeing
    every object and module one by one, a quarter of a hot command's time and no use
    to anyone. `os._exit` skips it, and with it `atexit` handlers and the wait for
    threads, so this ends that way only when there are none: crm registers no exit
    handler, but a library might (a `weakref.finalize`, a temporary folder's clean-up,
    a logging handler's flush), and then the normal exit runs them.
    """
    code = flushed(code)
    if _exit_work_pending():
        sys.exit(code)
    os._exit(code)


def _exit_work_pending() -> bool:
    """An exit handler is registered, or a thread other than this one is running.

    One handler is run here instead: logging's, which `import logging` registers and
    which only flushes and closes the logging handlers. The PostgreSQL driver imports
    logging, so without this every team-mode command tore down its ~200 modules at
    exit (58 M instructions; 25 to 75 ms here, with the load).
    """
    import atexit

    count = getattr(atexit, "_ncallbacks", None)  # CPython's; unknown elsewhere: assume some
    threading = sys.modules.get("threading")
    if count is None or (threading is not None and threading.active_count() > 1):
        return True
    logging = sys.modules.get("logging")
    if count() == 1 and logging is not None:  # the one handler is logging's own
        logging.shutdown()
        return False
    return bool(count())


# Typer's switch for its Rich help, read once, when Typer is first imported
# (named in commands/_typer_compat.py).
RICH_SWITCH = "TYPER_USE_RICH"


def run_cli(argv: list[str]) -> int:
    """Run the CLI, Typer loaded with its Rich help switched off if stdout is no terminal.

    Rich draws help in boxes and, meeting a closed pipe (`crm --help | head -1`),
    exits 1. Piped into a file, grep or a pager, help should be plain text, and a
    reader that stops early is no error. The switch is set around Typer's import
    only and removed after, so crm's child processes and in-process runs see the
    environment as it was; a TYPER_USE_RICH the user set is left alone.
    """
    plain = RICH_SWITCH not in os.environ and not (sys.stdout and sys.stdout.isatty())
    if plain:
        os.environ[RICH_SWITCH] = "0"
    try:
        from crmcli.cli import run
    finally:
        if plain:
            del os.environ[RICH_SWITCH]
    return run(argv)
