"""The engagement score, worked out by hand, and `crm contact list --sort score`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crmcli.core.activity.scoring import score
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


def test_the_database_scores_as_the_reference_does(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SQL that ranks lists gives the same numbers as `score`, halves included."""
    import sqlite3
    import time

    monkeypatch.setenv("CRM_NOW", "2026-11-25T14:20:00Z")
    monkeypatch.setenv("TZ", "UTC")  # --at below is written in UTC
    time.tzset()
    # (name, days since the last touch, interactions in the window, open deal stage)
    people = [
        ("Half Up", 2.25, 0, None),  # 39.5 recency + 3 for its one note: 42.5, up to 43
        ("Busy Bee", 1, 12, "proposal"),  # frequency capped
        ("Old Friend", 200, 0, "lead"),  # recency gone, deal only
        ("Mid Way", 45.5, 3, None),
        ("Never", None, 0, "demo"),
    ]
    for name, days, count, stage in people:
        invoke("contact", "add", name)
        if days is not None:
            when = datetime(2026, 11, 25, 14, 20, tzinfo=UTC).timestamp() - days * 86400
            for i in range(max(count, 1)):
                at = datetime.fromtimestamp(when - i * 3600, UTC).strftime("%Y-%m-%d %H:%M")
                invoke("log", "note", name, f"n{i}", "--at", at)
        if stage:
            invoke("deal", "add", f"{name} deal", "--contact", name, "--stage", stage)
    rows = json.loads(invoke("contact", "list", "--sort", "score", "--json").stdout)
    conn = sqlite3.connect(db)
    expected = {}
    for cid, last in conn.execute("SELECT id, last_touch_at FROM contact"):
        recent = conn.execute(
            "SELECT count(*) FROM interaction WHERE contact_id = ? "
            "AND occurred_at >= '2026-08-27T14:20:00.000000Z'",
            (cid,),
        ).fetchone()[0]
        best = conn.execute(
            "SELECT max(s.probability) FROM deal d JOIN stage s ON s.id = d.stage_id "
            "WHERE d.contact_id = ? AND d.status = 'open'",
            (cid,),
        ).fetchone()[0]
        expected[cid] = score(last, recent, best, NOW)
    conn.close()
    assert {r["id"]: r["score"] for r in rows} == expected
    assert expected[1] == 43  # the half went up (round() would have given 42)
    assert [r["score"] for r in rows] == sorted(expected.values(), reverse=True)
