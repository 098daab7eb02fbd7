"""Fixtures for the core's direct tests: a real SQLite store and a clock the test sets.

The services are called as the commands call them, on a fresh file in the test's own
folder (the `isolated` database), so what they write can be read back with SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crmcli.core.config import Config
from crmcli.core.db.opening import open_store
from crmcli.core.db.store import Store

NOW = "2026-03-02T09:00:00Z"  # a Monday


@pytest.fixture
def clock_at(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Set the time every write is stamped with (CRM_NOW); starts at `NOW`."""

    def at(moment: str) -> None:
        monkeypatch.setenv("CRM_NOW", moment)

    at(NOW)
    return at


@pytest.fixture
def store(db: Path, tmp_path: Path, clock_at: Callable[[str], None]) -> Iterator[Store]:
    """A writable store on the test's own SQLite file: region FR, user `me`, euros."""
    store = open_store(
        str(db),
        Config({"default_region": "FR", "user": "me", "currency": "EUR"}, tmp_path / "config.toml"),
        write=True,
    )
    yield store
    store.close()
