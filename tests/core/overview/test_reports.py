"""The report's numbers (core/overview/reports.py), from a history written through the services.

The story, June 2026 (Europe/Paris; every write at 10:00 UTC on its day):
- A (1,000 EUR, Alice, referral): created 06-02 in Lead, Qualified 06-05, Demo 06-10,
  won 06-20.
- B (2,000 EUR, Bruno, website): created 06-03 in Lead, Qualified 06-13, lost 06-23.
- D (4,000 EUR, Dora, partner): created 05-10 in Lead, Proposal 05-20, won 06-15.
- E (no amount, Eve, no source): created 06-05 straight into Demo.
By hand for June: the cohort is A, B, E; closed are A (18 days), D (36 days) won and
B lost; the stays that ended in June are Lead 3 (A) and 10 (B), Qualified 5 (A) and
10 (B), Demo 10 (A) and Proposal 26 (D).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from crmcli.core import clock
from crmcli.core.activity import followups, goals, interactions
from crmcli.core.activity.interactions import Kind
from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid
from crmcli.core.overview import reports
from crmcli.core.overview.reports import Period, parse_period
from crmcli.core.people import contacts
from crmcli.core.people.contacts import ContactFields
from crmcli.core.pipeline import deals
from crmcli.core.pipeline.deals import DealFields
from crmcli.core.values.when import When

JUNE = Period(date(2026, 6, 1), date(2026, 6, 30), "2026-06-01..2026-06-30")


def person(store: Store, name: str, **kw: object) -> int:
    return int(contacts.add(store, ContactFields(name=name, **kw)).contact["id"])  # type: ignore[arg-type]


@pytest.fixture
def june(store: Store, clock_at: Callable[[str], None]) -> dict[str, int]:
    def on(day: str) -> None:
        clock_at(f"2026-{day}T10:00:00Z")

    on("05-01")
    alice = person(store, "Alice Ref", source="referral")
    bruno = person(store, "Bruno Web", source="website")
    dora = person(store, "Dora Partner", source="partner")
    eve = person(store, "Eve Nosource")
    on("05-10")
    d = deals.add(store, DealFields(title="D", contact_id=dora, amount="4000"))["id"]
    on("05-20")
    deals.move(store, d, "Proposal")
    on("06-02")
    a = deals.add(store, DealFields(title="A", contact_id=alice, amount="1000"))["id"]
    on("06-03")
    b = deals.add(store, DealFields(title="B", contact_id=bruno, amount="2000"))["id"]
    on("06-05")
    e = deals.add(store, DealFields(title="E", contact_id=eve, stage="Demo"))["id"]
    deals.move(store, a, "Qualified")
    on("06-10")
    deals.move(store, a, "Demo")
    on("06-13")
    deals.move(store, b, "Qualified")
    on("06-15")
    deals.won(store, d)
    on("06-20")
    deals.won(store, a)
    on("06-23")
    deals.lost(store, b, "price")
    on("07-01")
    return {"a": a, "b": b, "d": d, "e": e}


def test_conversion_matches_the_hand_count(store: Store, june: dict[str, int]) -> None:
    figures = reports.conversion(store, JUNE)
    assert figures["summary"] == {
        "created": 3,
        "won": 2,
        "lost": 1,
        "win_rate": 66.7,
        "avg_cycle_days": 27.0,
        "won_amount": {"EUR": 500000},
        "avg_won_amount": {"EUR": 250000},
    }
    funnel = [(f["stage"], f["reached"], f["went_on"], f["conversion"]) for f in figures["funnel"]]
    assert funnel == [
        ("Lead", 3, 3, 100.0),  # E started in Demo: it passed Lead
        ("Qualified", 3, 2, 66.7),
        ("Demo", 2, 1, 50.0),
        ("Proposal", 1, 1, 100.0),  # A was won: it passed every stage
        ("Negotiation", 1, 1, 100.0),
    ]
    days = {s["stage"]: (s["stays"], s["avg_days"]) for s in figures["stages"]}
    assert days == {
        "Lead": (2, 6.5),  # D's stay in Lead ended in May: left out
        "Qualified": (2, 7.5),
        "Demo": (1, 10.0),
        "Proposal": (1, 26.0),
        "Negotiation": (0, None),
    }


def test_sources_split_the_same_figures(store: Store, june: dict[str, int]) -> None:
    sources = {s["source"]: s for s in reports.conversion(store, JUNE)["sources"]}
    assert list(sources) == ["(none)", "referral", "website", "partner"]  # most created first
    assert (sources["referral"]["created"], sources["referral"]["won"]) == (1, 1)
    assert sources["referral"]["reached"]["Negotiation"] == 1
    assert (sources["website"]["lost"], sources["website"]["win_rate"]) == (1, 0.0)
    assert (sources["partner"]["created"], sources["partner"]["won"]) == (0, 1)
    assert sources["partner"]["avg_cycle_days"] == 36.0
    assert sources["(none)"]["reached"] == {
        "Lead": 1,
        "Qualified": 1,
        "Demo": 1,
        "Proposal": 0,
        "Negotiation": 0,
    }


def test_a_period_with_nothing_in_it_has_no_rates(store: Store, june: dict[str, int]) -> None:
    april = Period(date(2026, 4, 1), date(2026, 4, 30), "april")
    figures = reports.conversion(store, april)
    assert figures["summary"]["created"] == 0
    assert figures["summary"]["win_rate"] is None and figures["summary"]["avg_cycle_days"] is None
    assert all(f["conversion"] is None for f in figures["funnel"])


def test_pipeline_and_forecast_rows(store: Store, june: dict[str, int]) -> None:
    rows = {r["stage"]: r for r in reports.pipeline_rows(store, clock.now())}
    assert (rows["Demo"]["deals"], rows["Demo"]["amount"]) == (1, {})  # E, no amount
    assert sum(r["deals"] for r in rows.values()) == 1  # A, B and D are closed
    months = reports.forecast_rows(store, date(2026, 7, 1), 2, 75)
    assert [(m["month"], m["deals"]) for m in months] == [
        ("2026-07", 0),
        ("2026-08", 0),
        ("undated", 1),  # shown because it holds a deal; an empty "earlier" is not
    ]


def test_activity_counts_each_week_against_the_goals(
    store: Store, clock_at: Callable[[str], None]
) -> None:
    ann = person(store, "Ann Lee")
    goals.set_goal(store, Kind.call, 2, "week")
    for day, kind in ((2, Kind.call), (4, Kind.call), (9, Kind.call), (10, Kind.email)):
        when = datetime(2026, 6, day, 10, tzinfo=UTC)
        interactions.log(store, ann, kind, f"{kind.value} on {day}", at=when)
    on_time = followups.add(store, ann, When(date(2026, 6, 3), None), "on time")["id"]
    late = followups.add(store, ann, When(date(2026, 6, 4), None), "late")["id"]
    followups.add(store, ann, When(date(2026, 6, 5), None), "still open")
    clock_at("2026-06-03T15:00:00Z")
    followups.done(store, on_time)
    clock_at("2026-06-06T09:00:00Z")
    followups.done(store, late)
    clock_at("2026-06-15T10:00:00Z")
    two_weeks = Period(date(2026, 6, 1), date(2026, 6, 14), "2w")
    figures = reports.activity(store, two_weeks, clock.now())
    assert figures["goals"] == {"call": 2}
    weeks = [(w["week"], w["days"], w["call"], w["email"], w["total"]) for w in figures["weeks"]]
    assert weeks == [("2026-06-01", 7, 2, 0, 2), ("2026-06-08", 7, 1, 1, 2)]
    assert figures["followups"] == {
        "done": 2,
        "on_time": 1,
        "late": 1,
        "on_time_rate": 50.0,
        "overdue_now": 1,
    }


def test_retention_risk_lists_quiet_customers_longest_silent_first(
    store: Store, clock_at: Callable[[str], None]
) -> None:
    clock_at("2026-01-01T10:00:00Z")
    never = person(store, "Never Called", status="customer")
    quiet = person(store, "Quiet Carl", status="customer")
    recent = person(store, "Recent Cora", status="customer")
    lead = person(store, "Lead Larry", status="lead")  # not a customer
    gone = person(store, "Gone Gina", status="customer")
    contacts.archive(store, gone)
    interactions.log(store, quiet, Kind.call, "hi", at=datetime(2026, 1, 2, 10, tzinfo=UTC))
    interactions.log(store, recent, Kind.call, "hi", at=datetime(2026, 3, 22, 10, tzinfo=UTC))
    now = datetime(2026, 4, 15, 10, tzinfo=UTC)
    rows, total = reports.retention_risk(store, now, 90)
    assert total == 2
    assert [(r["id"], r["days_silent"]) for r in rows] == [(never, None), (quiet, 103)]
    assert lead not in [r["id"] for r in rows]
    rows, total = reports.retention_risk(store, now, 90, limit=1)
    assert (len(rows), total) == (1, 2)  # the count is not cut by the limit
    assert reports.retention_risk(store, now, 120)[1] == 1  # only the one never touched


def test_the_whole_report_holds_every_section(store: Store, june: dict[str, int]) -> None:
    report = reports.build(store, JUNE, clock.now())
    assert list(report) == ["period", "pipeline", "forecast", "conversion", "activity", "health"]
    assert report["period"] == {
        "label": "2026-06-01..2026-06-30",
        "first": "2026-06-01",
        "last": "2026-06-30",
        "days": 30,
    }
    assert report["conversion"] == reports.conversion(store, JUNE)
    health = report["health"]
    assert [d["title"] for d in health["stale"]["deals"]] == ["E"]  # 26 days in Demo (10)
    assert health["no_next_step"]["total"] == 1


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("90d", date(2026, 2, 14), date(2026, 5, 14)),
        ("2w", date(2026, 5, 1), date(2026, 5, 14)),
        ("1m", date(2026, 4, 15), date(2026, 5, 14)),
        ("ytd", date(2026, 1, 1), date(2026, 5, 14)),
        ("this-week", date(2026, 5, 11), date(2026, 5, 14)),
        ("this-quarter", date(2026, 4, 1), date(2026, 5, 14)),
        ("last-month", date(2026, 4, 1), date(2026, 4, 30)),
        ("last-quarter", date(2026, 1, 1), date(2026, 3, 31)),
        ("last-year", date(2025, 1, 1), date(2025, 12, 31)),
        ("2026-01-10..2026-02-20", date(2026, 1, 10), date(2026, 2, 20)),
        ("..2026-02-20", date(1970, 1, 1), date(2026, 2, 20)),
        ("2026-05-01..", date(2026, 5, 1), date(2026, 5, 14)),
    ],
)
def test_periods(text: str, first: date, last: date) -> None:
    period = parse_period(text, date(2026, 5, 14))  # a Thursday
    assert (period.first, period.last) == (first, last)
    assert period.days == (last - first).days + 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0d", "at least one day"),
        ("2026-03-01..2026-02-01", "ends before it starts"),
        ("2026-02-30..2026-03-01", "cannot read the dates"),
        ("soon", "cannot read period 'soon'"),
    ],
)
def test_bad_periods(text: str, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        parse_period(text, date(2026, 5, 14))


def test_a_period_is_bounded_by_local_midnights() -> None:
    start, end = JUNE.bounds()  # Paris is UTC+2 in summer
    assert (start, end) == ("2026-05-31T22:00:00.000000Z", "2026-06-30T22:00:00.000000Z")
