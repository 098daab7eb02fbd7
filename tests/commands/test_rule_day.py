"""Rules in the rep's day: `crm today` and `crm remind` run the time rules first, and
`crm contact show` / `crm deal show` say what a rule added."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import dump, invoke

NOW = "2026-03-02T09:00:00Z"  # Monday 10:00 in Paris
LATER = "2026-03-06T09:00:00Z"  # Friday: the follow-up due Tuesday is 3 days late
CRM = str(Path(sys.executable).with_name("crm"))


@pytest.fixture(autouse=True)
def quiet_desktop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


@pytest.fixture
def book(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", NOW)
    for args in (
        ["contact", "add", "Ann Lee", "-e", "ann@example.com"],
        ["deal", "add", "Acme pilot", "--contact", "ann"],
        ["followup", "add", "ann", "2026-03-03", "Send the brochure"],
    ):
        assert invoke(*args).exit_code == 0


def ok(*args: str) -> str:
    result = invoke(*args)
    assert result.exit_code == 0, (args, result.stderr)
    return result.stdout


def count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


CALL_BACK = ["--when", "followup overdue by 2 days", "--then", "followup +1d: call {first_name}"]


def test_today_runs_the_time_rules_first_once(
    db: Path, book: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok("rule", "add", "call back", *CALL_BACK, "--then", "tag late")
    quiet = invoke("today")
    assert quiet.exit_code == 0 and quiet.stderr == ""  # nothing due for the rule yet
    monkeypatch.setenv("CRM_NOW", LATER)
    day = invoke("today")
    assert day.exit_code == 0
    assert day.stderr == "rules: 1 follow-up added, 1 tag added (crm undo to take back)\n"
    assert count(db, "SELECT count(*) FROM followup") == 2
    again = invoke("today", "--json")
    assert again.stderr == ""  # a time rule fires once per occasion
    assert [f["note"] for f in json.loads(again.stdout)["overdue"]] == ["Send the brochure"]
    assert "rule run (rule-made)" in ok("undo")
    assert count(db, "SELECT count(*) FROM followup") == 1
    assert invoke("today").stderr == ""  # an undone firing is not redone


def test_today_without_time_rules_reads_and_imports_no_more(
    db: Path, book: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok("rule", "add", "chase", "--when", "deal enters Proposal", "--then", "followup +3d: chase")
    monkeypatch.setenv("CRM_NOW", LATER)
    before = dump(db)
    code = (
        "import sys\nfrom crmcli.cli import run\nrc = run(['today'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('crmcli.core.rules')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy()
    )
    assert out.returncode == 0, out.stderr
    loaded = out.stdout.strip().splitlines()[-1]
    assert loaded == "['crmcli.core.rules', 'crmcli.core.rules.hook']"
    assert out.stderr == ""
    assert dump(db) == before


@pytest.mark.subprocess
def test_installed_crm_today_runs_rules_first(
    db: Path, book: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok("rule", "add", "call back", *CALL_BACK)
    env = {**os.environ, "CRM_NOW": LATER}
    first = subprocess.run([CRM, "today"], capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stderr
    assert first.stderr == "rules: 1 follow-up added (crm undo to take back)\n"
    assert "Overdue (1)" in first.stdout
    second = subprocess.run([CRM, "today"], capture_output=True, text=True, env=env)
    assert (second.returncode, second.stderr) == (0, "")
    assert count(db, "SELECT count(*) FROM rule_fired") == 1


def test_a_busy_database_does_not_stop_the_day(
    db: Path, book: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok("rule", "add", "call back", *CALL_BACK)
    ok("config", "set", "busy_timeout", "1")
    monkeypatch.setenv("CRM_NOW", LATER)
    other = sqlite3.connect(db)  # another writer holds the lock past the busy timeout
    other.execute("BEGIN IMMEDIATE")
    try:
        day = invoke("today")
    finally:
        other.rollback()
        other.close()
    assert day.exit_code == 0 and "Overdue (1)" in day.stdout
    assert day.stderr.startswith("rules: not run (") and day.stderr.count("\n") == 1
    assert count(db, "SELECT count(*) FROM followup") == 1
    assert invoke("today").stderr == "rules: 1 follow-up added (crm undo to take back)\n"


def test_remind_runs_the_time_rules_and_announces_their_work(
    db: Path, book: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok("rule", "add", "nudge", "--when", "followup overdue by 2 days", "--then", "tag late")
    ok("remind")  # the first run: sums up, nothing to fire yet
    monkeypatch.setenv("CRM_NOW", LATER)
    dry = invoke("remind", "--dry-run")
    assert dry.stderr == "" and count(db, "SELECT count(*) FROM contact_tag") == 0
    out = invoke("remind")
    assert out.exit_code == 0
    assert out.stderr == "rules: 1 tag added (crm undo to take back)\n"
    assert count(db, "SELECT count(*) FROM contact_tag") == 1
    assert invoke("remind").stderr == ""


def test_contact_and_deal_show_say_what_a_rule_added(db: Path, book: None) -> None:
    ok("rule", "add", "chase", "--when", "deal enters Proposal", "--then", "followup +3d: chase")
    ok("rule", "add", "hot", "--when", "deal enters Proposal", "--then", "tag hot")
    ok("rule", "add", "to demo", "--when", "deal enters Qualified", "--then", "move Demo")
    ok("contact", "edit", "ann", "--add-tag", "vip")
    ok("deal", "move", "acme", "Qualified")
    ok("deal", "move", "acme", "Proposal")
    shown = ok("contact", "show", "ann")
    assert "Tags     hot (added by rule 'hot'); vip\n" in shown or (
        "hot (added by rule 'hot')" in shown and "vip (added" not in shown
    )
    assert "chase (added by rule 'chase')" in shown
    assert "Send the brochure (added" not in shown
    deal = ok("deal", "show", "acme")
    lines = [line for line in deal.splitlines() if "Demo" in line and "Qualified" in line]
    assert lines and "rule 'to demo'" in lines[0]
    assert "chase (added by rule 'chase')" in deal
    assert "Send the brochure" not in deal  # the contact's, not the deal's
    data = json.loads(ok("contact", "show", "ann", "--json"))
    assert {e["rule_name"] for e in data["by_rules"]} == {"chase", "hot", "to demo"}
    assert {e["rule_name"] for e in json.loads(ok("deal", "show", "1", "--json"))["by_rules"]} == {
        "chase",
        "to demo",
    }


def test_shows_without_rules_are_as_before(db: Path, book: None) -> None:
    shown = ok("contact", "show", "ann")
    assert "added by rule" not in shown
    assert json.loads(ok("contact", "show", "ann", "--json"))["by_rules"] == []
