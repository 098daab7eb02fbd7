"""How many follow-ups are due and how many overdue, read straight from a SQLite file.

The shell prompt's question (`crm status --prompt`), asked on every prompt: so
this module imports only the standard library, bypasses the store (its dialects
and schema checks cost more than the whole answer) and opens the file read-only
with a short timeout, never creating it. Due means due today or earlier, in the
local zone; overdue means a dated follow-up from before today, or a timed one
whose time has passed, as the daily view counts them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_STAMP = "%Y-%m-%dT%H:%M:%S.000000Z"  # the store's stamp form, to the second


def due_counts(path: str, now: datetime) -> tuple[int, int]:
    """(follow-ups due today or earlier, of which overdue) in the SQLite file at `path`.

    `now` is an aware instant. sqlite3 errors (no such table, not a database,
    locked) are the caller's to handle.
    """
    import sqlite3

    today = now.astimezone().strftime("%Y-%m-%d")
    stamp = now.astimezone(UTC).strftime(_STAMP)
    # The local date decides; the due_at bound (two days ahead: past any zone's today)
    # lets SQLite range-scan the (status, due_at) index instead of every open follow-up.
    horizon = (now + timedelta(days=2)).astimezone(UTC).strftime(_STAMP)
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
