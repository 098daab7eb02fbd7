"""The one data-access layer: a DB-API connection, its transactions, and the change log.

Every caller (commands, the full-screen interface, imports, reports) goes
through `Store`. It speaks plain SQL through DB-API (stdlib `sqlite3`, psycopg in
team mode), because the ORM costs more start-up time than a hot command may take; the
models in `crmcli.core.db.models` declare the schema and the tests hold this
layer against them.

A write holds the lock only for its own short transaction (`BEGIN IMMEDIATE` on
SQLite) and waits out another writer up to the busy timeout, then fails as `Busy`.
A damaged file (SQLite's SQLITE_CORRUPT / SQLITE_NOTADB) is refused: whatever
statement meets the damage, read or write, ends the command as `Damaged` (exit 3,
one line naming `crm doctor`) with the transaction rolled back, and a write first
reads every b-tree's root page (`sqlite.probe_roots`, well under a millisecond), so
it also refuses a file whose damage lies in tables it would not touch.
Opening a database (creating, checking, upgrading it) is `crmcli.core.db.opening`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, NoReturn

from crmcli.core import clock
from crmcli.core.config import Config
from crmcli.core.db.columns import COLUMNS, OWNED_TABLES
from crmcli.core.db.dialect import Dialect
from crmcli.core.db.sqlite import (
    SQLiteDialect,
    is_damaged,
    is_disk_full,
    is_read_only,
    probe_roots,
)
from crmcli.core.errors import Busy, CrmError, Damaged, Invalid, NotFound, StoreUnavailable

# How a batch written by another front end says so at the end of its command: what
# `crm undo --list` shows and what `crmcli.core.undo.made_via` tells apart.
FORGED_ORIGIN = re.compile(r" \(via [^()]*\)$")


def origin_mark(origin: str) -> str:
    return f" (via {origin})"


IN_CHUNK = 500  # values per `IN (...)` list: well under every backend's bound-parameter limit


def in_chunks(ids: Sequence[Any]) -> Iterator[tuple[Sequence[Any], str]]:
    """`ids` in slices small enough for one `IN (...)`, each with its `?, ?, ...` list."""
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start : start + IN_CHUNK]
        yield chunk, ", ".join("?" for _ in chunk)


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


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


class DryRun(Exception):  # not an error: the outcome a dry run asked for
    """A write that ran to its end and was rolled back, as `Store.dry_run` asked.

    `changes` holds the change-log entries it would have made: table, row id, op and
    the before/after images.
    """

    def __init__(self, command: str, changes: list[dict[str, Any]]) -> None:
        super().__init__(f"dry run of `{command}`: {len(changes)} change(s), none made")
        self.command = command
        self.changes = changes


class Store:
    """A connection to one crm database, with helpers for reads and write transactions."""

    def __init__(self, conn: Any, dialect: Dialect, location: Location, config: Config) -> None:
        self.conn = conn
        self.dialect = dialect
        self.location = location
        self.config = config
        self.upgraded_from: int | None = None  # set when opening ran migrations
        # Set by a front end other than the shell (the assistant's server): every batch
        # this store writes says where it came from, so `crm undo --list` shows it.
        self.origin: str | None = None
        # True: every write runs to its end, then is rolled back and raises `DryRun`
        # carrying the change-log entries it would have made (the assistant's dry runs
        # go through the very code that would write, so what they show is what happens).
        self.dry_run = False
        # Called with each write's transaction after its body and before it is sealed,
        # when the write logged changes (`crmcli.core.books` sets it to the rules' hook):
        # what it writes lands in the same transaction, so one undo takes back both.
        self.on_write: Callable[[Tx], Sequence[Any] | None] | None = None
        # What `on_write` reported doing in this store's committed writes (the rules'
        # outcomes), for a front end to tell the rep once its command is done.
        self.fired: list[Any] = []

    # -- reads -------------------------------------------------------------------------
    def _run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        try:
            return self.conn.execute(self.dialect.sql(sql), params)
        except Exception as exc:
            self._reraise(exc)

    def _reraise(self, exc: Exception) -> NoReturn:
        """Raise the user-facing error for a raw one met by this store (busy, damaged),
        or `exc` itself."""
        if self.dialect.is_busy(exc):
            raise Busy(self._busy_message()) from exc
        if is_damaged(exc):
            raise Damaged(_first_line(exc), shown_url(self.location.target)) from exc
        local = None if self.location.is_url else self.location.target
        if (refusal := _refusal(exc, local)) is not None:
            raise refusal from exc
        raise exc

    @contextmanager
    def _fetching(self) -> Iterator[None]:
        # SQLite meets most damage while stepping through a result, not when it starts one.
        try:
            yield
        except Exception as exc:
            self._reraise(exc)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """All result rows as dicts (column name to value)."""
        cur = self._run(sql, params)
        names = [d[0] for d in cur.description]
        with self._fetching():
            found = cur.fetchall()
        return [dict(zip(names, row, strict=True)) for row in found]

    def row(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        """The first result row as a dict, or None."""
        cur = self._run(sql, params)
        with self._fetching():
            found = cur.fetchone()
        if found is None:
            return None
        return dict(zip([d[0] for d in cur.description], found, strict=True))

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """All result rows as tuples: the cheap form for large scans."""
        cur = self._run(sql, params)
        with self._fetching():
            return list(cur.fetchall())

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
        names, batches = self.stream_batches(sql, params)
        # Batches chained in C, no generator frame per row.
        return names, itertools.chain.from_iterable(batches)

    def stream_batches(
        self, sql: str, params: Sequence[Any] = (), *, bulk: bool = False
    ) -> tuple[list[str], Iterator[list[tuple[Any, ...]]]]:
        """Column names and the rows in lists of up to 2,000, for a writer that works a
        batch at a time. `bulk` (a whole-table export) gives SQLite a 32 MiB page cache
        first: a join's lookups into another table (an interaction's contact) read the
        same pages again and again, and the default 2 MB cache sent each back to the
        file system, half of a million-row export's time in system calls."""
        if bulk and self.dialect.name == "sqlite":
            self.conn.execute("PRAGMA cache_size = -32768")  # as bulk_mode: bounded memory
        cur = self.dialect.stream_cursor(self.conn)
        cur.execute(self.dialect.sql(sql), params)
        names = [d[0] for d in cur.description]
        if self.dialect.name == "sqlite":
            # The cursor needs no closing (SQLite resets the statement when it is done).
            return names, iter(partial(cur.fetchmany, 2000), [])

        def batches() -> Iterator[list[tuple[Any, ...]]]:
            try:
                while batch := cur.fetchmany(2000):
                    yield batch
            finally:
                cur.close()

        return names, batches()

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row, or None."""
        cur = self._run(sql, params)
        with self._fetching():
            found = cur.fetchone()
        return None if found is None else found[0]

    def close(self) -> None:
        self.conn.close()

    # -- writes ------------------------------------------------------------------------
    @contextmanager
    def write(self, command: str, *, rules: bool = True) -> Iterator[Tx]:
        """One short write transaction; every change inside it is one undoable batch.

        On SQLite the file's b-tree roots are read first, under the write lock (see
        `sqlite.probe_roots`): a damaged file is refused before anything is written.
        After the body, `on_write` sees the logged changes (the rules fire there, in
        the same transaction); `rules=False` is for writes that must not set rules off:
        undo, merges, imports, the demo's seed, editing the rules themselves.
        """
        try:
            self.dialect.begin_write(self.conn)
        except Exception as exc:
            self._reraise(exc)
        try:
            if isinstance(self.dialect, SQLiteDialect):
                probe_roots(self.conn)
            hook = self.on_write if rules else None
            tx = Tx(self, command, record=hook is not None)
            yield tx
            fired = hook(tx) if hook is not None and tx.changes else None
            if self.dry_run:
                raise DryRun(tx.command, self._planned(tx.batch))
            self.dialect.seal_write(self.conn, tx.batch, tx.stamp)
        except DryRun:
            self._rollback()
            raise
        except Exception as exc:
            self._rollback()
            self._reraise(exc)
        except BaseException:
            self._rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except Exception as exc:
            if self.dialect.commit_unknown(self.conn, exc):
                self._settle(tx, exc)
                self.fired += fired or ()
                return
            self._rollback()
            self._reraise(exc)
        self.fired += fired or ()

    def _planned(self, batch: str) -> list[dict[str, Any]]:
        """The change-log entries of this (uncommitted) batch: what a dry run shows."""
        entries = self.rows(
            "SELECT table_name, row_id, op, before, after FROM change_log WHERE batch = ? "
            "ORDER BY id",
            (batch,),
        )
        for entry in entries:
            for side in ("before", "after"):
                if entry[side] is not None:
                    entry[side] = json.loads(entry[side])
        return entries

    def _settle(self, tx: Tx, exc: Exception) -> None:
        """The connection dropped while COMMIT was on its way (team mode): find out,
        on a new connection, whether the server committed, by looking for the write's
        receipt. Committed: the command goes on as if the answer had come, and its new
        connection serves what follows. Not committed: one line saying nothing changed,
        so running the command again cannot make a duplicate. Not reachable: say that
        the outcome is unknown and how to look, rather than guess either way."""
        from crmcli.core.db import postgres  # only team mode gets here

        where = shown_url(self.location.target)
        with contextlib.suppress(Exception):
            self.conn.close()
        try:
            conn = postgres.connect(
                self.location.target,
                where=where,
                busy_timeout=int(self.config.get("busy_timeout")),
            )
            sealed = self.dialect.was_sealed(conn, tx.batch)
        except Exception:
            raise StoreUnavailable(
                f"lost the connection to {where} while saving `{tx.command}` and could not "
                "reconnect: it may or may not be saved (look with `crm undo --list` "
                "before running it again)"
            ) from exc
        self.conn = conn
        if not sealed:
            raise StoreUnavailable(
                f"lost the connection to {where} before `{tx.command}` was saved; "
                "nothing was changed (run it again)"
            ) from exc

    def _rollback(self) -> None:
        """Roll the transaction back, keeping the error that ended it.

        SQLite may have rolled back already (a damaged page, a full disk): a failing
        ROLLBACK then must not replace the real error with "no transaction is active".
        """
        with contextlib.suppress(Exception):  # the caller raises the error that matters
            self.conn.execute("ROLLBACK")

    def _busy_message(self) -> str:
        seconds = self.config.get("busy_timeout")
        return (
            f"database busy: another process kept {shown_url(self.location.target)} locked for "
            f"{seconds} s (raise `busy_timeout` with `crm config set busy_timeout N`)"
        )


# One logged change: table, row id, op ("insert", "update", "delete"), before, after.
Change = tuple[str, int, str, dict[str, Any] | None, dict[str, Any] | None]


class Tx:
    """A write transaction: inserts, updates and deletes that also fill the change log.

    Before/after images go to `change_log` under one batch id, which is what
    `crm undo` reverts; `contact_id` ties entries to a person so that an
    erasure request can remove them.
    """

    def __init__(self, store: Store, command: str, *, record: bool = False) -> None:
        self.store = store
        if store.origin is not None:
            command = f"{command}{origin_mark(store.origin)}"
        elif FORGED_ORIGIN.search(command):
            # A shell command ending in text the rep typed (`deal add "Pilot (via mcp)"`)
            # must not read as another front end's batch: the assistant undoes those.
            command = f"{command} (shell)"
        self.command = command
        self.batch = uuid.uuid4().hex
        self.now = clock.now()
        self.stamp = clock.stamp(self.now)
        self.owner = str(store.config.get("user"))
        # Every logged change, in order, as (table, row id, op, before, after): what the
        # rules read to know what happened (`crmcli.core.rules.events`). Kept only for a
        # write the rules will see (`record`): an import's images are not held in memory.
        self.record = record
        self.changes: list[Change] = []

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
        if self.record:
            self.changes.append((table, row_id, op, before, after))
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


def shown_url(url: str) -> str:
    """A database URL fit to print: any password replaced by ***."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # not a URL at all (`postgresql://[::1`): hide all that may be one
        scheme, _, rest = url.partition("://")
        return f"{scheme}://***@{rest.rpartition('@')[2]}" if "@" in rest else url
    if password is None:
        return url
    netloc = parts.netloc.replace(f":{password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def disk_full(database: str | None) -> StoreUnavailable:
    """The one line for a write that found the disk full (the wording of a backup's)."""
    if database is None:
        return StoreUnavailable("the disk is full; nothing was changed")
    import shutil  # deferred: only this failure needs it

    folder = Path(database).expanduser().absolute().parent
    try:
        free = f"{shutil.disk_usage(folder).free} bytes"
    except OSError:
        free = "no room"
    return StoreUnavailable(f"the disk is full ({free} free in {folder}); nothing was changed")


def read_only(database: str | None) -> StoreUnavailable:
    """The one line for a write to a database in a folder crm cannot write."""
    if database is None:
        return StoreUnavailable("the database is read-only; nothing was changed")
    path = Path(database).expanduser().absolute()
    return StoreUnavailable(
        f"the folder {path.parent} is read-only: {path} can be read but not "
        "changed; nothing was changed"
    )


def _refusal(exc: BaseException, database: str | None) -> StoreUnavailable | None:
    """A full disk or a read-only file met by a write, as one line; None for anything else.
    `database` is the local file's path (None on a server, or when it is not known)."""
    folder = None if database is None else str(Path(database).expanduser().absolute().parent)
    if is_disk_full(exc, folder):
        return disk_full(database)
    if is_read_only(exc):
        return read_only(database)
    if "DiskFull" in {cls.__name__ for cls in type(exc).__mro__}:  # PostgreSQL's 53100
        return StoreUnavailable("the database server's disk is full; nothing was changed")
    return None


def describe_error(exc: BaseException) -> CrmError | None:
    """Map a raw database error that escaped a service to a user-facing one.

    Both engines' errors are told apart by their DB-API class names, so psycopg is
    never imported just to recognise one.
    """
    kinds = {cls.__name__ for cls in type(exc).__mro__}
    if SQLiteDialect().is_busy(exc) or kinds & {"LockNotAvailable", "QueryCanceled"}:
        return Busy("database busy: another process kept the database locked")
    if is_damaged(exc):
        return Damaged(_first_line(exc))
    if isinstance(exc, OverflowError):  # sqlite3 binding an int past 64 bits
        return Invalid("a number is too large (at most 19 digits)")
    if (refusal := _refusal(exc, None)) is not None:
        return refusal
    if "IntegrityError" in kinds:
        return Invalid(f"refused by the database: {str(exc).splitlines()[0]}")
    if "OperationalError" in kinds and type(exc).__module__.startswith("psycopg"):
        return StoreUnavailable(f"lost the database server: {str(exc).splitlines()[0]}")
    if "DatabaseError" in kinds:
        return StoreUnavailable(f"database error: {str(exc).splitlines()[0]}")
    return None
