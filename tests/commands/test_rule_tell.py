"""A command whose write set rules off says so, once, on stderr: the rep who moved a deal
learns that a chaser now exists and that `crm undo` takes it back with the move."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import invoke

NOW = "2026-03-02T09:00:00Z"


@pytest.fixture
def book(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", NOW)
    for args in (
        ["contact", "add", "Ann Lee", "-e", "ann@example.com"],
        ["deal", "add", "Acme pilot", "--contact", "ann"],
        [
            "rule", "add", "chase", "--when", "deal enters Proposal",
            "--then", "followup +3d: chase {deal.title}", "--then", "tag chased",
        ],
        [
            "rule", "add", "call back", "--when", "call logged with outcome no-answer",
            "--then", "followup tomorrow 9am: call {first_name} back",
        ],
    ):  # fmt: skip
        result = invoke(*args)
        assert result.exit_code == 0, result.stderr


def test_a_move_that_fires_a_rule_says_what_the_rule_did(db: Path, book: None) -> None:
    result = invoke("deal", "move", "Acme pilot", "Proposal")
    assert result.exit_code == 0, result.stderr
    assert "moved deal #1" in result.stdout
    assert result.stderr == (
        "rules: 1 follow-up added, 1 tag added by 'chase'"
        " (crm undo takes back the change and the rules' work)\n"
    )
    undone = invoke("undo")
    assert undone.exit_code == 0 and "deal move" in undone.stdout
    assert "no follow-ups" in invoke("followup", "list").stderr + invoke("followup", "list").stdout


def test_a_write_no_rule_matches_says_nothing_more(db: Path, book: None) -> None:
    result = invoke("log", "call", "ann", "Talked", "--outcome", "connected")
    assert result.exit_code == 0 and result.stderr == ""
    result = invoke("log", "call", "ann", "Rang", "--outcome", "no-answer")
    assert result.exit_code == 0
    assert result.stderr.startswith("rules: 1 follow-up added by 'call back'")


def test_a_skipped_action_is_told_and_nothing_is_offered_to_undo(db: Path, book: None) -> None:
    assert invoke("contact", "edit", "ann", "--add-tag", "chased").exit_code == 0
    assert invoke("rule", "rm", "chase").exit_code == 0
    only_tag = ["--when", "deal enters Demo", "--then", "tag chased"]
    assert invoke("rule", "add", "retag", *only_tag).exit_code == 0
    result = invoke("deal", "move", "Acme pilot", "Demo")
    assert result.exit_code == 0
    assert result.stderr == "rules: 1 action skipped by 'retag'\n"


def test_renaming_or_removing_a_stage_or_pipeline_a_rule_names_warns(db: Path, book: None) -> None:
    renamed = invoke("stage", "edit", "Proposal", "--name", "Offer")
    assert renamed.exit_code == 0
    assert renamed.stderr == (
        "warning: rule 'chase' names stage 'Sales/Proposal' (crm rule edit to update it)\n"
    )
    assert invoke("stage", "edit", "Offer", "--probability", "55").stderr == ""
    assert invoke("pipeline", "add", "Big", "--stages", "Intro,Pitch").exit_code == 0
    pitched = ["--when", "deal enters Big/Pitch", "--then", "tag pitched"]
    assert invoke("rule", "add", "pitched", *pitched).exit_code == 0
    gone = invoke("stage", "rm", "Pitch", "--pipeline", "Big")
    assert gone.exit_code == 0
    assert gone.stderr == (
        "warning: rule 'pitched' names stage 'Big/Pitch' (crm rule edit to update it)\n"
    )
    moved = invoke("pipeline", "rename", "Big", "Enterprise")
    assert moved.exit_code == 0
    assert moved.stderr == (
        "warning: rule 'pitched' names pipeline 'Big' (crm rule edit to update it)\n"
    )
