"""Online, consistent, verified copies of the database with SQLite's backup API.

A copy taken while other processes write is still a consistent snapshot. It is
written under a temporary name beside its final one, checked (`integrity_check` for
`crm backup`, the cheaper `quick_check` before a risky operation), then renamed into
place: a backup that fails (a full disk, a damaged database) leaves no file behind.
Backups go to a `backups/` folder beside the database, readable by the owner only,
named so that each database only ever prunes its own automatic backups:

    {stem}-{identity}-{UTC time}-manual.db           crm backup
    {stem}-{identity}-{UTC time}-auto-{reason}.db    before an upgrade, import, merge, restore

The identity is a short hash of the database's resolved path (see `identity`), and
the time comes before the kind, so `ls` lists one database's backups oldest first.
Backups named before this scheme (`{stem}-{time}[-{reason}].db`) still restore and
are never pruned: which database they belong to cannot be told for sure.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from crmcli.core import atomic, clock
from crmcli.core.db import guarded, migrations
from crmcli.core.db.sqlite import APPLICATION_ID, SQLITE_HEADER, is_disk_full
from crmcli.core.errors import Invalid, StoreUnavailable

if TYPE_CHECKING:
    from crmcli.core.db.store import Store

STAMP = "%Y%m%dT%H%M%S%fZ"
_STAMP_RE = r"\d{8}T\d{12}Z"
# A temporary copy left by a killed backup is removed once it is this old (seconds):
# younger ones may belong to a backup still running in another process.
STALE_TEMP_AGE = 24 * 3600

Check = Literal["integrity_check", "quick_check"]


def identity(database: Path) -> str:
    """Six hex digits of the SHA-256 of the database's resolved path.

    Why the path and not an id stored in the database: it needs no write (a backup is
    taken from read-only commands and from old databases before their upgrade), it
    tells apart two files that share a stem in one folder (`a.db`, `a.sqlite`) even
    when one is a `cp` of the other, and a restore, which replaces the content
    (stored ids included), does not change whose backups are whose. A database that is
    moved or renamed gets a new identity: its older automatic backups are then kept,
    never pruned, which errs on the safe side.
    """
    resolved = os.path.realpath(database.expanduser())
    return hashlib.sha256(os.fsencode(resolved)).hexdigest()[:6]


def backup_name(database: Path, kind: Literal["manual", "auto"], reason: str = "") -> str:
    """The file name of a new backup of `database` (see the module docstring)."""
    stamp = clock.now().strftime(STAMP)
    tail = f"-{reason}" if reason else ""
    return f"{database.stem}-{identity(database)}-{stamp}-{kind}{tail}.db"


def _automatic_pattern(database: Path) -> re.Pattern[str]:
    """The names of this database's automatic backups, the time captured."""
    prefix = re.escape(f"{database.stem}-{identity(database)}-")
    return re.compile(rf"{prefix}({_STAMP_RE})-auto(?:-[a-z0-9-]+)?\.db")


def backup_to(conn: sqlite3.Connection, dest: Path, check: Check = "integrity_check") -> Path:
    """Copy the live database behind `conn` into `dest` (an empty 0600 file), then check it.

    `dest` is a temporary file the caller renames into place (`atomic.replacing`):
    everything that goes wrong here raises StoreUnavailable, and the caller's rename
    never happens. SQLite's side files of `dest` are removed on failure too.
    """
    try:
        target = sqlite3.connect(dest)
        try:
            conn.backup(target)
            verdict = _verdict(target, check)
        finally:
            target.close()
    except (sqlite3.Error, OSError) as exc:
        _remove_side_files(dest)
        raise _write_failed(dest, exc, conn) from exc
    if verdict != "ok":
        _remove_side_files(dest)
        raise _damaged(conn, verdict)
    return dest


def _verdict(conn: sqlite3.Connection, check: Check) -> str:
    """What the check found, "ok" when sound (a badly damaged file fails it by raising)."""
    try:
        return str(conn.execute(f"PRAGMA {check}").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        if is_disk_full(exc):
            raise
        return str(exc)


def _remove_side_files(dest: Path) -> None:
    for suffix in ("-journal", "-wal", "-shm"):
        Path(f"{dest}{suffix}").unlink(missing_ok=True)


def _write_failed(dest: Path, exc: BaseException, conn: sqlite3.Connection) -> StoreUnavailable:
    """One line for a copy that could not be written: a full disk says so, with the room
    left and the room the copy needs (the database's pages)."""
    full = is_disk_full(exc)
    folder = dest.parent
    if full:
        free = shutil.disk_usage(folder).free
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        needed = pages * conn.execute("PRAGMA page_size").fetchone()[0]
        return StoreUnavailable(
            f"the disk is full ({free} bytes free in {folder}, the backup needs {needed}); "
            "no backup was made"
        )
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return StoreUnavailable(f"cannot write the backup in {folder}: {reason}; no backup was made")


def _damaged(conn: sqlite3.Connection, verdict: str) -> StoreUnavailable:
    """The copy failed its check: say whether the database itself is damaged (and the
    way out), or only the copy. The live check runs only here, on the failure path."""
    database = str(conn.execute("PRAGMA database_list").fetchone()[2])
    live = _verdict(conn, "quick_check")
    first = verdict.splitlines()[0]
    if live == "ok":
        return StoreUnavailable(f"the backup copy came out damaged ({first}); no backup was made")
    return StoreUnavailable(
        f"the database is damaged ({first}); no backup was made: see `crm doctor`, and "
        f"`sqlite3 {database} .recover | sqlite3 recovered.db` saves what can still be read"
    )


def backups_dir(store: Store) -> Path:
    return guarded.backups_folder(Path(store.location.target).expanduser())


def newest(database: Path) -> Path | None:
    """The newest backup of `database` in the `backups/` folder beside it, if any.

    Both namings count: `{stem}-{identity}-{time}-...db` and the older `{stem}-{time}...db`.
    """
    folder = guarded.backups_folder(database)
    stem = re.escape(database.stem)
    pattern = re.compile(rf"{stem}-(?:{identity(database)}-)?\d{{8}}T\d+Z.*\.db")
    try:
        found = [p for p in folder.iterdir() if pattern.fullmatch(p.name) and p.is_file()]
    except OSError:
        return None
    return max(found, key=lambda p: p.stat().st_mtime_ns, default=None)


def _new_backup(store: Store, name: str, check: Check) -> Path:
    """A checked backup named `name` in the backups folder, or no file at all."""
    dest = backups_dir(store) / name
    try:
        dest.parent.mkdir(mode=0o700, exist_ok=True)
        with atomic.replacing(dest) as tmp:
            backup_to(store.conn, tmp, check)
    except OSError as exc:  # the temporary file could not be made, or renamed
        raise _write_failed(dest, exc, store.conn) from exc
    return dest


def auto_backup(store: Store, reason: str) -> Path | None:
    """Back up before a risky operation, then prune this database's older automatic backups.

    Only complete automatic backups of this very database are counted and pruned
    (the newest `backups_keep` are kept); `crm backup`'s and other databases' are
    never touched. A shared PostgreSQL database is backed up by its server (pg_dump,
    base backups): there is no file here to copy, so nothing is done.
    """
    if store.location.is_url:
        return None
    database = Path(store.location.target).expanduser()
    dest = _new_backup(store, backup_name(database, "auto", reason), "quick_check")
    prune(dest.parent, database, int(store.config.get("backups_keep")))
    return dest


def prune(folder: Path, database: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` automatic backups of `database`; returns those removed.

    Temporary copies of this database's backups left by a killed process are removed
    once they are a day old.
    """
    pattern = _automatic_pattern(database)
    own: list[tuple[str, str, Path]] = []
    temp_prefix = f".{database.stem}-{identity(database)}-"
    for entry in folder.iterdir():
        found = pattern.fullmatch(entry.name)
        if found is not None:
            own.append((found.group(1), entry.name, entry))
        elif entry.name.startswith(temp_prefix) and atomic.TEMP_SUFFIX in entry.name:
            with contextlib.suppress(OSError):
                if time.time() - entry.stat().st_mtime > STALE_TEMP_AGE:
                    entry.unlink()
    own.sort()
    removed = [path for _, _, path in own[: max(len(own) - keep, 0)]]
    for stale in removed:
        stale.unlink(missing_ok=True)
    return removed


def _file_only(store: Store) -> None:
    if store.location.is_url:
        raise Invalid(
            "a shared PostgreSQL database is backed up by its server (pg_dump); "
            "`crm db copy --to FILE` makes a local crm database of it"
        )


def backup_now(store: Store, dest: Path | None, *, force: bool = False) -> Path:
    """`crm backup`: a consistent, checked copy of the live database (others may go on).

    With no path it goes to the backups folder as a manual backup, which automatic
    pruning never removes. A damaged database is refused (exit 3), with the way out.
    """
    _file_only(store)
    if dest is not None:
        return _backup_to_path(store, dest.expanduser(), force=force)
    database = Path(store.location.target).expanduser()
    return _new_backup(store, backup_name(database, "manual"), "integrity_check")


def _backup_to_path(store: Store, dest: Path, *, force: bool) -> Path:
    """A backup where the rep said: never over the database, its journals (by name or by
    hard link) or the backups folder, an existing file only with --force, and written
    whole (a temporary file renamed into place), so a failure leaves nothing behind."""
    with guarded.replacing(store, dest, replace=force) as tmp:
        backup_to(store.conn, tmp)  # a damaged database or a full disk: exit 3
    return dest


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


def _raw_copy(store: Store, reason: str) -> Path:
    """The database file and its write-ahead log copied byte for byte, as a manual backup.

    For a file SQLite cannot copy page by page: the pair opens together (SQLite reads
    `NAME-wal` beside `NAME`), so `.recover` can still be run on it later.
    """
    database = Path(store.location.target).expanduser()
    dest = backups_dir(store) / backup_name(database, "manual", reason)
    try:
        dest.parent.mkdir(mode=0o700, exist_ok=True)
        wal = Path(f"{database}-wal")
        if wal.exists():
            with atomic.replacing(Path(f"{dest}-wal")) as tmp:
                shutil.copyfile(wal, tmp)
        with atomic.replacing(dest) as tmp:
            shutil.copyfile(database, tmp)
    except OSError as exc:
        raise _write_failed(dest, exc, store.conn) from exc
    return dest


def restore(store: Store, source: Path) -> Path:
    """Replace the database's content with a checked backup; the current one is kept first.

    The copy goes through SQLite's backup API into the live database, under its write
    lock, so other processes never see a half-restored file.
    """
    _file_only(store)
    check_backup(source)
    if _verdict(store.conn, "quick_check") == "ok":
        kept = auto_backup(store, "pre-restore")
        assert kept is not None  # a file database always gets its backup
    else:
        # The way out `crm doctor` names for a damaged database: a checked backup of it
        # cannot be made, so its bytes are kept as they are (never pruned), then replaced.
        kept = _raw_copy(store, "pre-restore-damaged")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        src.backup(store.conn)
    finally:
        src.close()
    return kept
