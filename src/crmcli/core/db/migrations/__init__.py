"""Ordered, frozen schema migrations, recorded in the database.

Each `mNNNN_*.py` module holds the DDL of one schema version per dialect
(generated from the models when written, then never regenerated). The stored
version is `PRAGMA user_version` on SQLite, a header read that costs nothing,
so the hot commands pay nothing when no migration is due; `crm_meta` records
it too, for PostgreSQL and for people reading the file.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# Module names in order; CURRENT is the version a database has after all of them.
MODULES: tuple[str, ...] = (
    "m0001_initial",
    "m0002_fulltext",
    "m0003_report_indexes",
    "m0004_search_term_clustered",
    "m0005_stage_change_reason",
    "m0006_interchange_fields",
    "m0007_pipelines",
    "m0008_rules_templates",
    "m0009_sync_base",
)
CURRENT = len(MODULES)


def module(version: int) -> ModuleType:
    """The migration that brings a database to `version`."""
    return importlib.import_module(f"{__name__}.{MODULES[version - 1]}")


def statements(version: int, dialect: str) -> list[str]:
    """The DDL of one migration for a dialect ('sqlite' or 'postgresql')."""
    mod = module(version)
    return list(getattr(mod, dialect.upper()))


def extra_tables() -> set[str]:
    """Engine-specific tables the migrations add beside the models (FTS indexes)."""
    names: set[str] = set()
    for version in range(1, CURRENT + 1):
        names.update(getattr(module(version), "EXTRA_TABLES", ()))
    return names
