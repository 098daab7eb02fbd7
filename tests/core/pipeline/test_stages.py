"""Pipeline stages through the core service: resolving, adding, reordering and removing."""

from __future__ import annotations

import pytest

from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid, Refused
from crmcli.core.people import contacts
from crmcli.core.people.contacts import ContactFields
from crmcli.core.pipeline import deals, stages
from crmcli.core.pipeline.deals import DealFields

DEFAULT = ["Lead", "Qualified", "Demo", "Proposal", "Negotiation", "Won", "Lost"]


def order(store: Store) -> list[str]:
    return [r[0] for r in store.tuples("SELECT name FROM stage ORDER BY position")]


def positions(store: Store) -> list[int]:
    return [int(r[0]) for r in store.tuples("SELECT position FROM stage ORDER BY position")]


def a_deal(store: Store, title: str, stage: str) -> int:
    ann = store.value("SELECT id FROM contact")
    if ann is None:
        ann = contacts.add(store, ContactFields(name="Ann Lee")).contact["id"]
    return int(deals.add(store, DealFields(title=title, contact_id=int(ann), stage=stage))["id"])


def test_resolve_by_name_prefix_or_id(store: Store) -> None:
    assert stages.resolve(store, "NÉGOTIATION")["name"] == "Negotiation"  # accents, case
    assert stages.resolve(store, "qual")["name"] == "Qualified"
    demo_id = store.value("SELECT id FROM stage WHERE name = 'Demo'")
    assert stages.resolve(store, str(demo_id))["name"] == "Demo"
    assert stages.resolve(store, f"#{demo_id}")["kind"] == "open"
    assert stages.resolve(store, "won")["kind"] == "won"
    stages.add(store, "Lease", probability=10, target_days=None)
    with pytest.raises(Invalid, match=r"matches several stages: Lead, Lease$"):
        stages.resolve(store, "le")
    assert stages.resolve(store, "lead")["name"] == "Lead"  # an exact name beats prefixes
    with pytest.raises(
        Invalid,
        match=r"unknown stage 'Closing' \(stages: Lead, .*, Negotiation, Lease, Won, Lost\)",
    ):
        stages.resolve(store, "Closing")


def test_first_of_kind_and_the_deal_counts(store: Store) -> None:
    assert stages.first_of_kind(store, "open")["name"] == "Lead"
    assert stages.first_of_kind(store, "lost")["name"] == "Lost"
    a_deal(store, "One", "Demo")
    two = a_deal(store, "Two", "Demo")
    deals.lost(store, two, "no budget")
    counts = {r["name"]: (r["open_deals"], r["deals"]) for r in stages.list_stages(store)}
    assert counts["Demo"] == (1, 1)
    assert counts["Lost"] == (0, 1)
    assert counts["Lead"] == (0, 0)


def test_add_places_an_open_stage_after_the_last_open_one(store: Store) -> None:
    added = stages.add(store, "  Pilot  ", probability=70, target_days=30)
    assert (added["name"], added["probability"], added["target_days"]) == ("Pilot", 70, 30)
    assert order(store) == [*DEFAULT[:5], "Pilot", "Won", "Lost"]
    assert positions(store) == list(range(1, 9))  # renumbered, no gaps
    stages.add(store, "Churned", probability=0, target_days=None, kind="lost")
    assert order(store)[-1] == "Churned"
    stages.add(store, "Discovery", probability=15, target_days=7, after="lead")
    stages.add(store, "Inbound", probability=5, target_days=3, before="Lead")
    assert order(store)[:3] == ["Inbound", "Lead", "Discovery"]
    assert positions(store) == list(range(1, 12))


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("demo", {}, "a stage named 'Demo' already exists"),
        ("DÉMO", {}, "a stage named 'Demo' already exists"),
        ("   ", {}, "must not be empty"),
        ("Pilot", {"probability": 120}, "between 0 and 100"),
        ("Pilot", {"target_days": 0}, "between 1 and 3650"),
        ("Pilot", {"kind": "paused"}, "unknown stage kind 'paused'"),
        ("Pilot", {"after": "Nowhere"}, "unknown stage 'Nowhere'"),
    ],
)
def test_add_refusals_change_nothing(
    store: Store, name: str, options: dict[str, object], message: str
) -> None:
    before = store.rows("SELECT * FROM stage ORDER BY id")
    values: dict[str, object] = {"probability": 50, "target_days": 10, **options}
    with pytest.raises(Invalid, match=message):
        stages.add(store, name, **values)  # type: ignore[arg-type]
    assert store.rows("SELECT * FROM stage ORDER BY id") == before


def test_move_reorders_by_position_or_relative_to_another(store: Store) -> None:
    result = stages.move(store, "Demo", position=1)
    assert [r["name"] for r in result] == ["Demo", "Lead", "Qualified", *DEFAULT[3:]]
    stages.move(store, "Demo", after="Proposal")
    assert order(store) == ["Lead", "Qualified", "Proposal", "Demo", "Negotiation", "Won", "Lost"]
    stages.move(store, "Demo", before="Proposal")
    assert order(store) == DEFAULT
    assert positions(store) == list(range(1, 8))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "say where"),
        ({"position": 2, "before": "Lead"}, "say where"),
        ({"position": 0}, "between 1 and 7, not 0"),
        ({"position": 8}, "between 1 and 7, not 8"),
        ({"before": "Demo"}, "relative to itself"),
    ],
)
def test_move_refusals_change_nothing(
    store: Store, options: dict[str, object], message: str
) -> None:
    with pytest.raises(Invalid, match=message):
        stages.move(store, "Demo", **options)  # type: ignore[arg-type]
    assert order(store) == DEFAULT


def test_remove_refuses_a_stage_that_holds_deals_unless_they_go_elsewhere(store: Store) -> None:
    one = a_deal(store, "One", "Demo")
    two = a_deal(store, "Two", "Demo")
    with pytest.raises(Refused, match=r"stage Demo still holds 2 deal\(s\); move them with --to"):
        stages.remove(store, "Demo")
    with pytest.raises(Invalid, match="--to must name another stage"):
        stages.remove(store, "Demo", to="demo")
    assert order(store) == DEFAULT
    removed, moved = stages.remove(store, "Demo", to="Proposal")
    assert (removed["name"], moved) == ("Demo", 2)
    assert order(store) == ["Lead", "Qualified", "Proposal", "Negotiation", "Won", "Lost"]
    assert positions(store) == list(range(1, 7))
    for deal_id in (one, two):
        assert deals.get(store, deal_id)["stage"] == "Proposal"
        assert [h["to_stage"] for h in deals.history(store, deal_id)] == [None, "Proposal"]
        # The history row that pointed at Demo keeps the deal's path, now to a stage gone.


def test_remove_keeps_one_won_and_one_lost_stage(store: Store) -> None:
    with pytest.raises(Refused, match="Won is the only won stage; the pipeline needs one"):
        stages.remove(store, "Won")
    with pytest.raises(Refused, match="Lost is the only lost stage"):
        stages.remove(store, "Lost")
    stages.add(store, "Churned", probability=0, target_days=None, kind="lost")
    stages.remove(store, "Lost")  # another lost stage is left
    assert order(store) == [*DEFAULT[:6], "Churned"]
    stages.remove(store, "Lead")  # an empty open stage goes at once
    assert order(store)[0] == "Qualified"
