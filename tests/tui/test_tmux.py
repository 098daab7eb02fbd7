"""The installed `crm tui` in a real terminal (tmux): start, move a deal with a key, quit.

The change is then checked with the CLI itself (`crm deal show --json`).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import NOW, query

pytestmark = pytest.mark.subprocess


TMUX = shutil.which("tmux")
CRM = Path(sys.executable).parent / "crm"


def _wait(check: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")
def test_crm_tui_in_tmux_moves_a_deal(seeded: Path, tmp_path: Path) -> None:
    assert CRM.exists(), f"the installed crm command is missing at {CRM}"
    [(deal_id, title)] = query(
        seeded,
        "SELECT d.id, d.title FROM deal d JOIN stage s ON s.id = d.stage_id "
        "WHERE d.status = 'open' AND s.name = 'Lead' ORDER BY d.stage_entered_at, d.id LIMIT 1",
    )
    env = {
        "CRM_DB": str(seeded),
        "CRM_CONFIG": os.environ["CRM_CONFIG"],
        "CRM_NOW": NOW,
        "TZ": "Europe/Paris",
        "LANG": "C.UTF-8",
        "TERM": "xterm-256color",
    }
    command = " ".join(
        ["env", *(f"{k}={shlex.quote(v)}" for k, v in env.items()), shlex.quote(str(CRM)), "tui"]
    )
    # A server of our own (-L), so no running tmux server's environment leaks in.
    tmux = [TMUX or "tmux", "-L", f"crm-test-{os.getpid()}", "-f", "/dev/null"]
    session = "crmtui"

    def screen() -> str:
        out = subprocess.run(
            [*tmux, "capture-pane", "-p", "-t", session], capture_output=True, text=True
        )
        return out.stdout

    def running() -> bool:
        out = subprocess.run([*tmux, "has-session", "-t", session], capture_output=True)
        return out.returncode == 0

    subprocess.run(
        [*tmux, "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command],
        check=True,
        env={**os.environ, **env},
    )
    try:
        _wait(lambda: "Lead" in screen() and "Negotiation" in screen(), 20, "the board")
        assert title in screen()
        subprocess.run([*tmux, "send-keys", "-t", session, "]"], check=True)
        _wait(
            lambda: (
                query(
                    seeded,
                    "SELECT s.name FROM deal d JOIN stage s ON s.id = d.stage_id WHERE d.id = ?",
                    (deal_id,),
                )
                == [("Qualified",)]
            ),
            10,
            "the move to be saved",
        )
        subprocess.run([*tmux, "send-keys", "-t", session, "q"], check=True)
        _wait(lambda: not running(), 10, "crm tui to quit")
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
    shown = subprocess.run(
        [str(CRM), "deal", "show", str(deal_id), "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    assert shown.returncode == 0, shown.stderr
    deal = json.loads(shown.stdout)
    assert deal["stage"] == "Qualified" and deal["status"] == "open"
    assert [h["to_stage"] for h in deal["history"]][-1] == "Qualified"
