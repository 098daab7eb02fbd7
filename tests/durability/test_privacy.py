"""Erasure and access requests: a person forgotten leaves nothing behind in the database."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

from tests.conftest import dump, invoke


def seed() -> None:
    invoke(
        "contact",
        "add",
        "Hélène Dupré",
        "-e",
        "helene.secret@acme.fr",
        "-p",
        "06 12 34 56 78",
        "-c",
        "Acme",
        "--tag",
        "vip",
        "--note",
        "Allergic to peanuts",
    )
    invoke("contact", "add", "Marc Dupree", "-e", "marc@globex.com")
    invoke("log", "call", "helene", "Talked about her divorce plans")
    invoke("followup", "add", "helene", "tomorrow", "Call Hélène back")
    invoke("deal", "add", "Acme licence", "--contact", "helene", "--amount", "12k")
    invoke("contact", "edit", "helene", "--title", "CFO")


def test_forget_erases_every_trace_but_keeps_business_records(db: Path) -> None:
    seed()
    out = invoke("contact", "forget", "helene")  # no terminal to ask on
    assert out.exit_code == 1 and "--yes" in out.stderr
    out = invoke("contact", "forget", "helene", "--yes")
    assert out.exit_code == 0, out.stderr
    assert out.stdout.startswith("forgot #1 Hélène Dupré:")
    assert "backups made before now still hold them" in out.stderr
    text = dump(db)
    for trace in ("Hélène", "helene.secret", "peanuts", "divorce", "612345678"):
        assert trace not in text, trace
    with db.open("rb") as handle:  # not in free pages or the WAL either
        raw = handle.read()
    assert b"peanuts" not in raw and b"divorce" not in raw
    wal = Path(f"{db}-wal")
    assert not wal.exists() or b"peanuts" not in wal.read_bytes()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT contact_id FROM deal").fetchall() == [(None,)]
    assert conn.execute("SELECT count(*) FROM change_log WHERE contact_id = 1").fetchone() == (0,)
    conn.close()
    assert invoke("contact", "show", "marc").exit_code == 0  # others untouched


def test_contact_export_gives_everything_held(db: Path, tmp_path: Path) -> None:
    seed()
    data = json.loads(invoke("contact", "export", "helene").stdout)
    assert data["contact"]["emails"][0]["email"] == "helene.secret@acme.fr"
    assert data["interactions"][0]["summary"] == "Talked about her divorce plans"
    assert data["followups"][0]["note"] == "Call Hélène back"
    assert data["deals"][0]["title"] == "Acme licence"
    assert any(entry["op"] == "update" for entry in data["change_log"])
    target = tmp_path / "helene.json"
    assert invoke("contact", "export", "helene", "-o", str(target)).exit_code == 0
    assert json.loads(target.read_text(encoding="utf-8"))["contact"]["name"] == "Hélène Dupré"
    out = invoke("contact", "export", "helene", "--format", "csv")
    assert out.exit_code == 2


def test_database_and_its_wal_are_private(db: Path) -> None:
    seed()
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
