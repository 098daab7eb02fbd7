"""`crm rule add|list|show|enable|disable|rm|run|why|test` through the CLI, and every refusal.

A refusal is one stderr line, its documented exit code, and the database file exactly
as it was (compared as a whole SQL dump).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Result, dump, invoke

NOW = "2026-03-02T09:00:00Z"  # a Monday, 10:00 in Paris
LATER = "2026-03-12T09:00:00Z"  # ten days on

CHASE = ["--when", "deal enters Proposal", "--then", "followup +3d: chase {deal.title}"]


@pytest.fixture
def book(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two people, a deal with a contact and one with only a company, a follow-up; NOW."""
    monkeypatch.setenv("CRM_NOW", NOW)
    ok("contact", "add", "Ann Lee", "-e", "ann@example.com", "-c", "Acme")
    ok("contact", "add", "Bob Stone")
    ok("deal", "add", "Acme pilot", "--contact", "ann", "--amount", "6000")
    ok("company", "add", "Globex")
    ok("deal", "add", "Orphan deal", "--company", "Globex")
    ok("followup", "add", "bob", "2026-03-03", "Send the brochure")


def ok(*args: str) -> str:
    result = invoke(*args)
    assert result.exit_code == 0, (args, result.stderr)
    return result.stdout


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def refused(db: Path, code: int, *args: str, lines: int = 1) -> Result:
    """Run a command that must be refused: its code, one stderr line (a condition the
    filter language cannot read adds its text and a caret, as --where does), the file
    untouched."""
    before = dump(db)
    result = invoke(*args)
    assert result.exit_code == code, (args, result.exit_code, result.stdout, result.stderr)
    assert result.stderr.count("\n") == lines and result.stderr.strip(), result.stderr
    assert "Traceback" not in result.stderr
    assert dump(db) == before, args
    return result


# -- add, list, show ---------------------------------------------------------------------


def test_add_list_show(book: None) -> None:
    out = ok("rule", "add", "chase proposals", *CHASE, "--if", "amount:>=5000", "-d", "Chase")
    assert out == (
        "added rule 'chase proposals': when deal enters Proposal, if amount:>=5000\n"
        "  then followup +3d: chase {deal.title}\n"
    )
    ok("rule", "add", "welcome", "--when", "contact created", "--then", "tag new")
    ok("rule", "add", "late", "--when", "followup overdue by 2 days", "--then", "tag late")
    ok("rule", "add", "off", "--when", "deal won", "--then", "tag customer", "--disabled")
    table = ok("rule", "list").splitlines()
    assert table[0].split() == ["NAME", "ON", "WHEN", "IF", "THEN"]
    names = [line.split("  ")[0] for line in table[1:]]
    assert names == ["chase proposals", "welcome", "late", "off"]
    listed = json.loads(ok("rule", "list", "--json"))
    assert listed[0] == {
        "name": "chase proposals",
        "enabled": True,
        "when": "deal enters Proposal",
        "if": "amount:>=5000",
        "then": ["followup +3d: chase {deal.title}"],
        "description": "Chase",
    }
    assert [r["enabled"] for r in listed] == [True, True, True, False]
    shown = ok("rule", "show", "CHASE PROPOSALS")
    assert "When      deal enters Proposal" in shown
    assert "If        amount:>=5000" in shown
    assert "Order     1st of 4" in shown
    assert "when a deal enters the stage Proposal (in any pipeline)" in shown
    assert json.loads(ok("rule", "show", "off", "--json"))["enabled"] is False


def test_no_rules_is_exit_1(book: None) -> None:
    result = invoke("rule", "list")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith("no rules yet")
    assert invoke("rule", "list", "--json").stdout == "[]\n"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["x", "--when", "deal enters Nowhere", "--then", "tag a"], "unknown stage 'Nowhere'"),
        (["x", "--when", "deal sings", "--then", "tag a"], "cannot read 'deal sings'"),
        (["x", "--when", "deal won", "--then", "dance"], "rule 'x'"),
        (["x", "--when", "contact created", "--then", "move Won"], "needs a deal"),
        (["x", "--when", "deal won", "--then", "followup someday maybe: hi"], "rule 'x'"),
        (["x", "--when", "deal won", "--then", "followup +1d: hi {nonsense}"], "nonsense"),
        (["", "--when", "deal won", "--then", "tag a"], "name"),
        (["loop", "--when", "deal enters Demo", "--then", "move Demo"], "loop"),
        (["x", "--when", "deal won", "--then", "set colour = red"], "colour"),
    ],
)
def test_add_refuses_what_cannot_work(db: Path, book: None, args: list[str], said: str) -> None:
    result = refused(db, 2, "rule", "add", *args)
    assert said in result.stderr


def test_add_refuses_a_taken_name_and_a_loop_through_two_rules(db: Path, book: None) -> None:
    ok("rule", "add", "chase", *CHASE)
    refused(db, 2, "rule", "add", "Chase", "--when", "deal won", "--then", "tag a")
    ok("rule", "add", "a", "--when", "deal enters Demo", "--then", "move Negotiation")
    loop = ["--when", "deal enters Negotiation", "--then", "move Demo"]
    result = refused(db, 2, "rule", "add", "b", *loop)
    assert result.stderr.startswith("crm: rules loop: a → b → a (move Negotiation fires")


def test_a_condition_that_does_not_read_shows_where(db: Path, book: None) -> None:
    args = ["x", "--when", "deal won", "--then", "tag a", "--if", "amount:>>"]
    result = refused(db, 2, "rule", "add", *args, lines=3)
    assert result.stderr.startswith("crm: cannot read the condition of rule 'x' at column 9")


def test_add_without_then_is_a_usage_error(db: Path, book: None) -> None:
    refused(db, 2, "rule", "add", "x", "--when", "deal won")


# -- enable, disable, rm -----------------------------------------------------------------


def test_enable_disable_rm_and_undo(db: Path, book: None) -> None:
    ok("rule", "add", "chase", *CHASE)
    assert ok("rule", "disable", "chase") == "disabled rule 'chase'\n"
    again = invoke("rule", "disable", "chase")
    assert again.exit_code == 0 and again.stderr == "rule 'chase' is already disabled\n"
    assert rows(db, "SELECT enabled FROM rule") == [(0,)]
    assert ok("rule", "enable", "chase") == "enabled rule 'chase'\n"
    assert rows(db, "SELECT enabled FROM rule") == [(1,)]
    assert ok("rule", "rm", "chase") == "removed rule 'chase' (crm undo brings it back)\n"
    assert rows(db, "SELECT count(*) FROM rule") == [(0,)]
    ok("undo")
    assert rows(db, "SELECT name, enabled FROM rule") == [("chase", 1)]


@pytest.mark.parametrize("command", ["show", "enable", "disable", "rm"])
def test_an_unknown_name_is_exit_1(db: Path, book: None, command: str) -> None:
    ok("rule", "add", "chase", *CHASE)
    result = refused(db, 1, "rule", command, "nope")
    assert result.stderr == "crm: no rule named 'nope' (rules: chase)\n"


def test_enabling_checks_again(db: Path, book: None) -> None:
    ok("rule", "add", "chase", *CHASE, "--disabled")
    ok("stage", "edit", "Proposal", "--name", "Offer")
    result = refused(db, 2, "rule", "enable", "chase")
    assert "Proposal" in result.stderr


# -- firing, and explaining it -----------------------------------------------------------


def test_a_move_fires_the_rule_and_why_names_it(db: Path, book: None) -> None:
    ok("rule", "add", "chase proposals", *CHASE)
    ok("deal", "move", "acme", "Proposal")
    assert rows(db, "SELECT id, note FROM followup ORDER BY id") == [
        (1, "Send the brochure"),
        (2, "chase Acme pilot"),
    ]
    said = ok("rule", "why", "2")
    assert said.startswith("follow-up #2 was added by rule 'chase proposals' on 2026-03-02 10:00")
    assert "because deal #1 'Acme pilot' entered Proposal" in said
    assert ok("rule", "why", "followup", "#2") == said
    by_deal = ok("rule", "why", "deal", "Acme pilot")
    assert by_deal == said
    assert ok("rule", "why", "contact", "ann@example.com") == said
    data = json.loads(ok("rule", "why", "2", "--json"))
    assert data["by_rules"][0]["rule_name"] == "chase proposals" and data["made_by"] is None
    # Not a rule's: which command did it.
    mine = ok("rule", "why", "1")
    assert mine == (
        "no rule made or changed follow-up #1 (Bob Stone: Send the brochure): "
        "it was added by `crm followup add 2`\n"
    )
    assert ok("rule", "why", "deal", "orphan").startswith("no rule made or changed deal #2")


def test_rule_why_tags_fields_and_moves(db: Path, book: None) -> None:
    ok("rule", "add", "won", "--when", "deal won", "--then", "tag customer")
    ok("rule", "add", "to demo", "--when", "deal enters Qualified", "--then", "move Demo")
    ok("rule", "add", "vip", "--when", "contact created", "--then", "set status = customer")
    ok("deal", "move", "acme", "Qualified")
    moved = ok("rule", "why", "deal", "acme")
    assert "deal #1 'Acme pilot' was moved to Demo by rule 'to demo'" in moved
    ok("deal", "won", "acme")
    tagged = ok("rule", "why", "contact", "ann")
    assert "tag customer was added to contact #1 Ann Lee by rule 'won'" in tagged
    assert "because deal #1 'Acme pilot' won" in tagged or "won" in tagged
    ok("contact", "add", "Cleo Park")
    assert "status of contact #3 Cleo Park was set to customer by rule 'vip'" in ok(
        "rule", "why", "contact", "cleo"
    )


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["rule", "why", "gizmo", "1"], 2, "unknown kind 'gizmo'"),
        (["rule", "why", "gizmo"], 2, "unknown kind 'gizmo'"),
        (["rule", "why", "deal"], 2, "give the deal's REF"),
        (["rule", "why", "followup", "abc"], 2, "by its id"),
        (["rule", "why", "99"], 1, "no follow-up #99"),
        (["rule", "why", "deal", "nothing like it"], 1, "deal"),
        (["rule", "why", "contact", "Zed Nobody"], 1, ""),
    ],
)
def test_rule_why_refusals(db: Path, book: None, args: list[str], code: int, said: str) -> None:
    result = refused(db, code, *args)
    assert said in result.stderr


# -- time rules --------------------------------------------------------------------------


def test_run_fires_once_per_occasion_and_undo_is_not_redone(
    db: Path, book: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok("rule", "add", "late", "--when", "followup overdue by 2 days", "--then", "tag late")
    first = invoke("rule", "run")
    assert first.exit_code == 0 and first.stdout == "" and first.stderr == "rules: nothing to do\n"
    monkeypatch.setenv("CRM_NOW", LATER)
    before = dump(db)
    dry = invoke("rule", "run", "--dry-run")
    assert dry.exit_code == 0
    assert dry.stdout.startswith("rule 'late': tagged late (because follow-up #1")
    assert dry.stderr == "dry run: would be 1 tag added; nothing changed\n"
    assert dump(db) == before
    done = invoke("rule", "run")
    assert done.stderr == "rules: 1 tag added (crm undo to take back)\n"
    assert rows(db, "SELECT tag_key FROM contact_tag") == [("late",)]
    assert invoke("rule", "run").stderr == "rules: nothing to do\n"  # once
    undo = ok("undo")
    assert "rule run" in undo
    assert rows(db, "SELECT count(*) FROM contact_tag") == [(0,)]
    assert invoke("rule", "run").stderr == "rules: nothing to do\n"  # not redone


def test_rule_test_writes_nothing(db: Path, book: None, monkeypatch: pytest.MonkeyPatch) -> None:
    ok("rule", "add", "chase", *CHASE, "--then", "tag proposal")
    ok("rule", "add", "big", *CHASE, "--if", "amount:>=10000")
    ok("rule", "add", "late", "--when", "followup overdue by 2 days", "--then", "tag late")
    before = dump(db)
    tried = invoke("rule", "test", "chase", "--on", "acme")
    assert tried.exit_code == 0, tried.stderr
    assert tried.stdout.splitlines() == [
        "rule 'chase' tried on deal #1 'Acme pilot'",
        "  as if: deal #1 'Acme pilot' entered Proposal (as a test)",
        "  would do: followup +3d: chase {deal.title} -> added follow-up #2 due Thu 5 Mar 2026",
        "  would do: tag proposal -> tagged proposal",
        "nothing was written (a test)",
    ]
    orphan = invoke("rule", "test", "chase", "--on", "orphan")
    assert orphan.exit_code == 0
    assert "would skip: tag proposal (deal #2 has no contact)" in orphan.stdout
    big = invoke("rule", "test", "big", "--on", "acme")
    assert big.exit_code == 1
    assert "would not fire: its condition (amount:>=10000) is false" in big.stdout
    not_yet = invoke("rule", "test", "late", "--on", "1")
    assert not_yet.exit_code == 1 and "would not fire" in not_yet.stdout
    monkeypatch.setenv("CRM_NOW", LATER)
    late = invoke("rule", "test", "late", "--on", "1", "--json")
    assert late.exit_code == 0 and json.loads(late.stdout)["fires"] is True
    assert dump(db) == before


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["rule", "test", "nope", "--on", "acme"], 1),
        (["rule", "test", "chase", "--on", "no such deal"], 1),
        (["rule", "test", "late", "--on", "abc"], 2),
        (["rule", "test", "late", "--on", "99"], 1),
        (["rule", "test", "chase"], 2),
    ],
)
def test_rule_test_refusals(db: Path, book: None, args: list[str], code: int) -> None:
    ok("rule", "add", "chase", *CHASE)
    ok("rule", "add", "late", "--when", "followup overdue", "--then", "tag late")
    refused(db, code, *args)


def test_help_names_the_grammar() -> None:
    add = invoke("rule", "add", "--help").stdout
    assert "deal enters STAGE" in add and "followup WHEN: NOTE" in add
    assert "--disabled" in add and "--if" in add
    group = invoke("rule", "--help").stdout
    for name in ("add", "edit", "list", "show", "enable", "disable", "rm", "run", "why", "test"):
        assert name in group


def test_rules_on_sqlite_and_postgresql(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole round on either engine: add, fire, explain, test, edit as a document, run."""
    monkeypatch.setenv("CRM_NOW", NOW)
    ok("contact", "add", "Ann Lee")
    ok("deal", "add", "Acme pilot", "--contact", "ann")
    ok("rule", "add", "chase", *CHASE)
    ok("deal", "move", "acme", "Proposal")
    assert "by rule 'chase'" in ok("rule", "why", "deal", "acme")
    assert "chase Acme pilot (added by rule 'chase')" in ok("deal", "show", "acme")
    assert invoke("rule", "test", "chase", "--on", "acme").exit_code == 0
    document = tmp_path / "rules.toml"
    document.write_text(
        '[[rule]]\nname = "late"\nwhen = "followup overdue by 2 days"\nthen = ["tag late"]\n'
    )
    said = ok("rule", "edit", "--from", str(document), "--no-edit")
    assert said == "rules saved: added 'late'; removed 'chase' (crm undo takes it back)\n"
    monkeypatch.setenv("CRM_NOW", LATER)
    day = invoke("today")
    assert day.exit_code == 0 and day.stderr == "rules: 1 tag added (crm undo to take back)\n"
    assert invoke("rule", "run").stderr == "rules: nothing to do\n"
    assert [r["name"] for r in json.loads(ok("rule", "list", "--json"))] == ["late"]


@pytest.mark.parametrize(
    "args", [["rule", "run"], ["rule", "list"], ["rule", "why", "1"], ["rule", "show", "x"]]
)
def test_no_database_yet(db: Path, args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 1 and result.stderr.startswith("crm: no crm database at")
    assert not db.exists()  # nothing created
