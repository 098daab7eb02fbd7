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
from crmcli.core.db import migrations
from crmcli.core.db.sqlite import APPLICATION_ID, SQLITE_HEADER
from crmcli.core.errors import Invalid, StoreUnavailable

if TYPE_CHECKING:
    from crmcli.core.db.store import Store


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


def auto_backup(store: Store, reason: str) -> Path | None:
    """Back up before a risky operation and prune old automatic backups.

    A shared PostgreSQL database is backed up by its server (pg_dump, base backups):
    there is no file here to copy, so nothing is done.
    """
    if store.location.is_url:
        return None
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


def _file_only(store: Store) -> None:
    if store.location.is_url:
        raise Invalid(
            "a shared PostgreSQL database is backed up by its server (pg_dump); "
            "`crm db copy --to FILE` makes a local crm database of it"
        )


def backup_now(store: Store, dest: Path | None) -> Path:
    """`crm backup`: a consistent copy of the live database (other writers may go on)."""
    _file_only(store)
    if dest is None:
        folder = backups_dir(store)
        folder.mkdir(mode=0o700, exist_ok=True)
        name = Path(store.location.target).stem
        dest = folder / f"{name}-{clock.now().strftime('%Y%m%dT%H%M%S%fZ')}.db"
    dest = dest.expanduser()
    if dest.is_dir():
        raise Invalid(f"{dest} is a folder: give a file name for the backup")
    if not dest.parent.exists():
        raise Invalid(f"cannot write backup {dest}: folder {dest.parent} does not exist")
    if dest.exists() and dest.resolve() == Path(store.location.target).expanduser().resolve():
        raise Invalid("the backup cannot be the database itself")
    try:
        return backup_to(store.conn, dest)
    except StoreUnavailable as exc:
        raise Invalid(exc.message) from exc


def check_backup(path: Path) -> int:
    """The schema version of a crm backup file, or Invalid if it is not one (or is damaged)."""
    if not path.is_file():
        raise Invalid(f"no backup file at {path}")
    with path.open("rb") as handle:
        if handle.read(16) != SQLITE_HEADER:
            raise Invalid(f"{path} is not a crm backup (not an SQLite file)")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise Invalid(f"{path} is not a usable crm backup ({exc})") from exc
    if app_id != APPLICATION_ID:
        raise Invalid(f"{path} is an SQLite file but not a crm backup")
    if ok != "ok":
        raise Invalid(f"{path} is damaged (integrity check: {ok}); not restoring it")
    if version > migrations.CURRENT:
        raise Invalid(f"{path} was made by a newer crm (schema v{version}); upgrade crm first")
    return version


def restore(store: Store, source: Path) -> Path:
    """Replace the database's content with a checked backup; the current one is kept first.

    The copy goes through SQLite's backup API into the live database, under its write
    lock, so other processes never see a half-restored file.
    """
    _file_only(store)
    check_backup(source)
    kept = auto_backup(store, "pre-restore")
    assert kept is not None  # a file database always gets its backup
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        src.backup(store.conn)
    finally:
        src.close()
    return kept
