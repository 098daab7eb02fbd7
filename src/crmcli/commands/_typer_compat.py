"""What crmcli relies on in Typer beyond its documented API, all in this one module.

Typer 0.29 vendors click (as `typer._click`) and crmcli leans on a few of its
inner workings; a Typer release may move any of them, which is why pyproject
pins `typer<0.30`. Each reliance is named here, and tests/commands/
test_typer_compat.py checks every one against the installed Typer and fails with
a message saying which one moved: to lift the pin, upgrade, run that test, and
fix what it names in this module only.

- Usage errors: the vendored click's exceptions derive from `typer.TyperException`
  and carry `ctx`, `exit_code` and `format_message()`; a group run without its
  subcommand raises `NoArgsIsHelpError` after printing its help, recognised by
  name (Typer's own `rich_utils` does the same, to avoid importing it).
- A closed stdout: on EPIPE, Typer swaps `sys.stdout` for click's
  `PacifyFlushWrapper` and exits 1 (even with `standalone_mode=False`).
- Completion: Typer completes when `_CRM_COMPLETE` is set (from the program name
  `crm`); the words come from `COMP_WORDS`/`COMP_CWORD` (bash) or
  `_TYPER_COMPLETE_ARGS` (zsh, fish, PowerShell).
- Completion filtering: Typer keeps only candidates whose value
  `startswith(incomplete)`; `Found` opts out of it.

Start-up: this module imports only what `crmcli.cli` already has (typer, os, sys).
"""

from __future__ import annotations

import os
import sys

import typer

# The base class of click's usage errors (vendored by Typer), caught by `crmcli.cli.run`.
UsageError = typer.TyperException

# Typer's completion switch for the program name `crm`: `_{PROG}_COMPLETE`.
COMPLETE_VAR = "_CRM_COMPLETE"


def is_help_request(exc: BaseException) -> bool:
    """A group was run without a subcommand: Typer has printed its help, nothing failed."""
    return type(exc).__name__ == "NoArgsIsHelpError"


def usage_report(exc: typer.TyperException) -> tuple[str | None, str, int]:
    """(the command path when known, the message on one line, the exit code) of a usage error."""
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else None
    text = " ".join(exc.format_message().split())
    return where, text, int(getattr(exc, "exit_code", 2) or 2)


def stdout_reader_gone() -> bool:
    """Typer met a closed stdout (EPIPE) and wrapped it to stay quiet on exit."""
    return type(sys.stdout).__name__ == "PacifyFlushWrapper"


def completing() -> bool:
    """This process was started by a shell's TAB, not by a command line."""
    return COMPLETE_VAR in os.environ


def completion_words() -> list[str]:
    """The words of the command line being completed (bash, zsh, fish, PowerShell).

    Only the words before the one being typed: `crm contact sh` gives ["contact"].
    `["--"]` when there are none, so that no command is mistaken for the one typed.
    """
    import shlex

    text = os.environ.get("COMP_WORDS") or os.environ.get("_TYPER_COMPLETE_ARGS") or ""
    try:
        words = shlex.split(text)
    except ValueError:
        return []
    words = words[1:]  # the program name
    if "COMP_CWORD" in os.environ:  # bash: only the words before the cursor count
        words = words[: max(0, int(os.environ["COMP_CWORD"]) - 1)]
    elif text and not text.endswith(" ") and words:  # zsh/fish: the last word is partial
        words = words[:-1]
    return [w for w in words if w] or ["--"]


class Found(str):
    """A candidate found by meaning, not by spelling: `dup` finds helene.dupre@acme.fr.

    Typer keeps only candidates that start with the typed text, which would drop every
    contact found by name, accent-free or with a typo. These values opt out of that
    filter, so the shell is offered the valid REF (bash replaces the word with it; zsh
    and fish apply their own matching).
    """

    def startswith(self, *args: object, **kwargs: object) -> bool:
        return True
