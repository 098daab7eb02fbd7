"""`crm report`: every number checked against a small history worked out by hand.

The story, in June 2026 (Europe/Paris, all moves at 10:00 UTC):
- A (1,000 EUR, Alice, source referral): created 06-02 in Lead, Qualified 06-05,
  Demo 06-10, won 06-20.
- B (2,000 EUR, Bruno, website): created 06-03 in Lead, Qualified 06-13, lost 06-23.
- C (500 EUR, Warm, referral): created 06-04 in Lead, still there (stale).
- D (4,000 EUR, Dora, partner): created 05-10 in Lead, Proposal 05-20 (Demo and
  Qualified skipped), won 06-15: closed in June, created before it.
- E (no amount, Eve, no source): created 06-05 straight into Demo, next step set (stale).

By hand, for the period 2026-06-01..2026-06-30:
- cohort (created in June): A, B, C, E = 4. Reached: Lead 4 (E skipped it: passed),
  Qualified 3 (A, B, E), Demo 2 (A, E), Proposal 1 (A won: passed all),
  Negotiation 1; on to a win: 1.
- closed in June: A won (18 days), D won (36 days), B lost: win rate 66.7%, average
  cycle 27 days, won 5,000 EUR, average won 2,500 EUR.
- stays that ended in June: Lead 3 (A) and 10 (B): 6.5; Qualified 5 (A) and 10 (B):
  7.5; Demo 10 (A); Proposal 26 (D, entered in May); Lead of D ended in May: left out.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import dump, invoke

NOW = "2026-07-01T08:00:00Z"  # 10:00 in Paris, the day after the period
PERIOD = "2026-06-01..2026-06-30"


def at(monkeypatch: pytest.MonkeyPatch, day: str, hour: str = "10:00") -> None:
    monkeypatch.setenv("CRM_NOW", f"{day}T{hour}:00Z")


def ok(*args: str) -> str:
    out = invoke(*args)
    assert out.exit_code == 0, (args, out.stderr)
    return out.stdout


@pytest.fixture
def history(db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    at(monkeypatch, "2026-05-01")
    ok("contact", "add", "Alice Ref", "--source", "referral")
    ok("contact", "add", "Bruno Web", "--source", "website")
    ok("contact", "add", "Warm Touch", "--source", "referral", "--every", "7d")
    ok("contact", "add", "Cold Touch", "--every", "7d")
    ok("contact", "add", "Dora Partner", "--source", "partner")
    ok("contact", "add", "Eve Nosource")
    ok("contact", "add", "Ann Active")
    ok("contact", "add", "Cathy Customer", "--status", "customer")
    ok("goal", "set", "calls", "2/week")

    at(monkeypatch, "2026-05-10")
    ok("deal", "add", "D", "-c", "Dora Partner", "-a", "4000", "--currency", "EUR")
    at(monkeypatch, "2026-05-20")
    ok("deal", "move", "D", "Proposal")

    at(monkeypatch, "2026-06-02")
    ok("deal", "add", "A", "-c", "Alice Ref", "-a", "1000", "--currency", "EUR")
    at(monkeypatch, "2026-06-03")
    ok("deal", "add", "B", "-c", "Bruno Web", "-a", "2000", "--currency", "EUR")
    at(monkeypatch, "2026-06-04")
    ok("deal", "add", "C", "-c", "Warm Touch", "-a", "500", "--currency", "EUR")
    at(monkeypatch, "2026-06-05")
    ok("deal", "add", "E", "-c", "Eve Nosource", "--stage", "Demo", "--next", "send the demo")
    ok("deal", "move", "A", "Qualified")
    at(monkeypatch, "2026-06-10")
    ok("deal", "move", "A", "Demo")
    at(monkeypatch, "2026-06-13")
    ok("deal", "move", "B", "Qualified")
    at(monkeypatch, "2026-06-15")
    ok("deal", "won", "D")
    at(monkeypatch, "2026-06-20")
    ok("deal", "won", "A")
    at(monkeypatch, "2026-06-23")
    ok("deal", "lost", "B", "--reason", "price")

    # Activity, logged by the rep (times are Paris time).
    at(monkeypatch, "2026-07-01", "08:00")
    ok("log", "call", "Warm Touch", "catch-up", "--at", "2026-06-01 09:00")
    ok("log", "call", "Ann Active", "one", "--at", "2026-06-02 09:00")
    ok("log", "call", "Ann Active", "two", "--at", "2026-06-03 09:00")
    ok("log", "call", "Ann Active", "May, in Paris", "--at", "2026-05-31 23:30")
    ok("log", "email", "Ann Active", "mail", "--at", "2026-06-09 09:00")
    ok("log", "meeting", "Ann Active", "meet", "--at", "2026-06-29 09:00")
    ok("log", "call", "Ann Active", "late call", "--at", "2026-06-30 23:30")

    # Follow-ups: one done on its day, one two days late, one still open and overdue.
    at(monkeypatch, "2026-06-08")
    ok("followup", "add", "Ann Active", "2026-06-10", "on time")
    ok("followup", "add", "Ann Active", "2026-06-12", "late")
    ok("followup", "add", "Ann Active", "2026-06-20", "forgotten")
    at(monkeypatch, "2026-06-10")
    ok("followup", "done", "1")
    at(monkeypatch, "2026-06-14")
    ok("followup", "done", "2")

    at(monkeypatch, "2026-07-01", "08:00")
    return db


def report(*extra: str) -> dict:  # type: ignore[type-arg]
    return json.loads(ok("report", "--period", PERIOD, "--json", *extra))


def section_csv(name: str) -> str:
    return ok("report", "--period", PERIOD, "--format", "csv", "--section", name)


def test_conversion_numbers_match_the_hand_count(history: Path) -> None:
    conversion = report()["conversion"]
    funnel = {r["stage"]: r for r in conversion["funnel"]}
    assert [funnel[s]["reached"] for s in ("Lead", "Qualified", "Demo", "Proposal")] == [4, 3, 2, 1]
    assert funnel["Negotiation"]["reached"] == 1 and funnel["Negotiation"]["went_on"] == 1
    assert funnel["Lead"]["went_on"] == 3 and funnel["Lead"]["conversion"] == 75.0
    assert funnel["Qualified"]["conversion"] == 66.7
    assert funnel["Demo"]["conversion"] == 50.0
    assert funnel["Demo"]["share_of_created"] == 50.0
    summary = conversion["summary"]
    assert summary == {
        "created": 4,
        "won": 2,
        "lost": 1,
        "win_rate": 66.7,
        "avg_cycle_days": 27.0,
        "won_amount": {"EUR": 500000},
        "avg_won_amount": {"EUR": 250000},
    }
    stages = {r["stage"]: (r["stays"], r["avg_days"]) for r in conversion["stages"]}
    assert stages == {
        "Lead": (2, 6.5),
        "Qualified": (2, 7.5),
        "Demo": (1, 10.0),
        "Proposal": (1, 26.0),
        "Negotiation": (0, None),
    }


def test_lead_sources(history: Path) -> None:
    sources = {r["source"]: r for r in report()["conversion"]["sources"]}
    assert sources["referral"]["created"] == 2 and sources["referral"]["won"] == 1
    assert sources["referral"]["avg_cycle_days"] == 18.0
    assert sources["referral"]["reached"]["Qualified"] == 1  # A; C never left Lead
    assert sources["website"]["lost"] == 1 and sources["website"]["win_rate"] == 0.0
    assert sources["partner"]["created"] == 0 and sources["partner"]["won"] == 1
    assert sources["partner"]["avg_won_amount"] == {"EUR": 400000}
    assert sources["(none)"]["created"] == 1  # E


def test_activity_weeks_goals_and_followups(history: Path) -> None:
    activity = report()["activity"]
    assert activity["goals"] == {"call": 2}
    weeks = {w["week"]: w for w in activity["weeks"]}
    assert list(weeks) == ["2026-06-01", "2026-06-08", "2026-06-15", "2026-06-22", "2026-06-29"]
    assert weeks["2026-06-01"]["call"] == 3  # 23:30 on May 31 in Paris is not June
    assert weeks["2026-06-08"]["email"] == 1 and weeks["2026-06-08"]["total"] == 1
    assert weeks["2026-06-29"]["days"] == 2
    assert (weeks["2026-06-29"]["meeting"], weeks["2026-06-29"]["call"]) == (1, 1)
    assert activity["followups"] == {
        "done": 2,
        "on_time": 1,
        "late": 1,
        "on_time_rate": 50.0,
        "overdue_now": 1,
    }


def test_health_lists(history: Path) -> None:
    health = report()["health"]
    assert [d["title"] for d in health["stale"]["deals"]] == ["E", "C"]  # 15 days over, 12
    assert [d["title"] for d in health["no_next_step"]["deals"]] == ["C"]
    touch = health["touch"]["contacts"]
    assert [c["contact"] for c in touch] == ["Warm Touch", "Cold Touch"]  # warmest first
    assert [c["score"] for c in touch] == [39, 0]  # 33.3 recency + 3 frequency + 3 deal
    retention = health["retention"]
    # Winning a deal makes its contact a customer: Alice and Dora, never touched, are
    # as silent as Cathy.
    silent = [c["contact"] for c in retention["contacts"]]
    assert silent == ["Alice Ref", "Dora Partner", "Cathy Customer"]
    assert [c["days_silent"] for c in retention["contacts"]] == [None, None, None]


def test_today_orders_touches_by_score(history: Path) -> None:
    data = json.loads(ok("today", "--json"))
    assert [c["contact"] for c in data["touch"]] == ["Warm Touch", "Cold Touch"]


def test_screen_and_csv(history: Path) -> None:
    screen = ok("report", "--period", PERIOD)
    assert "Conversion: the 4 deals created in the period" in screen
    assert "win rate 66.7%" in screen and "average cycle 27 days" in screen
    assert "Weekly total:" in screen and "█" in screen
    assert "3/2" in screen  # three calls against a goal of two
    rows = list(
        csv.DictReader(io.StringIO(ok("report", "-p", PERIOD, "-f", "csv", "-s", "sources")))
    )
    partner = next(r for r in rows if r["source"] == "partner")
    assert partner["won_amount_EUR"] == "4000.00" and partner["reached_Lead"] == "0"
    funnel = list(
        csv.DictReader(io.StringIO(ok("report", "-p", PERIOD, "-f", "csv", "-s", "funnel")))
    )
    assert [r["reached"] for r in funnel] == ["4", "3", "2", "1", "1"]
    only = ok("report", "-p", PERIOD, "--section", "retention")
    assert "Cathy Customer" in only and "Conversion" not in only


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--period", "soon"), "cannot read period"),
        (("--period", "2026-06-30..2026-06-01"), "ends before it starts"),
        (("--period", "2026-02-31..2026-03-01"), "cannot read the dates"),
        (("--period", "0d"), "at least one day"),
        (("--section", "nope"), "unknown section"),
        (("--format", "csv"), "add --section"),
        (("--format", "jsonl"), "does not write 'jsonl'"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    history: Path, args: tuple[str, ...], message: str
) -> None:
    before = dump(history)
    out = invoke("report", *args)
    assert out.exit_code == 2 and out.stdout == ""
    assert message in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert dump(history) == before


def test_named_periods() -> None:
    from datetime import date

    from crmcli.core.overview.reports import parse_period

    today = date(2026, 11, 22)  # a Sunday
    spans = {
        text: (p.first.isoformat(), p.last.isoformat())
        for text in ("90d", "2w", "1m", "ytd", "this-week", "this-month", "this-quarter",
                     "last-week", "last-month", "last-quarter", "last-year", "..2026-01-31")
        for p in [parse_period(text, today)]
    }  # fmt: skip
    assert spans == {
        "90d": ("2026-08-25", "2026-11-22"),
        "2w": ("2026-11-09", "2026-11-22"),
        "1m": ("2026-10-23", "2026-11-22"),
        "ytd": ("2026-01-01", "2026-11-22"),
        "this-week": ("2026-11-16", "2026-11-22"),
        "this-month": ("2026-11-01", "2026-11-22"),
        "this-quarter": ("2026-10-01", "2026-11-22"),
        "last-week": ("2026-11-09", "2026-11-15"),
        "last-month": ("2026-10-01", "2026-10-31"),
        "last-quarter": ("2026-07-01", "2026-09-30"),
        "last-year": ("2025-01-01", "2025-12-31"),
        "..2026-01-31": ("1970-01-01", "2026-01-31"),
    }


def test_an_empty_database_reports_zeros(db: Path) -> None:
    ok("contact", "add", "Solo")
    data = json.loads(ok("report", "--json"))
    assert data["conversion"]["summary"]["created"] == 0
    assert data["conversion"]["summary"]["win_rate"] is None
    assert "Conversion: the 0 deals" in ok("report")


def test_counts_read_in_the_singular(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One deal created, won after one day, a goal of one call: no "1 deals", "1 days"."""
    at(monkeypatch, "2026-06-01")
    ok("contact", "add", "Solo Buyer")
    ok("goal", "set", "calls", "1/week")
    ok("deal", "add", "Only", "-c", "Solo Buyer", "-a", "100", "--currency", "EUR")
    at(monkeypatch, "2026-06-02")
    ok("deal", "won", "Only")
    screen = ok("report", "--period", "2026-06-02..2026-06-02")
    assert "(2026-06-02 to 2026-06-02, 1 day)" in screen
    assert "goals: 1 call/week" in screen
    assert "average cycle 1 day;" in screen
    screen = ok("report", "--period", "2026-06-01..2026-06-02")
    assert "Conversion: the 1 deal created in the period" in screen
