"""`crm status --prompt`: the prompt segment, on a path that never loads Typer.

It runs on every shell prompt, so it loads only the standard library's sqlite3
and two stdlib-only core modules (the clock, and `crmcli.core.activity.due_counts`,
which reads the database read-only): a marker such as `crm:3!` (follow-ups due
today or earlier, `!` when some are overdue), or nothing at all — no database,
nothing due, or anything unexpected. It never creates a database and never prints
an error.
"""

from __future__ import annotations

import os
import sys

from crmcli.argv import split_db


def default_db() -> str:
    """`crmcli.core.paths.default_db_path()`, without importing platformdirs and pathlib.

    Their imports cost more than the whole prompt (20 to 60 ms against about 10 for
    sqlite3). The same rules platformdirs applies, kept equal to it by
    tests/commands/test_status_brief.py: an absolute `XDG_DATA_HOME` wins (a
    relative one is ignored, as the XDG spec says), then the platform's folder.
    """
    if sys.platform.startswith("win"):
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~")
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        if xdg.startswith("/"):
            base = xdg
        elif sys.platform == "darwin":
            base = os.path.expanduser("~/Library/Application Support")
        else:
            base = os.path.expanduser("~/.local/share")
    return os.path.join(base, "crmcli", "crm.db")


def marker(db: str | None) -> str:
    """The prompt text for this database ('' when there is nothing to say)."""
    due, overdue = counts(db)
    if not due:
        return ""
    return f"crm:{due}{'!' if overdue else ''}"


def counts(db: str | None) -> tuple[int, int]:
    """(follow-ups due today or earlier, of which overdue); (0, 0) without a database."""
    path = db or os.environ.get("CRM_DB") or default_db()
    if "://" in path or not os.path.isfile(path):
        return 0, 0
    from crmcli.core import clock
    from crmcli.core.activity.due_counts import due_counts

    return due_counts(path, clock.now())


def main(argv: list[str]) -> int:
    """Print the marker; any failure prints nothing (a prompt must never show an error)."""
    db, _ = split_db(argv)
    try:
        text = marker(db)
    except Exception:  # the prompt stays clean whatever happens
        return 0
    if text:
        sys.stdout.write(text + "\n")
    return 0


def is_prompt_call(argv: list[str]) -> bool:
    """`crm [--db X] status --prompt [--db X]`, and nothing else."""
    return split_db(argv)[1] == ["status", "--prompt"]
