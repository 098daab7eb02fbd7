"""The guarded file writer: never over the database, its journals or its backups; whole files.

Direct tests of `core/db/guarded.py` and `core/atomic.py` on a real SQLite store; the
commands that use them are tested in `tests/durability/test_guarded_writes.py`.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from crmcli.core import atomic
from crmcli.core.db import guarded
from crmcli.core.db.backup import backups_dir
from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid, Refused


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(atomic.TEMP_SUFFIX))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_and_its_side_files_are_refused_by_name(store: Store, db: Path) -> None:
    for name in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}-journal")):
        with pytest.raises(Invalid, match="not writing to"):
            guarded.check_target(db, name)
    relative = Path(os.path.relpath(db))
    with pytest.raises(Invalid, match="database itself"):
        guarded.check_target(db, relative)


def test_a_hard_link_or_a_symlink_of_the_database_is_refused(store: Store, db: Path) -> None:
    hard = db.with_name("innocent.csv")
    os.link(db, hard)
    soft = db.with_name("alias.db")
    soft.symlink_to(db)
    before = db.read_bytes()
    with pytest.raises(Invalid, match="hard link"), guarded.open_text(store, hard) as out:
        out.write("id,name\n")
    with pytest.raises(Invalid, match="database itself"):
        guarded.check_target(db, soft)
    assert db.read_bytes() == before
    assert hard.stat().st_ino == db.stat().st_ino  # still the same file, untouched


def test_the_wal_held_open_by_another_connection_is_refused(store: Store, db: Path) -> None:
    other = sqlite3.connect(db)
    try:
        other.execute("INSERT INTO crm_meta (key, value) VALUES ('probe', 'committed')")
        other.commit()
        wal = Path(f"{db}-wal")
        assert wal.stat().st_size > 0
        before = wal.read_bytes()
        with pytest.raises(Invalid, match="write-ahead log"), guarded.open_text(store, wal) as out:
            out.write("x")
        assert wal.read_bytes() == before
        link = db.with_name("wal-link")
        os.link(wal, link)
        with pytest.raises(Invalid, match="hard link"):
            guarded.check_target(db, link)
    finally:
        other.close()


def test_the_backups_folder_is_refused(store: Store, db: Path) -> None:
    folder = backups_dir(store)
    folder.mkdir()
    assert guarded.backups_folder(db) == folder  # the guard and the backups agree
    with pytest.raises(Invalid, match="backups folder"):
        guarded.check_target(db, folder / "mine.db")
    with pytest.raises(Invalid, match="backups folder"):
        guarded.check_target(db, folder)


def test_bad_places_are_invalid(store: Store, db: Path, tmp_path: Path) -> None:
    with pytest.raises(Invalid, match="is a folder"):
        guarded.check_target(db, tmp_path)
    with pytest.raises(Invalid, match="does not exist"):
        guarded.check_target(db, tmp_path / "nowhere" / "x.csv")


def test_an_existing_file_is_replaced_unless_told_not_to(
    store: Store, tmp_path: Path, umask_022: None
) -> None:
    target = tmp_path / "old.csv"
    target.write_text("old\n")
    target.chmod(0o644)
    with pytest.raises(Refused, match="already exists"):
        guarded.check_target(None, target, replace=False)
    with guarded.open_text(store, target) as out:
        out.write("new\n")
    assert target.read_text() == "new\n"
    assert _mode(target) == 0o600
    assert _leftovers(tmp_path) == []


def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temporary(
    store: Store, tmp_path: Path
) -> None:
    target = tmp_path / "export.csv"
    target.write_text("the old export\n")

    def rows() -> Iterator[str]:
        for i in range(10_000):
            if i == 5_000:
                raise RuntimeError("the database went away")
            yield f"{i},row {i}\n"

    with pytest.raises(RuntimeError), guarded.open_text(store, target) as out:
        for row in rows():
            out.write(row)
    assert target.read_text() == "the old export\n"
    assert _leftovers(tmp_path) == []
    fresh = tmp_path / "fresh.csv"
    with pytest.raises(RuntimeError), guarded.open_text(store, fresh) as out:
        for row in rows():
            out.write(row)
    assert not fresh.exists()
    assert _leftovers(tmp_path) == []


def test_rows_stream_to_the_temporary_file_as_they_come(store: Store, tmp_path: Path) -> None:
    target = tmp_path / "big.csv"
    with guarded.open_text(store, target) as out:
        for i in range(20_000):
            out.write(f"{i},{'x' * 40}\n")
        (tmp,) = [tmp_path / name for name in _leftovers(tmp_path)]
        assert tmp.stat().st_size > 500_000  # on disk already, not held in memory
        assert _mode(tmp) == 0o600
        assert not target.exists()  # nothing under the real name until complete
    assert target.stat().st_size > 800_000
    assert _leftovers(tmp_path) == []


def test_a_symlink_is_written_through_and_a_device_in_place(store: Store, tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    with guarded.open_text(store, link) as out:
        out.write("new\n")
    assert link.is_symlink()
    assert real.read_text() == "new\n"
    with guarded.open_text(store, Path(os.devnull)) as out:
        out.write("nothing\n")
    assert Path(os.devnull).exists() and not Path(os.devnull).is_file()


def test_replacing_gives_a_private_path_renamed_on_success(
    store: Store, tmp_path: Path, umask_022: None
) -> None:
    target = tmp_path / "copy.db"
    with guarded.replacing(store, target, replace=False) as tmp:
        assert _mode(tmp) == 0o600
        tmp.write_bytes(b"copy")
    assert target.read_bytes() == b"copy"
    assert _mode(target) == 0o600
    with (
        pytest.raises(Refused, match="already exists"),
        guarded.replacing(store, target, replace=False) as tmp,
    ):
        tmp.write_bytes(b"never")
    with pytest.raises(OSError), guarded.replacing(store, target, replace=True) as tmp:
        tmp.write_bytes(b"half")
        raise OSError("disk full")  # no strerror: not a file-system error of ours
    assert target.read_bytes() == b"copy"
    assert _leftovers(tmp_path) == []


def test_a_file_system_error_is_one_line_naming_the_file(store: Store, tmp_path: Path) -> None:
    import errno

    target = tmp_path / "full.csv"
    with (
        pytest.raises(Invalid, match=r"cannot write .*full\.csv: No space left"),
        guarded.open_text(store, target) as out,
    ):
        out.write("a")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert not target.exists()
    assert _leftovers(tmp_path) == []


def test_atomic_write_text_is_private_whatever_the_umask(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "config.toml"
    atomic.write_text(target, "a = 1\n")
    assert _mode(target) == 0o600
    assert target.read_text() == "a = 1\n"
