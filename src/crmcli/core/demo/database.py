"""The demo database as a file: telling it from a real one, making way for a new one, the tour.

`crm demo` may replace its own file but never a real database, whatever path it
is given: `crmcli.core.demo.data.generate` marks what it fills (a `demo` key in
`crm_meta`), and only a file bearing that mark is ever deleted.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmcli.core.errors import Refused
from crmcli.core.values.text import fold

if TYPE_CHECKING:
    from crmcli.core.db.store import Store


def is_demo_database(path: Path) -> bool:
    """Does this file hold a database `crm demo` filled? Read-only; False for anything else.

    Plain sqlite3 rather than the store: the file may be anything at all, and
    opening it as a store would check (and could upgrade) its schema.
    """
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT 1 FROM crm_meta WHERE key = 'demo'").fetchone() is not None
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def backup_path(target: Path) -> Path:
    """Where the previous demo database is kept when a new one replaces it."""
    return target.with_name(target.name + ".bak")


def make_way(target: Path) -> Path | None:
    """Clear `target` for a new demo database; returns where the old one was kept, if any.

    An old demo file is not deleted: a rep may have logged calls in it while trying crm
    out, and `crm demo` never asks (it must run anywhere), so it is kept whole beside
    the new one as `demo.db.bak` (replacing the previous `.bak`, itself a demo database).
    Any other existing file, in either place, is refused (Refused); a missing folder is
    created, private.
    """
    if not target.exists():
        if not target.parent.exists():
            target.parent.mkdir(parents=True, mode=0o700)
        return None
    if not is_demo_database(target):
        raise Refused(f"{target} exists and is not a demo database; not overwriting it")
    kept = backup_path(target)
    if kept.exists() and not is_demo_database(kept):
        raise Refused(f"{kept} exists and is not a demo database; not overwriting it")
    _fold_in_wal(target)
    for suffix in ("-wal", "-shm"):
        Path(f"{kept}{suffix}").unlink(missing_ok=True)
    target.replace(kept)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    return kept


def _fold_in_wal(path: Path) -> None:
    """Move what the write-ahead log holds into the file itself, so the file alone is whole."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def tour_subject(store: Store) -> dict[str, Any] | None:
    """The person the tour looks up: someone at a company, recently in touch, with a last name.

    Preferably one whose name has accents, typed without them in the tour: the
    lookup reps need. Keys: id, display_name, first_name, last_name.
    """
    people = store.rows(
        "SELECT c.id, c.display_name, c.first_name, c.last_name FROM contact c "
        "WHERE c.company_id IS NOT NULL AND c.last_name IS NOT NULL "
        "ORDER BY c.last_touch_at DESC LIMIT 200"
    )
    accented = [p for p in people if fold(p["display_name"]) != p["display_name"].lower()]
    return (accented or people)[0] if people else None
