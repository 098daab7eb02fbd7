"""No path a rep types after `-o` or `crm backup` can destroy the database or its backups.

Every command that writes a file goes through the guarded writer: the database, its
-wal/-shm/-journal, a hard link of any of them and the backups folder are refused with
one line and the data left byte for byte; files are 0600 whatever the umask; an
export replaces an existing file whole, a backup only with --force.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import dump, invoke

SQLITE_MAGIC = b"SQLite format 3\x00"
# One good row, one rejected (a note and no name), for the rejects file.
REJECTED = "Name,Email,Notes\nBob Ray,bob@example.com,fine\n,,only a note\n"

# Every command that writes a file the rep names, as a function of that file.
WRITERS = {
    "export contacts": lambda p: ("export", "contacts", "-o", p),
    "export contacts vcard": lambda p: ("export", "contacts", "-f", "vcard", "-o", p),
    "export followups ics": lambda p: ("export", "followups", "-f", "ics", "-o", p),
    "export interactions": lambda p: ("export", "interactions", "-o", p),
    "contact export": lambda p: ("contact", "export", "ann", "-o", p),
    "backup": lambda p: ("backup", p),
    "backup --force": lambda p: ("backup", "--force", p),
}


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def ann(db: Path) -> Path:
    assert invoke("contact", "add", "Ann Lee", "--email", "ann@example.com").exit_code == 0
    assert invoke("log", "call", "ann", "renewal").exit_code == 0
    return db


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".crm-tmp"))


def _refused(args: tuple[str, ...], what: str) -> None:
    out = invoke(*args)
    assert out.exit_code == 2, (args, out.stdout, out.stderr)
    assert out.stderr.startswith("crm: not writing to"), out.stderr
    assert what in out.stderr
    assert out.stderr.count("\n") == 1


@pytest.mark.parametrize("writer", WRITERS)
def test_the_database_itself_is_refused(ann: Path, writer: str) -> None:
    before = dump(ann)
    _refused(WRITERS[writer](str(ann)), "the database itself")
    assert ann.read_bytes()[:16] == SQLITE_MAGIC
    assert dump(ann) == before
    assert _leftovers(ann.parent) == []


@pytest.mark.parametrize("writer", WRITERS)
def test_a_hard_link_of_the_database_is_refused(ann: Path, writer: str) -> None:
    link = ann.with_name("link.db")
    os.link(ann, link)
    before = dump(ann)
    _refused(WRITERS[writer](str(link)), "hard link")
    assert ann.stat().st_size > 0
    assert dump(ann) == before
    assert link.stat().st_ino == ann.stat().st_ino


@pytest.mark.parametrize("writer", WRITERS)
def test_the_wal_is_refused_while_another_connection_has_it_open(ann: Path, writer: str) -> None:
    other = sqlite3.connect(ann)
    try:
        other.execute("INSERT INTO crm_meta (key, value) VALUES ('probe', 'committed')")
        other.commit()
        wal = Path(f"{ann}-wal")
        before = wal.read_bytes()
        _refused(WRITERS[writer](str(wal)), "write-ahead log")
        assert wal.read_bytes()[: len(before)] == before  # nothing overwritten
        shm = Path(f"{ann}-shm")
        _refused(WRITERS[writer](str(shm)), "shared-memory")
    finally:
        other.close()
    check = sqlite3.connect(ann)
    row = check.execute("SELECT value FROM crm_meta WHERE key = 'probe'").fetchone()
    check.close()
    assert row == ("committed",)  # the committed row survived


@pytest.mark.parametrize("writer", WRITERS)
def test_the_backups_folder_is_refused(ann: Path, writer: str) -> None:
    made = invoke("backup")
    assert made.exit_code == 0, made.stderr
    automatic = Path(made.stdout.strip())
    before = automatic.read_bytes()
    _refused(WRITERS[writer](str(automatic)), "backups folder")
    _refused(WRITERS[writer](str(automatic.parent / "mine.db")), "backups folder")
    assert automatic.read_bytes() == before
    assert not (automatic.parent / "mine.db").exists()


def test_an_export_replaces_an_existing_file_and_a_backup_needs_force(
    ann: Path, tmp_path: Path
) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("my own notes\n")
    out = invoke("export", "contacts", "-o", str(target))
    assert out.exit_code == 0, out.stderr
    assert target.read_text().startswith("id,name,")
    again = invoke("export", "contacts", "-o", str(target))  # re-exporting keeps working
    assert again.exit_code == 0

    target.write_text("my own notes\n")
    out = invoke("backup", str(target))
    assert out.exit_code == 1
    assert "already exists" in out.stderr and "--force" in out.stderr
    assert target.read_text() == "my own notes\n"
    out = invoke("backup", "--force", str(target))
    assert out.exit_code == 0, out.stderr
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT count(*) FROM contact").fetchone() == (1,)
    copy.close()
    assert _leftovers(tmp_path) == []


def test_every_file_written_is_private_under_umask_022(
    ann: Path, tmp_path: Path, umask_022: None
) -> None:
    files = {
        "export.csv": ("export", "contacts", "-o"),
        "cal.ics": ("export", "followups", "-f", "ics", "-o"),
        "cards.vcf": ("export", "contacts", "-f", "vcard", "-o"),
        "ann.json": ("contact", "export", "ann", "-o"),
        "copy.db": ("backup",),
    }
    for name, args in files.items():
        out = invoke(*args, str(tmp_path / name))
        assert out.exit_code == 0, (name, out.stderr)
    assert invoke("config", "set", "default_region", "US").exit_code == 0
    config = Path(os.environ["CRM_CONFIG"])
    source = tmp_path / "people.csv"
    source.write_text(REJECTED, encoding="utf-8")
    assert invoke("import", "contacts", str(source)).exit_code == 0
    rejects = tmp_path / "people.rejects.csv"
    assert rejects.exists()
    for path in [*(tmp_path / n for n in files), config, rejects]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_an_export_that_fails_midway_leaves_the_old_file(
    ann: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crmcli.core.interchange import exporting

    real = exporting.contacts

    def breaking(*args: object, **kwargs: object) -> Iterator[object]:
        yield from real(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(exporting, "contacts", breaking)
    target = tmp_path / "contacts.csv"
    target.write_text("yesterday's export\n")
    out = invoke("export", "contacts", "-o", str(target))
    assert out.exit_code != 0
    assert target.read_text() == "yesterday's export\n"
    assert _leftovers(tmp_path) == []


def test_a_rejects_file_is_never_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "people.rejects.csv"  # a database with an unlucky name
    monkeypatch.setenv("CRM_DB", str(db))
    assert invoke("contact", "add", "Ann Lee").exit_code == 0
    before = dump(db)
    source = tmp_path / "people.csv"
    source.write_text(REJECTED, encoding="utf-8")
    out = invoke("import", "contacts", str(source))
    assert out.exit_code == 2
    assert "not writing to" in out.stderr
    assert dump(db) == before  # refused before anything was imported


def test_a_failed_import_leaves_no_rejects_file(ann: Path, tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text(REJECTED, encoding="utf-8")
    out = invoke("import", "contacts", str(source), "--strict")
    assert out.exit_code != 0
    assert not (tmp_path / "people.rejects.csv").exists()
    assert _leftovers(tmp_path) == []
