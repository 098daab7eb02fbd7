"""Parameters shared by many commands, declared once (Typer's Annotated style)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from crmcli.commands._output import LIST_FORMATS, OutputFormat
from crmcli.commands._typer_compat import PlainUsage, words

JsonFlag = Annotated[bool, typer.Option("--json", help="Write JSON (same as --format json).")]
# Where --format names what is read (import), --json is only about what is printed.
ReportJsonFlag = Annotated[bool, typer.Option("--json", help="Print the report as JSON.")]


def _format_parser(allowed: tuple[OutputFormat, ...]) -> Callable[[Any], OutputFormat]:
    names = [f.value for f in allowed]

    def parse(value: Any) -> OutputFormat:
        if isinstance(value, OutputFormat) and value in allowed:
            return value
        text = str(value).strip().lower()
        if text in names:
            return OutputFormat(text)
        known = (
            "this command does not write"
            if text in {f.value for f in OutputFormat}
            else "unknown format"
        )
        raise PlainUsage(f"{known} {str(value)!r}; use {words(names)}")

    return parse


def format_option(*allowed: OutputFormat, default: OutputFormat | None = None) -> Any:
    """`--format/-f` for a command that writes exactly these formats.

    The help, the shell completion and the check of a value all come from this one
    list, so a command never offers a format it then refuses. Use it as
    `Annotated[OutputFormat | None, format_option(*FORMATS)]` with the same FORMATS the
    command passes to `_output.resolve`.
    """
    names = [f.value for f in allowed]
    suffix = f" (default: {default.value})" if default is not None else ""
    return typer.Option(
        "--format",
        "-f",
        help=f"Output format: {words(names)}{suffix}.",
        metavar="FORMAT",
        parser=_format_parser(allowed),
        autocompletion=lambda incomplete: [n for n in names if n.startswith(incomplete.lower())],
        show_default=False,
    )


FormatOpt = Annotated[OutputFormat | None, format_option(*LIST_FORMATS)]
LimitOpt = Annotated[
    int | None, typer.Option("--limit", "-n", min=1, help="Show at most this many.")
]
YesFlag = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
OwnerOpt = Annotated[
    str | None,
    typer.Option(
        "--owner",
        help="Whose records: a user, or all (default: yours on a shared server; "
        "everything in a local file).",
        show_default=False,
    ),
]
