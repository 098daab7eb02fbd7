"""Deals through the core service: add, move, won, lost, reopen, and stale versions refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from crmcli.core import clock
from crmcli.core.db.store import Store
from crmcli.core.errors import Ambiguous, Conflict, Invalid, NotFound, Refused
from crmcli.core.people import contacts
from crmcli.core.people.contacts import ContactFields
from crmcli.core.pipeline import attention, deals
from crmcli.core.pipeline.deals import DealFields


def person(store: Store, name: str, company: str | None = None) -> int:
    return int(contacts.add(store, ContactFields(name=name, company=company)).contact["id"])


def stage_id(store: Store, name: str) -> int:
    return int(store.value("SELECT id FROM stage WHERE name = ?", (name,)))


def history(store: Store, deal_id: int) -> list[tuple[str | None, str]]:
    return [(h["from_stage"], h["to_stage"]) for h in deals.history(store, deal_id)]


def test_add_starts_in_the_first_open_stage_with_its_company_and_history(store: Store) -> None:
    ann = person(store, "Ann Lee", company="Acme")
    deal = deals.add(store, DealFields(title="  Big   deal ", contact_id=ann, amount="1 200,50"))
    assert deal["title"] == "Big deal"
    assert (deal["stage"], deal["status"], deal["version"]) == ("Lead", "open", 1)
    assert (deal["amount_minor"], deal["currency"]) == (120050, "EUR")
    acme = store.value("SELECT id FROM company WHERE name = 'Acme'")
    assert deal["company_id"] == acme  # the contact's company, unless one is given
    assert deal["stage_entered_at"] == "2026-03-02T09:00:00.000000Z"
    assert history(store, deal["id"]) == [(None, "Lead")]
    logged = store.tuples(
        "SELECT table_name, op FROM change_log WHERE command LIKE 'deal add%' ORDER BY id"
    )
    assert logged == [("deal", "insert"), ("deal_stage_change", "insert")]  # one undoable batch


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (DealFields(title="No one"), "needs --contact or --company"),
        (DealFields(contact_id=1), "title must not be empty"),
        (DealFields(title="   ", contact_id=1), "title must not be empty"),
        (DealFields(title="Closed", contact_id=1, stage="won"), "starts in an open stage"),
        (DealFields(title="Odds", contact_id=1, probability=101), "between 0 and 100"),
        (DealFields(title="Mixed", contact_id=1, amount="$5", currency="EUR"), "is in USD"),
    ],
)
def test_add_refuses_bad_input_and_writes_nothing(
    store: Store, fields: DealFields, message: str
) -> None:
    person(store, "Ann Lee")
    with pytest.raises(Invalid, match=message):
        deals.add(store, fields)
    assert store.value("SELECT count(*) FROM deal") == 0
    assert store.value("SELECT count(*) FROM deal_stage_change") == 0


def test_move_restarts_time_in_stage_and_records_each_step(
    store: Store, clock_at: Callable[[str], None]
) -> None:
    deal_id = deals.add(store, DealFields(title="Big", contact_id=person(store, "Ann Lee")))["id"]
    clock_at("2026-03-20T09:00:00Z")  # 18 days later: past Lead's 14 target days
    assert deals.get(store, deal_id)["stale"] is True
    assert attention.count_stale(store, clock.now()) == 1
    moved, notes = deals.move(store, deal_id, "propo")  # a unique prefix, any case
    assert notes == []
    assert (moved["stage"], moved["days_in_stage"], moved["stale"]) == ("Proposal", 0, False)
    assert moved["stage_entered_at"] == "2026-03-20T09:00:00.000000Z"
    assert moved["version"] == 2
    assert history(store, deal_id) == [(None, "Lead"), ("Lead", "Proposal")]
    with pytest.raises(Refused, match="already in Proposal"):
        deals.move(store, deal_id, "Proposal")
    with pytest.raises(Invalid, match="--reason"):
        deals.move(store, deal_id, "Lost")
    assert deals.get(store, deal_id)["status"] == "open"
    assert len(history(store, deal_id)) == 2


def test_won_closes_the_deal_and_plans_the_renewal(
    store: Store, clock_at: Callable[[str], None]
) -> None:
    ann = person(store, "Ann Lee")
    deal_id = deals.add(store, DealFields(title="Licence", contact_id=ann, amount="900"))["id"]
    clock_at("2026-03-05T10:00:00Z")
    deal, notes = deals.won(store, deal_id, contract_end=date(2027, 3, 5))
    assert (deal["status"], deal["stage"]) == ("won", "Won")
    assert deal["closed_at"] == "2026-03-05T10:00:00.000000Z"
    assert deal["contract_end"] == "2027-03-05"
    renewal = store.row("SELECT contact_id, kind, due_date, status, note FROM followup")
    assert renewal is not None
    lead = int(store.config.get("renewal_lead_days"))
    due = date.fromordinal(date(2027, 3, 5).toordinal() - lead).isoformat()
    assert renewal == {
        "contact_id": ann,
        "kind": "renewal",
        "due_date": due,
        "status": "open",
        "note": "Renewal: Licence (contract ends 2027-03-05)",
    }
    assert notes == [
        f"added renewal follow-up #1 due {due} ({lead} days before the contract ends)",
        f"#{ann} Ann Lee is now a customer (was lead)",
    ]
    assert store.value("SELECT status FROM contact WHERE id = ?", (ann,)) == "customer"
    with pytest.raises(Refused, match="is won: reopen it first"):
        deals.move(store, deal_id, "Demo")
    with pytest.raises(Refused, match="is won: reopen it first"):
        deals.won(store, deal_id, contract_end=date(2028, 1, 1))
    assert store.value("SELECT contract_end FROM deal WHERE id = ?", (deal_id,)) == "2027-03-05"


def test_lost_keeps_the_reason_and_reopen_returns_to_the_stage_it_left(store: Store) -> None:
    deal_id = deals.add(store, DealFields(title="Big", contact_id=person(store, "Ann Lee")))["id"]
    deals.move(store, deal_id, "Demo")
    deal, _ = deals.lost(store, deal_id, "  went with a competitor ")
    assert (deal["status"], deal["stage"]) == ("lost", "Lost")
    assert deal["lost_reason"] == "went with a competitor"
    assert deal["closed_at"] is not None
    assert deals.list_deals(store, clock.now()) == []  # open deals only, by default
    reopened = deals.reopen(store, deal_id)
    assert (reopened["status"], reopened["stage"]) == ("open", "Demo")
    assert reopened["closed_at"] is None and reopened["lost_reason"] is None
    assert history(store, deal_id) == [
        (None, "Lead"),
        ("Lead", "Demo"),
        ("Demo", "Lost"),
        ("Lost", "Demo"),
    ]
    with pytest.raises(Refused, match="already open"):
        deals.reopen(store, deal_id)


def test_reopen_into_a_given_stage_must_be_an_open_one(store: Store) -> None:
    deal_id = deals.add(store, DealFields(title="Big", contact_id=person(store, "Ann Lee")))["id"]
    deals.lost(store, deal_id, "budget")
    with pytest.raises(Invalid, match="open stage, not Won"):
        deals.reopen(store, deal_id, "Won")
    assert deals.get(store, deal_id)["status"] == "lost"
    assert deals.reopen(store, deal_id, "negotiation")["stage"] == "Negotiation"


def test_a_stale_version_is_refused_and_the_other_writer_wins(store: Store) -> None:
    deal_id = deals.add(store, DealFields(title="Big", contact_id=person(store, "Ann Lee")))["id"]
    seen = deals.get(store, deal_id)["version"]
    deals.edit(store, deal_id, DealFields(next_step="Send the quote"), expect_version=seen)
    with pytest.raises(Conflict, match=r"changed elsewhere \(now version 2, in Lead, last by me"):
        deals.edit(store, deal_id, DealFields(title="Renamed"), expect_version=seen)
    with pytest.raises(Conflict, match="you had version 1"):
        deals.move(store, deal_id, "Demo", expect_version=seen)
    now = deals.get(store, deal_id)
    assert (now["title"], now["stage"], now["next_step"], now["version"]) == (
        "Big",
        "Lead",
        "Send the quote",
        2,
    )
    assert len(history(store, deal_id)) == 1
    moved, _ = deals.move(store, deal_id, "Demo", expect_version=2)  # the current one passes
    assert (moved["stage"], moved["version"]) == ("Demo", 3)


def test_edit_changes_details_but_not_the_stage(store: Store) -> None:
    deal_id = deals.add(store, DealFields(title="Big", contact_id=person(store, "Ann Lee")))["id"]
    with pytest.raises(Invalid, match="deal move"):
        deals.edit(store, deal_id, DealFields(stage="Demo"))
    with pytest.raises(Invalid, match="nothing to change"):
        deals.edit(store, deal_id, DealFields())
    deal, notes = deals.edit(
        store, deal_id, DealFields(amount="2500", close=date(2026, 4, 30), probability=35)
    )
    assert notes == []
    assert (deal["amount_minor"], deal["expected_close"], deal["probability"]) == (
        250000,
        "2026-04-30",
        35,
    )
    assert deals.effective_probability(deal) == 35
    deal, _ = deals.edit(store, deal_id, DealFields(clear_probability=True))
    assert deals.effective_probability(deal) == 10  # Lead's own probability again


def test_resolve_deal_by_id_title_or_prefix(store: Store) -> None:
    ann = person(store, "Ann Lee")
    first = deals.add(store, DealFields(title="Équipement atelier", contact_id=ann))["id"]
    second = deals.add(store, DealFields(title="Equipment refresh", contact_id=ann))["id"]
    assert deals.resolve_deal(store, str(second)) == second
    assert deals.resolve_deal(store, f"#{first}") == first
    assert deals.resolve_deal(store, "equipement ATELIER") == first  # accents and case ignored
    assert deals.resolve_deal(store, "equipment r") == second
    with pytest.raises(Ambiguous, match="matches several deals"):
        deals.resolve_deal(store, "equip")
    with pytest.raises(NotFound, match="no deal #99"):
        deals.resolve_deal(store, "99")
    with pytest.raises(NotFound):
        deals.resolve_deal(store, "nothing like it")
    with pytest.raises(Invalid):
        deals.resolve_deal(store, "  ")


def test_needing_attention_lists_stale_deals_and_deals_without_a_next_step(
    store: Store, clock_at: Callable[[str], None]
) -> None:
    ann = person(store, "Ann Lee")
    quiet = deals.add(store, DealFields(title="Quiet", contact_id=ann, next_step="Call"))["id"]
    clock_at("2026-03-10T09:00:00Z")
    bare = deals.add(store, DealFields(title="Bare", contact_id=ann))["id"]
    clock_at("2026-03-12T09:00:00Z")
    deals.add(store, DealFields(title="Fine", contact_id=ann, next_step="Demo"))
    clock_at("2026-03-20T09:00:00Z")  # Quiet has been 18 days in Lead (target 14), Bare 10
    rows, total = attention.needing_attention(store, clock.now())
    assert total == 2
    flags = [(r["id"], r["stale"], r["no_next_step"]) for r in rows]
    assert flags == [(quiet, True, False), (bare, False, True)]  # most overdue first
    assert [r["title"] for r in deals.list_deals(store, clock.now(), stale=True)] == ["Quiet"]
