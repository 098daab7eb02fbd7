"""`crm rule edit`: the rules as one TOML document in the rep's editor, and nothing typed lost.

The editor is found and run as `crm contact bulk-edit` runs it (`_bulk_flow.editor`,
`on_terminal`); a rejected document is offered again on a terminal, as crontab -e and
git do, and otherwise kept in a private file that `crm rule edit --from` takes back.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from crmcli.commands._output import message

if TYPE_CHECKING:
    from crmcli.core.db.store import Store
    from crmcli.core.rules.model import Rule


def edit_rules(store: Store, start: Path | None, *, no_edit: bool) -> str | None:
    """Edit and save the rules; what was saved, in a line (None: nothing to do).

    `start`: a file to begin from instead of the saved rules (`-`: standard input);
    `no_edit`: save that file's rules as they are, without an editor.
    """
    from crmcli.core.errors import Conflict, Invalid
    from crmcli.core.rules import catalog, document

    before = catalog.stored(store)  # what the rep starts from: checked again when saving
    saved = document.dump(before)
    if no_edit and start is None:
        raise Invalid("--no-edit goes with --from FILE (the rules to save)")
    text = saved if start is None else _read(start)
    if no_edit:
        rules = _load_or_keep(store, text, offer=False)
    else:
        rules, text = _edit_loop(store, text, saved)
    if rules is None:
        return None
    try:
        summary = catalog.replace_all(store, rules, expected=before)
    except Conflict as exc:  # another shell changed the rules while the editor was open
        kept = _keep(text)
        raise Conflict(
            f"{exc.message}: nothing saved; your text is in {kept} (crm rule edit shows the "
            f"rules as they are now; crm rule edit --from {_shell_quoted(kept)} takes yours "
            "back)"
        ) from None
    if start is not None and start != Path("-") and _same_file(start, draft_path()):
        start.unlink(missing_ok=True)  # the kept draft is saved now
    return _summary(summary)


DRAFT = "rules-draft.toml"


def draft_path() -> Path:
    """Where a rejected edit is kept, so nothing the rep typed is lost: the data folder."""
    from platformdirs import user_data_dir

    from crmcli.core.paths import APP_NAME

    return Path(user_data_dir(APP_NAME, appauthor=False)) / DRAFT


def _read(path: Path) -> str:
    from crmcli.commands._bulk_flow import not_utf8
    from crmcli.core.errors import Invalid

    if path == Path("-"):
        return sys.stdin.read()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise Invalid(f"no file {str(path)!r}") from None
    except OSError as exc:
        raise Invalid(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid(f"{str(path)!r}: {not_utf8(data, exc)}") from None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _edit_loop(store: Store, text: str, saved: str) -> tuple[list[Rule] | None, str]:
    """Open `text` in the editor until it reads (or the rep gives up); the rules (None:
    nothing to do) and the text they were read from.

    The file is private (a 0700 folder), named .toml so editors colour it. A rejected
    document is offered again on a terminal, as crontab -e and git do; declined, or
    with no terminal to ask, it is kept in the data folder and the error says where.
    """
    import tempfile

    from crmcli.commands._bulk_flow import editor, not_utf8, run_editor
    from crmcli.core.errors import Invalid

    command = editor()
    with tempfile.TemporaryDirectory(prefix="crm-rules-") as folder:
        path = Path(folder) / "rules.toml"
        path.write_text(text, encoding="utf-8")
        path.chmod(0o600)
        while True:
            try:
                edited = run_editor(command, path)
            except UnicodeDecodeError as exc:  # an editor saving in another encoding
                data = path.read_bytes()
                problem = not_utf8(data, exc)
                if _again(problem):
                    continue
                raise Invalid(f"{problem}; nothing saved {_kept_note(_keep(data))}") from None
            if edited == saved:
                message("the rules were not changed; nothing to do")
                return None, edited
            rules = _load_or_keep(store, edited, offer=True)
            if rules is not None:
                return rules, edited


def _load_or_keep(store: Store, text: str, *, offer: bool) -> list[Rule] | None:
    """The document's rules; on an error, None when the rep wants the editor again,
    else Invalid naming the line, with the text kept in the draft file."""
    from crmcli.core.errors import Invalid
    from crmcli.core.rules import document

    try:
        return document.load(text, store)
    except Invalid as exc:
        if offer and _again(exc.message):
            return None
        raise Invalid(f"{exc.message}; nothing saved {_kept_note(_keep(text))}") from None


def _again(problem: str) -> bool:
    """On a terminal, say what is wrong and ask whether to open the editor again."""
    from crmcli.commands._bulk_flow import on_terminal

    if not on_terminal():
        return False
    message(f"crm: {problem}")
    return typer.confirm("Edit the rules again?", default=True)


def _kept_note(kept: str) -> str:
    return f"(your text is in {kept}: crm rule edit --from {_shell_quoted(kept)} takes it back)"


def _keep(text: str | bytes) -> str:
    """Write the rejected document to the draft file (private), byte for byte as the rep
    left it; its path as shown."""
    path = draft_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(text.encode("utf-8") if isinstance(text, str) else text)
    return str(path)


def _shell_quoted(text: str) -> str:
    import shlex

    return shlex.quote(text)


def _summary(summary: Any) -> str:
    parts = [
        f"{word} {', '.join(repr(n) for n in names)}"
        for word, names in (
            ("added", summary.added),
            ("changed", summary.changed),
            ("removed", summary.removed),
        )
        if names
    ]
    if not parts:
        return "rules saved; none changed"
    return "rules saved: " + "; ".join(parts) + " (crm undo takes it back)"
