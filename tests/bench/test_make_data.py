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
from typing import Any

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


def _pg_tables(conn: Any) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
    ]


def _pg_columns(conn: Any, table: str) -> list[tuple[str, bool]]:
    """Each column of `table` on the server, and whether it is a boolean."""
    return [
        (name, kind == "boolean")
        for name, kind in conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
            (table,),
        )
    ]


def _ids(section: Any) -> list[Any]:
    return [row.get("id", row.get("contact_id")) for row in section.rows]


@pytest.mark.slow
def test_pg_load_holds_the_files_rows_and_works_as_a_team_database(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PostgreSQL bench database (COPY, triggers off) is the file's data, row for row,
    and crm reads and writes it as one of its own: the same daily view and search as on
    the file, and a new record takes the next id (each sequence moved past the rows)."""
    import psycopg

    from crmcli.core.overview import agenda
    from crmcli.core.people.contacts import ContactFields, add
    from crmcli.core.search.fulltext import search

    monkeypatch.setenv("CRM_NOW", NOW.isoformat())
    built = tmp_path / "bulk.db"
    make_data.fill(built, 400, 5_000, 80, 150, now=NOW)
    make_data.pg_fill(built, pg_url)
    file = sqlite3.connect(built)
    with psycopg.connect(pg_url.replace("+psycopg", "")) as conn:
        tables = _pg_tables(conn)
        assert {"contact", "interaction", "interaction_count", "search_term"} <= set(tables)
        for table in tables:
            columns = _pg_columns(conn, table)
            names = ", ".join(name for name, _ in columns)
            on_server = conn.execute(f"SELECT {names} FROM {table}").fetchall()
            on_file = [  # the file's 0/1 flags as the server's booleans
                tuple(
                    bool(v) if flag and v is not None else v
                    for v, (_, flag) in zip(row, columns, strict=True)
                )
                for row in file.execute(f"SELECT {names} FROM {table}")
            ]
            assert sorted(on_server, key=repr) == sorted(on_file, key=repr), table
    file.close()
    config = Config({"user": "bench", "default_region": "FR"}, tmp_path / "c.toml")
    local = open_store(str(built), config, write=False)
    team = open_store(pg_url, config, write=True)
    mine, theirs = agenda.today(local, NOW, limit=20), agenda.today(team, NOW, limit=20)
    for section in ("overdue", "due_today", "touch", "deals"):
        ours, served = getattr(mine, section), getattr(theirs, section)
        assert (served.total, _ids(served)) == (ours.total, _ids(ours)), section
    assert mine.touch.total and mine.overdue.total  # the comparison compared something
    hits = {(h["source"], h["id"]) for h in search(local, "pricing", limit=1000)}
    assert {(h["source"], h["id"]) for h in search(team, "pricing", limit=1000)} == hits
    biggest = int(team.value("SELECT max(id) FROM contact"))
    assert add(team, ContactFields(name="After The Load")).contact["id"] == biggest + 1
    local.close()
    team.close()
