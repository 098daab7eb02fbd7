"""Test isolation: every test gets its own database, config and a fixed terminal.

Nothing in the suite can read or write the user's real data or settings.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

# -- markers that follow from where a test lives or what it needs ---------------------------
#
# `make test-fast` leaves out slow, tui, pg and subprocess tests (markers registered in
# pyproject.toml). `slow` and `subprocess` are written on the tests themselves; these two
# follow from the test's place and fixtures, so a new test cannot forget them:
# - tui: every test under tests/tui/;
# - pg: every test that asks for a PostgreSQL database (`pg_admin`, `pg_url`), and the
#   "postgresql" side of `backend`. The fixture's param carries the mark too, but pytest
#   does not pass it on reliably (not at all when a test parametrises `backend`
#   indirectly, and not to every module in a whole run), so the callspec decides.

TUI_TESTS = Path(__file__).parent / "tui"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(TUI_TESTS):
            item.add_marker(pytest.mark.tui)
        callspec = getattr(item, "callspec", None)
        if "pg_admin" in getattr(item, "fixturenames", ()) or (
            callspec is not None and callspec.params.get("backend") == "postgresql"
        ):
            item.add_marker(pytest.mark.pg)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "crm.db"
    monkeypatch.setenv("CRM_DB", str(db))
    monkeypatch.setenv("CRM_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("TZ", "Europe/Paris")
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")  # default_region FR unless a test says otherwise
    monkeypatch.delenv("CRM_NOW", raising=False)
    monkeypatch.delenv("CRM_DEBUG", raising=False)
    import time

    time.tzset()
    return db


@pytest.fixture(scope="session", autouse=True)
def commands_built_once() -> Iterator[None]:
    """Build each command's Click tree once per test session, not once per `invoke`.

    A real `crm` process builds it once; the suite runs thousands of command lines in
    one process, and Typer's build (a signature and type-hint walk of every command
    registered) was half the cost of each. `build_app` is a function of the command
    name only, and the built tree keeps no state between command lines.
    """
    import functools

    import typer.main

    from crmcli import cli

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli, "build_app", functools.cache(cli.build_app))
        patch.setattr(typer.main, "get_command", functools.cache(typer.main.get_command))
        yield


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


def invoke(*args: str, input: str | None = None) -> Result:
    """Run one `crm` command line in-process, through the real entry point's error handling."""
    from crmcli.cli import run

    runner = CliRunner()
    with runner.isolation(input=input) as (out, err, _):
        import sys

        code = run(list(args))
        sys.stdout.flush()
        sys.stderr.flush()
        return Result(code, out.getvalue().decode(), err.getvalue().decode())


@pytest.fixture
def crm() -> Callable[..., Result]:
    return invoke


def dump(db: Path) -> str:
    """The database's whole content as SQL text: equal dumps, equal data."""
    conn = sqlite3.connect(db)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def db(isolated: Path) -> Path:
    return isolated


# -- PostgreSQL (team mode) ------------------------------------------------------------
#
# Tests that take `pg_url` (or the `backend` fixture's "postgresql" side) run against a
# real server: CRM_TEST_PG (default postgresql://postgres@127.0.0.1:5432/postgres, the
# local server with trust authentication). Each test gets a fresh database, dropped
# afterwards. Where no server can be reached they are skipped, and the reason printed.

PG_ADMIN = os.environ.get("CRM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def pg_admin() -> str:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure means: no server here
        pytest.skip(f"no PostgreSQL server at {PG_ADMIN} ({type(exc).__name__}: {exc})")
    return PG_ADMIN


@pytest.fixture
def pg_url(pg_admin: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test, as a crm database URL."""
    import uuid

    import psycopg

    name = f"crm_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = pg_admin.rsplit("/", 1)[0]
    yield f"postgresql+psycopg://{base.split('://', 1)[1]}/{name}"
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def backend(request: pytest.FixtureRequest, isolated: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The same test on a local SQLite file and on a shared PostgreSQL database.

    CRM_DB points at it, so `invoke` runs every command against it.
    """
    if request.param == "sqlite":
        return str(isolated)
    url = str(request.getfixturevalue("pg_url"))
    monkeypatch.setenv("CRM_DB", url)
    return url
