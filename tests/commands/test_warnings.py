"""Saying it when something looks wrong, never blocking the rep (issue #20, item 4).

Each warning goes to stderr, names the value and the other record, and the command
still succeeds (exit 0) with the data written as typed. Checked on the real SQLite
file the command wrote.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Result, invoke
from tests.terminal import drain


def ok(*args: str) -> Result:
    out = invoke(*args)
    assert out.exit_code == 0, out.stderr
    return out


def query(db: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def warnings(out: Result) -> list[str]:
    return [line for line in out.stderr.splitlines() if line.startswith("warning:")]


# -- an email or phone another contact already has -----------------------------------


def test_an_email_another_contact_has_is_added_with_a_warning(db: Path) -> None:
    ok("contact", "add", "Sam Reed", "-e", "sam@x.example")
    out = ok("contact", "add", "Samuel Reed", "-e", "sam@x.example")
    assert out.stdout == "added #2 Samuel Reed\n"
    assert warnings(out) == ["warning: sam@x.example is also on #1 Sam Reed"]
    assert query(db, "SELECT contact_id FROM contact_email ORDER BY contact_id") == [(1,), (2,)]
    out = ok("contact", "add", "Ann Lee", "-e", "ann@x.example", "-p", "0698765432")
    assert out.stderr == ""  # nothing shared, nothing said


def test_a_phone_another_contact_has_is_matched_in_any_format(db: Path) -> None:
    ok("contact", "add", "Sam Reed", "-p", "+33 6 12 34 56 78")
    out = ok("contact", "add", "Ann Lee", "-p", "06 12 34 56 78")
    assert warnings(out) == ["warning: 06 12 34 56 78 is also on #1 Sam Reed"]
    assert query(db, "SELECT count(*) FROM contact_phone WHERE e164 = '+33612345678'") == [(2,)]


def test_edit_warns_for_a_new_shared_value_but_not_for_its_own(db: Path) -> None:
    ok("contact", "add", "Sam Reed", "-e", "sam@x.example", "-p", "0612345678")
    ok("contact", "add", "Ann Lee", "-e", "ann@x.example")
    out = ok("contact", "edit", "ann", "--add-email", "sam@x.example")
    assert warnings(out) == ["warning: sam@x.example is also on #1 Sam Reed"]
    out = ok("contact", "edit", "ann", "--phone", "+33 6 12 34 56 78")
    assert warnings(out) == ["warning: +33 6 12 34 56 78 is also on #1 Sam Reed"]
    # An email the contact already had is not news, though Ann has it too now: only
    # what an edit adds is checked.
    out = ok("contact", "edit", "1", "--email", "sam@x.example", "--title", "CEO")
    assert warnings(out) == []
    out = ok("contact", "edit", "1", "--add-email", "new@x.example")
    assert out.stderr == ""


# -- a company name close to an existing one -----------------------------------------


def test_a_typo_in_a_company_still_creates_it_and_says_how_to_move(db: Path) -> None:
    ok("company", "add", "Acme")
    out = ok("contact", "add", "Sam Reed", "--company", "Acmee")
    assert out.stdout == "added #1 Sam Reed (Acmee)\n"
    assert warnings(out) == ['warning: did you mean "Acme"? crm contact edit 1 --company "Acme"']
    assert query(db, "SELECT name FROM company ORDER BY id") == [("Acme",), ("Acmee",)]
    # The command it prints does the move, without a further word.
    out = ok("contact", "edit", "1", "--company", "Acme")
    assert out.stderr == "" and out.stdout == "updated #1 Sam Reed (Acme)\n"
    assert query(db, "SELECT co.name FROM contact c JOIN company co ON co.id = c.company_id") == [
        ("Acme",)
    ]
    out = ok("contact", "add", "Ann Lee", "-c", "Globex")  # far from any: nothing to say
    assert warnings(out) == [] and "created company Globex" in out.stderr


def test_a_company_without_its_legal_form_is_close_not_the_same(db: Path) -> None:
    ok("company", "add", "Acme SAS")
    ok("contact", "add", "Ann Lee")
    out = ok("contact", "edit", "ann", "--company", "Acme")
    assert warnings(out) == [
        'warning: did you mean "Acme SAS"? crm contact edit 1 --company "Acme SAS"'
    ]
    out = ok("contact", "add", "Sam Reed", "-c", "acme  sas")  # the same name: reused
    assert out.stderr == "" and out.stdout == "added #2 Sam Reed (Acme SAS)\n"
    assert query(db, "SELECT count(*) FROM company") == [(2,)]


def test_company_add_refuses_only_the_same_name(db: Path) -> None:
    ok("company", "add", "Acme SAS")
    out = ok("company", "add", "Acme")  # only "Acme SAS" exists: Acme is new
    assert out.stdout == "added company #2 Acme\n"
    assert warnings(out) == ["warning: Acme comes close to #1 Acme SAS; a different company?"]
    out = invoke("company", "add", "  ACME   sas ")
    assert out.exit_code == 2 and "already exists (#1)" in out.stderr
    assert query(db, "SELECT name FROM company ORDER BY id") == [("Acme SAS",), ("Acme",)]


# -- a follow-up in the past ---------------------------------------------------------


@pytest.fixture
def helene(db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CRM_NOW", "2026-11-20T09:00:00Z")  # Friday, 10:00 in Paris
    ok("contact", "add", "Hélène Dupré")
    return db


def test_a_follow_up_in_the_past_is_kept_with_a_warning(helene: Path) -> None:
    out = ok("followup", "add", "helene", "yesterday", "Call back")
    assert out.stdout.startswith("added follow-up #1 for Hélène Dupré due Thu 19 Nov 2026")
    assert warnings(out) == [
        "warning: yesterday is Thu 19 Nov 2026, in the past: follow-up #1 is overdue already"
    ]
    assert query(helene, "SELECT due_date, status FROM followup") == [("2026-11-19", "open")]


def test_a_time_already_gone_today_is_in_the_past_but_today_is_not(helene: Path) -> None:
    out = ok("followup", "add", "helene", "today 08:00")
    assert warnings(out) == [
        "warning: today 08:00 is Fri 20 Nov 2026 08:00, in the past: "
        "follow-up #1 is overdue already"
    ]
    for when in ("today", "today 15:00", "tomorrow"):
        assert ok("followup", "add", "helene", when).stderr == ""


def test_snoozing_into_the_past_warns_too(helene: Path) -> None:
    ok("followup", "add", "helene", "tomorrow")
    out = ok("followup", "snooze", "1", "2026-11-02")
    assert "in the past: follow-up #1 is overdue already" in out.stderr
    assert query(helene, "SELECT due_date FROM followup") == [("2026-11-02",)]


def test_a_promise_made_while_logging_warns_when_it_is_in_the_past(helene: Path) -> None:
    out = ok("log", "call", "helene", "Spoke about pricing", "--next", "yesterday")
    assert warnings(out) == [
        "warning: yesterday is Thu 19 Nov 2026, in the past: follow-up #1 is overdue already"
    ]
    assert query(helene, "SELECT due_date, status FROM followup") == [("2026-11-19", "open")]
    assert ok("log", "call", "helene", "Again", "--next", "monday").stderr == ""


# -- deals: the reason of a move, and winning -----------------------------------------


def test_move_reason_is_kept_in_the_stage_history_and_shown(db: Path) -> None:
    ok("contact", "add", "Ann Lee")
    ok("deal", "add", "Licence", "-c", "ann")
    ok("deal", "move", "licence", "qualified", "--reason", "budget approved")
    assert query(db, "SELECT reason FROM deal_stage_change ORDER BY id") == [
        (None,),
        ("budget approved",),
    ]
    history = json.loads(ok("deal", "show", "licence", "--json").stdout)["history"]
    assert [(h["to_stage"], h["reason"]) for h in history] == [
        ("Lead", None),
        ("Qualified", "budget approved"),
    ]
    shown = ok("deal", "show", "licence").stdout
    assert "WHY" in shown
    assert any("Qualified" in line and "budget approved" in line for line in shown.splitlines())
    timeline = ok("contact", "show", "ann").stdout
    assert "Licence: Lead -> Qualified (budget approved)" in timeline


def test_lost_reason_is_in_the_history_too(db: Path) -> None:
    ok("contact", "add", "Ann Lee")
    ok("deal", "add", "Licence", "-c", "ann")
    ok("deal", "lost", "licence", "--reason", "went with Globex")
    assert query(db, "SELECT reason FROM deal_stage_change ORDER BY id DESC LIMIT 1") == [
        ("went with Globex",)
    ]


@pytest.mark.parametrize("status", ["lead", "prospect"])
def test_winning_a_deal_makes_its_contact_a_customer_and_says_so(db: Path, status: str) -> None:
    ok("contact", "add", "Ann Lee", "--status", status)
    ok("deal", "add", "Licence", "-c", "ann")
    out = ok("deal", "won", "licence")
    assert out.stdout.startswith("won deal #1 Licence")
    assert f"#1 Ann Lee is now a customer (was {status})" in out.stderr
    assert query(db, "SELECT status FROM contact") == [("customer",)]
    assert ok("undo").exit_code == 0  # one change: the deal and the status come back
    assert query(db, "SELECT status FROM contact") == [(status,)]


def test_moving_to_won_promotes_too_but_not_an_inactive_contact(db: Path) -> None:
    ok("contact", "add", "Ann Lee")
    ok("contact", "add", "Bob Ray", "--status", "inactive")
    ok("deal", "add", "A", "-c", "ann")
    ok("deal", "add", "B", "-c", "bob")
    assert "is now a customer" in ok("deal", "move", "A", "won").stderr
    assert "customer" not in ok("deal", "won", "B").stderr
    assert query(db, "SELECT display_name, status FROM contact ORDER BY id") == [
        ("Ann Lee", "customer"),
        ("Bob Ray", "inactive"),
    ]


# -- dedupe: a check, with the merge command for each pair ----------------------------


def test_same_name_alone_is_a_possible_pair_with_its_merge_command(db: Path) -> None:
    ok("contact", "add", "Sam Reed", "-e", "sam@one.example")
    ok("contact", "add", "Sam Reed", "-e", "sam@two.example")
    ok("contact", "add", "Ann Lee")
    out = invoke("dedupe")
    assert out.exit_code == 1
    assert out.stdout.splitlines() == [
        "possible contact: #1 Sam Reed / #2 Sam Reed — same name",
        "  crm contact merge 1 2",
    ]
    found = json.loads(invoke("dedupe", "--json").stdout)
    assert [(f["kind"], f["ids"]) for f in found] == [("possible", [1, 2])]
    # A third Sam Reed: a common name, one group, not three pairs to merge.
    ok("contact", "add", "Sam Reed")
    out = invoke("dedupe")
    assert out.exit_code == 1
    assert out.stdout.splitlines() == [
        "shared contact: #1 Sam Reed / #2 Sam Reed / #4 Sam Reed — 3 people share the name "
        "Sam Reed: a common name, or one person entered several times"
    ]


def test_every_possible_pair_gets_its_command_and_none_is_exit_0(db: Path) -> None:
    ok("contact", "add", "Marie Martin", "-c", "Acme")
    ok("contact", "add", "Marie Martinn", "-c", "Acme")
    out = invoke("dedupe")
    assert out.exit_code == 1 and "  crm contact merge 1 2" in out.stdout.splitlines()
    ok("contact", "merge", "1", "2", "--yes")
    out = invoke("dedupe")
    assert (out.exit_code, out.stdout) == (0, "no likely duplicates\n")


CRM = str(Path(sys.executable).with_name("crm"))


def dedupe_on_a_terminal(db: Path, answers: str) -> tuple[int, str]:
    """`crm dedupe` as a rep runs it, on a terminal, answering `answers` as asked."""
    import pty

    master, slave = pty.openpty()
    env = {**os.environ, "CRM_DB": str(db), "TERM": "dumb"}
    proc = subprocess.Popen([CRM, "dedupe"], stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    os.write(master, answers.encode())  # typed ahead: the terminal keeps it until read
    out = drain(master)
    return proc.wait(timeout=60), out.decode()


@pytest.mark.subprocess
def test_merging_every_certain_pair_on_a_terminal_exits_0(db: Path) -> None:
    ok("contact", "add", "Hélène Dupré", "-e", "helene@acme.fr")
    ok("contact", "add", "Helene Dupre", "-e", "HELENE@acme.fr")
    code, screen = dedupe_on_a_terminal(db, "n\n")  # declined: the check still fails
    assert code == 1, screen
    assert query(db, "SELECT id FROM contact ORDER BY id") == [(1,), (2,)]
    code, screen = dedupe_on_a_terminal(db, "y\n")
    assert "merged #2 into #1" in screen
    assert code == 0, screen
    assert query(db, "SELECT id FROM contact") == [(1,)]


# -- counted words ---------------------------------------------------------------------


def test_counts_are_singular_for_one(db: Path) -> None:
    ok("contact", "add", "Ann Lee", "-c", "Acme", "-e", "ann@acme.example")
    ok("company", "add", "Acme France")
    ok("contact", "edit", "ann", "--company", "Acme France")
    ok("deal", "add", "Licence", "-c", "ann")  # at Acme France, with Ann
    out = ok("company", "merge", "acme", "acme france", "--yes")
    assert "(1 person moves over)" in out.stderr
    assert out.stdout == "merged company #2 into #1: 1 person, 1 deal moved\n"
    ok("stage", "add", "Pilot")
    ok("deal", "move", "licence", "pilot")
    assert ok("stage", "rm", "pilot", "--to", "lead").stdout.endswith("; 1 deal moved to lead\n")
    out = ok("contact", "forget", "ann", "--yes")
    assert "1 email, " in out.stdout and "1 contact record" in out.stdout
    assert "1 deal kept, no longer linked to them" in out.stderr
