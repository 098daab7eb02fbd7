"""SQLite, the local engine: what a crm file is, opening a connection to one, its dialect.

Everything that knows it is talking to SQLite lives here: the file's header and
application id (a crm file is recognised without being opened), the connection
set-up (foreign keys, busy timeout, explicit transactions, file mode 0600 on
creation) and the SQL that differs from PostgreSQL's.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import chain, repeat
from operator import is_, itemgetter
from pathlib import Path
from typing import Any

from crmcli.core.db.dialect import insert_marks
from crmcli.core.errors import StoreUnavailable

SQLITE_HEADER = b"SQLite format 3\x00"
# 'CRM1' in the header's application id: marks the file as a crm database, for free.
APPLICATION_ID = 0x43524D31

# Python's sqlite3 binds None and bool through its adapter protocol: finding no adapter,
# it raises and clears an AttributeError for each such value, and a contact row holds a
# dozen. Registering the obvious adapters (None stays NULL, a bool is its int, exactly
# what sqlite3 binds anyway) halves the cost of a bulk insert's binding.
_null: Any = {}.get  # a C callable: None -> None
sqlite3.register_adapter(type(None), _null)
sqlite3.register_adapter(bool, int)


# -- the file and the connection -----------------------------------------------------------


def create_file(path: Path, explicit: bool) -> None:
    """Create an empty database file, mode 0600; a missing default folder is made (0700),
    a missing folder the user named is an error."""
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


def check_header(path: Path) -> None:
    """Refuse, untouched, a file that is not an SQLite database (an empty one is fine)."""
    try:
        with path.open("rb") as handle:
            header = handle.read(16)
    except OSError as exc:
        raise StoreUnavailable(f"cannot read {path}: {exc.strerror}") from exc
    if header and header != SQLITE_HEADER:
        raise StoreUnavailable(f"{path} is not a crm database (not an SQLite file); left untouched")


def writable(path: Path) -> bool:
    """Whether crm may write `path`: the file and its folder (SQLite makes its -wal and
    -shm files beside it). False on a read-only mount, even for root."""
    return os.access(path.parent, os.W_OK) and os.access(path, os.W_OK)


def read_only_mode(path: Path) -> str:
    """The URI parameters that let a read open a file crm cannot write.

    `mode=ro` needs the -shm file to exist already (SQLite cannot make it); without it a
    file with no -wal holds every committed page, and `immutable=1` reads it with no
    locking and no -shm at all. A -wal without its -shm is left to `mode=ro`, which then
    says why it cannot open: reading around the -wal would show stale data.
    """
    if Path(f"{path}-shm").exists() or Path(f"{path}-wal").exists():
        return "mode=ro"
    return "mode=ro&immutable=1"


def connect(path: Path, busy_timeout: float, *, mode: str = "mode=rw") -> sqlite3.Connection:
    """A connection to an existing file: foreign keys on, transactions explicit, another
    writer waited for up to `busy_timeout` seconds. `mode`: see `read_only_mode`."""
    try:
        conn = sqlite3.connect(
            f"file:{path}?{mode}",
            uri=True,
            timeout=busy_timeout,
            isolation_level=None,  # explicit BEGIN/COMMIT only
            check_same_thread=False,  # the TUI reads from a worker thread
        )
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        raise StoreUnavailable(f"cannot open database {path}: {exc}") from exc
    return conn


# -- a damaged file ------------------------------------------------------------------------

_SQLITE_CORRUPT = 11  # "database disk image is malformed"
_SQLITE_NOTADB = 26  # "file is not a database": page 1 overwritten, a header without a body


_SQLITE_FULL = 13  # "database or disk is full"
_SQLITE_READONLY = 8  # "attempt to write a readonly database"


# Failures to grow a file (the -shm on opening, a page on writing) that SQLite reports as
# an I/O error: SQLITE_IOERR_SHMSIZE, _WRITE, _TRUNCATE.
_IOERR_GROWING = frozenset({4874, 778, 1546})
_LOW_SPACE = 64 * 1024  # less than two -shm chunks of 32 KiB: growing one may fail


def is_disk_full(exc: BaseException, folder: str | None = None) -> bool:
    """Whether a write failed for want of disk space: SQLITE_FULL, or ENOSPC from the OS,
    or (given the database's folder) an I/O error growing a file on a disk nearly full."""
    if isinstance(exc, OSError):
        return exc.errno == errno.ENOSPC
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(exc, sqlite3.Error) or code is None:
        return False
    if code & 0xFF == _SQLITE_FULL:
        return True
    if folder is None or code not in _IOERR_GROWING:
        return False
    import shutil  # deferred: only this failure needs it

    try:
        return shutil.disk_usage(folder).free < _LOW_SPACE
    except OSError:
        return False


def is_read_only(exc: BaseException) -> bool:
    """Whether SQLite refused a write because the file or its folder is read-only."""
    if isinstance(exc, OSError):
        return exc.errno == errno.EROFS
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlite3.Error) and code is not None and code & 0xFF == _SQLITE_READONLY


def is_damaged(exc: BaseException) -> bool:
    """Whether SQLite met a damaged page (SQLITE_CORRUPT or SQLITE_NOTADB, extended codes too)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    text = str(exc).lower()
    return "malformed" in text or "file is not a database" in text


def probe_roots(conn: sqlite3.Connection) -> None:
    """Read the root page of every table and index, raising SQLite's error if one is damaged.

    Why: a write only reads the pages it touches, so a file with one table's root page
    overwritten took every write that did not go near that table. A full `PRAGMA
    quick_check` would catch more, but it reads every page: 70-80 ms on the 45 MB bench
    database (10,000 contacts, 100,000 interactions; 11,118 pages of 4 KiB, warm cache,
    measured in-process; 390 ms from a cold cache), growing with the file. This probe
    opens one cursor per b-tree (70 on that database) and steps to its first row: 1.3-1.8
    ms in a fresh process (its pages come from the OS cache), 0.2-0.4 ms warm, whatever
    the file's size; `crm log note` alternated with the build before it over 25 pairs
    stayed within 1% (282 vs 284 ms). Damage below a root page is met by the statements
    that read it (every command maps it to exit 3), and `crm doctor` runs the full check.
    """
    probes = []
    for kind, name, table, sql in conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE rootpage > 0 "
        "AND type IN ('table', 'index')"
    ).fetchall():
        if kind == "table":
            probes.append(f'SELECT 1 FROM "{name}" NOT INDEXED LIMIT 1')
            continue
        # A partial index is only usable under its own WHERE clause.
        where = f" WHERE {sql.split(' WHERE ', 1)[1]}" if sql and " WHERE " in sql else ""
        probes.append(f'SELECT 1 FROM "{table}" INDEXED BY "{name}"{where} LIMIT 1')
    for probe in probes:
        try:
            conn.execute(probe).fetchone()
        except sqlite3.DatabaseError as exc:
            if is_damaged(exc):
                raise
            # Any other refusal ("no query solution" for an index SQLite will not scan
            # on its own) proves nothing about the file: it must not block every write.


# -- the dialect ---------------------------------------------------------------------------

# (fts table, source label, base table, contact id expr, time expr, what expr)
_FTS_SOURCES = (
    ("interaction_fts", "interaction", "interaction", "b.contact_id", "b.occurred_at", "b.kind",
     "coalesce(b.summary, '') || ' ' || coalesce(b.body, '')"),
    ("followup_fts", "followup", "followup", "b.contact_id", "b.due_at", "'follow-up'",
     "coalesce(b.note, '')"),
    ("contact_fts", "contact", "contact", "b.id", "b.updated_at", "'contact note'",
     "coalesce(b.notes, '')"),
)  # fmt: skip
_FTS_BASES = frozenset(source[2] for source in _FTS_SOURCES)  # tables with FTS triggers

_ROWS_PER_INSERT = 200


def _max_variables(conn: Any) -> int:
    """How many `?` one statement may hold (999 before SQLite 3.32, 32766 since)."""
    try:
        return int(conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    except (AttributeError, sqlite3.Error):  # a wrapped connection
        return 999


class SQLiteDialect:
    """A local crm file: the SQL as written, FTS5 for full text, bulk inserts staged."""

    name = "sqlite"

    def __init__(self) -> None:
        # Full-text tables `insert_many` indexes itself: table -> indexed columns.
        self._indexed_here: dict[str, tuple[str, ...]] = {}
        # table -> its columns whose default is NULL (see `_without_nulls`)
        self._null_default: dict[str, frozenset[str]] = {}

    def sql(self, text: str) -> str:
        return text

    def is_busy(self, exc: BaseException) -> bool:
        text = str(exc).lower()
        return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)

    def begin_write(self, conn: Any) -> None:
        # IMMEDIATE takes the write lock now, so a busy database is met here,
        # waited on (busy timeout), and never half-way through a transaction.
        conn.execute("BEGIN IMMEDIATE")

    def seal_write(self, conn: Any, batch: str, stamp: str) -> None:
        pass  # a local file answers every COMMIT: nothing is ever left unknown

    def commit_unknown(self, conn: Any, exc: BaseException) -> bool:
        return False

    def was_sealed(self, conn: Any, batch: str) -> bool:
        return False

    def schema_version(self, conn: Any) -> int:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])

    def set_schema_version(self, conn: Any, version: int) -> None:
        conn.execute(f"PRAGMA user_version = {int(version)}")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    def data_version(self, conn: Any) -> int:
        # Moves on each commit by *another* connection, never for this one's own.
        return int(conn.execute("PRAGMA data_version").fetchone()[0])

    @contextmanager
    def bulk_mode(self, conn: Any) -> Iterator[None]:
        # A bigger page cache keeps the indexes' hot pages in memory while a large import
        # inserts into them (the default 2 MB thrashes past a few thousand contacts).
        conn.execute("PRAGMA cache_size = -32768")  # 32 MiB: the import stays under 150 MB
        # Foreign keys are not checked row by row: every child row a bulk writer inserts
        # belongs to a contact it inserted or looked up in the same transaction, and
        # checking cost a parent lookup per row (a tenth of the import's SQL time).
        # The pragma only takes effect outside a transaction, hence around it.
        enforced = bool(conn.execute("PRAGMA foreign_keys").fetchone()[0])
        conn.execute("PRAGMA foreign_keys = OFF")
        try:
            yield
        finally:
            if enforced:
                conn.execute("PRAGMA foreign_keys = ON")

    @contextmanager
    def bulk_indexing(self, conn: Any) -> Iterator[None]:
        # A trigger runs its own small program for every row it fires on: indexing a
        # bulk insert's notes that way was a quarter of the cost of writing contacts,
        # against a tenth for one INSERT ... SELECT from the staging table (below). So
        # the insert triggers are dropped and re-created from their stored SQL; both
        # are schema changes inside the caller's transaction, kept or rolled back with
        # it. The delete and update triggers stay: every row is indexed by the time
        # `insert_many` returns, so they always find what they expect.
        saved = conn.execute(
            "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger' "
            f"AND name IN ({', '.join('?' * len(_FTS_SOURCES))})",
            [f"{fts}_ai" for fts, *_ in _FTS_SOURCES],
        ).fetchall()
        for table, name, _ in saved:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table}_fts)")]
            conn.execute(f"DROP TRIGGER {name}")
            self._indexed_here[table] = tuple(columns)
        try:
            yield
        finally:
            self._indexed_here.clear()
            if conn.in_transaction:  # else rolled back already, triggers and all
                for _, _, sql in saved:
                    conn.execute(sql)

    def next_ids(self, conn: Any, table: str, count: int) -> list[int]:
        # AUTOINCREMENT never reuses an id: start above both the highest id ever handed
        # out (sqlite_sequence) and the highest present. Inserting explicit ids moves the
        # sequence on by itself.
        seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchone()
        top = conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
        start = max(int(seq[0]) if seq else 0, int(top)) + 1
        return list(range(start, start + count))

    def insert_many(
        self,
        conn: Any,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        offset: int = 0,
    ) -> None:
        columns, rows = self._without_nulls(conn, table, columns, rows)
        names = ", ".join(columns)
        row = f"({insert_marks('?', len(columns), offset)})"
        per = max(1, min(_ROWS_PER_INSERT, _max_variables(conn) // len(columns)))
        staged = table in _FTS_BASES
        target = f"temp.stage_{table}" if staged else table
        if table in self._indexed_here and "id" not in columns:
            raise ValueError(f"a bulk insert into {table} needs its ids, to index them")
        if staged:
            # A table with full-text triggers is filled from a staging table by one
            # INSERT ... SELECT: at each statement's end FTS5 flushes its pending terms
            # into a new segment, and small statements made many tiny ones. The staging
            # table outlives the call: creating and dropping it was a schema change,
            # which made SQLite prepare every statement of the import again.
            conn.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS stage_{table} AS SELECT * FROM {table} WHERE 0"
            )
        # Many rows a statement: `executemany` runs one statement a row, and each opens
        # the table's and every index's cursors and seeks them from the root. OR FAIL: a
        # multi-row statement that could abort halfway keeps a statement journal, a copy
        # of every page it touches (a third of the cost of filling the search index); a
        # failure fails the caller's whole transaction anyway, which rolls back. Every
        # statement holds exactly `per` rows (200: more gained nothing) and the rest go
        # one a statement, so the texts repeat and SQLite prepares each once.
        insert = f"INSERT OR FAIL INTO {target} ({names}) VALUES"
        whole = len(rows) - len(rows) % per
        try:
            if whole:
                many = f"{insert} {', '.join([row] * per)}"
                for start in range(0, whole, per):
                    conn.execute(many, list(chain.from_iterable(rows[start : start + per])))
            if whole < len(rows):
                conn.executemany(f"{insert} {row}", rows[whole:])
            if staged:
                conn.execute(f"INSERT OR FAIL INTO {table} ({names}) SELECT {names} FROM {target}")
                if indexed := self._indexed_here.get(table):
                    text = ", ".join(indexed)
                    conn.execute(
                        f"INSERT INTO {table}_fts (rowid, {text}) SELECT id, {text} FROM {target} "
                        f"WHERE {' OR '.join(f'{c} IS NOT NULL' for c in indexed)}"
                    )
        finally:
            if staged:
                conn.execute(f"DELETE FROM {target}")

    def _without_nulls(
        self, conn: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> tuple[Sequence[str], Sequence[Sequence[Any]]]:
        """The columns and rows without the columns that are None in every row and
        default to NULL anyway (an import's middle names, suffixes, labels...).

        Python's sqlite3 binds None through its adapter lookup, which builds a key
        tuple and searches a dict for each one: a fifth of a bulk insert's binding for
        the dozen a contact row usually holds, against a fraction of that to leave
        them out. The first column (where an offset goes) always stays.
        """
        if table not in self._null_default:
            self._null_default[table] = frozenset(
                name
                for _, name, _, notnull, default, pk in conn.execute(f"PRAGMA table_info({table})")
                if not notnull and default is None and not pk
            )
        nullable = self._null_default[table]
        empty = {
            i
            for i, name in enumerate(columns)
            if i and name in nullable and all(map(is_, map(itemgetter(i), rows), repeat(None)))
        }
        if not empty or len(empty) >= len(columns) - 1:
            return columns, rows
        keep = [i for i in range(len(columns)) if i not in empty]
        pick = itemgetter(*keep)
        return [columns[i] for i in keep], [pick(r) for r in rows]

    def days_between(self, later: str, earlier: str) -> str:
        return f"(julianday({later}) - julianday({earlier}))"

    def round_half_up(self, expr: str) -> str:
        return f"CAST(({expr}) + 0.5 AS INTEGER)"

    def materialized(self) -> str:
        return "MATERIALIZED " if sqlite3.sqlite_version_info >= (3, 35) else ""

    def stream_cursor(self, conn: Any) -> Any:
        return conn.cursor()  # SQLite steps through the result as it is fetched

    def fulltext(self, words: list[str], limit: int, newest: int) -> tuple[str, list[Any]]:
        # Each word is quoted (no FTS5 syntax from user text) and prefix-matched; each
        # source's `newest` matches (FTS5 walks its index backwards) are ranked and cut
        # in one subquery before the joins. One pass: FTS5 merges a prefix's doclists
        # (every "pric…" term's) in full for each query that names it, 25 ms for a word
        # in 670,000 of 10,000,000 interactions, so a second query for the window's
        # bound, or for snippet() over the 20 kept, doubled that. The whole text comes
        # back as the snippet, for fulltext.highlight to cut and mark, as on PostgreSQL.
        match = " ".join('"' + w.replace('"', '""') + '"*' for w in words)
        parts: list[str] = []
        params: list[Any] = []
        for fts, label, table, contact, at, what, text in _FTS_SOURCES:
            parts.append(
                f"SELECT '{label}' AS source, b.id AS id, {contact} AS contact_id, "
                f"c.display_name AS contact, {at} AS at, {what} AS what, {text} AS snippet, "
                f"m.rank AS rank FROM (SELECT rowid, rank FROM (SELECT rowid, rank FROM {fts} "
                f"WHERE {fts} MATCH ? ORDER BY rowid DESC LIMIT ?) ORDER BY rank, rowid DESC "
                f"LIMIT ?) m JOIN {table} b ON b.id = m.rowid JOIN contact c ON c.id = {contact}"
            )
            params += [match, newest, limit]
        sql = " UNION ALL ".join(parts) + " ORDER BY rank, at DESC LIMIT ?"
        return sql, [*params, limit]
