"""The models are the schema's source of truth: migrations and runtime SQL must agree."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

from crmcli.core.config import Config
from crmcli.core.db import migrations
from crmcli.core.db.columns import COLUMNS
from crmcli.core.db.opening import open_store

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _describe(url: str) -> dict[str, object]:
    engine = create_engine(url)
    insp = inspect(engine)
    out: dict[str, object] = {}
    extras = migrations.extra_tables()
    for table in sorted(insp.get_table_names()):
        if table.startswith("sqlite_") or any(table.startswith(x) for x in extras):
            continue  # engine internals and engine-specific tables (FTS) are not models
        out[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in insp.get_columns(table)
            ],
            "pk": insp.get_pk_constraint(table)["constrained_columns"],
            "fks": sorted(
                (
                    tuple(f["constrained_columns"]),
                    f["referred_table"],
                    tuple(f["referred_columns"]),
                    str(f.get("options", {}).get("ondelete")),
                )
                for f in insp.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in insp.get_indexes(table)
            ),
            "uniques": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table)),
        }
    if url.startswith("sqlite"):  # how each table is stored: reflection does not say
        with engine.connect() as conn:
            stored = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
            )
            out["without rowid"] = sorted(
                str(name)
                for name, sql in stored
                if name in out and "WITHOUT ROWID" in str(sql).upper()
            )
    engine.dispose()
    return out


def test_migrations_build_exactly_the_schema_the_models_declare(tmp_path: Path) -> None:
    import crmcli.core.db.models  # noqa: F401

    from_models = tmp_path / "models.db"
    engine = create_engine(f"sqlite:///{from_models}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()

    from_migrations = tmp_path / "migrated.db"
    store = open_store(str(from_migrations), Config({}, tmp_path / "c.toml"), write=True)
    store.close()

    assert _describe(f"sqlite:///{from_migrations}") == _describe(f"sqlite:///{from_models}")


def test_runtime_column_lists_match_the_models() -> None:
    import crmcli.core.db.models  # noqa: F401

    declared = {t.name: tuple(c.name for c in t.columns) for t in SQLModel.metadata.tables.values()}
    assert set(COLUMNS) == set(declared)
    for table, columns in COLUMNS.items():
        assert sorted(columns) == sorted(declared[table]), table


def test_current_version_counts_the_migration_modules() -> None:
    assert migrations.CURRENT == len(migrations.MODULES)
    for version in range(1, migrations.CURRENT + 1):
        assert migrations.module(version).VERSION == version
        assert migrations.statements(version, "sqlite")
        assert isinstance(migrations.statements(version, "postgresql"), list)


def _fixture_versions() -> list[int]:
    return sorted(int(p.stem.split("_v")[1]) for p in FIXTURES.glob("schema_v*.db"))


def test_every_schema_version_has_a_fixture() -> None:
    assert _fixture_versions() == list(range(1, migrations.CURRENT + 1))


@pytest.mark.parametrize("version", _fixture_versions())
def test_fixture_upgrades_and_keeps_every_record(version: int, tmp_path: Path) -> None:
    db = tmp_path / f"v{version}.db"
    shutil.copy(FIXTURES / f"schema_v{version}.db", db)
    expected = json.loads((FIXTURES / f"schema_v{version}.json").read_text(encoding="utf-8"))
    store = open_store(str(db), Config({}, tmp_path / "c.toml"), write=True)
    assert store.dialect.schema_version(store.conn) == migrations.CURRENT
    assert store.value("SELECT value FROM crm_meta WHERE key = 'schema_version'") == str(
        migrations.CURRENT
    )
    if version < migrations.CURRENT:  # an upgrade backs the old file up first
        backups = list((tmp_path / "backups").glob(f"v{version}-*-pre-migration-v{version}.db"))
        assert len(backups) == 1
    for table, rows in expected.items():
        if table == "crm_meta":
            rows = [r for r in rows if r["key"] != "schema_version"]
        current = store.rows(f"SELECT * FROM {table}")
        key = "id" if rows and "id" in rows[0] else None
        for row in rows:
            match = [
                r
                for r in current
                if (r.get(key) == row[key] if key else all(r.get(k) == v for k, v in row.items()))
            ]
            assert match, f"{table} lost {row}"
            for column, value in row.items():
                assert match[0][column] == value, f"{table}.{column} changed"
    assert store.value("PRAGMA integrity_check") == "ok"
    store.close()


def test_fixture_files_are_sqlite_databases() -> None:
    for path in FIXTURES.glob("schema_v*.db"):
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()


def test_upgraded_v1_database_finds_its_old_records_by_full_text(tmp_path: Path) -> None:
    from crmcli.core.search.fulltext import search

    db = tmp_path / "v1.db"
    shutil.copy(FIXTURES / "schema_v1.db", db)
    store = open_store(str(db), Config({}, tmp_path / "c.toml"), write=True)
    hits = search(store, "pricing")
    assert [(h["source"], h["contact"]) for h in hits] == [("interaction", "Dr. Hélène Dupré")]
    assert [h["source"] for h in search(store, "prefers mornings")] == ["contact"]
    store.close()


def test_boolean_column_lists_match_the_models() -> None:
    import sqlalchemy as sa

    import crmcli.core.db.models  # noqa: F401
    from crmcli.core.db.columns import BOOLEANS

    declared = {
        t.name: tuple(c.name for c in t.columns if isinstance(c.type, sa.Boolean))
        for t in SQLModel.metadata.tables.values()
    }
    assert BOOLEANS == {t: cols for t, cols in declared.items() if cols}
