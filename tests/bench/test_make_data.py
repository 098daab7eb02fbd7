"""`bench/make_data.py` loads exactly what the demo generator writes, only faster.

The bench's data sets (up to a million contacts) are built by a bulk loader that
replays `crmcli.core.demo.data.generate`'s random draws; every derived column (name
keys, search terms, phone forms, touch due dates) comes from the app's own functions.
Built side by side for the same seed and "now", the two databases must hold the same
rows in every table, the same full-text index entries, and the same schema.
"""

from __future__ import annotations

import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crmcli.core.config import Config
from crmcli.core.db.opening import open_store
from crmcli.core.demo import data as demo

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import make_data

NOW = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%_fts%' "
            "AND name NOT LIKE 'sqlite_stat%' ORDER BY name"
        )
    ]


def _fts_tables(conn: sqlite3.Connection) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%USING fts5%' "
            "ORDER BY name"
        )
    ]


def _content(conn: sqlite3.Connection, table: str) -> list[tuple[object, ...]]:
    return sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)


def _index_entries(conn: sqlite3.Connection, fts: str) -> list[tuple[object, ...]]:
    """Every (term, row, column, offset) the full-text index holds, and each indexed
    row's size (an empty row indexed shows only there): the index's whole content."""
    conn.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.v_{fts} USING fts5vocab(main, {fts}, 'instance')"
    )
    entries = conn.execute(f"SELECT * FROM temp.v_{fts} ORDER BY 1, 2, 3, 4").fetchall()
    return entries + conn.execute(f"SELECT * FROM {fts}_docsize ORDER BY id").fetchall()


@pytest.mark.slow
def test_bulk_build_equals_the_demo_generator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_NOW", NOW.isoformat())  # both files made at the same moment
    size = demo.DemoSize(600, interactions=9_000, deals=150, followups=120)
    reference = tmp_path / "demo.db"
    store = open_store(
        str(reference),
        Config({"user": "bench", "default_region": "FR"}, tmp_path / "c.toml"),
        write=True,
    )
    demo.generate(store, size, now=NOW)
    store.close()
    built = tmp_path / "bulk.db"
    make_data.fill(built, 600, 9_000, 150, 120, now=NOW)

    ref, new = sqlite3.connect(reference), sqlite3.connect(built)
    try:
        schema = (
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE name NOT LIKE 'sqlite_stat%' ORDER BY name"
        )
        assert new.execute(schema).fetchall() == ref.execute(schema).fetchall()
        assert _tables(new) == _tables(ref)
        for table in _tables(ref):
            assert _content(new, table) == _content(ref, table), table
        counts = {t: new.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _tables(new)}
        assert counts["contact"] == 600 and counts["interaction"] == 9_000
        assert counts["search_term"] > 600 and counts["deal_stage_change"] > 150
        assert _fts_tables(new) and _fts_tables(new) == _fts_tables(ref)
        for fts in _fts_tables(ref):
            assert _index_entries(new, fts) == _index_entries(ref, fts), fts
        for pragma in ("user_version", "application_id", "journal_mode"):
            assert (
                new.execute(f"PRAGMA {pragma}").fetchone()
                == ref.execute(f"PRAGMA {pragma}").fetchone()
            )
    finally:
        ref.close()
        new.close()
