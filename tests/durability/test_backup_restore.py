"""`crm backup` while others write, and `crm restore` that checks first and keeps the current."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import dump, invoke


@pytest.mark.subprocess
@pytest.mark.slow
def test_backup_is_consistent_and_private_while_another_process_writes(
    db: Path, tmp_path: Path
) -> None:
    invoke("contact", "add", "Ann Lee")
    crm = str(Path(sys.executable).with_name("crm"))
    env = {**os.environ}
    writer = subprocess.Popen(
        ["sh", "-c", f"for i in $(seq 1 40); do '{crm}' log note ann \"n $i\" || exit 1; done"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    copies = []
    for i in range(3):
        out = invoke("backup", str(tmp_path / f"copy{i}.db"))
        assert out.exit_code == 0, out.stderr
        copies.append(Path(out.stdout.strip()))
    _, err = writer.communicate(timeout=300)
    assert writer.returncode == 0, err
    for copy in copies:
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600
        conn = sqlite3.connect(copy)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM contact").fetchone()[0] == 1
        conn.close()
    default = invoke("backup")
    assert default.exit_code == 0
    assert Path(default.stdout.strip()).parent == db.parent / "backups"


def test_restore_checks_first_and_keeps_the_current_database(db: Path, tmp_path: Path) -> None:
    invoke("contact", "add", "Ann Lee")
    saved = tmp_path / "saved.db"
    invoke("backup", str(saved))
    invoke("contact", "add", "Bob Ray")
    invoke("contact", "rm", "ann", "--yes")
    out = invoke("restore", str(saved))
    assert out.exit_code == 0, out.stderr
    assert "kept in" in out.stderr
    names = [r.split()[1] for r in invoke("contact", "list").stdout.splitlines()[1:]]
    assert names == ["Ann"]
    kept = sorted((db.parent / "backups").glob("*pre-restore.db"))
    conn = sqlite3.connect(kept[-1])
    assert {r[0] for r in conn.execute("SELECT display_name FROM contact")} == {"Bob Ray"}
    conn.close()


def test_bad_backup_files_and_paths_change_nothing(db: Path, tmp_path: Path) -> None:
    invoke("contact", "add", "Ann Lee")
    before = dump(db)
    junk = tmp_path / "junk.db"
    junk.write_text("not a backup")
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    for args, needle in [
        (("restore", str(junk)), "not a crm backup"),
        (("restore", str(other)), "not a crm backup"),
        (("restore", str(tmp_path / "missing.db")), "no backup file"),
        (("backup", str(tmp_path / "no" / "such" / "dir" / "x.db")), "does not exist"),
        (("backup", str(db)), "the database itself"),
    ]:
        out = invoke(*args)
        assert out.exit_code == 2, (args, out.stderr)
        assert needle in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert dump(db) == before
