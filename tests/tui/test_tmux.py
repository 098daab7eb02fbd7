"""The installed `crm tui` in a real terminal (tmux): a deal moved with a key, and a rep's
whole day (add a contact, a deal for them picked by completion, log a call and add a
follow-up from the deal screen, find it on the agenda, mark it done).

The changes are then checked in the database file and with the CLI itself.
"""

from __future__ import annotations

import importlib.util
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


class Terminal:
    """`crm tui` in a tmux server of its own (-L), so no running tmux's environment leaks in."""

    def __init__(self, env: dict[str, str], width: int, height: int) -> None:
        command = " ".join(
            [
                "env",
                *(f"{k}={shlex.quote(v)}" for k, v in env.items()),
                shlex.quote(str(CRM)),
                "tui",
            ]
        )
        self.tmux = [TMUX or "tmux", "-L", f"crm-day-{os.getpid()}", "-f", "/dev/null"]
        self.session = "crmday"
        size = ["-x", str(width), "-y", str(height)]
        subprocess.run(
            [*self.tmux, "new-session", "-d", "-s", self.session, *size, command],
            check=True,
            env={**os.environ, **env},
        )

    def screen(self) -> str:
        out = subprocess.run(
            [*self.tmux, "capture-pane", "-p", "-t", self.session], capture_output=True, text=True
        )
        return out.stdout

    def keys(self, *keys: str) -> None:
        """Named keys (Tab, Enter, C-s...), each sent alone: under load, a key sent in one
        burst with text can reach the field that had the focus before it."""
        for key in keys:
            subprocess.run([*self.tmux, "send-keys", "-t", self.session, key], check=True)
            time.sleep(0.3)

    def type(self, text: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.session, "-l", text], check=True)

    def wait(self, text: str, timeout: float = 20) -> None:
        _wait(lambda: text in self.screen(), timeout, f"{text!r} on screen")

    def running(self) -> bool:
        out = subprocess.run([*self.tmux, "has-session", "-t", self.session], capture_output=True)
        return out.returncode == 0

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True)


@pytest.mark.slow
@pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")
@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_a_whole_day_in_crm_tui(db: Path, size: tuple[int, int]) -> None:
    assert CRM.exists(), f"the installed crm command is missing at {CRM}"
    env = {
        "CRM_DB": str(db),
        "CRM_CONFIG": os.environ["CRM_CONFIG"],
        "CRM_NOW": NOW,  # a Tuesday
        "TZ": "Europe/Paris",
        "LANG": "C.UTF-8",
        "TERM": "xterm-256color",
    }
    for args in (
        ["contact", "add", "Existing Customer", "--email", "old@customer.example"],
        ["deal", "add", "Existing renewal", "--contact", "old@customer.example"],
    ):
        made = subprocess.run(
            [str(CRM), *args], capture_output=True, text=True, env={**os.environ, **env}
        )
        assert made.returncode == 0, made.stderr
    agenda = importlib.util.find_spec("crmcli.tui.screens.agenda") is not None
    term = Terminal(env, *size)
    try:
        term.wait("Existing renewal")
        # A new contact, from the contacts screen.
        term.keys("c")
        term.wait("Existing Customer  #1")
        term.keys("n")
        term.wait("New contact")
        term.type("Wilhelmina Tmux")
        term.wait("Wilhelmina Tmux")
        term.keys("C-s")
        term.wait("Wilhelmina Tmux  #2")
        [(contact_id,)] = query(db, "SELECT id FROM contact WHERE display_name = 'Wilhelmina Tmux'")
        # A deal for her: the contact field completes, the match is taken with down, enter.
        term.keys("p")
        term.wait("Existing renewal")
        term.keys("n")
        term.wait("New deal")
        term.type("Tmux pilot")
        term.wait("Tmux pilot")
        term.keys("Tab")
        time.sleep(1)
        term.type("wilh")
        _wait(lambda: term.screen().count("Wilhelmina Tmux") >= 1, 20, "the contact offered")
        term.keys("Down", "Enter")
        _wait(lambda: "wilh" not in term.screen(), 20, "the match taken")
        term.keys("C-s")
        term.wait("Added deal")
        [(deal_id, deal_contact)] = query(
            db, "SELECT id, contact_id FROM deal WHERE title = 'Tmux pilot'"
        )
        assert deal_contact == contact_id
        # Its screen: log a call, add a follow-up; both on this deal and her.
        term.keys("Enter")
        term.wait("Tmux pilot  #")
        term.keys("l")
        term.wait("Log an interaction")
        term.type("Intro call, wants a quote")
        term.wait("Intro call, wants a quote")
        term.keys("C-s")
        term.wait("Logged call")
        term.keys("f")
        term.wait("Follow-up ·")
        when = "fri 10am" if agenda else "today 5pm"
        term.type(when)
        term.wait("→ ")  # the date it understood
        term.keys("Enter")
        term.wait("Follow-up #")
        assert query(
            db, "SELECT contact_id, deal_id, kind FROM interaction WHERE summary LIKE 'Intro call%'"
        ) == [(contact_id, deal_id, "call")]
        [(followup_id, f_contact, f_deal, status)] = query(
            db, "SELECT id, contact_id, deal_id, status FROM followup"
        )
        assert (f_contact, f_deal, status) == (contact_id, deal_id, "open")
        # On the agenda (Friday), marked done with space.
        term.keys("escape")
        term.keys("a" if agenda else "t")
        term.wait("Friday 27 Nov" if agenda else "Due today")
        term.wait("[Tmux pilot]")
        term.keys("Space")
        _wait(
            lambda: (
                query(db, "SELECT status FROM followup WHERE id = ?", (followup_id,)) == [("done",)]
            ),
            20,
            "the follow-up to be done",
        )
        term.keys("q")
        _wait(lambda: not term.running(), 10, "crm tui to quit")
    finally:
        term.close()
    shown = subprocess.run(
        [str(CRM), "contact", "show", "Wilhelmina Tmux", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    assert shown.returncode == 0, shown.stderr
    assert "Intro call, wants a quote" in shown.stdout
