"""What contact and deal bulk edits share: choosing the bulk form, the editor, diff and ask.

A bulk edit shows each record's diff (stdout) and a count, then asks on a terminal;
`--yes` goes ahead, `--dry-run` stops after the diff, and with no terminal and no
`--yes` nothing is written (Refused, exit 1), as `_confirm` rules for every command
that changes many things at once.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol, TypeVar

import typer

if TYPE_CHECKING:
    from crmcli.core.db.store import Store

T = TypeVar("T")

DryRunFlag = Annotated[
    bool, typer.Option("--dry-run", help="Show the diff and change nothing.", show_default=False)
]


def set_option(fields: str) -> Any:
    return typer.Option(
        "--set",
        metavar="FIELD=VALUE",
        help=f"With --where/--view: set a field on every match ({fields}; empty clears). "
        "Repeatable.",
        show_default=False,
    )


class _Diff(Protocol):
    def lines(self) -> list[str]: ...


class _Plan(Protocol):
    @property
    def diffs(self) -> Any: ...

    @property
    def matched(self) -> int: ...

    @property
    def unchanged(self) -> int: ...


def bulk_form(
    ctx: typer.Context, ref: str | None, where: str | None, view: str | None, noun: str
) -> bool:
    """True for the bulk form (`--where`/`--view`, no REF); False for one record's edit.

    Exactly one of REF or --where/--view; the bulk-only options (--set, --yes, --dry-run)
    only with --where/--view. Anything else is one line, exit 2.
    """
    from crmcli.core.errors import Invalid

    many = where is not None or view is not None
    if ref is not None and many:
        raise Invalid(f"give a {noun} REF or --where/--view, not both")
    if ref is None and not many:
        raise Invalid(f"give a {noun} REF, or --where QUERY / --view NAME to edit many")
    if not many:
        for name in ("set_", "yes", "dry_run"):
            if ctx.params.get(name):
                raise Invalid(f"{_option_name(ctx, name)} goes with --where/--view (many {noun}s)")
    return many


def refuse_others(
    ctx: typer.Context, allowed: set[str], noun: str, what: str, fields: dict[str, str]
) -> None:
    """One line for an option of the single edit given to the bulk form; `fields` maps
    such an option's parameter to the `--set` field that does it in bulk."""
    from crmcli.core.errors import Invalid

    for name, value in ctx.params.items():
        if name in allowed or value in (None, False, [], ()):
            continue
        hint = f" (use --set {fields[name]}=VALUE)" if name in fields else ""
        raise Invalid(
            f"{_option_name(ctx, name)} does not apply with --where/--view: bulk {noun} edits "
            f"take {what}{hint}"
        )


def _option_name(ctx: typer.Context, name: str) -> str:
    for param in ctx.command.params:
        if param.name == name and param.opts:
            return str(param.opts[0])
    return name


def where_fragment(
    store: Store, list_name: str, where: str | None, view: str | None
) -> tuple[str, list[Any]] | None:
    from crmcli.commands._where import compiled

    return compiled(store, list_name, where, view)


def matched_or_exit(count: int, what: str) -> None:
    """Nothing matched: say so, exit 1 (as the lists do)."""
    if not count:
        from crmcli.commands._output import message

        message(f"no {what} match")
        raise typer.Exit(1)


def run_plan(
    plan: _Plan,
    noun: str,
    write: Callable[[], tuple[int, list[str]]],
    *,
    yes: bool,
    dry_run: bool,
) -> None:
    """Show the diffs and the count; ask; write (`write` returns (count, notes))."""
    from crmcli.commands._confirm import confirm
    from crmcli.commands._output import message
    from crmcli.commands._words import plural

    out = sys.stdout
    for diff in plan.diffs:
        out.write("\n".join(diff.lines()) + "\n")
    same = f"; {plan.unchanged} already as asked" if plan.unchanged else ""
    count = len(plan.diffs)
    if not count:
        message(f"nothing to change: {plural(plan.matched, noun)} matched{same}")
        return
    out.write(f"{plural(count, noun)} to change ({plan.matched} matched{same})\n")
    out.flush()
    if dry_run:
        message("dry run: nothing changed")
        return
    confirm(
        f"Change {plural(count, noun)}?",
        yes=yes,
        not_doing=f"not changing {plural(count, noun)}",
        declined="nothing changed",
    )
    done, notes = write()
    for note in notes:
        message(note)
    print(f"updated {plural(done, noun)} (one change: `crm undo` takes it all back)")


def on_terminal() -> bool:
    """Is there a person at a terminal to ask (whether to edit the file again)?"""
    return sys.stdin.isatty()


def editor() -> list[str]:
    """The editor's command line: $VISUAL, else $EDITOR, else vi — vi only on a terminal:
    with none to draw on it would print screen codes into a pipe or a log and fail."""
    import shutil

    from crmcli.core.errors import Refused

    for name in ("VISUAL", "EDITOR"):
        value = os.environ.get(name, "").strip()
        if value:
            return shlex.split(value)
    if shutil.which("vi") and sys.stdin.isatty() and sys.stdout.isatty():
        return ["vi"]
    raise Refused("no editor: set $EDITOR (e.g. export EDITOR=nano)")


def not_utf8(data: bytes, exc: UnicodeDecodeError) -> str:
    """Where a text stops being UTF-8, in the rep's terms: the line (1-based)."""
    line = data[: exc.start].count(b"\n") + 1
    return f"line {line} is not UTF-8 text (byte {data[exc.start]:#04x}): save the file as UTF-8"


def run_editor(command: list[str], path: Path) -> str:
    """Run the editor on `path` and give back what was saved; a failing editor, or one
    that cannot be run, ends the command (exit 1) with nothing changed."""
    from crmcli.core.errors import Refused

    try:
        code = subprocess.run([*command, str(path)]).returncode
    except OSError as exc:
        raise Refused(f"cannot run the editor {command[0]!r}: {exc.strerror}") from None
    if code:
        raise Refused(f"the editor exited with status {code}; nothing changed")
    return path.read_text(encoding="utf-8")


def edit_file(text: str, read: Callable[[str], T], *, name: str = "bulk-edit.tsv") -> T:
    """Open `text` in the editor (a private temporary file named `name`, whose suffix tells
    the editor the syntax, removed after) and read it back with `read`. An editor that
    fails, or a file saved unchanged, ends the command with nothing changed; a file `read`
    refuses is reopened on a terminal when the rep says so, else refused (exit 2), nothing
    changed."""
    from crmcli.commands._output import message
    from crmcli.core.errors import Invalid

    command = editor()
    with tempfile.TemporaryDirectory(prefix="crm-bulk-") as folder:
        path = Path(folder) / name  # the folder is 0700: names and addresses
        path.write_text(text, encoding="utf-8")
        path.chmod(0o600)
        while True:
            problem: str | None = None
            try:
                edited = run_editor(command, path)
            except UnicodeDecodeError as exc:  # an editor saving in another encoding
                edited = ""
                problem = not_utf8(path.read_bytes(), exc)
            if edited == text:
                message("the file was not changed; nothing to do")
                raise typer.Exit(0)
            try:
                if problem is not None:  # told and offered again, as a file `read` refuses
                    raise Invalid(problem)
                return read(edited)
            except Invalid as exc:
                if not on_terminal():
                    raise Invalid(f"{exc.message}; nothing changed") from None
                message(f"crm: {exc.message}")
                if not typer.confirm("Edit the file again?", default=True):
                    raise Invalid("nothing changed") from None
