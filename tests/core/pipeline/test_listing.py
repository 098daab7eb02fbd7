"""Deals by who they are for (core/pipeline/listing.py): one contact's, one company's,
with the list's stage and status filters, its order, and each deal's age."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from crmcli.core import clock
from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid
from crmcli.core.people import contacts
from crmcli.core.people.contacts import ContactFields
from crmcli.core.pipeline import deals, listing
from crmcli.core.pipeline.deals import DealFields


def person(store: Store, name: str, company: str | None = None) -> int:
    return int(contacts.add(store, ContactFields(name=name, company=company)).contact["id"])


def titles(rows: list[Any]) -> list[str]:
    return [row["title"] for row in rows]


def test_filters_by_contact_company_stage_and_status(
    store: Store, clock_at: Callable[[str], None]
) -> None:
    ann = person(store, "Ann Lee", company="Acme")
    bob = person(store, "Bob Roy", company="Acme")
    cy = person(store, "Cy Twombly")
    clock_at("2026-02-10T09:00:00Z")
    renewal = deals.add(
        store, DealFields(title="Renewal", contact_id=ann, amount="9000", stage="Proposal")
    )
    pilot = deals.add(store, DealFields(title="Pilot", contact_id=bob, amount="500"))
    clock_at("2026-03-02T09:00:00Z")
    lost = deals.add(store, DealFields(title="Old", contact_id=ann))
    deals.lost(store, lost["id"], "budget")
    deals.add(store, DealFields(title="Elsewhere", contact_id=cy))
    acme = int(renewal["company_id"])
    now = clock.now()

    assert titles(listing.deals(store, now, contact_id=ann)) == ["Renewal"]
    assert titles(listing.deals(store, now, contact_id=ann, status=None)) == ["Renewal", "Old"]
    assert titles(listing.deals(store, now, contact_id=ann, status="lost")) == ["Old"]
    # Pipeline order: Lead before Proposal, then Lost; a company's deals are its people's.
    assert titles(listing.deals(store, now, company_id=acme, status=None)) == [
        "Pilot",
        "Renewal",
        "Old",
    ]
    proposal = int(renewal["stage_id"])
    assert titles(listing.deals(store, now, stage_id=proposal)) == ["Renewal"]
    assert titles(listing.deals(store, now, contact_id=cy, company_id=acme)) == []

    [row] = listing.deals(store, now, contact_id=bob)
    assert row["id"] == pilot["id"]
    assert (row["amount_minor"], row["currency"], row["owner"]) == (50000, "EUR", "me")
    # A whole deal, as `deals.get` gives it, with its age and the attention flags.
    whole = deals.get(store, pilot["id"])
    assert {k: row[k] for k in whole} == whole
    assert row["age_days"] == 20
    assert (row["days_in_stage"], row["stale"], row["no_next_step"]) == (20, True, True)


def test_an_unknown_status_is_refused(store: Store) -> None:
    with pytest.raises(Invalid, match=r"unknown status 'pending' \(open, won, lost or all\)"):
        listing.deals(store, clock.now(), status="pending")


def test_a_page_at_a_time_and_the_count(store: Store) -> None:
    ann = person(store, "Ann Lee")
    for n in range(7):
        deals.add(store, DealFields(title=f"Deal {n}", contact_id=ann))
    deals.lost(store, deals.resolve_deal(store, "Deal 3"), "no budget")
    now = clock.now()
    whole = titles(listing.deals(store, now))
    assert whole == ["Deal 0", "Deal 1", "Deal 2", "Deal 4", "Deal 5", "Deal 6"]
    pages = [titles(listing.deals(store, now, limit=4, offset=at)) for at in (0, 4, 8)]
    assert pages == [whole[:4], whole[4:], []]
    assert listing.count(store) == 6
    assert listing.count(store, status=None, contact_id=ann) == 7
    assert listing.count(store, status="lost") == 1
