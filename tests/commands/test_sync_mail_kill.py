"""The installed `crm sync mail`, SIGKILLed mid-sync: the next run completes without a duplicate."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.core.sync.maildirs import deliver, make_maildir, message
from tests.test_installed import crm_path

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]

COUNT = 1500  # three chunks of 500


def count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0
    finally:
        conn.close()


def test_sigkill_mid_sync_then_the_next_run_completes(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    env = {**os.environ, "CRM_DB": str(db), "CRM_CONFIG": str(tmp_path / "none.toml")}
    crm = crm_path()
    added = subprocess.run(
        [crm, "contact", "add", "Anne Müller", "--email", "anne@example.com"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert added.returncode == 0, added.stderr
    root = make_maildir(tmp_path / "INBOX")
    for n in range(COUNT):
        deliver(
            root,
            message(
                sender=("Anne Müller", "anne@example.com"),
                to=[("Me", "me@example.org")],
                subject=f"Réunion n°{n}",
                message_id=f"<kill{n}@example.com>",
            ),
            seen=bool(n % 2),
        )
    argv = [crm, "sync", "mail", "--maildir", str(root)]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while count(db, "SELECT count(*) FROM sync_item") < 500 and proc.poll() is None:
        assert time.monotonic() < deadline, "no chunk committed in 120 s"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    if proc.returncode != -signal.SIGKILL:
        pytest.fail("the sync ended before it could be killed: make COUNT bigger")
    seen = count(db, "SELECT count(*) FROM sync_item")
    logged = count(db, "SELECT count(*) FROM interaction")
    assert 500 <= seen < COUNT
    assert logged == seen  # a chunk's items and interactions commit together, or neither

    done = subprocess.run([*argv, "--json"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f'"new": {COUNT - seen}' in done.stdout
    assert count(db, "SELECT count(*) FROM interaction") == COUNT
    assert count(db, "SELECT count(DISTINCT external_id) FROM interaction") == COUNT
    assert count(db, "SELECT count(*) FROM sync_item") == COUNT

    again = subprocess.run(argv, env=env, capture_output=True, text=True)
    assert again.returncode == 0
    assert "0 new (logged 0 email(s))" in again.stderr
    assert count(db, "SELECT count(*) FROM interaction") == COUNT


def test_a_long_sync_on_a_terminal_shows_rows_rate_and_time_left(tmp_path: Path) -> None:
    import pty
    import re

    from tests.terminal import drain

    db = tmp_path / "crm.db"
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(CRM_DB=str(db), CRM_CONFIG=str(tmp_path / "none.toml"), COLUMNS="160")
    env["TERM"] = "xterm-256color"
    crm = crm_path()
    subprocess.run(
        [crm, "contact", "add", "Anne Müller", "--email", "anne@example.com"],
        env=env,
        capture_output=True,
        check=True,
    )
    root = make_maildir(tmp_path / "INBOX")
    # Enough mail that the run outlasts the bar's half-second delay on a fast moment too
    # (800 messages once took under half a second after the sync's own speed-ups).
    for n in range(3000):
        deliver(
            root,
            message(
                sender=("Anne Müller", "anne@example.com"),
                to=[("Me", "me@example.org")],
                subject=f"n°{n}",
            ),
        )
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [crm, "sync", "mail", "--maildir", str(root)],
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    err = drain(master).decode()
    assert proc.wait(timeout=300) == 0, err
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", err)
    line = r"\d+% [1-9][\d,]* rows · [1-9][\d,]* rows/s · \d+:\d\d:\d\d left"
    assert re.search(r"syncing maildir:\S+ +\S+ +" + line, plain), plain[-2000:]
    assert plain.rstrip().splitlines()[-1].startswith(f"maildir:{root}: 3000 new")

    piped = subprocess.run(
        [crm, "sync", "mail", "--maildir", str(root)], env=env, capture_output=True, text=True
    )
    assert piped.stderr.splitlines() == [
        f"maildir:{root}: 0 new (logged 0 email(s)), 0 skipped, 0 already logged, 0 error(s)"
    ]
