"""The engagement score, worked out by hand, and `crm contact list --sort score`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crmcli.core.scoring import score
from tests.conftest import invoke

NOW = datetime(2026, 11, 25, 14, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("last", "recent", "best", "expected"),
    [
        (None, 0, None, 0),  # never touched, nothing open
        ("2026-11-25T14:20:00.000000Z", 0, None, 40),  # today: full recency
        ("2026-08-27T14:20:00.000000Z", 0, None, 20),  # 90 days ago: half of 40
        ("2026-05-29T14:20:00.000000Z", 0, None, 0),  # 180 days: nothing left
        ("2026-11-25T14:20:00.000000Z", 4, 60, 40 + 12 + 18),
        ("2026-11-25T14:20:00.000000Z", 25, 100, 40 + 30 + 30),  # frequency capped at 30
    ],
)
def test_score_by_hand(last: str | None, recent: int, best: int | None, expected: int) -> None:
    assert score(last, recent, best, NOW) == expected


def test_list_sorted_by_score(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", "2026-11-25T14:20:00Z")
    for name in ("Cold Contact", "Warm Contact", "Hot Contact"):
        invoke("contact", "add", name)
    invoke("log", "call", "warm", "hello")
    for i in range(3):
        invoke("log", "call", "hot", f"call {i}")
    invoke("deal", "add", "Big", "--contact", "hot", "--stage", "negotiation")
    rows = json.loads(invoke("contact", "list", "--sort", "score", "--json").stdout)
    assert [(r["name"], r["score"]) for r in rows] == [
        ("Hot Contact", 40 + 9 + 24),
        ("Warm Contact", 40 + 3),
        ("Cold Contact", 0),
    ]
    table = invoke("contact", "list", "--sort", "score").stdout
    assert "SCORE" in table.splitlines()[0]
    assert invoke("contact", "list", "--sort", "age").exit_code == 2
