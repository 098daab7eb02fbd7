"""`crm export interactions` as csv/tsv writes the bytes today's writer writes.

The command takes the fast path (`exporting.interaction_batches`, each column as cell
text in SQL on SQLite, then `csv_out.Sheet.stored`); the reference is the row-by-row
writer (`Sheet.rows`) over the plain query (`exporting.interaction_tuples`), on the
same real database, on SQLite and on PostgreSQL, for every option of the command.
"""

from __future__ import annotations

import io
import os
import sqlite3

import pytest

from crmcli.core.config import Config
from crmcli.core.db.opening import open_store
from crmcli.core.interchange import exporting
from crmcli.core.interchange.csv_out import Sheet
from tests.conftest import invoke

NAMES = ["=Evil Name", 'Ann "Quoted", Esq', "Zoë Müller", "+33 Person"]
SUMMARIES = [
    '=HYPERLINK("http://evil","x")',
    "+33 6 12 34 56 78",
    "-42",
    "'=already quoted",
    "@SUM(A1)",  # with no body: its row has nothing else to send it the slow way
    "''",
    'Pricing, again; "quotes"',
    "back\\slash and\ttab",
    "plain summary 👩‍💻",
    "1e5",
]
BODIES = ["line one\nline two", "=body\r\nformula", "-", "\tindented", None]
OPTIONS = [
    [],
    ["--raw"],
    ["--format", "tsv"],
    ["--format", "tsv", "--raw"],
    ["--excel"],
    ["--format", "tsv", "--excel"],
    ["--delimiter", ";"],
    ["--delimiter", "\t"],
    ["--delimiter", "-"],
]


def today(options: list[str]) -> str:
    """What the row-by-row writer writes for these options, from the plain query."""
    store = open_store(os.environ["CRM_DB"], Config({}, None), write=False)
    try:
        names, rows = exporting.interaction_tuples(store)
        out = io.StringIO()
        delimiter = options[options.index("--delimiter") + 1] if "--delimiter" in options else ","
        Sheet(
            out,
            names,
            tsv="tsv" in options,
            delimiter=delimiter,
            excel="--excel" in options,
            safe="--raw" not in options,
        ).rows(rows)
        return out.getvalue()
    finally:
        store.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_every_export_option_writes_todays_bytes(backend: str) -> None:
    for name in NAMES:
        assert invoke("contact", "add", name).exit_code == 0
    for i, summary in enumerate(SUMMARIES):
        body = BODIES[i % len(BODIES)]
        text = summary if body is None else f"{summary}\n{body}"
        who = str(i % len(NAMES) + 1)  # by id: "+33 Person" reads as a phone
        if summary.startswith("@"):
            who = "3"  # Zoë Müller: nothing else in the row to quote
        done = invoke("log", "note", who, "-", "--duration", "15m", input=text)
        assert done.exit_code == 0, done.stderr
    if backend.endswith(".db"):
        # What only a hand-edited SQLite file holds: numbers and blobs where crm writes
        # none, which the SQL leaves for Python to spell.
        conn = sqlite3.connect(backend)
        conn.execute("UPDATE interaction SET duration_seconds = -5 WHERE id = 1")
        conn.execute("UPDATE interaction SET duration_seconds = 2.5 WHERE id = 2")
        conn.execute("UPDATE interaction SET duration_seconds = '-x' WHERE id = 3")
        conn.execute("UPDATE interaction SET body = x'00ff' WHERE id = 4")
        conn.execute("UPDATE interaction SET outcome = 7 WHERE id = 5")
        conn.commit()
        conn.close()
    for options in OPTIONS:
        result = invoke("export", "interactions", *options)
        assert result.exit_code == 0, result.stderr
        assert result.stdout == today(options), options
    assert "'=HYPERLINK" in invoke("export", "interactions").stdout
