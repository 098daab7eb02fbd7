"""`crm backup` and `crm restore`: consistent copies of the database, and getting one back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crmcli.commands._output import message
from crmcli.commands._state import state


def backup(
    ctx: typer.Context,
    path: Annotated[
        Path | None,
        typer.Argument(
            help="Where to write it (default: backups/ beside the database).", show_default=False
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace PATH if a file is already there.")
    ] = False,
) -> None:
    """Make an online, consistent copy of the database (others may keep writing).

    PATH is never the database, its -wal/-shm/-journal (or a hard link of one) or a file
    in the backups folder; an existing file is kept unless --force. The copy is written
    to a temporary file (mode 0600) and renamed into place when complete and checked;
    a damaged database is not backed up (see `crm doctor`).
    """
    from crmcli.core.db.backup import backup_now

    dest = backup_now(state(ctx).store(), path, force=force)
    print(dest)


def restore(
    ctx: typer.Context,
    path: Annotated[
        Path,
        typer.Argument(
            help="A backup made by `crm backup` (or an automatic one).", show_default=False
        ),
    ],
) -> None:
    """Replace the database with a backup, after checking it; the current one is kept."""
    from crmcli.core.db import backup as backups
    from crmcli.core.db import migrations

    version = backups.check_backup(path.expanduser())  # before touching anything
    store = state(ctx).store(write=True)
    kept = backups.restore(store, path.expanduser())
    message(f"the database as it was is kept in {kept}")
    if version < migrations.CURRENT:
        from crmcli.core.db.opening import upgrade

        upgrade(store)
    print(f"restored {path}")
