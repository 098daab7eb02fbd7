"""What differs between SQLite and PostgreSQL: the protocol each engine's dialect follows.

The runtime layer speaks DB-API with SQL written once, using `?` placeholders
and features both engines share (RETURNING, ON CONFLICT, CTEs). A dialect
converts placeholders, reads and writes the schema version, opens write
transactions, and hosts the engine-specific pieces (bulk inserts, full-text
search). One module per engine implements it: `db.sqlite` and `db.postgres`.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol


class Dialect(Protocol):
    """One database engine's side of the store."""

    name: str

    def sql(self, text: str) -> str:
        """The statement in this engine's placeholder style."""

    def begin_write(self, conn: Any) -> None:
        """Start a transaction that holds the write lock from its first statement."""

    def is_busy(self, exc: BaseException) -> bool:
        """Is this error another writer holding the lock past the busy timeout?"""

    def seal_write(self, conn: Any, batch: str, stamp: str) -> None:
        """Last statement of a write transaction: leave a receipt of `batch`, so that a
        COMMIT whose answer was lost can be settled by looking for it (`was_sealed`)."""

    def commit_unknown(self, conn: Any, exc: BaseException) -> bool:
        """Did this error, raised by COMMIT, leave its outcome unknown (the connection
        dropped while the server may have committed)?"""

    def was_sealed(self, conn: Any, batch: str) -> bool:
        """Is the receipt of `batch` in the database (its transaction committed)?"""

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

    def fulltext(self, words: list[str], limit: int, newest: int) -> tuple[str, list[Any]]:
        """A ranked full-text query over interactions, follow-up notes and contact notes.

        Rows: source, id, contact_id, contact, at, what, snippet, rank (lower is better);
        of each source, only the `newest` matches (highest ids) are ranked.
        """


def insert_marks(mark: str, count: int, offset: int) -> str:
    """The placeholders of an INSERT's VALUES, the first plus `offset` when there is one
    (an int the caller computed, never user text, so it may sit in the SQL)."""
    first = f"{mark} + {int(offset)}" if offset else mark
    return ", ".join([first, *[mark] * (count - 1)])
