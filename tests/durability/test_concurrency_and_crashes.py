"""Several writers at once, and imports killed mid-way: no lost rows, no half imports."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crmcli.core.activity.interactions import Kind
from crmcli.core.config import Config
from crmcli.core.db.opening import open_store
from crmcli.core.people.contacts import ContactFields

pytestmark = pytest.mark.subprocess


def _config(tmp: Path) -> Config:
    return Config({"default_region": "FR", "busy_timeout": 60}, tmp / "c.toml")


def _logger(db: str, tmp: str, worker: int, count: int) -> None:
    from crmcli.core.activity import interactions

    store = open_store(db, _config(Path(tmp)), write=True)
    for i in range(count):
        interactions.log(store, 1, Kind.call, f"worker {worker} call {i}")
    store.close()


def test_eight_processes_logging_through_the_core(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    store = open_store(str(db), _config(tmp_path), write=True)
    from crmcli.core.people import contacts

    contacts.add(store, ContactFields(name="Ann Lee"))
    store.close()
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_logger, args=(str(db), str(tmp_path), w, 200)) for w in range(8)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM interaction").fetchone()[0] == 1600
    assert conn.execute("SELECT count(DISTINCT summary) FROM interaction").fetchone()[0] == 1600
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


@pytest.mark.slow
def test_eight_crm_log_commands_at_once(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    env = {**os.environ, "CRM_DB": str(db), "CRM_CONFIG": str(tmp_path / "c.toml")}
    crm = str(Path(sys.executable).with_name("crm"))
    subprocess.run([crm, "contact", "add", "Ann Lee"], env=env, check=True, capture_output=True)
    script = (
        'for i in 0 1 2 3 4 5 6 7 8 9; do "$CRM" log note ann "shell $W note $i" || exit 1; done'
    )
    shells = [
        subprocess.Popen(
            ["sh", "-c", script],
            env={**env, "CRM": crm, "W": str(w)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for w in range(8)
    ]
    for shell in shells:
        _, err = shell.communicate(timeout=300)
        assert shell.returncode == 0, err
        assert b"locked" not in err
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM interaction").fetchone()[0] == 80
    conn.close()


def _big_csv(path: Path, rows: int) -> None:
    lines = ["Name,Email,Phone,Company,Notes"]
    lines += [
        f"Person {i},p{i}@example.org,06 {i % 100:02d} {i // 100 % 100:02d} 00 {i % 97:02d},"
        f"Company {i % 50},Note {i}"
        for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.slow
def test_an_import_killed_at_random_points_is_all_or_nothing(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    env = {**os.environ, "CRM_DB": str(db), "CRM_CONFIG": str(tmp_path / "c.toml")}
    crm = str(Path(sys.executable).with_name("crm"))
    subprocess.run(
        [crm, "contact", "add", "Already Here"], env=env, check=True, capture_output=True
    )
    sheet = tmp_path / "big.csv"
    _big_csv(sheet, 8000)
    rng = random.Random(5)
    finished = 0
    for _ in range(4):
        proc = subprocess.Popen(
            [crm, "import", "contacts", str(sheet)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.3, 3.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        finished += proc.returncode == 0
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count = conn.execute("SELECT count(*) FROM contact").fetchone()[0]
        conn.close()
        assert count in (1, 8001), count  # all of the import, or none of it
        if count == 8001:
            break
    # And the same import, left to finish, is complete and consistent.
    subprocess.run(
        [crm, "import", "contacts", str(sheet)], env=env, check=True, capture_output=True
    )
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM contact").fetchone()[0] == 8001
    assert conn.execute("SELECT count(*) FROM contact_email").fetchone()[0] == 8000
    conn.close()
