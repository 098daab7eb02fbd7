"""PostgreSQL, the shared engine of team mode: connecting to a server, and its dialect.

psycopg is the optional `team` extra: it is imported only when a connection is
made, so this module (and the dialect's SQL) loads without it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from crmcli.core.db.dialect import insert_marks
from crmcli.core.errors import Invalid, StoreUnavailable

SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


def connect(url: str, *, where: str, busy_timeout: int) -> Any:
    """An autocommit psycopg connection to `url`; `where` is the URL fit to print.

    `postgresql://`, `postgres://` and SQLAlchemy's `postgresql+psycopg://` are taken.
    A lock is waited for up to `busy_timeout` seconds (the server's lock_timeout).
    """
    scheme, _, rest = url.partition("://")
    if scheme not in SCHEMES:
        raise StoreUnavailable(
            f"cannot open {where}: only PostgreSQL URLs are supported "
            "(postgresql://user@host/database)"
        )
    check_url(url, where)
    try:
        import psycopg
    except ImportError as exc:  # the `team` extra is not installed
        raise StoreUnavailable(
            "team mode needs the PostgreSQL driver: pip install 'crmcli[team]'"
        ) from exc
    _quiet_driver()
    try:
        return psycopg.connect(
            f"postgresql://{rest}",
            autocommit=True,  # transactions are explicit, as on SQLite
            connect_timeout=10,
            # work_mem: a common word's matches (`crm search`, a GIN index's bitmap) fit
            # the default 4 MB as a bitmap of pages only ("lossy"), and then every row of
            # those pages has its document recomputed: 92 s at 10,000,000 interactions.
            # jit: a search's cost estimate on a large book passes the JIT's threshold,
            # and compiling took 5.7 s for a query that runs in well under one.
            options=f"-c lock_timeout={busy_timeout}s -c work_mem=64MB -c jit=off",
        )
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise StoreUnavailable(f"cannot connect to {where}: {reason}") from exc


def _quiet_driver() -> None:
    """psycopg logs what it gives up on while a command is being interrupted (`error
    ignored terminating <psycopg.Pipeline …>`); with no logging set up, Python prints
    such records on stderr. The command says what happened in its own words."""
    import logging

    driver = logging.getLogger("psycopg")
    if not driver.handlers:
        driver.addHandler(logging.NullHandler())
        driver.propagate = False


def check_url(url: str, where: str) -> None:
    """Refuse, as bad input (exit 2), a URL that names no server or database or cannot be
    read as one: a bracket left open, a port that is not a number in 1-65535, bad escapes."""
    from urllib.parse import unquote, urlsplit

    def bad(why: str) -> Invalid:
        return Invalid(
            f"not a usable PostgreSQL URL {where}: {why} (postgresql://user@host/database)"
        )

    try:
        parts = urlsplit(url)
        # libpq takes several hosts (`h1:5432,h2:5433`): each one's port is checked
        hosts = parts.netloc.rpartition("@")[2].split(",")
        ports = [urlsplit(f"//{host}").port for host in hosts]  # ValueError: not 0-65535
    except ValueError as exc:
        raise bad(str(exc).lower()) from None
    if not any(hosts) and parts.path in ("", "/") and not parts.query:
        raise bad("it names no server and no database")
    if 0 in ports:
        raise bad("port 0")
    for piece in (parts.netloc, parts.path, parts.query):
        try:
            unquote(piece, errors="strict")
        except UnicodeDecodeError:
            raise bad("an escape (%xx) that is not UTF-8") from None
        if re.search(r"%(?![0-9A-Fa-f]{2})", piece):
            raise bad("a % that is not an escape (%xx)")


# The `crm_meta` key of a write's receipt: this prefix and the batch id (see seal_write).
RECEIPT = "receipt:"


def _day_before(stamp: str) -> str:
    from datetime import timedelta

    from crmcli.core import clock

    return clock.stamp(clock.parse_stamp(stamp) - timedelta(days=1))


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
        # READ COMMITTED whatever the server's default: each statement after the lock
        # sees every write committed before it was granted. Under REPEATABLE READ the
        # snapshot would date from the lock request, and a state check (is this deal
        # still open?) could read what the writer before us had just changed.
        conn.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
        try:  # waits up to lock_timeout (busy_timeout), set when connecting
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def seal_write(self, conn: Any, batch: str, stamp: str) -> None:
        # The receipt is a `crm_meta` row (a table every schema version has), so team
        # mode needed no schema change for it. Receipts older than a day are cleared now
        # and then (one write in 64): a lost answer is settled within seconds.
        conn.execute(
            "INSERT INTO crm_meta (key, value) VALUES (%s, %s)", (f"{RECEIPT}{batch}", stamp)
        )
        if batch.endswith("0") and batch[-2] in "0123":
            conn.execute(
                "DELETE FROM crm_meta WHERE key LIKE %s AND value < %s",
                (f"{RECEIPT}%", _day_before(stamp)),
            )

    def commit_unknown(self, conn: Any, exc: BaseException) -> bool:
        # The server closed or the network dropped: psycopg marks the connection broken.
        names = {cls.__name__ for cls in type(exc).__mro__}
        return "OperationalError" in names and bool(
            getattr(conn, "broken", False) or getattr(conn, "closed", False)
        )

    def was_sealed(self, conn: Any, batch: str) -> bool:
        found = conn.execute("SELECT 1 FROM crm_meta WHERE key = %s", (f"{RECEIPT}{batch}",))
        return found.fetchone() is not None

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
        marks = insert_marks("%s", len(columns), offset)
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

    def fulltext(self, words: list[str], limit: int, newest: int) -> tuple[str, list[Any]]:
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
        ctes: list[str] = []
        parts: list[str] = []
        cte_params: list[Any] = []
        params: list[Any] = []
        for label, table, contact, at, what, text in sources:
            columns = f"{contact} AS contact_id, {at} AS at, {what} AS what, {text} AS snippet"
            tiers, tier_params = _newest_matches(label, table, columns, text, query, newest)
            ctes += tiers
            cte_params += tier_params
            # each tier holds the one before it whole (it ran: that one found fewer)
            window = " UNION ALL ".join(f"SELECT * FROM {label}_{i}" for i in range(len(tiers)))
            window = f"SELECT DISTINCT ON (id) * FROM ({window}) t"
            # The window's rows are ranked (their documents recomputed), cut to `limit`
            # in the final order, and only those are joined to contacts.
            parts.append(
                f"SELECT '{label}' AS source, r.id, r.contact_id, c.display_name AS contact, "
                f"r.at, r.what, r.snippet, r.rank FROM (SELECT w.*, "
                f"-ts_rank({_document('w.snippet')}, to_tsquery('simple', ?)) AS rank "
                f"FROM ({window} ORDER BY id DESC LIMIT ?) w ORDER BY rank, w.at DESC LIMIT ?) r "
                f"JOIN contact c ON c.id = r.contact_id"
            )
            params += [query, newest, limit]
        sql = (
            f"WITH {', '.join(ctes)} SELECT * FROM ("
            + " UNION ALL ".join(parts)
            + ") hits ORDER BY rank, at DESC LIMIT ?"
        )
        return sql, [*cte_params, *params, limit]


# How far back each tier of `_newest_matches` reaches, in multiples of `newest` ids.
_TIERS = (20, 400)


def _newest_matches(
    label: str, table: str, columns: str, text: str, query: str, newest: int
) -> tuple[list[str], list[Any]]:
    """CTEs `{label}_0`, `{label}_1`, ... holding, between them, the `newest` matches
    of `query` in `table` (highest ids) with `columns`; and their parameters.

    A GIN index gives every match of a common word (670,000 of 10,000,000 interactions
    for "pricing"), and reading each one's row to keep the newest read the whole table
    (2.7 s). So the newest ids are searched first: the matches among the last 20 x
    `newest` rows (the index's bitmap ANDed with the primary key's range, and only
    those rows read); if they are fewer than `newest`, among the last 400 x `newest`;
    then among all. A tier runs only when the one before it found fewer than `newest`
    (a one-time filter: its scan is otherwise never started), so a common word reads
    about `newest` rows and a rare one costs an index lookup a tier. Each range is
    one-sided: bounded on both sides, the planner took it for a short one and walked
    it testing every row's document (38 s). `b.id + 0` keeps it from walking the
    primary key backwards instead, for the same reason.
    """
    ctes: list[str] = []
    params: list[Any] = []
    top = f"(SELECT max(id) FROM {table})"
    for i in range(len(_TIERS) + 1):
        conditions: list[tuple[str, Any]] = []
        if i:
            found = " UNION ALL ".join(f"SELECT 1 FROM {label}_{j}" for j in range(i))
            conditions.append((f"(SELECT count(*) FROM ({found}) f) < ?", newest))
        conditions.append((f"{_document(text)} @@ to_tsquery('simple', ?)", query))
        if i < len(_TIERS):
            conditions.append((f"b.id > {top} - ?", _TIERS[i] * newest))
        where = " AND ".join(sql for sql, _ in conditions)
        ctes.append(
            f"{label}_{i} AS MATERIALIZED (SELECT b.id AS id, {columns} FROM {table} b "
            f"WHERE {where} ORDER BY b.id + 0 DESC LIMIT ?)"
        )
        params += [value for _, value in conditions] + [newest]
    return ctes, params


def _document(text: str) -> str:
    """The indexed document of the SQL text `text`: folded, then split into words (the
    expression of the migration's GIN indexes, which the planner matches as written)."""
    return f"to_tsvector('simple', translate(lower({text}), '{_ACCENTED}', '{_PLAIN}'))"


# Folding for PostgreSQL text search, done with translate() (no extension needed):
# accented Latin letters to their base letter, and separators inside emails and
# identifiers to spaces. Same length, character for character.
_ACCENTED = "àáâãäåāăąçćčďèéêëēėęěìíîïīįłñńňòóôõöøōőŕřśšşťùúûüūůűųýÿźžż@._-/"
_PLAIN = "aaaaaaaaacccdeeeeeeeeiiiiiilnnnoooooooorrssstuuuuuuuuyyzzz     "  # fold() of each
