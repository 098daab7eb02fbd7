"""Test isolation: every test gets its own database, config and a fixed terminal.

Nothing in the suite can read or write the user's real data or settings.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner


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
def crm():
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
