"""Online, consistent copies of the database with SQLite's backup API.

A copy taken while other processes write is still a consistent snapshot.
Automatic backups (before a migration, later before bulk imports and merges)
go to a `backups/` folder beside the database, readable by the owner only,
and only the newest `backups_keep` are kept.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from crmcli.core import clock
from crmcli.core.errors import StoreUnavailable

if TYPE_CHECKING:
    from crmcli.core.store import Store


def backup_to(conn: sqlite3.Connection, dest: Path) -> Path:
    """Copy the live database behind `conn` to `dest` (created 0600)."""
    try:
        fd = os.open(dest, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        os.close(fd)
        target = sqlite3.connect(dest)
    except OSError as exc:
        raise StoreUnavailable(f"cannot write backup {dest}: {exc.strerror}") from exc
    try:
        conn.backup(target)
    finally:
        target.close()
    dest.chmod(0o600)
    return dest


def backups_dir(store: Store) -> Path:
    return Path(store.location.target).expanduser().parent / "backups"


def auto_backup(store: Store, reason: str) -> Path:
    """Back up before a risky operation and prune old automatic backups."""
    folder = backups_dir(store)
    folder.mkdir(mode=0o700, exist_ok=True)
    name = Path(store.location.target).stem
    stamp = clock.now().strftime("%Y%m%dT%H%M%S%fZ")
    dest = backup_to(store.conn, folder / f"{name}-{stamp}-{reason}.db")
    keep = int(store.config.get("backups_keep"))
    old = sorted(folder.glob(f"{name}-*.db"))
    for stale in old[:-keep]:
        stale.unlink(missing_ok=True)
    return dest
