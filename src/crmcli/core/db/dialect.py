"""What differs between SQLite and PostgreSQL, kept in one small place.

The runtime layer speaks DB-API with SQL written once, using `?` placeholders
and features both engines share (RETURNING, ON CONFLICT, CTEs). A dialect
converts placeholders, reads and writes the schema version, opens write
transactions, and later hosts the engine-specific pieces (full-text search).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
from itertools import chain, repeat
from operator import is_, itemgetter
from typing import Any, Protocol

# Python's sqlite3 binds None and bool through its adapter protocol: finding no adapter,
# it raises and clears an AttributeError for each such value, and a contact row holds a
# dozen. Registering the obvious adapters (None stays NULL, a bool is its int, exactly
# what sqlite3 binds anyway) halves the cost of a bulk insert's binding.
_null: Any = {}.get  # a C callable: None -> None
sqlite3.register_adapter(type(None), _null)
sqlite3.register_adapter(bool, int)


class Dialect(Protocol):
    name: str

    def sql(self, text: str) -> str:
        """The statement in this engine's placeholder style."""

    def begin_write(self, conn: Any) -> None:
        """Start a transaction that holds the write lock from its first statement."""

    def is_busy(self, exc: BaseException) -> bool:
        """Is this error another writer holding the lock past the busy timeout?"""

    def schema_version(self, conn: Any) -> int:
        """The stored schema version (0 for an empty database)."""

    def set_schema_version(self, conn: Any, version: int) -> None:
        """Record the schema version inside the current transaction."""

    def bulk_mode(self, conn: Any) -> AbstractContextManager[None]:
        """Settings for one long bulk write on this connection (imports), entered before
        its transaction begins and left after it ends."""

    def bulk_indexing(self, conn: Any) -> AbstractContextManager[None]:
        """Inside a write transaction: full-text indexing of the rows `insert_many` adds,
        done by one statement a call instead of a trigger a row (imports)."""

    def data_version(self, conn: Any) -> int:
        """A number that changes when other connections change the data (live refresh)."""

    def next_ids(self, conn: Any, table: str, count: int) -> list[int]:
        """Ids the next `count` rows of `table` may take, inside a write transaction."""

    def insert_many(
        self,
        conn: Any,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        offset: int = 0,
    ) -> None:
        """Insert many rows at once, as fast as this engine allows, adding `offset` to
        each row's first value."""

    def days_between(self, later: str, earlier: str) -> str:
        """SQL for the days (fractional) from stamp `earlier` to stamp `later`."""

    def round_half_up(self, expr: str) -> str:
        """SQL rounding a non-negative number to the nearest integer, halves up."""

    def materialized(self) -> str:
        """The hint that makes a CTE computed once (`WITH t AS MATERIALIZED (...)`)."""

    def stream_cursor(self, conn: Any) -> Any:
        """A cursor whose rows stay on the database's side until fetched (exports)."""

    def fulltext(self, words: list[str], limit: int) -> tuple[str, list[Any]]:
        """A ranked full-text query over interactions, follow-up notes and contact notes.

        Rows: source, id, contact_id, contact, at, what, snippet, rank (lower is better).
        """


# (fts table, source label, base table, contact id expr, time expr, what expr)
_FTS_SOURCES = (
    ("interaction_fts", "interaction", "interaction", "b.contact_id", "b.occurred_at", "b.kind"),
    ("followup_fts", "followup", "followup", "b.contact_id", "b.due_at", "'follow-up'"),
    ("contact_fts", "contact", "contact", "b.id", "b.updated_at", "'contact note'"),
)
_FTS_BASES = frozenset(source[2] for source in _FTS_SOURCES)  # tables with FTS triggers


def _marks(mark: str, count: int, offset: int) -> str:
    """The placeholders of an INSERT's VALUES, the first plus `offset` when there is one
    (an int the caller computed, never user text, so it may sit in the SQL)."""
    first = f"{mark} + {int(offset)}" if offset else mark
    return ", ".join([first, *[mark] * (count - 1)])


_ROWS_PER_INSERT = 200


def _max_variables(conn: Any) -> int:
    """How many `?` one statement may hold (999 before SQLite 3.32, 32766 since)."""
    try:
        return int(conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    except (AttributeError, sqlite3.Error):  # a wrapped connection
        return 999


class SQLiteDialect:
    name = "sqlite"

    def __init__(self) -> None:
        # Full-text tables `insert_many` indexes itself: table -> indexed columns.
        self._indexed_here: dict[str, tuple[str, ...]] = {}
        # table -> its columns whose default is NULL (see `_without_nulls`)
        self._null_default: dict[str, frozenset[str]] = {}

    # 'CRM1': marks the file as a crm database, readable from the header for free.
    APPLICATION_ID = 0x43524D31

    def sql(self, text: str) -> str:
        return text

    def is_busy(self, exc: BaseException) -> bool:
        text = str(exc).lower()
        return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)

    def begin_write(self, conn: Any) -> None:
        # IMMEDIATE takes the write lock now, so a busy database is met here,
        # waited on (busy timeout), and never half-way through a transaction.
        conn.execute("BEGIN IMMEDIATE")

    def schema_version(self, conn: Any) -> int:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])

    def set_schema_version(self, conn: Any, version: int) -> None:
        conn.execute(f"PRAGMA user_version = {int(version)}")
        conn.execute(f"PRAGMA application_id = {self.APPLICATION_ID}")

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
        row = f"({_marks('?', len(columns), offset)})"
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

    def fulltext(self, words: list[str], limit: int) -> tuple[str, list[Any]]:
        # Each word is quoted (no FTS5 syntax from user text) and prefix-matched;
        # each source is ranked and cut in its own subquery before the joins.
        match = " ".join('"' + w.replace('"', '""') + '"*' for w in words)
        parts: list[str] = []
        params: list[Any] = []
        for fts, label, table, contact, at, what in _FTS_SOURCES:
            parts.append(
                f"SELECT '{label}' AS source, b.id AS id, {contact} AS contact_id, "
                f"c.display_name AS contact, {at} AS at, {what} AS what, m.snippet AS snippet, "
                f"m.rank AS rank FROM (SELECT rowid, "
                f"snippet({fts}, -1, '[', ']', '…', 12) AS snippet, rank FROM {fts} "
                f"WHERE {fts} MATCH ? ORDER BY rank LIMIT ?) m "
                f"JOIN {table} b ON b.id = m.rowid JOIN contact c ON c.id = {contact}"
            )
            params += [match, limit]
        sql = " UNION ALL ".join(parts) + " ORDER BY rank, at DESC LIMIT ?"
        return sql, [*params, limit]


# -- PostgreSQL (team mode) ---------------------------------------------------------------

# Any constant will do: every crm writer on a database takes this one advisory lock, so
# writes are serialised as on SQLite and each command sees a stable database.
_WRITE_LOCK = 0x43524D31


@lru_cache(maxsize=1024)
def _pg_sql(text: str) -> str:
    """`?` placeholders (outside quoted text) to psycopg's `%s`; every literal `%` doubled."""
    out: list[str] = []
    quote: str | None = None
    for char in text:
        if quote:
            if char == quote:
                quote = None
        elif char in ("'", '"'):
            quote = char
        elif char == "?":
            out.append("%s")
            continue
        out.append("%%" if char == "%" else char)  # psycopg reads % even inside quotes
    return "".join(out)


class PostgresDialect:
    """A shared PostgreSQL database: the same SQL, psycopg's placeholders."""

    name = "postgresql"

    def sql(self, text: str) -> str:
        return _pg_sql(text)

    def begin_write(self, conn: Any) -> None:
        conn.execute("BEGIN")
        try:  # waits up to lock_timeout (busy_timeout), set when connecting
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def is_busy(self, exc: BaseException) -> bool:
        return type(exc).__name__ in ("LockNotAvailable", "QueryCanceled")

    def schema_version(self, conn: Any) -> int:
        if conn.execute("SELECT to_regclass('crm_meta')").fetchone()[0] is None:
            return 0
        row = conn.execute("SELECT value FROM crm_meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def set_schema_version(self, conn: Any, version: int) -> None:
        conn.execute(
            "INSERT INTO crm_meta (key, value) VALUES ('schema_version', %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(int(version)),),
        )

    def data_version(self, conn: Any) -> int:
        # Every change is logged (bulk ones as one row a batch): the newest entry moves
        # with each commit, this connection's own included (a harmless extra refresh).
        return int(conn.execute("SELECT coalesce(max(id), 0) FROM change_log").fetchone()[0])

    @contextmanager
    def bulk_mode(self, conn: Any) -> Iterator[None]:
        yield  # the server checks foreign keys per statement, cheaply enough

    @contextmanager
    def bulk_indexing(self, conn: Any) -> Iterator[None]:
        yield  # no full-text triggers here

    def next_ids(self, conn: Any, table: str, count: int) -> list[int]:
        # The table's own sequence hands them out: nobody else can take them.
        rows = conn.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (table, count),
        ).fetchall()
        return [int(r[0]) for r in rows]

    def insert_many(
        self,
        conn: Any,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        offset: int = 0,
    ) -> None:
        names = ", ".join(columns)
        marks = _marks("%s", len(columns), offset)
        with conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        if "id" in columns:  # explicit ids: move the sequence past them
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"greatest((SELECT max(id) FROM {table}), 1))"
            )

    def days_between(self, later: str, earlier: str) -> str:
        # double precision, as SQLite's julianday: the score's halves round alike
        return (
            f"CAST(extract(epoch FROM (CAST({later} AS timestamptz) - "
            f"CAST({earlier} AS timestamptz))) / 86400.0 AS double precision)"
        )

    def round_half_up(self, expr: str) -> str:
        return f"CAST(floor(({expr}) + 0.5) AS INTEGER)"

    def materialized(self) -> str:
        return "MATERIALIZED "

    def stream_cursor(self, conn: Any) -> Any:
        # A named (server-side) cursor, WITH HOLD so it also works outside a transaction
        # (the connection is in autocommit): the client holds one batch at a time.
        import uuid

        return conn.cursor(name=f"crm_stream_{uuid.uuid4().hex[:12]}", withhold=True)

    def fulltext(self, words: list[str], limit: int) -> tuple[str, list[Any]]:
        # PostgreSQL's own text search, prefix-matching each (already folded) word. The
        # documents are folded alike in SQL (lower case, common accents, and @ . _ - /
        # as spaces, so "acme" finds bob@acme.com); the 'simple' configuration does no
        # stemming, as FTS5 does none. The whole text comes back as the snippet, for
        # fulltext.highlight to cut and mark by the same folding.
        terms = [re.sub(r"[^\w]", "", w) for w in words]
        query = " & ".join(f"{t}:*" for t in terms if t) or "''"
        sources = (
            ("interaction", "interaction", "b.contact_id", "b.occurred_at", "b.kind",
             "coalesce(b.summary, '') || ' ' || coalesce(b.body, '')"),
            ("followup", "followup", "b.contact_id", "b.due_at", "'follow-up'",
             "coalesce(b.note, '')"),
            ("contact", "contact", "b.id", "b.updated_at", "'contact note'",
             "coalesce(b.notes, '')"),
        )  # fmt: skip
        parts: list[str] = []
        params: list[Any] = []
        for label, table, contact, at, what, text in sources:
            doc = f"to_tsvector('simple', translate(lower({text}), '{_ACCENTED}', '{_PLAIN}'))"
            parts.append(
                f"SELECT '{label}' AS source, b.id AS id, {contact} AS contact_id, "
                f"c.display_name AS contact, {at} AS at, {what} AS what, "
                f"{text} AS snippet, -ts_rank({doc}, q) AS rank "
                f"FROM {table} b CROSS JOIN to_tsquery('simple', ?) q "
                f"JOIN contact c ON c.id = {contact} WHERE {doc} @@ q"
            )
            params.append(query)
        sql = (
            "SELECT * FROM (" + " UNION ALL ".join(parts) + ") hits ORDER BY rank, at DESC LIMIT ?"
        )
        return sql, [*params, limit]


# Folding for PostgreSQL text search, done with translate() (no extension needed):
# accented Latin letters to their base letter, and separators inside emails and
# identifiers to spaces. Same length, character for character.
_ACCENTED = "àáâãäåāăąçćčďèéêëēėęěìíîïīįłñńňòóôõöøōőŕřśšşťùúûüūůűųýÿźžż@._-/"
_PLAIN = "aaaaaaaaacccdeeeeeeeeiiiiiilnnnoooooooorrssstuuuuuuuuyyzzz     "  # fold() of each
