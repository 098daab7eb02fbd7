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
  `startswith(incomplete)`; `Found` (commands/hot/complete.py) opts out of it.
- Completion scripts and output: `typer._completion_classes` holds one `ShellComplete`
  class per shell, registered by name in the vendored click's
  `shell_completion.add_completion_class`; `typer._completion_shared.install` writes a
  shell's script where that shell reads it. crm registers its own bash and zsh classes
  (`register_completion`) so that a contact found by name reaches the command line.
- Help and errors in plain words: Typer 0.29 shows Python types (`<bool>`,
  `<list[str]>`) and `{ref}` in help and pydantic's wording in errors ("Value error,
  'phone' is not one of..."). `plain_help` replaces, on Typer's `TyperArgument` and
  `TyperOption` classes, the methods that draw a parameter's metavar and usage name
  (`display_type_rich`, `display_name_raw`, `_usage_display_name`) and wraps
  `process_value` to reword a pydantic validation error (found as the `__cause__` of
  Typer's `BadParameter`, read through its `errors()`).

Start-up: this module imports only what `crmcli.cli` already has (typer, os, re, sys); the
completion machinery is imported when a shell asks for it.
"""

from __future__ import annotations

import os
import re
import sys

import typer
from typer._click import exceptions as _click_exceptions

# The candidate that opts out of Typer's prefix filter: it lives with the candidates,
# free of Typer (the fast path completes too), and is named here as the reliance it is.
from crmcli.commands.hot.complete import Found as Found
from crmcli.commands.hot.complete import for_bash

# A usage error crm raises itself (exit 2, one line naming the command).
PlainUsage = _click_exceptions.UsageError

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


# -- help and errors in plain words --------------------------------------------------------

# Metavars that say what an option takes better than its name does.
_METAVARS = {
    "at": "WHEN",
    "next": "WHEN",
    "next_when": "WHEN",
    "when": "WHEN",
    "close": "WHEN",
    "closing_before": "WHEN",
    "contract_end": "WHEN",
    "output": "FILE",
    "fmt": "FORMAT",
    "next_note": "TEXT",
    "note": "TEXT",
    "reason": "TEXT",
}
_NUMBER_METAVARS = {int: "N", float: "NUMBER"}


def words(choices: list[str] | tuple[str, ...], last: str = "or") -> str:
    """`a, b or c`: a list as a sentence says it."""
    items = list(choices)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def _choices(param: typer.core.TyperArgument | typer.core.TyperOption) -> list[str] | None:
    desc = param.type_descriptor
    if not desc.is_choice or desc.choices is None:
        return None
    return [str(getattr(c, "value", c)) for c in desc.choices]


def _option_metavar(self: typer.core.TyperOption, ctx: object) -> str | None:
    """What follows an option in help: nothing for a flag, else a word like EMAIL or N."""
    if self.metavar is not None:
        return str(self.metavar)
    annotation = self.type_descriptor.annotation
    if self.is_flag or self.count or annotation is bool:
        return None
    choices = _choices(self)
    if choices is not None and self.show_choices:
        return "|".join(choices)
    name = self.name or ""
    if name in _METAVARS:
        return _METAVARS[name]
    if isinstance(annotation, type) and annotation in _NUMBER_METAVARS:
        return _NUMBER_METAVARS[annotation]
    return name.replace("_", "-").upper()


def _argument_type(self: typer.core.TyperArgument, ctx: object) -> str | None:
    """The type column of an argument: its choices when it has some, else nothing."""
    choices = _choices(self)
    return "|".join(choices) if choices is not None else None


def _argument_name(self: typer.core.TyperArgument) -> str:
    return str(self.metavar) if self.metavar is not None else (self.name or "").upper()


def _argument_usage(self: typer.core.TyperArgument) -> str:
    """REF for a required argument, [SUMMARY] for an optional one, QUERY... for many."""
    name = _argument_name(self)
    name = name if self.required else f"[{name}]"
    return f"{name}..." if self.nargs != 1 else name


def _range(self: typer.core.TyperArgument | typer.core.TyperOption) -> str | None:
    """A number's bounds as words: `1 to 366`, `1 or more` (Typer writes `1<=x<=366`)."""
    low, high = getattr(self, "min", None), getattr(self, "max", None)
    if getattr(self, "count", False) and low == 0 and high is None:
        return None
    if low is not None and high is not None:
        return f"{low} to {high}"
    if low is not None:
        return f"{low} or more"
    return f"{high} or less" if high is not None else None


def _label(param: typer.core.TyperArgument | typer.core.TyperOption) -> str:
    if isinstance(param, typer.core.TyperOption):
        return max(param.opts, key=len)
    return _argument_name(param)


def plain_error(param: object, exc: BaseException) -> str | None:
    """A pydantic validation error behind a bad value, said in plain words (None: not one)."""
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if not callable(errors) or not isinstance(
        param, typer.core.TyperArgument | typer.core.TyperOption
    ):
        return None
    found = errors()
    if not found:
        return None
    first = found[0]
    kind, given, limits = first.get("type"), first.get("input"), first.get("ctx") or {}
    choices = _choices(param)
    if choices is not None:
        noun = (param.name or "value").replace("_", " ")
        return f"unknown {noun} {given!r}; use {words(choices)}"
    label = _label(param)
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return f"{label} takes a whole number, not {given!r}"
    if kind in ("float_parsing", "float_type"):
        return f"{label} takes a number, not {given!r}"
    bounds = {
        "greater_than_equal": ("ge", "{} or more"),
        "less_than_equal": ("le", "{} or less"),
        "greater_than": ("gt", "more than {}"),
        "less_than": ("lt", "less than {}"),
    }
    if kind in bounds:
        key, phrase = bounds[kind]
        return f"{label} must be {phrase.format(limits.get(key))}, not {given}"
    text = str(first.get("msg", "")).removeprefix("Value error, ")
    return f"{label}: {text}"


def plain_help() -> None:
    """Help and value errors in plain words, on every Typer command crm builds.

    Idempotent; called by `crmcli.cli.build_app`, never at import.
    """
    from typer.core import TyperArgument, TyperOption, _TyperParameter

    if getattr(_TyperParameter, "_crm_plain", False):
        return
    from typer._click.exceptions import BadParameter, UsageError

    TyperOption.display_type_rich = _option_metavar  # type: ignore[method-assign]
    TyperArgument.display_type_rich = _argument_type  # type: ignore[method-assign,assignment]
    TyperArgument.display_name_raw = property(_argument_name)  # type: ignore[assignment]
    TyperArgument._usage_display_name = _argument_usage  # type: ignore[method-assign]
    TyperArgument._get_number_range_help_str = _range  # type: ignore[method-assign]
    TyperOption._get_number_range_help_str = _range  # type: ignore[method-assign]
    original = _TyperParameter.process_value

    def process_value(self: _TyperParameter, ctx: typer.Context, value: object) -> object:
        try:
            return original(self, ctx, value)
        except BadParameter as exc:
            text = plain_error(self, exc)
            if text is None:
                raise
            raise UsageError(text, ctx=ctx) from None
        except UsageError as exc:  # crm's own (a parser's): say which command refused it
            if exc.ctx is None:
                exc.ctx = ctx
            raise

    _TyperParameter.process_value = process_value  # type: ignore[method-assign,assignment]
    _TyperParameter._crm_plain = True  # type: ignore[attr-defined]


# -- completion scripts and output ---------------------------------------------------------

SHELLS = ("bash", "zsh", "fish")


def _normalise_instruction() -> str:
    """The shell being completed for, accepting click's `zsh_complete` as well as Typer's
    `complete_zsh` (the variable is set by scripts from either)."""
    value = os.environ.get(COMPLETE_VAR, "")
    first, _, second = value.partition("_")
    if first in (*SHELLS, "powershell", "pwsh") and second in ("complete", "source"):
        value = f"{second}_{first}"
        os.environ[COMPLETE_VAR] = value
    return value.partition("_")[2]


def _zsh_quoted(text: str) -> str:
    return '"' + re.sub(r'([\\"$`])', r"\\\1", " ".join(text.split())) + '"'


def register_completion() -> None:
    """Typer's completion classes, with crm's own for bash and zsh.

    A contact is offered by name ("Ines Duarte" for `ine`, `dup` or `ines`), which is a
    valid REF but need not start with the word typed. bash gets it escaped for its
    command line (bash does not filter, so it replaces the word); zsh gets a `compadd
    -U`, so it shows and inserts such values instead of dropping every one that does not
    start with the typed word; fish applies its own case-insensitive and substring
    matching to what it is given.
    """
    from typer._click.shell_completion import CompletionItem, add_completion_class
    from typer._completion_classes import BashComplete, ZshComplete, completion_init

    _normalise_instruction()
    completion_init()

    class CrmBash(BashComplete):
        def format_completion(self, item: CompletionItem) -> str:
            return for_bash(item.value)  # the fast path writes its candidates alike

    class CrmZsh(ZshComplete):
        def complete(self) -> str:
            args, incomplete = self.get_completion_args()
            items = self.get_completions(args, incomplete)
            if not items or not all(isinstance(item.value, Found) for item in items):
                return str(super().complete())
            values = " ".join(_zsh_quoted(str(item.value)) for item in items)
            shown = " ".join(_zsh_quoted(str(item.help or item.value)) for item in items)
            return f"local -a _crm_shown=({shown}); compadd -U -l -d _crm_shown -- {values}"

    add_completion_class(CrmBash, "bash")
    add_completion_class(CrmZsh, "zsh")


def completion_script(shell: str) -> str:
    """The script that hooks `crm` into a shell's completion (what --show-completion prints)."""
    from typer._completion_shared import get_completion_script

    return str(get_completion_script(prog_name="crm", complete_var=COMPLETE_VAR, shell=shell))


def current_shell() -> str | None:
    """The shell crm was started from (shellingham), or None when it cannot tell."""
    from typer._completion_shared import _get_shell_name

    name = _get_shell_name()
    return str(name) if name else None


def install_completion(shell: str) -> str:
    """Install completion for `shell` where that shell reads it; returns the file written."""
    from typer._completion_shared import install

    _, path = install(shell=shell, prog_name="crm", complete_var=COMPLETE_VAR)
    return str(path)
