"""Merging two contacts, or two companies, through the core service (core/people/merging.py).

KEEP's own values win, its empty fields are filled from OTHER, OTHER's history moves
to KEEP, and the whole merge is one undoable batch taken after a backup.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from crmcli.core.activity import followups, interactions
from crmcli.core.activity.interactions import Kind
from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid, NotFound
from crmcli.core.people import companies, contacts, merging
from crmcli.core.people.contacts import ContactFields
from crmcli.core.pipeline import deals
from crmcli.core.pipeline.deals import DealFields
from crmcli.core.search.find import describe, find
from crmcli.core.undo import undo
from crmcli.core.values.when import When


def add(store: Store, name: str, **kw: object) -> int:
    return int(contacts.add(store, ContactFields(name=name, **kw)).contact["id"])  # type: ignore[arg-type]


@pytest.fixture
def pair(store: Store, clock_at: Callable[[str], None]) -> tuple[int, int]:
    keep = add(
        store,
        "Ann Lee",
        emails=["ann@acme.fr"],
        phones=["06 12 34 56 78"],
        tags=["vip"],
        company="Acme",
    )
    other = add(
        store,
        "Ann Lee-Smith",
        emails=["ANN@acme.fr", "ann@home.org"],  # the first is Ann's own address again
        phones=["+33 6 12 34 56 78", "01 44 55 66 77"],  # so is the first number
        tags=["VIP", "golf"],
        company="Initech",
        notes="met at the fair",
        source="referral",
    )
    contacts.edit(store, keep, ContactFields(title="CFO"))
    contacts.edit(store, other, ContactFields(title="Director", do_not_contact=True))
    clock_at("2026-03-03T10:00:00Z")
    interactions.log(store, other, Kind.call, "talked about the renewal")
    followups.add(store, other, When(date(2026, 3, 10), None), "send the quote")
    deals.add(store, DealFields(title="Renewal", contact_id=other))
    return keep, other


def test_the_plan_says_what_will_change(store: Store, pair: tuple[int, int]) -> None:
    keep, other = pair
    plan = merging.plan(store, keep, other)
    assert plan.fill == {"notes": "met at the fair", "lead_source": "referral"}
    assert plan.moves == {"interaction": 1, "followup": 1, "deal": 1}
    assert (plan.new_emails, plan.new_phones, plan.new_tags) == (
        ["ann@home.org"],
        ["01 44 55 66 77"],
        ["golf"],
    )
    lines = plan.lines()
    assert lines[0] == f"keep #{keep} Ann Lee; delete #{other} Ann Lee-Smith"
    assert "  emails added: ann@home.org" in lines
    assert "  notes filled in: met at the fair" in lines
    # Planning writes nothing.
    assert store.value("SELECT count(*) FROM contact") == 2


def test_merge_moves_everything_to_keep_and_deletes_other(
    store: Store, pair: tuple[int, int]
) -> None:
    keep, other = pair
    merging.merge(store, keep, other)
    assert store.value("SELECT count(*) FROM contact WHERE id = ?", (other,)) == 0
    for table in ("interaction", "followup", "deal"):
        assert store.tuples(f"SELECT contact_id FROM {table}") == [(keep,)], table
    person = store.row("SELECT * FROM contact WHERE id = ?", (keep,))
    assert person is not None
    assert person["title"] == "CFO"  # KEEP's own value wins
    assert (person["notes"], person["lead_source"]) == ("met at the fair", "referral")
    assert bool(person["do_not_contact"]) is True  # a do-not-contact request survives
    assert store.value("SELECT name FROM company WHERE id = ?", (person["company_id"],)) == "Acme"
    assert person["last_touch_at"] == "2026-03-03T10:00:00.000000Z"  # the moved call counts
    assert store.tuples(
        "SELECT email, is_primary FROM contact_email WHERE contact_id = ? ORDER BY id", (keep,)
    ) in (
        [("ann@acme.fr", 1), ("ann@home.org", 0)],
        [("ann@acme.fr", True), ("ann@home.org", False)],
    )
    assert store.tuples(
        "SELECT e164 FROM contact_phone WHERE contact_id = ? ORDER BY id", (keep,)
    ) == [("+33612345678",), ("+33144556677",)]
    assert sorted(
        r[0] for r in store.tuples("SELECT tag FROM contact_tag WHERE contact_id = ?", (keep,))
    ) == ["golf", "vip"]
    for table in ("contact_email", "contact_phone", "contact_tag", "search_term"):
        assert store.value(f"SELECT count(*) FROM {table} WHERE contact_id = ?", (other,)) == 0
    # OTHER's address and tag now find KEEP, through the rebuilt index.
    assert [r["id"] for r in describe(store, find(store, "ann@home.org"))] == [keep]
    assert [r["id"] for r in describe(store, find(store, "golf"))] == [keep]


def test_merge_takes_a_backup_and_undo_takes_it_all_back(
    store: Store, pair: tuple[int, int], tmp_path: Path
) -> None:
    keep, other = pair
    tables = ("contact", "contact_email", "contact_phone", "contact_tag", "interaction", "deal")
    before = {t: store.rows(f"SELECT * FROM {t} ORDER BY id") for t in tables}
    merging.merge(store, keep, other)
    backups = list(tmp_path.rglob("*-pre-merge.db"))
    assert len(backups) == 1
    undone = undo(store, "me")
    assert undone.command == f"contact merge {keep} {other}"
    assert {t: store.rows(f"SELECT * FROM {t} ORDER BY id") for t in tables} == before
    assert [r["id"] for r in describe(store, find(store, "ann@home.org"))] == [other]


def test_merge_refuses_a_contact_with_itself_or_one_that_is_gone(
    store: Store, pair: tuple[int, int]
) -> None:
    keep, _ = pair
    with pytest.raises(Invalid, match="cannot merge a contact with itself"):
        merging.merge(store, keep, keep)
    with pytest.raises(NotFound):
        merging.merge(store, keep, 999)
    assert store.value("SELECT count(*) FROM contact") == 2
    assert store.value("SELECT count(*) FROM change_log WHERE command LIKE 'contact merge%'") == 0


def test_merging_companies_moves_people_and_deals_and_fills_gaps(store: Store) -> None:
    acme = companies.add(store, "Acme")["id"]
    acme_sas = companies.add(store, "Acme France", domain="acme.fr", industry="Software")["id"]
    ann = add(store, "Ann Lee", company="Acme France")
    deal = deals.add(store, DealFields(title="Big", company_id=acme_sas))["id"]
    moved = merging.merge_companies(store, acme, acme_sas)
    assert moved == {"contact": 1, "deal": 1}
    assert store.value("SELECT company_id FROM contact WHERE id = ?", (ann,)) == acme
    assert store.value("SELECT company_id FROM deal WHERE id = ?", (deal,)) == acme
    assert store.row("SELECT name, domain, industry FROM company") == {
        "name": "Acme",
        "domain": "acme.fr",
        "industry": "Software",
    }
    assert [r["id"] for r in describe(store, find(store, "acme"))] == [ann]
    with pytest.raises(Invalid, match="cannot merge a company with itself"):
        merging.merge_companies(store, acme, acme)
