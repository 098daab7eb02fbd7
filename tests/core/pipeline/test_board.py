"""The board and the forecast (core/pipeline/board.py) on a small, known pipeline.

Lead wins 10 %, Demo 40 %, Negotiation 80 % (the default stages); weighted sums are
amount x probability per stage and currency, rounded half up once, never mixed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from crmcli.core import clock
from crmcli.core.db.store import Store
from crmcli.core.people import contacts
from crmcli.core.people.contacts import ContactFields
from crmcli.core.pipeline import deals
from crmcli.core.pipeline.board import board, forecast
from crmcli.core.pipeline.deals import DealFields


@pytest.fixture
def pipeline(store: Store, clock_at: Callable[[str], None]) -> dict[str, int]:
    ann = int(contacts.add(store, ContactFields(name="Ann Lee")).contact["id"])

    def deal(title: str, day: int, **kw: object) -> int:
        clock_at(f"2026-03-0{day}T09:00:00Z")  # the order deals entered their stage
        return int(deals.add(store, DealFields(title=title, contact_id=ann, **kw))["id"])  # type: ignore[arg-type]

    ids = {
        "a": deal("A", 1, amount="1000", close=date(2026, 2, 15)),  # expected last month
        "b": deal("B", 2, amount="333.33", probability=15, close=date(2026, 3, 20)),
        "c": deal("C", 3, amount="200", currency="USD", close=date(2026, 4, 10)),
        "d": deal("D", 4, stage="Demo"),  # no amount, no date
        "g": deal("G", 5, amount="1000", stage="Negotiation", close=date(2026, 5, 31)),
        "h": deal("H", 6, amount="50", stage="Negotiation", close=date(2026, 8, 1)),
        "lost": deal("Lost one", 7, amount="500", stage="Proposal", close=date(2026, 3, 9)),
        "won": deal("Won one", 8, amount="700", stage="Proposal", close=date(2026, 3, 9)),
    }
    deals.lost(store, ids["lost"], "price")
    deals.won(store, ids["won"])
    clock_at("2026-03-09T12:00:00Z")
    return ids


def test_the_board_has_one_column_per_open_stage_with_totals_per_currency(
    store: Store, pipeline: dict[str, int]
) -> None:
    columns = board(store, clock.now())
    assert [c.stage["name"] for c in columns] == [
        "Lead",
        "Qualified",
        "Demo",
        "Proposal",
        "Negotiation",
    ]
    by_name = {c.stage["name"]: c for c in columns}
    lead = by_name["Lead"]
    assert lead.count == 3
    assert lead.totals == {"EUR": 133333, "USD": 20000}
    # 100000 x 10 + 33333 x 15 (B's own probability) = 1499995 -> 15000 (half up)
    assert lead.weighted == {"EUR": 15000, "USD": 2000}
    assert [card["title"] for card in lead.cards] == ["A", "B", "C"]  # oldest in stage first
    assert (by_name["Demo"].count, by_name["Demo"].totals, by_name["Demo"].weighted) == (1, {}, {})
    negotiation = by_name["Negotiation"]
    assert (negotiation.count, negotiation.totals, negotiation.weighted) == (
        2,
        {"EUR": 105000},
        {"EUR": 84000},
    )
    proposal = by_name["Proposal"]  # its two deals were closed: won and lost are not on it
    assert (proposal.count, proposal.cards) == (0, [])
    assert by_name["Qualified"].count == 0


def test_the_board_caps_cards_per_stage_but_counts_them_all(
    store: Store, pipeline: dict[str, int]
) -> None:
    lead = board(store, clock.now(), per_stage=2)[0]
    assert [card["title"] for card in lead.cards] == ["A", "B"]
    assert (lead.count, lead.more) == (3, 1)
    assert lead.totals == {"EUR": 133333, "USD": 20000}  # the totals are not capped
    assert all(c.cards == [] for c in board(store, clock.now(), per_stage=0))
    a = lead.cards[0]
    assert (a["days_in_stage"], a["stale"], a["no_next_step"]) == (8, False, True)


def test_the_forecast_buckets_open_deals_by_expected_close_month(
    store: Store, pipeline: dict[str, int]
) -> None:
    buckets = forecast(store, date(2026, 3, 9), months=3, commit_at=75)
    got = {b.label: (b.deals, b.best, b.weighted, b.commit) for b in buckets}
    assert list(got) == ["earlier", "2026-03", "2026-04", "2026-05", "undated"]
    assert got["earlier"] == (1, {"EUR": 100000}, {"EUR": 10000}, {"EUR": 0})
    assert got["2026-03"] == (1, {"EUR": 33333}, {"EUR": 5000}, {"EUR": 0})  # won/lost left out
    assert got["2026-04"] == (1, {"USD": 20000}, {"USD": 2000}, {"USD": 0})
    assert got["2026-05"] == (1, {"EUR": 100000}, {"EUR": 80000}, {"EUR": 100000})  # 80 >= 75
    assert got["undated"] == (1, {}, {}, {})
    assert sum(b.deals for b in buckets) == 5  # H closes in August: past the horizon


def test_the_commit_threshold_and_horizon_move_deals_in_and_out(
    store: Store, pipeline: dict[str, int]
) -> None:
    buckets = {b.label: b for b in forecast(store, date(2026, 3, 9), months=6, commit_at=10)}
    assert buckets["2026-08"].deals == 1 and buckets["2026-08"].best == {"EUR": 5000}
    assert buckets["earlier"].commit == {"EUR": 100000}  # 10 % now reaches the bar
    assert buckets["2026-03"].commit == {"EUR": 33333}
    later = {b.label: b for b in forecast(store, date(2026, 4, 1), months=1, commit_at=75)}
    assert list(later) == ["earlier", "2026-04", "undated"]
    assert later["earlier"].deals == 2  # A (February) and B (March) are now overdue to close
    assert later["earlier"].best == {"EUR": 133333}
