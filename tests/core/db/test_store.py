"""Opening, creating and protecting the database file."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from crmcli.core.config import Config
from crmcli.core.db import migrations
from crmcli.core.db.opening import open_store
from crmcli.core.errors import Busy, NotFound, StoreUnavailable


def config(tmp_path: Path, **values: object) -> Config:
    return Config(dict(values), tmp_path / "c.toml")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_read_never_creates(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    with pytest.raises(NotFound, match="no crm database"):
        open_store(str(db), config(tmp_path), write=False)
    assert not db.exists()


def test_write_creates_private_wal_database_with_default_stages(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    store = open_store(str(db), config(tmp_path), write=True)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert store.value("PRAGMA journal_mode") == "wal"
    assert store.value("PRAGMA foreign_keys") == 1
    assert store.dialect.schema_version(store.conn) == migrations.CURRENT
    names = [r[0] for r in store.tuples("SELECT name FROM stage ORDER BY position")]
    assert names == ["Lead", "Qualified", "Demo", "Proposal", "Negotiation", "Won", "Lost"]
    with store.write("touch") as tx:  # a write makes SQLite create the -wal and -shm files
        tx.execute("INSERT INTO crm_meta (key, value) VALUES ('t', 'x')")
        for suffix in ("-wal", "-shm"):
            side = Path(f"{db}{suffix}")
            assert side.exists()
            assert stat.S_IMODE(side.stat().st_mode) == 0o600
    store.close()


def test_default_location_folder_is_created(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("CRM_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    store = open_store(None, config(tmp_path), write=True)
    assert Path(store.location.target) == tmp_path / "data" / "crmcli" / "crm.db"
    store.close()


def test_explicit_path_in_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="does not exist"):
        open_store(str(tmp_path / "nope" / "x.db"), config(tmp_path), write=True)
    assert not (tmp_path / "nope").exists()


def read_only_folder(tmp_path: Path) -> Path:
    """A folder nobody may create files in, root included (root ignores mode bits)."""
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir(mode=0o500)
        return folder
    if not Path("/sys").is_dir():
        pytest.skip("running as root without /sys: no folder refuses root")
    return Path("/sys")  # sysfs refuses new files to everyone


def test_read_only_folder_is_refused(tmp_path: Path) -> None:
    folder = read_only_folder(tmp_path)
    with pytest.raises(StoreUnavailable, match=r"cannot create database .*Permission denied"):
        open_store(str(folder / "crm.db"), config(tmp_path), write=True)
    assert not (folder / "crm.db").exists()


def test_garbage_file_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    db.write_bytes(b"these are my notes, not a database\n" * 10)
    before = digest(db)
    for write in (False, True):
        with pytest.raises(StoreUnavailable, match="not a crm database"):
            open_store(str(db), config(tmp_path), write=write)
    assert digest(db) == before


def test_foreign_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE songs (title TEXT)")
    conn.execute("INSERT INTO songs VALUES ('x')")
    conn.commit()
    conn.close()
    before = digest(db)
    with pytest.raises(StoreUnavailable, match="not a crm one"):
        open_store(str(db), config(tmp_path), write=True)
    assert digest(db) == before


def test_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "future.db"
    open_store(str(db), config(tmp_path), write=True).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {migrations.CURRENT + 1}")
    conn.close()
    before = digest(db)
    with pytest.raises(StoreUnavailable, match="newer crm"):
        open_store(str(db), config(tmp_path), write=True)
    assert digest(db) == before


def test_folder_given_as_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="folder"):
        open_store(str(tmp_path), config(tmp_path), write=False)


def test_write_rolls_back_on_error(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "x.db"), config(tmp_path), write=True)
    with pytest.raises(RuntimeError), store.write("failing") as tx:
        tx.insert("company", {"name": "Acme", "name_key": "acme"})
        raise RuntimeError("boom")
    assert store.value("SELECT count(*) FROM company") == 0
    assert store.value("SELECT count(*) FROM change_log") == 0
    store.close()


def test_tuples_in_answers_an_in_list_longer_than_one_chunk(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "x.db"), config(tmp_path), write=True)
    with store.write("add") as tx:
        ids = [tx.insert("company", {"name": f"C{n}", "name_key": f"c{n:04}"}) for n in range(1201)]
    wanted = [*ids[::2], 999_999]  # 601 ids, across two chunks, one of them absent
    rows = store.tuples_in(
        "SELECT id FROM company WHERE name_key >= ? AND id IN ({ids})", wanted, ("c0100",)
    )
    assert sorted(r[0] for r in rows) == ids[100::2]
    assert store.tuples_in("SELECT id FROM company WHERE id IN ({ids})", []) == []
    store.close()


def test_changes_are_logged_with_before_and_after_images(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "x.db"), config(tmp_path, user="alice"), write=True)
    with store.write("add") as tx:
        cid = tx.insert("company", {"name": "Acme", "name_key": "acme"})
    with store.write("edit") as tx:
        tx.update("company", cid, {"industry": "Software"})
    row = store.row("SELECT * FROM company WHERE id = ?", (cid,))
    assert row is not None and row["version"] == 2 and row["owner"] == "alice"
    ops = store.tuples(
        "SELECT command, op, before IS NULL, after IS NULL FROM change_log ORDER BY id"
    )
    assert ops == [("add", "insert", 1, 0), ("edit", "update", 0, 0)]
    store.close()


@pytest.mark.slow  # waits out a busy timeout of a second
def test_busy_writer_waits_then_fails_clearly(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    open_store(str(db), config(tmp_path), write=True).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    store = open_store(str(db), config(tmp_path, busy_timeout=1), write=True)
    started = time.monotonic()
    with pytest.raises(Busy, match="database busy"), store.write("blocked"):
        pass
    assert time.monotonic() - started >= 0.9
    holder.execute("ROLLBACK")
    holder.close()
    store.close()


def test_busy_writer_succeeds_when_lock_is_released_in_time(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    open_store(str(db), config(tmp_path), write=True).close()
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    threading.Timer(0.5, lambda: holder.execute("COMMIT")).start()
    store = open_store(str(db), config(tmp_path, busy_timeout=10), write=True)
    with store.write("waits") as tx:
        tx.insert("company", {"name": "Acme", "name_key": "acme"})
    assert store.value("SELECT count(*) FROM company") == 1
    store.close()
    holder.close()


@pytest.mark.subprocess
def test_core_imports_no_ui_library() -> None:
    code = (
        "import sys\n"
        "import crmcli.core.db.store, crmcli.core.people.contacts, crmcli.core.search.find,"
        " crmcli.core.search.refs, crmcli.core.people.companies, crmcli.core.config,"
        " crmcli.core.demo.data, crmcli.core.values.money\n"
        "bad = [m for m in ('typer', 'rich', 'textual', 'click') if m in sys.modules]\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.subprocess
def test_hot_paths_do_not_import_the_orm(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    code = (
        "import sys\nfrom crmcli.cli import run\n"
        f"run(['--db', {str(db)!r}, 'contact', 'add', 'Ann Lee', '--email', 'ann@x.org'])\n"
        f"run(['--db', {str(db)!r}, 'find', 'ann'])\n"
        f"run(['--db', {str(db)!r}, 'contact', 'show', 'ann'])\n"
        "heavy = [m for m in ('sqlmodel', 'sqlalchemy', 'textual', 'rich')"
        " if m in sys.modules]\n"
        "sys.stderr.write('HEAVY:' + ','.join(heavy) + '\\n')"
    )
    env = {**os.environ, "CRM_CONFIG": str(tmp_path / "c.toml")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert "HEAVY:\n" in out.stderr, out.stderr
