"""`crm goal`: activity goals against this week's interactions, on a fixed clock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import dump, invoke


def test_goal_progress_counts_this_week(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    monkeypatch.setenv("CRM_NOW", "2026-11-20T10:00:00Z")  # Friday of the week before
    invoke("contact", "add", "Ann Lee")
    invoke("log", "call", "ann", "last week")
    monkeypatch.setenv("CRM_NOW", "2026-11-25T14:20:00Z")  # Wednesday
    for i in range(3):
        invoke("log", "call", "ann", f"call {i}")
    invoke("log", "email", "ann", "an email")
    assert invoke("goal", "set", "calls", "10/week").stdout == "goal: 10 calls a week\n"
    invoke("goal", "set", "emails", "40/month")
    rows = {r["kind"]: r for r in json.loads(invoke("goal", "list", "--json").stdout)}
    assert (rows["call"]["done"], rows["call"]["percent"], rows["call"]["since"]) == (
        3,
        30,
        "2026-11-23",
    )
    assert (rows["email"]["done"], rows["email"]["since"]) == (1, "2026-11-01")
    invoke("goal", "set", "calls", "20")  # changing a goal replaces it
    rows = json.loads(invoke("goal", "list", "--json").stdout)
    assert [(r["kind"], r["target"]) for r in rows] == [("email", 40), ("call", 20)]
    assert invoke("goal", "rm", "calls").exit_code == 0


def test_bad_goals_change_nothing(db: Path) -> None:
    invoke("contact", "add", "Ann Lee")
    before = dump(db)
    for args, needle in (
        (("goal", "set", "faxes", "10/week"), "unknown goal"),
        (("goal", "set", "calls", "ten"), "cannot read"),
        (("goal", "set", "calls", "0/week"), "cannot read"),
        (("goal", "rm", "calls"), "no call goal"),
    ):
        out = invoke(*args)
        assert out.exit_code in (1, 2) and needle in out.stderr, (args, out.stderr)
    assert dump(db) == before
    assert invoke("goal", "list").exit_code == 1
