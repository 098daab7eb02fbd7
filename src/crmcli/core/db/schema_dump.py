"""Generate DDL from the models, for writing a new frozen migration.

    python -m crmcli.core.db.schema_dump sqlite|postgresql

prints, as a Python list, the CREATE statements the models declare for that
dialect. A migration module freezes such output (it is never regenerated once
on main), and `tests/core/db/test_schema.py` checks that applying every
migration in order yields exactly the schema the models declare.
"""

from __future__ import annotations

import sys


def ddl(dialect_name: str) -> list[str]:
    """CREATE TABLE and CREATE INDEX statements for the models, in dependency order."""
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable
    from sqlmodel import SQLModel

    import crmcli.core.db.models  # noqa: F401  (registers the tables)

    dialect = {"sqlite": sqlite.dialect(), "postgresql": postgresql.dialect()}[dialect_name]
    statements: list[str] = []
    for table in SQLModel.metadata.sorted_tables:
        statements.append(" ".join(str(CreateTable(table).compile(dialect=dialect)).split()))
        for index in sorted(table.indexes, key=lambda ix: str(ix.name)):
            statements.append(" ".join(str(CreateIndex(index).compile(dialect=dialect)).split()))
    return statements


def main() -> None:
    dialect = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    print("[")
    for statement in ddl(dialect):
        print(f"    {statement!r},")
    print("]")


if __name__ == "__main__":
    main()
