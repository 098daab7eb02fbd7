"""Every file a command writes goes through here: never over the database, its journals
or its backups, and always whole (a 0600 temporary renamed into place, `core/atomic.py`).

A rep can type any path after `-o` or `crm backup`; a slip (`-o crm.db`, a hard link
of the database, its `-wal` while another process has it open) must not destroy data.
A target is refused when it is, by name or by device and inode, the database in use or
one of SQLite's files beside it, or when it lies inside the backups folder (crm's own,
pruned automatically). An export replaces an existing ordinary file, as Unix tools do;
a backup refuses one unless told to replace it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from crmcli.core import atomic
from crmcli.core.errors import Invalid, Refused

if TYPE_CHECKING:
    from crmcli.core.db.store import Store

# SQLite's own files beside the database, by suffix, with what to call them.
SIDE_FILES = {
    "": "the database itself",
    "-wal": "the database's write-ahead log",
    "-shm": "the database's shared-memory file",
    "-journal": "the database's rollback journal",
}


def database_path(store: Store) -> Path | None:
    """The database file behind `store`, or None for a server database (nothing local)."""
    if store.location.is_url:
        return None
    return Path(store.location.target).expanduser()


def backups_folder(database: Path) -> Path:
    """Where `crm backup` and the automatic backups go: `backups/` beside the database."""
    return database.parent / "backups"


def check_target(database: Path | None, path: Path, *, replace: bool = True) -> Path:
    """The real file a write to `path` lands in, or the reason it may not be written.

    A protected target or an impossible one is Invalid (exit 2: bad input, as a path
    into the database always was for `crm backup`); with `replace=False` (a backup
    without --force) an existing file is Refused (exit 1, like an unconfirmed action).
    """
    target = atomic.real_target(path)
    if database is not None:
        _refuse_protected(database, path, target)
    if target.is_dir():
        raise Invalid(f"{path} is a folder: give a file name")
    if not target.parent.is_dir():
        raise Invalid(f"cannot write {path}: folder {target.parent} does not exist")
    if not replace and os.path.lexists(target):
        raise Refused(f"{path} already exists: give a new name, or --force to replace it")
    return target


def _refuse_protected(database: Path, path: Path, target: Path) -> None:
    real_db = atomic.real_target(database)
    identities: dict[tuple[int, int], str] = {}
    for suffix, what in SIDE_FILES.items():
        for candidate in {Path(f"{database}{suffix}"), Path(f"{real_db}{suffix}")}:
            if target == atomic.real_target(candidate):
                raise Invalid(f"not writing to {path}: it is {what} ({candidate})")
            try:
                found = candidate.stat()
            except OSError:
                continue
            identities[(found.st_dev, found.st_ino)] = what
    try:
        here = target.stat()
    except OSError:
        here = None
    linked = identities.get((here.st_dev, here.st_ino)) if here is not None else None
    if linked is not None:
        raise Invalid(f"not writing to {path}: it is another name (a hard link) for {linked}")
    backups = atomic.real_target(backups_folder(real_db))
    if target == backups or backups in target.parents:
        raise Invalid(
            f"not writing to {path}: {backups} is crm's backups folder "
            "(`crm backup` with no path writes there)"
        )


def new_text_file(store: Store, path: Path, *, replace: bool = True) -> atomic.TextReplacement:
    """A text file (UTF-8, no newline translation, mode 0600) that becomes `path` when
    committed; a refused target is never opened. For writers that decide late whether
    to keep what they wrote (an import's rejects); others use `open_text`."""
    check_target(database_path(store), path, replace=replace)
    with cannot_write(path):
        return atomic.TextReplacement(path)


@contextmanager
def open_text(store: Store, path: Path, *, replace: bool = True) -> Iterator[TextIO]:
    """`new_text_file` as a block: committed when it completes, discarded if it raises."""
    file = new_text_file(store, path, replace=replace)
    with cannot_write(path), file as stream:
        yield stream


@contextmanager
def replacing(store: Store, path: Path, *, replace: bool = True) -> Iterator[Path]:
    """A temporary 0600 path to fill; it becomes `path` when the block completes."""
    check_target(database_path(store), path, replace=replace)
    if atomic.is_special(atomic.real_target(path)):
        raise Invalid(f"{path} is not an ordinary file")
    with cannot_write(path), atomic.replacing(path) as tmp:
        yield tmp


@contextmanager
def cannot_write(path: Path) -> Iterator[None]:
    """A file-system error while writing (no space, no permission) is one line naming the
    file; whatever was there before is left as it was."""
    try:
        yield
    except OSError as exc:
        if exc.strerror is None:
            raise
        raise Invalid(f"cannot write {path}: {exc.strerror} (nothing was changed there)") from exc
