"""Backups that only ever prune their own, and backups that are whole and checked or absent.

Each database's automatic backups carry its stem, its identity and their kind, so the
pruning of `a-b.db` never touches `a.db`'s, and `crm backup`'s manual copies are never
pruned. A copy is written under a temporary name, checked, then renamed: a full disk or
a damaged database leaves no file.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from crmcli.core.config import Config
from crmcli.core.db.backup import auto_backup
from crmcli.core.db.opening import open_store
from crmcli.core.db.store import Store
from crmcli.core.errors import StoreUnavailable
from tests.conftest import dump, invoke


def opened(path: Path, keep: int = 2) -> Store:
    config = Config({"backups_keep": keep}, path.parent / "config.toml")
    return open_store(str(path), config, write=True)


def backups_at(store: Store, monkeypatch: pytest.MonkeyPatch, *seconds: int) -> list[Path]:
    """Automatic backups of `store`, one at each of these seconds past a fixed minute."""
    made = []
    for second in seconds:
        monkeypatch.setenv("CRM_NOW", f"2026-03-02T09:00:{second:02d}Z")
        path = auto_backup(store, "pre-merge")
        assert path is not None
        made.append(path)
    return made


def names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_pruning_keeps_each_database_its_own_backups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a.db, a-b.db and a.sqlite share a folder (and so a backups folder); a.sqlite even
    # shares a.db's stem. Each keeps its own newest two, whatever the others do.
    a, ab, other = (opened(tmp_path / n) for n in ("a.db", "a-b.db", "a.sqlite"))
    try:
        a_made = backups_at(a, monkeypatch, 1, 2, 3)
        ab_made = backups_at(ab, monkeypatch, 4, 5, 6)
        other_made = backups_at(other, monkeypatch, 7, 8, 9)
        a_made += backups_at(a, monkeypatch, 10)
    finally:
        for store in (a, ab, other):
            store.close()
    left = names(tmp_path / "backups")
    assert left == {p.name for p in a_made[-2:] + ab_made[-2:] + other_made[-2:]}
    for made in (a_made, ab_made, other_made):
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in made if p.exists())
    # Readable and sortable: stem, identity, time, kind; one database's sort by time.
    assert a_made[-1].name.startswith("a-") and a_made[-1].name.endswith("-auto-pre-merge.db")
    assert sorted(p.name for p in a_made) == [p.name for p in a_made]
    assert a_made[0].name.split("-")[1] != other_made[0].name.split("-")[1]  # a.db, a.sqlite


def test_manual_backups_survive_automatic_pruning(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoke("contact", "add", "Ann Lee")
    manual = []
    for second in (1, 2, 3):
        monkeypatch.setenv("CRM_NOW", f"2026-03-02T08:00:{second:02d}Z")
        out = invoke("backup")
        assert out.exit_code == 0, out.stderr
        manual.append(Path(out.stdout.strip()))
    store = opened(db, keep=1)
    try:
        automatic = backups_at(store, monkeypatch, 10, 11, 12)
    finally:
        store.close()
    assert names(db.parent / "backups") == {p.name for p in [*manual, automatic[-1]]}
    assert all(p.name.startswith("crm-") and p.name.endswith("-manual.db") for p in manual)


def test_old_style_backup_names_still_restore_and_are_never_pruned(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoke("contact", "add", "Ann Lee")
    folder = db.parent / "backups"
    folder.mkdir(mode=0o700)
    # Names as crm wrote them before identities and kinds: a manual and an automatic one.
    old_manual = folder / "crm-20250101T000000000000Z.db"
    old_auto = folder / "crm-20250102T000000000000Z-pre-import.db"
    for old in (old_manual, old_auto):
        out = invoke("backup", str(db.parent / "made.db"))
        assert out.exit_code == 0, out.stderr
        (db.parent / "made.db").rename(old)
    invoke("contact", "add", "Bob Ray")
    store = opened(db, keep=1)
    try:
        backups_at(store, monkeypatch, 1, 2, 3)
    finally:
        store.close()
    assert old_manual.exists() and old_auto.exists()
    out = invoke("restore", str(old_auto))
    assert out.exit_code == 0, out.stderr
    assert [r.split()[1] for r in invoke("contact", "list").stdout.splitlines()[1:]] == ["Ann"]


def damage(database: Path) -> None:
    """Overwrite the root page of the contact table's b-tree, as a failing disk would."""
    conn = sqlite3.connect(database)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'contact'").fetchone()[0]
    conn.close()
    with database.open("r+b") as handle:
        handle.seek((root - 1) * size)
        handle.write(b"\xde\xad\xbe\xef" * (size // 4))


def test_a_damaged_database_is_not_backed_up(db: Path, tmp_path: Path) -> None:
    for name in ("Ann Lee", "Bob Ray"):
        invoke("contact", "add", name)
    damage(db)
    before = db.read_bytes()
    for args in (("backup",), ("backup", str(tmp_path / "copy.db"))):
        out = invoke(*args)
        assert out.exit_code == 3, (args, out.stderr)
        line = out.stderr.strip()
        assert len(line.splitlines()) == 1, line
        assert "damaged" in line and "crm doctor" in line and ".recover" in line, line
    assert not (tmp_path / "copy.db").exists()
    folder = db.parent / "backups"
    assert not folder.exists() or not any(folder.iterdir())
    assert db.read_bytes() == before


def test_an_automatic_backup_of_a_damaged_database_is_refused(db: Path) -> None:
    invoke("contact", "add", "Ann Lee")
    damage(db)
    store = opened(db)
    try:
        with pytest.raises(StoreUnavailable, match="damaged"):
            auto_backup(store, "pre-merge")
    finally:
        store.close()
    assert not any((db.parent / "backups").iterdir())


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs mounted as the backups folder (smaller than any crm database)."""
    folder = tmp_path / "backups"
    folder.mkdir(mode=0o700)
    if shutil.which("mount") is None:
        pytest.skip("no mount command to make a small file system")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


@pytest.mark.subprocess
def test_a_backup_that_fills_the_disk_leaves_no_file(
    db: Path, tiny_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoke("contact", "add", "Ann Lee")
    before = dump(db)
    out = invoke("backup")
    assert names(tiny_disk) == set()
    assert out.exit_code == 3, out.stderr
    assert "disk is full" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    out = invoke("backup", str(tiny_disk.parent / "elsewhere.db"))  # a healthy target works
    assert out.exit_code == 0, out.stderr
    store = opened(db)
    try:
        with pytest.raises(StoreUnavailable, match="disk is full"):
            try:
                auto_backup(store, "pre-merge")
            finally:
                assert names(tiny_disk) == set()
    finally:
        store.close()
    assert dump(db) == before


def test_temporary_copies_left_by_a_killed_backup_are_cleared_when_a_day_old(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crmcli.core.atomic import TEMP_SUFFIX
    from crmcli.core.db.backup import identity

    invoke("contact", "add", "Ann Lee")
    folder = db.parent / "backups"
    folder.mkdir(mode=0o700)
    prefix = f".crm-{identity(db)}-20260302T000000000000Z-auto-pre-merge.db."
    old, fresh, foreign = (
        folder / f"{prefix}old{TEMP_SUFFIX}",
        folder / f"{prefix}new{TEMP_SUFFIX}",  # maybe another process's backup, running
        folder / f".crm-000000-20260302T000000000000Z-auto.db.x{TEMP_SUFFIX}",
    )
    for path in (old, fresh, foreign):
        path.write_bytes(b"partial")
    for path in (old, foreign):
        os.utime(path, (0, 0))
    store = opened(db)
    try:
        backups_at(store, monkeypatch, 1)
    finally:
        store.close()
    assert not old.exists() and fresh.exists() and foreign.exists()
