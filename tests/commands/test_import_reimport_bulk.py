"""A re-import compares each matched row with what its chunk read in bulk (`importing.current`).

Guards for that shortcut: a contact two rows of one file complete is completed by both
(the second row sees what the first added, not the state read before the chunk), an
unchanged row changes nothing, and a changed field still reaches the database.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from tests.conftest import invoke

HEADER = "First Name,Last Name,Email,Phone,Job Title,Tags\r\n"  # a rep's own spreadsheet


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def imported(path: Path) -> str:
    out = invoke("import", "contacts", str(path))
    assert out.exit_code == 0, out.stderr
    return out.stdout + out.stderr


def test_two_rows_completing_one_contact_both_count(isolated: Path, tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    first.write_text(HEADER + "Ann,Lee,ann.lee@example.com,,,\r\n", encoding="utf-8")
    imported(first)
    again = tmp_path / "again.csv"
    again.write_text(
        HEADER
        + "Ann,Lee,ann.lee@example.com,+1 202 555 0143,,\r\n"  # adds a phone
        + "Bob,Ray,bob.ray@example.org,,,\r\n"
        + "Ann,Lee,ann.lee@example.com,,Buyer,vip\r\n",  # then a title and a tag
        encoding="utf-8",
    )
    out = imported(again)
    assert "1 created" in out and "2 updated" in out
    assert rows(isolated, "SELECT title FROM contact WHERE last_name = 'Lee'") == [("Buyer",)]
    assert rows(isolated, "SELECT e164 FROM contact_phone") == [("+12025550143",)]
    assert rows(isolated, "SELECT tag FROM contact_tag") == [("vip",)]
    # The same file a third time: every row matched, nothing new, nothing written.
    before = rows(isolated, "SELECT id, updated_at, version FROM contact ORDER BY id")
    assert "0 created, 0 updated" in imported(again)
    assert rows(isolated, "SELECT id, updated_at, version FROM contact ORDER BY id") == before
