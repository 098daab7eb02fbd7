"""Errors that say what happened: a full disk, a read-only folder, a malformed server URL.

A full disk is a real one (a small tmpfs mounted by the test, skipped with the reason
when the mount is refused): every write ends with `the disk is full (N bytes free in
FOLDER); nothing was changed`, exit 3, and the file is left byte for byte as it was. A
database in a read-only folder (the tmpfs remounted read-only: as root, chmod stops
nothing) is still read; a write says in one line that the folder is read-only.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from crmcli.core.db.store import describe_error
from tests.conftest import invoke

FULL = re.compile(r"crm: the disk is full \((\d+) bytes free in (.+)\); nothing was changed")


def _mount(folder: Path, *options: str) -> None:
    if shutil.which("mount") is None:
        pytest.skip("no mount command to make a small file system")
    done = subprocess.run(
        ["mount", *options, str(folder)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")


@pytest.fixture
def small_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A 2 MiB tmpfs holding the database (CRM_DB points into it)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    _mount(folder, "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs")
    monkeypatch.setenv("CRM_DB", str(folder / "crm.db"))
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def fill(folder: Path, leave: int) -> None:
    """Fill the file system but for about `leave` bytes."""
    with (folder / "fill").open("ab") as handle:
        chunk = b"\0" * 4096
        while shutil.disk_usage(folder).free > leave:
            try:
                handle.write(chunk)
                handle.flush()
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                break


def fingerprint(db: Path) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


def integrity(db: Path) -> str:
    immutable = "" if os.access(db.parent, os.W_OK) else "&immutable=1"  # a read-only mount
    conn = sqlite3.connect(f"file:{db}?mode=ro{immutable}", uri=True)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


# -- a full disk -----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("leave", [0, 40 * 1024, 72 * 1024])
def test_every_write_on_a_full_disk_says_so_and_changes_nothing(
    small_disk: Path, tmp_path: Path, leave: int
) -> None:
    db = small_disk / "crm.db"
    assert invoke("contact", "add", "Ann Lee").exit_code == 0
    for side in ("-wal", "-shm"):
        assert not Path(f"{db}{side}").exists()
    # The import's backup goes elsewhere, so that the import itself meets the full disk.
    (tmp_path / "backups").mkdir()
    (small_disk / "backups").symlink_to(tmp_path / "backups")
    csv = tmp_path / "people.csv"
    csv.write_text("name,email\n" + "".join(f"P{i} Doe,p{i}@example.com\n" for i in range(400)))
    fill(small_disk, leave)
    before = fingerprint(db)
    for args in (
        ("contact", "add", "Bob Ray", "--note", "x" * 60_000),
        ("log", "note", "Ann Lee", "y" * 60_000),
        ("import", "contacts", str(csv)),
    ):
        out = invoke(*args)
        assert out.exit_code == 3, (args, out.stdout, out.stderr)
        match = FULL.fullmatch(one_line(out.stderr))
        assert match, (args, out.stderr)
        assert match.group(2) == str(small_disk)
        assert fingerprint(db) == before
    (small_disk / "fill").unlink()
    assert integrity(db) == "ok"
    assert invoke("contact", "add", "Bob Ray").exit_code == 0  # room again: writes work


@pytest.mark.slow
def test_an_import_whose_backup_finds_the_disk_full_says_so(
    small_disk: Path, tmp_path: Path
) -> None:
    db = small_disk / "crm.db"
    assert invoke("contact", "add", "Ann Lee").exit_code == 0
    csv = tmp_path / "people.csv"
    csv.write_text("name,email\nCy Doe,cy@example.com\n")
    fill(small_disk, 0)
    before = fingerprint(db)
    out = invoke("import", "contacts", str(csv))
    assert out.exit_code == 3, out.stderr
    assert one_line(out.stderr).startswith("crm: the disk is full (")
    assert fingerprint(db) == before
    (small_disk / "fill").unlink()
    assert integrity(db) == "ok"


def test_disk_full_errors_escaping_a_service_are_mapped() -> None:
    for exc in (OSError(errno.ENOSPC, "No space left on device"), _sqlite_error(13)):
        mapped = describe_error(exc)
        assert mapped is not None and mapped.exit_code == 3
        assert mapped.message == "the disk is full; nothing was changed"
    mapped = describe_error(_sqlite_error(8, "attempt to write a readonly database"))
    assert mapped is not None and mapped.exit_code == 3 and "read-only" in mapped.message


def _sqlite_error(code: int, text: str = "database or disk is full") -> sqlite3.Error:
    exc = sqlite3.OperationalError(text)
    exc.sqlite_errorcode = code
    return exc


# -- a read-only folder ----------------------------------------------------------------


@pytest.mark.slow
def test_reads_work_in_a_read_only_folder_and_writes_say_why_they_cannot(
    small_disk: Path,
) -> None:
    db = small_disk / "crm.db"
    assert invoke("contact", "add", "Ann Lee", "--email", "ann@example.com").exit_code == 0
    assert invoke("log", "call", "Ann Lee", "about the renewal").exit_code == 0
    _mount(small_disk, "-o", "remount,ro")
    assert not os.access(small_disk, os.W_OK)
    before = fingerprint(db)
    for args in (("find", "ann"), ("contact", "list"), ("today",), ("contact", "show", "Ann Lee")):
        out = invoke(*args)
        assert out.exit_code == 0, (args, out.stderr)
        assert out.stderr == "", (args, out.stderr)
    assert "Ann Lee" in invoke("contact", "list").stdout
    assert "Ann Lee" in invoke("find", "ann").stdout
    writes: tuple[tuple[str, ...], ...] = (
        ("contact", "add", "Bob Ray"),
        ("log", "note", "Ann Lee", "hi"),
    )
    for write in writes:
        out = invoke(*write)
        assert out.exit_code == 3, (write, out.stderr)
        assert one_line(out.stderr) == (
            f"crm: the folder {small_disk} is read-only: {db} can be read but not changed; "
            "nothing was changed"
        )
    assert fingerprint(db) == before
    assert integrity(db) == "ok"


# -- a malformed server URL ------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://[::1",
        "postgresql://u@h:notaport/db",
        "postgresql://",
        "postgresql://u@127.0.0.1:99999/db",
        "postgresql://u@127.0.0.1:0/db",
        "postgresql://%zz@127.0.0.1/db",
        "postgresql://u:secret@[::1/db",
    ],
)
def test_a_malformed_postgresql_url_is_bad_input(url: str) -> None:
    for args in (("contact", "list"), ("contact", "add", "Ann Lee")):
        out = invoke("--db", url, *args)
        assert out.exit_code == 2, (url, out.stderr)
        line = one_line(out.stderr)
        assert line.startswith("crm: not a usable PostgreSQL URL"), line
        assert "secret" not in line
