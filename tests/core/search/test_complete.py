"""Completion candidates from the core: what a half-typed contact, deal, stage or id may mean."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time

from crmcli.core.activity import followups, interactions
from crmcli.core.activity.interactions import Kind
from crmcli.core.db.store import Store
from crmcli.core.people import contacts
from crmcli.core.people.contacts import ContactFields
from crmcli.core.pipeline import deals
from crmcli.core.pipeline.deals import DealFields
from crmcli.core.search import complete
from crmcli.core.values.when import When


def person(store: Store, name: str, *, email: str | None = None, company: str | None = None) -> int:
    fields = ContactFields(name=name, emails=[email] if email else None, company=company)
    return int(contacts.add(store, fields).contact["id"])


def test_contacts_complete_to_a_valid_ref_found_by_meaning(store: Store) -> None:
    person(store, "Hélène Dupré", email="helene.dupre@acme.fr", company="Acme")
    person(store, "Marc Dupree", email="marc@globex.com")
    jurgen = person(store, "Jürgen Müller")  # no email: completes to the id
    assert complete.contacts(store, "helene") == [("helene.dupre@acme.fr", "Hélène Dupré (Acme)")]
    assert [v for v, _ in complete.contacts(store, "dupre")] == [
        "helene.dupre@acme.fr",
        "marc@globex.com",
    ]
    assert complete.contacts(store, "jurg") == [(str(jurgen), "Jürgen Müller")]


def test_contacts_with_nothing_typed_are_the_most_recently_in_touch(
    store: Store, clock_at: Callable[[str], None]
) -> None:
    ann = person(store, "Ann Lee", email="ann@lee.io")
    bob = person(store, "Bob Ray")
    person(store, "Cy Never")  # never in touch: last
    clock_at("2026-03-02T10:00:00Z")
    interactions.log(store, ann, Kind.call, "hello")
    clock_at("2026-03-02T11:00:00Z")
    interactions.log(store, bob, Kind.call, "hello")
    contacts.archive(store, person(store, "Old Archived"))
    assert [label for _, label in complete.contacts(store, "")] == [
        "Bob Ray",
        "Ann Lee",
        "Cy Never",
    ]


def test_deals_open_first_matched_by_title_prefix_or_id(store: Store) -> None:
    ann = person(store, "Ann Lee")
    first = deals.add(store, DealFields(title="Écoles licence", contact_id=ann))
    second = deals.add(store, DealFields(title="Acme renewal", contact_id=ann))
    assert complete.deals(store, "eco") == [(str(first["id"]), "Écoles licence (Lead)")]
    assert complete.deals(store, str(second["id"])) == [(str(second["id"]), "Acme renewal (Lead)")]
    assert {v for v, _ in complete.deals(store, "")} == {str(first["id"]), str(second["id"])}
    assert complete.deals(store, "zzz") == []


def test_stages_in_board_order_accent_and_case_free(store: Store) -> None:
    everything = complete.stages(store, "")
    assert everything[0] == ("Lead", "open, 10%")
    assert complete.stages(store, "PRO") == [("Proposal", "open, 60%")]


def test_followups_open_only_by_id_prefix(store: Store) -> None:
    ann = person(store, "Ann Lee")
    due = When(date(2026, 3, 4), time(10, 0))
    kept = followups.add(store, ann, due, "Send the quote")
    closed = followups.add(store, ann, due)
    followups.done(store, int(closed["id"]))
    assert complete.followups(store, "") == [
        (str(kept["id"]), "Ann Lee: Send the quote (due 2026-03-04)")
    ]
    assert complete.followups(store, "9") == []
