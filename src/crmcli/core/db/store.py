"""The one data-access layer: a DB-API connection, its transactions, and the change log.

Every caller (commands, the full-screen interface, imports, reports) goes
through `Store`. It speaks plain SQL through DB-API (stdlib `sqlite3` here),
because the ORM costs more start-up time than a hot command may take; the
models in `crmcli.core.db.models` declare the schema and the tests hold this
layer against them.

Opening is where the store protects the rep's data:
- a read never creates or migrates a database;
- a file that is not a crm database, or one from a newer crm, is refused untouched;
- a write holds the lock only for its own short `BEGIN IMMEDIATE` transaction and
  waits out another writer up to the busy timeout, then fails as `Busy`.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from crmcli.core import clock
from crmcli.core.config import Config
from crmcli.core.db import migrations
from crmcli.core.db.columns import COLUMNS, OWNED_TABLES
from crmcli.core.db.dialect import Dialect, SQLiteDialect
from crmcli.core.errors import Busy, CrmError, Invalid, NotFound, StoreUnavailable

SQLITE_HEADER = b"SQLite format 3\x00"
IN_CHUNK = 500  # values per `IN (...)` list: well under every backend's bound-parameter limit


def in_chunks(ids: Sequence[Any]) -> Iterator[tuple[Sequence[Any], str]]:
    """`ids` in slices small enough for one `IN (...)`, each with its `?, ?, ...` list."""
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start : start + IN_CHUNK]
        yield chunk, ", ".join("?" for _ in chunk)


@dataclass(frozen=True)
class Location:
    """Where the database is, and whether the user named it explicitly."""

    target: str
    explicit: bool

    @property
    def is_url(self) -> bool:
        return "://" in self.target


def resolve_location(db: str | None) -> Location:
    """`--db`, then `CRM_DB`, then the platform's user data folder."""
    if db:
        return Location(db, True)
    env = os.environ.get("CRM_DB")
    if env:
        return Location(env, True)
    from crmcli.core.paths import default_db_path

    return Location(str(default_db_path()), False)


class Store:
    """A connection to one crm database, with helpers for reads and write transactions."""

    def __init__(self, conn: Any, dialect: Dialect, location: Location, config: Config) -> None:
        self.conn = conn
        self.dialect = dialect
        self.location = location
        self.config = config
        self.upgraded_from: int | None = None  # set when opening ran migrations

    # -- reads -------------------------------------------------------------------------
    def _run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        try:
            return self.conn.execute(self.dialect.sql(sql), params)
        except Exception as exc:
            if self.dialect.is_busy(exc):
                raise Busy(self._busy_message()) from exc
            raise

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """All result rows as dicts (column name to value)."""
        cur = self._run(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def row(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        """The first result row as a dict, or None."""
        cur = self._run(sql, params)
        found = cur.fetchone()
        if found is None:
            return None
        return dict(zip([d[0] for d in cur.description], found, strict=True))

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """All result rows as tuples: the cheap form for large scans."""
        return list(self._run(sql, params).fetchall())

    def tuples_in(
        self, sql: str, ids: Sequence[Any], params: Sequence[Any] = ()
    ) -> list[tuple[Any, ...]]:
        """`tuples` for a query whose `IN ({ids})` may hold any number of values.

        The query runs once per chunk of `ids`, with `params` bound before each chunk,
        so an ORDER BY holds within a chunk only.
        """
        out: list[tuple[Any, ...]] = []
        for chunk, marks in in_chunks(ids):
            out += self.tuples(sql.format(ids=marks), (*params, *chunk))
        return out

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        """Rows as dicts, fetched in batches: flat memory for exports of any size."""
        names, rows = self.stream_tuples(sql, params)
        for row in rows:
            yield dict(zip(names, row, strict=True))

    def stream_tuples(
        self, sql: str, params: Sequence[Any] = ()
    ) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        """Column names and rows as tuples, fetched in batches: the fastest way out.

        The dialect's streaming cursor keeps the result on the database's side (a
        server-side cursor on PostgreSQL), so only a batch at a time is in memory.
        """
        cur = self.dialect.stream_cursor(self.conn)
        cur.execute(self.dialect.sql(sql), params)
        names = [d[0] for d in cur.description]
        if self.dialect.name == "sqlite":
            # Batches chained in C, no generator frame per row; the cursor needs no
            # closing (SQLite resets the statement when it is done).
            return names, itertools.chain.from_iterable(iter(partial(cur.fetchmany, 2000), []))

        def rows() -> Iterator[tuple[Any, ...]]:
            try:
                while batch := cur.fetchmany(2000):
                    yield from batch
            finally:
                cur.close()

        return names, rows()

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row, or None."""
        found = self._run(sql, params).fetchone()
        return None if found is None else found[0]

    def close(self) -> None:
        self.conn.close()

    # -- writes ------------------------------------------------------------------------
    @contextmanager
    def write(self, command: str) -> Iterator[Tx]:
        """One short write transaction; every change inside it is one undoable batch."""
        try:
            self.dialect.begin_write(self.conn)
        except Exception as exc:
            if self.dialect.is_busy(exc):
                raise Busy(self._busy_message()) from exc
            raise
        tx = Tx(self, command)
        try:
            yield tx
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except Exception as exc:
            self.conn.execute("ROLLBACK")
            if self.dialect.is_busy(exc):
                raise Busy(self._busy_message()) from exc
            raise

    def _busy_message(self) -> str:
        seconds = self.config.get("busy_timeout")
        return (
            f"database busy: another process kept {shown_url(self.location.target)} locked for "
            f"{seconds} s (raise `busy_timeout` with `crm config set busy_timeout N`)"
        )


class Tx:
    """A write transaction: inserts, updates and deletes that also fill the change log.

    Before/after images go to `change_log` under one batch id, which is what
    `crm undo` reverts; `contact_id` ties entries to a person so that an
    erasure request can remove them.
    """

    def __init__(self, store: Store, command: str) -> None:
        self.store = store
        self.command = command
        self.batch = uuid.uuid4().hex
        self.now = clock.now()
        self.stamp = clock.stamp(self.now)
        self.owner = str(store.config.get("user"))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.store._run(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        cur = self.store.conn.cursor()  # psycopg's connections have no executemany
        try:
            cur.executemany(self.store.dialect.sql(sql), rows)
        finally:
            cur.close()

    def insert_many(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        offset: int = 0,
    ) -> None:
        """Insert rows as they are (no change log, no defaults): the bulk path of imports.

        `offset` is added to each row's first value (an import's ids, see `Prepared`).
        """
        self._check(table, columns)
        if rows:
            self.store.dialect.insert_many(self.store.conn, table, columns, rows, offset)

    def _check(self, table: str, names: Iterable[str]) -> None:
        unknown = set(names) - set(COLUMNS[table])
        if unknown:  # a programming error, not user input: fail loudly
            raise ValueError(f"{table} has no column(s) {sorted(unknown)}")

    def insert(
        self,
        table: str,
        values: dict[str, Any],
        *,
        contact_id: int | None = None,
        log: bool = True,
    ) -> int:
        """Insert one row; owned tables get owner, version and timestamps filled in."""
        row = dict(values)
        if table in OWNED_TABLES:
            row.setdefault("owner", self.owner)
            row.setdefault("version", 1)
            row.setdefault("created_at", self.stamp)
            row.setdefault("updated_at", self.stamp)
        self._check(table, row)
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        new_id = int(
            self.execute(
                f"INSERT INTO {table} ({names}) VALUES ({marks}) RETURNING id", list(row.values())
            ).fetchone()[0]
        )
        if log:
            row["id"] = new_id
            self.log(table, new_id, "insert", None, row, contact_id)
        return new_id

    def get(self, table: str, row_id: int) -> dict[str, Any] | None:
        return self.store.row(f"SELECT * FROM {table} WHERE id = ?", (row_id,))

    def update(
        self,
        table: str,
        row_id: int,
        values: dict[str, Any],
        *,
        contact_id: int | None = None,
        derived: bool = False,
    ) -> dict[str, Any]:
        """Change columns of one row; returns the row as it was before.

        A `derived` change (a contact's last-touch time after a logged call) is
        bookkeeping, not an edit: it keeps the row's version and updated time, so
        it never makes someone else's concurrent edit look stale.
        """
        before = self.get(table, row_id)
        if before is None:
            raise NotFound(f"{table} {row_id} no longer exists")
        changes = {k: v for k, v in values.items() if before.get(k) != v}
        if not changes:
            return before
        if table in OWNED_TABLES and not derived:
            changes["updated_at"] = self.stamp
            changes["version"] = int(before["version"]) + 1
        self._check(table, changes)
        assignments = ", ".join(f"{name} = ?" for name in changes)
        self.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", [*changes.values(), row_id])
        self.log(table, row_id, "update", before, {**before, **changes}, contact_id)
        return before

    def delete(self, table: str, row_id: int, *, contact_id: int | None = None) -> None:
        """Delete one row, keeping its image in the change log."""
        before = self.get(table, row_id)
        if before is None:
            return
        self.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
        self.log(table, row_id, "delete", before, None, contact_id)

    def log(
        self,
        table: str,
        row_id: int,
        op: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        contact_id: int | None,
    ) -> None:
        self.execute(
            "INSERT INTO change_log (batch, at, owner, command, table_name, row_id, op, before,"
            " after, contact_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.batch,
                self.stamp,
                self.owner,
                self.command,
                table,
                row_id,
                op,
                None if before is None else json.dumps(before, ensure_ascii=False),
                None if after is None else json.dumps(after, ensure_ascii=False),
                contact_id,
            ),
        )


# -- opening ---------------------------------------------------------------------------


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
        _create_file(path, location.explicit)
    elif path.is_dir():
        raise StoreUnavailable(f"{path} is a folder, not a database file")
    else:
        _check_header(path)
    conn = _connect(path, config)
    store = Store(conn, SQLiteDialect(), location, config)
    try:
        _check_schema(store, path, write=write)
    except BaseException:
        conn.close()
        raise
    return store


def shown_url(url: str) -> str:
    """A database URL fit to print: any password replaced by ***."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _open_server(location: Location, config: Config, *, write: bool) -> Store:
    """Team mode: a shared PostgreSQL database named by a URL.

    `postgresql://`, `postgres://` and SQLAlchemy's `postgresql+psycopg://` are taken.
    Writers serialise on one advisory lock and wait for it up to busy_timeout.
    """
    from crmcli.core.db.dialect import PostgresDialect

    url = location.target
    scheme, _, rest = url.partition("://")
    if scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        raise StoreUnavailable(
            f"cannot open {shown_url(url)}: only PostgreSQL URLs are supported "
            "(postgresql://user@host/database)"
        )
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise StoreUnavailable("team mode needs psycopg: pip install 'psycopg[binary]'") from exc
    timeout = int(config.get("busy_timeout"))
    try:
        conn = psycopg.connect(
            f"postgresql://{rest}",
            autocommit=True,  # transactions are explicit, as on SQLite
            connect_timeout=10,
            options=f"-c lock_timeout={timeout}s",
        )
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise StoreUnavailable(f"cannot connect to {shown_url(url)}: {reason}") from exc
    store = Store(conn, PostgresDialect(), location, config)
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


def _create_file(path: Path, explicit: bool) -> None:
    parent = path.parent
    if not parent.exists():
        if explicit:
            raise StoreUnavailable(f"cannot create database {path}: folder {parent} does not exist")
        try:
            parent.mkdir(parents=True, mode=0o700)
        except OSError as exc:
            raise StoreUnavailable(f"cannot create folder {parent}: {exc.strerror}") from exc
    try:
        # O_EXCL: of two processes creating it at once, one creates, both then open it.
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        return
    except OSError as exc:
        raise StoreUnavailable(f"cannot create database {path}: {exc.strerror}") from exc


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            header = handle.read(16)
    except OSError as exc:
        raise StoreUnavailable(f"cannot read {path}: {exc.strerror}") from exc
    if header and header != SQLITE_HEADER:
        raise StoreUnavailable(f"{path} is not a crm database (not an SQLite file); left untouched")


def _connect(path: Path, config: Config) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(
            f"file:{path}?mode=rw",
            uri=True,
            timeout=float(config.get("busy_timeout")),
            isolation_level=None,  # explicit BEGIN/COMMIT only
            check_same_thread=False,  # the TUI reads from a worker thread
        )
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        raise StoreUnavailable(f"cannot open database {path}: {exc}") from exc
    return conn


def _check_schema(store: Store, path: Path, *, write: bool) -> None:
    conn = store.conn
    dialect = store.dialect
    try:
        app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
        version = dialect.schema_version(conn)
    except sqlite3.DatabaseError as exc:
        raise StoreUnavailable(f"{path} is not a usable database ({exc}); left untouched") from exc
    if version == migrations.CURRENT and app_id == SQLiteDialect.APPLICATION_ID:
        return  # the hot path: two header reads, nothing more
    if app_id != SQLiteDialect.APPLICATION_ID:
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
        from crmcli.core.db.defaults import seed

        seed(tx)


def upgrade(store: Store) -> list[int]:
    """Apply pending migrations in one transaction, after a backup; returns versions applied."""
    conn = store.conn
    current = store.dialect.schema_version(conn)
    if current >= migrations.CURRENT:
        return []
    from crmcli.core.db.backup import auto_backup

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


def describe_error(exc: BaseException) -> CrmError | None:
    """Map a raw database error that escaped a service to a user-facing one.

    Both engines' errors are told apart by their DB-API class names, so psycopg is
    never imported just to recognise one.
    """
    kinds = {cls.__name__ for cls in type(exc).__mro__}
    if SQLiteDialect().is_busy(exc) or kinds & {"LockNotAvailable", "QueryCanceled"}:
        return Busy("database busy: another process kept the database locked")
    if "IntegrityError" in kinds:
        return Invalid(f"refused by the database: {str(exc).splitlines()[0]}")
    if "OperationalError" in kinds and type(exc).__module__.startswith("psycopg"):
        return StoreUnavailable(f"lost the database server: {str(exc).splitlines()[0]}")
    if "DatabaseError" in kinds:
        return StoreUnavailable(f"database error: {str(exc).splitlines()[0]}")
    return None
