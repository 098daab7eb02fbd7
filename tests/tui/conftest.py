"""Fixtures for the full-screen interface: a seeded database, a fixed clock, the app."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

NOW = "2026-11-24T09:30:00Z"  # a Tuesday, 10:30 in Paris
SEED = 11


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", NOW)
    # Snapshots are compared in colour; the interface's own NO_COLOR behaviour is Textual's.
    monkeypatch.delenv("NO_COLOR", raising=False)
    time.tzset()


@pytest.fixture
def seeded(db: Path) -> Path:
    """A database with the demo generator's data (fixed seed, fixed clock)."""
    from crmcli.core.config import load
    from crmcli.core.db.opening import open_store
    from crmcli.core.demo import data as demo

    store = open_store(str(db), load(), write=True)
    demo.generate(store, demo.DemoSize(60, deals=36, interactions=240, followups=24), seed=SEED)
    store.close()
    return db


@pytest.fixture
def make_app(seeded: Path) -> Iterator[Callable[..., Any]]:
    """Build the app on its own store connection, as `crm tui` does."""
    from crmcli.core.books import open_store  # as `crm tui` opens it: with the rules
    from crmcli.core.config import load
    from crmcli.tui.app import CrmApp
    from crmcli.tui.session import Session

    sessions: list[Session] = []

    def build(**options: Any) -> CrmApp:
        session = Session(open_store(str(seeded), load(), write=True))
        sessions.append(session)
        return CrmApp(session, **options)

    yield build
    for session in sessions:
        session.close()


@pytest.fixture
def other_shell(seeded: Path) -> Iterator[Any]:
    """A second, independent store connection: changes made "from another shell"."""
    from crmcli.core.config import load
    from crmcli.core.db.opening import open_store

    store = open_store(str(seeded), load(), write=True)
    yield store
    store.close()


def query(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read the database file directly, as a test's independent witness."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


async def wait_for(pilot: Any, check: Callable[[], Any], timeout: float = 2.0) -> Any:
    """Let the app run until `check()` is truthy (returned), or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {check}")
        await pilot.pause(0.05)


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*["space" if ch == " " else ch for ch in text])


def notes(app: Any) -> list[str]:
    """The notifications the app has shown."""
    return [n.message for n in app._notifications]
