"""`crm status --prompt`: the prompt segment, on a path that never loads Typer.

It runs on every shell prompt, so it imports only the standard library's sqlite3
and reads the database read-only: a marker such as `crm:3!` (follow-ups due today or
earlier, `!` when some are overdue), or nothing at all — no database, nothing due,
or anything unexpected. It never creates a database and never prints an error.
"""

from __future__ import annotations

import os
import sys
import time

from crmcli.argv import split_db


def _default_db() -> str:
    """The same default as `crmcli.core.paths`, without importing platformdirs (~15 ms)."""
    if sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Application Support")
    elif sys.platform.startswith("win"):
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~")
    else:
        base = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return os.path.join(base, "crmcli", "crm.db")


def _now() -> float:
    fixed = os.environ.get("CRM_NOW")
    if fixed:
        from datetime import datetime

        value = datetime.fromisoformat(fixed.replace("Z", "+00:00"))
        if value.tzinfo is None:
            value = value.astimezone()
        return value.timestamp()
    return time.time()


def marker(db: str | None) -> str:
    """The prompt text for this database ('' when there is nothing to say)."""
    due, overdue = counts(db)
    if not due:
        return ""
    return f"crm:{due}{'!' if overdue else ''}"


def counts(db: str | None) -> tuple[int, int]:
    """(follow-ups due today or earlier, of which overdue); (0, 0) without a database."""
    path = db or os.environ.get("CRM_DB") or _default_db()
    if "://" in path or not os.path.isfile(path):
        return 0, 0
    import sqlite3

    now = _now()
    today = time.strftime("%Y-%m-%d", time.localtime(now))
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(now))
    horizon = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(now + 2 * 86400))
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.2)
    try:
        due, overdue = conn.execute(
            "SELECT count(*), coalesce(sum(CASE WHEN (due_time IS NULL AND due_date < ?) "
            "OR (due_time IS NOT NULL AND due_at < ?) THEN 1 ELSE 0 END), 0) FROM followup "
            "WHERE status = 'open' AND due_at < ? AND due_date <= ?",
            (today, stamp, horizon, today),
        ).fetchone()
    finally:
        conn.close()
    return int(due), int(overdue)


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
