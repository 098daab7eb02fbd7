"""A damaged database takes no write: every command ends with exit 3 naming `crm doctor`,
the file untouched, and `crm doctor` reports the damage with the way out."""

from __future__ import annotations

import gc
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import invoke


def _fill(tmp_path: Path) -> None:
    assert invoke("contact", "add", "Ann Lee", "--email", "ann@example.com").exit_code == 0
    assert invoke("contact", "add", "Bob Ray", "--email", "bob@example.com").exit_code == 0
    assert invoke("log", "note", "ann", "first call").exit_code == 0
    (tmp_path / "in.csv").write_text("name,email\nDee Fox,dee@example.com\n")


def _damage(db: Path, name: str) -> None:
    """Write junk over the root page of table or index `name`, all changes checkpointed first."""
    gc.collect()  # in-process commands' connections, so the checkpoint below is the last word
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()
    with db.open("r+b") as handle:
        handle.seek((root[0] - 1) * size)
        handle.write(b"\xaa" * size)


def _index_of(db: Path, table: str) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(
            conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "ORDER BY name LIMIT 1",
                (table,),
            ).fetchone()[0]
        )
    finally:
        conn.close()


def _wal_frames(db: Path) -> int:
    wal = Path(f"{db}-wal")
    return wal.stat().st_size if wal.exists() else 0


WRITES = [
    ("contact", "add", "Cy Young", "--email", "cy@example.com"),
    ("log", "note", "ann", "second call"),
    ("import", "contacts", "{csv}"),
    ("undo",),
    ("followup", "add", "ann", "tomorrow"),
]


@pytest.mark.slow  # ten commands on ten freshly damaged files
@pytest.mark.parametrize("damaged", ["deal", "deal's index"])
@pytest.mark.parametrize("command", WRITES, ids=lambda c: " ".join(c[:2]))
def test_a_write_to_a_damaged_database_is_refused_untouched(
    db: Path, tmp_path: Path, command: tuple[str, ...], damaged: str
) -> None:
    # `deal` is a table none of these commands touches: a write met no damaged page.
    _fill(tmp_path)
    _damage(db, "deal" if damaged == "deal" else _index_of(db, "deal"))
    before = db.read_bytes()
    args = [a.replace("{csv}", str(tmp_path / "in.csv")) for a in command]
    out = invoke(*args)
    gc.collect()
    assert out.exit_code == 3, (out.stdout, out.stderr)
    assert out.stderr.count("\n") == 1 and "crm doctor" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr
    assert db.read_bytes() == before
    assert _wal_frames(db) == 0


def test_doctor_reports_the_damage_with_the_way_out(db: Path, tmp_path: Path) -> None:
    _fill(tmp_path)
    assert invoke("backup").exit_code == 0
    backups = sorted((tmp_path / "backups").iterdir())
    assert len(backups) == 1
    _damage(db, "deal")
    before = db.read_bytes()
    out = invoke("doctor")
    assert out.exit_code == 1, (out.stdout, out.stderr)
    assert "integrity" in out.stdout and "malformed" in out.stdout
    assert f"crm restore {backups[0]}" in out.stdout
    assert f"sqlite3 {db} .recover | sqlite3 recovered.db" in out.stdout
    assert out.stderr == ""
    gc.collect()
    assert db.read_bytes() == before


def test_the_restore_doctor_names_brings_the_database_back(db: Path, tmp_path: Path) -> None:
    """`crm restore` keeps the damaged file's bytes (no checked backup of it can be made)
    and replaces it: before, its own safety backup refused and sent the rep to doctor."""
    _fill(tmp_path)
    assert invoke("backup").exit_code == 0
    (backup,) = sorted((tmp_path / "backups").glob("*-manual.db"))
    assert invoke("contact", "add", "Cy Young").exit_code == 0  # after the backup
    _damage(db, "deal")
    damaged = db.read_bytes()
    out = invoke("restore", str(backup))
    assert out.exit_code == 0, (out.stdout, out.stderr)
    (kept,) = sorted((tmp_path / "backups").glob("*-manual-pre-restore-damaged.db"))
    assert kept.read_bytes() == damaged
    assert kept.stat().st_mode & 0o777 == 0o600
    assert invoke("doctor").stdout.splitlines()[0].split() == ["integrity", "ok"]
    names = invoke("contact", "list", "--json").stdout
    assert "Ann Lee" in names and "Cy Young" not in names


def test_doctor_on_a_file_too_damaged_to_open(db: Path, tmp_path: Path) -> None:
    _fill(tmp_path)
    gc.collect()
    with db.open("r+b") as handle:  # page 1 past its header: the schema itself is junk
        handle.seek(100)
        handle.write(b"\xaa" * 3996)
    assert invoke("contact", "add", "Cy Young").exit_code == 3
    out = invoke("doctor", "--json")
    assert out.exit_code == 1, (out.stdout, out.stderr)
    assert "crm restore BACKUP" in out.stdout and ".recover" in out.stdout


def test_a_healthy_database_is_unaffected(db: Path, tmp_path: Path) -> None:
    _fill(tmp_path)
    assert invoke("followup", "add", "ann", "tomorrow").exit_code == 0
    assert invoke("undo").exit_code == 0
    out = invoke("doctor")
    assert out.exit_code == 0, out.stdout
    assert out.stdout.startswith("integrity")


def test_the_store_refuses_a_write_before_it_starts_and_rolls_back(
    db: Path, tmp_path: Path
) -> None:
    from crmcli.core.config import load
    from crmcli.core.db.opening import open_store
    from crmcli.core.errors import Damaged

    _fill(tmp_path)
    _damage(db, "deal")
    store = open_store(str(db), load(), write=True)
    try:
        with pytest.raises(Damaged, match="crm doctor"), store.write("test") as tx:
            tx.insert("crm_meta", {"key": "never", "value": "written"}, log=False)
        assert not store.conn.in_transaction
        with pytest.raises(Damaged, match=str(db)):
            store.rows("SELECT * FROM deal")
    finally:
        store.close()
