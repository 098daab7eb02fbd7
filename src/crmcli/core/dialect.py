"""What differs between SQLite and PostgreSQL, kept in one small place.

The runtime layer speaks DB-API with SQL written once, using `?` placeholders
and features both engines share (RETURNING, ON CONFLICT, CTEs). A dialect
converts placeholders, reads and writes the schema version, opens write
transactions, and later hosts the engine-specific pieces (full-text search).
"""

from __future__ import annotations

from typing import Any, Protocol


class Dialect(Protocol):
    name: str

    def sql(self, text: str) -> str:
        """The statement in this engine's placeholder style."""

    def begin_write(self, conn: Any) -> None:
        """Start a transaction that holds the write lock from its first statement."""

    def schema_version(self, conn: Any) -> int:
        """The stored schema version (0 for an empty database)."""

    def set_schema_version(self, conn: Any, version: int) -> None:
        """Record the schema version inside the current transaction."""


class SQLiteDialect:
    name = "sqlite"

    # 'CRM1': marks the file as a crm database, readable from the header for free.
    APPLICATION_ID = 0x43524D31

    def sql(self, text: str) -> str:
        return text

    def begin_write(self, conn: Any) -> None:
        # IMMEDIATE takes the write lock now, so a busy database is met here,
        # waited on (busy timeout), and never half-way through a transaction.
        conn.execute("BEGIN IMMEDIATE")

    def schema_version(self, conn: Any) -> int:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])

    def set_schema_version(self, conn: Any, version: int) -> None:
        conn.execute(f"PRAGMA user_version = {int(version)}")
        conn.execute(f"PRAGMA application_id = {self.APPLICATION_ID}")
