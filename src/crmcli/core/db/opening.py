"""Opening a database: find it, create or refuse it, bring its schema up to date.

This is where the store protects the rep's data:
- a read never creates or migrates a database;
- a file that is not a crm database, or one from a newer crm, is refused untouched;
- an older database is upgraded only by a command that writes, after a backup.

It sits above `store` (the connection and its transactions), `backup` (which
copies a live store) and `defaults` (what a new database starts with), so that
none of those three needs another: the upgrade that must back up first, and the
creation that seeds the default pipeline, are the only places where they meet.
`backup` and `defaults` are imported where they are used, as only a database
being created or upgraded needs them: a hot command opening a current database
loads neither.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from crmcli.core.config import Config
from crmcli.core.db import migrations, sqlite
from crmcli.core.db.store import (
    Location,
    Store,
    disk_full,
    read_only,
    resolve_location,
    shown_url,
)
from crmcli.core.errors import Damaged, NotFound, StoreUnavailable


def open_store(db: str | None, config: Config, *, write: bool) -> Store:
    """Open the database for reading or for writing.

    A read on a missing database raises NotFound and creates nothing; a write
    creates it (mode 0600, default folder created, an explicit folder must
    exist) and brings an older schema up to date, after a backup.
    """
    location = resolve_location(db)
    if location.is_url:
        return _open_server(location, config, write=write)
    path = Path(location.target).expanduser()
    existed = path.exists()
    if not existed:
        if not write:
            raise NotFound(
                f"no crm database at {path} yet (add a contact, or run `crm demo` to try one)"
            )
        sqlite.create_file(path, location.explicit)
    elif path.is_dir():
        raise StoreUnavailable(f"{path} is a folder, not a database file")
    else:
        sqlite.check_header(path)
    mode = "mode=rw"
    if existed and not sqlite.writable(path):
        if write:  # refused before SQLite gets to say "attempt to write a readonly database"
            raise read_only(str(path))
        mode = sqlite.read_only_mode(path)  # a read works in a folder crm cannot write
    conn = sqlite.connect(path, float(config.get("busy_timeout")), mode=mode)
    store = Store(conn, sqlite.SQLiteDialect(), location, config)
    try:
        _check_schema(store, path, write=write)
    except BaseException:
        conn.close()
        raise
    return store


def _open_server(location: Location, config: Config, *, write: bool) -> Store:
    """Team mode: a shared PostgreSQL database named by a URL.

    Writers serialise on one advisory lock and wait for it up to busy_timeout.
    """
    from crmcli.core.db import postgres  # deferred: a local file never needs it

    conn = postgres.connect(
        location.target,
        where=shown_url(location.target),
        busy_timeout=int(config.get("busy_timeout")),
    )
    store = Store(conn, postgres.PostgresDialect(), location, config)
    try:
        _check_server_schema(store, write=write)
    except BaseException:
        conn.close()
        raise
    return store


def _check_server_schema(store: Store, *, write: bool) -> None:
    version = store.dialect.schema_version(store.conn)
    where = shown_url(store.location.target)
    if version == migrations.CURRENT:
        return
    if version == 0:
        if not write:
            raise NotFound(f"no crm data in {where} yet (add a contact, or `crm db copy` into it)")
        _initialise(store)
        return
    _upgrade_or_refuse(store, where, version, write=write, hint="run `crm db upgrade`")


def _check_schema(store: Store, path: Path, *, write: bool) -> None:
    conn = store.conn
    dialect = store.dialect
    try:
        app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
        version = dialect.schema_version(conn)
    except sqlite3.DatabaseError as exc:
        if sqlite.is_damaged(exc):  # a crm header over damaged pages: doctor shows the way out
            raise Damaged(str(exc), str(path)) from exc
        if sqlite.is_disk_full(exc, str(path.parent)):  # healthy: no room for the -shm
            raise disk_full(str(path)) from exc
        if sqlite.is_read_only(exc):
            raise read_only(str(path)) from exc
        raise StoreUnavailable(f"{path} is not a usable database ({exc}); left untouched") from exc
    if version == migrations.CURRENT and app_id == sqlite.APPLICATION_ID:
        return  # the hot path: two header reads, nothing more
    if app_id != sqlite.APPLICATION_ID:
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if tables or version:
            raise StoreUnavailable(
                f"{path} is an SQLite database but not a crm one; left untouched"
            )
        if not write:
            raise NotFound(f"no crm data in {path} yet (it is an empty database)")
        _initialise(store)
        return
    hint = "run `crm db upgrade` (a backup is taken first)"
    _upgrade_or_refuse(store, str(path), version, write=write, hint=hint)


def _upgrade_or_refuse(store: Store, where: str, version: int, *, write: bool, hint: str) -> None:
    """A database at another schema version than this crm's: refuse a newer one, and an
    older one on a read-only command (`hint` says what to run); upgrade it otherwise."""
    if version > migrations.CURRENT:
        raise StoreUnavailable(
            f"{where} was written by a newer crm (schema v{version}; this crm knows up to "
            f"v{migrations.CURRENT}): upgrade crm to use it"
        )
    if not write:
        raise StoreUnavailable(
            f"{where} has schema v{version}, older than this crm's v{migrations.CURRENT}: {hint}"
        )
    store.upgraded_from = version
    upgrade(store)


def _initialise(store: Store) -> None:
    """Create the whole schema and the default data in a brand-new database."""
    conn = store.conn
    if store.dialect.name == "sqlite":
        conn.execute("PRAGMA journal_mode = WAL")
    with store.write("create database") as tx:
        if store.dialect.schema_version(conn) != 0:
            return  # another process initialised it while we waited for the lock
        for version in range(1, migrations.CURRENT + 1):
            for statement in migrations.statements(version, store.dialect.name):
                conn.execute(statement)
        store.dialect.set_schema_version(conn, migrations.CURRENT)
        from crmcli.core.db.defaults import seed  # deferred: only a new database

        seed(tx)


def upgrade(store: Store) -> list[int]:
    """Apply pending migrations in one transaction, after a backup; returns versions applied."""
    conn = store.conn
    current = store.dialect.schema_version(conn)
    if current >= migrations.CURRENT:
        return []
    from crmcli.core.db.backup import auto_backup  # deferred: only an old database

    auto_backup(store, f"pre-migration-v{current}")
    applied: list[int] = []
    with store.write("upgrade schema") as tx:
        current = store.dialect.schema_version(conn)  # re-read under the lock
        for version in range(current + 1, migrations.CURRENT + 1):
            for statement in migrations.statements(version, store.dialect.name):
                conn.execute(statement)
            applied.append(version)
        store.dialect.set_schema_version(conn, migrations.CURRENT)
        tx.execute(
            "INSERT INTO crm_meta (key, value) VALUES ('schema_version', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(migrations.CURRENT),),
        )
    return applied
