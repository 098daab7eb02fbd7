"""The export generators (core/interchange/exporting.py) read straight from a small store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from crmcli.core.activity import followups, interactions
from crmcli.core.activity.interactions import Kind
from crmcli.core.db.store import Store
from crmcli.core.interchange import exporting
from crmcli.core.interchange.crm_columns import CONTACT_CSV_COLUMNS
from crmcli.core.interchange.csv_out import Kind as CellKind
from crmcli.core.people import contacts
from crmcli.core.people.contacts import ContactFields
from crmcli.core.pipeline import deals
from crmcli.core.pipeline.deals import DealFields
from crmcli.core.values.when import When


@pytest.fixture
def book(store: Store) -> dict[str, int]:
    def add(name: str, **kw: Any) -> int:
        return int(contacts.add(store, ContactFields(name=name, **kw)).contact["id"])

    ids = {
        "ann": add(
            "Ann Lee",
            emails=["ann@acme.fr", "ann.lee@home.org"],
            phones=["06 12 34 56 78"],
            company="Acme",
            tags=["VIP", "partner"],
            status="customer",
        ),
        "bob": add("Bob Ray", emails=["bob@globex.com"], company="Globex"),
        "old": add("Old Timer", company="Acme"),
    }
    contacts.archive(store, ids["old"])
    return ids


def test_every_generator_streams(store: Store, book: dict[str, int]) -> None:
    for stream in (
        exporting.contacts(store),
        exporting.companies(store),
        exporting.deals(store),
        exporting.interactions(store),
        exporting.followups(store),
    ):
        assert isinstance(stream, Iterator) and iter(stream) is stream  # read as consumed


def test_contacts_come_whole_with_the_list_filters(store: Store, book: dict[str, int]) -> None:
    rows = list(exporting.contacts(store))
    assert [r["name"] for r in rows] == ["Ann Lee", "Bob Ray"]  # archived ones left out
    ann = rows[0]
    assert [(e["email"], e["primary"]) for e in ann["emails"]] == [
        ("ann@acme.fr", True),
        ("ann.lee@home.org", False),
    ]
    assert [(p["number"], p["e164"]) for p in ann["phones"]] == [("06 12 34 56 78", "+33612345678")]
    assert (ann["company"], ann["status"], ann["tags"]) == ("Acme", "customer", ["partner", "VIP"])
    assert [r["name"] for r in exporting.contacts(store, tag="vip")] == ["Ann Lee"]
    assert [r["name"] for r in exporting.contacts(store, status="customer")] == ["Ann Lee"]
    globex = store.value("SELECT id FROM company WHERE name = 'Globex'")
    assert [r["name"] for r in exporting.contacts(store, company_id=globex)] == ["Bob Ray"]
    assert [r["name"] for r in exporting.contacts(store, archived=True)] == ["Old Timer"]


def test_the_contact_csv_row_flattens_lists_into_its_fixed_columns(
    store: Store, book: dict[str, int]
) -> None:
    ann, bob = (exporting.contact_csv_row(v) for v in exporting.contacts(store))
    assert set(ann) == set(CONTACT_CSV_COLUMNS)
    assert (ann["email"], ann["emails"]) == ("ann@acme.fr", "ann@acme.fr; ann.lee@home.org")
    # International form with spaces: a spreadsheet keeps it as text, `+` and all.
    assert (ann["phone"], ann["phones"]) == ("+33 6 12 34 56 78", "+33 6 12 34 56 78")
    assert (ann["tags"], ann["urls"], ann["custom_fields"]) == ("partner; VIP", "", None)
    assert (bob["phone"], bob["phones"], bob["tags"]) == (None, "", "")


def test_companies_count_their_people(store: Store, book: dict[str, int]) -> None:
    assert [(c["name"], c["people"]) for c in exporting.companies(store)] == [
        ("Acme", 2),  # the archived contact still works there
        ("Globex", 1),
    ]


def test_deals_carry_amounts_in_their_currencys_units_and_filter(
    store: Store, book: dict[str, int]
) -> None:
    big = deals.add(
        store,
        DealFields(title="Big", contact_id=book["ann"], amount="1200", close=date(2026, 4, 30)),
    )["id"]
    deals.add(store, DealFields(title="Yen", contact_id=book["bob"], amount="5000", currency="JPY"))
    deals.add(store, DealFields(title="Free", contact_id=book["bob"]))
    deals.lost(store, big, "budget")
    rows = list(exporting.deals(store))
    assert [(r["title"], r["amount"], r["currency"]) for r in rows] == [
        ("Big", "1200.00", "EUR"),
        ("Yen", "5000", "JPY"),  # no minor unit
        ("Free", None, None),
    ]
    assert (rows[0]["contact_email"], rows[0]["company"], rows[0]["stage"]) == (
        "ann@acme.fr",  # the primary address
        "Acme",
        "Lost",
    )
    assert [r["title"] for r in exporting.deals(store, status="open")] == ["Yen", "Free"]
    assert [r["title"] for r in exporting.deals(store, closing_before=date(2026, 5, 1))] == ["Big"]
    lead = store.value("SELECT id FROM stage WHERE name = 'Lead'")
    assert [r["title"] for r in exporting.deals(store, stage_id=lead)] == ["Yen", "Free"]


def test_interactions_and_their_spreadsheet_safe_tuples(store: Store, book: dict[str, int]) -> None:
    interactions.log(store, book["ann"], Kind.call, '=HYPERLINK("http://evil")')
    interactions.log(store, book["bob"], Kind.email, "plain")
    assert [(r["contact"], r["kind"]) for r in exporting.interactions(store)] == [
        ("Ann Lee", "call"),
        ("Bob Ray", "email"),
    ]
    assert [r["summary"] for r in exporting.interactions(store, contact_id=book["bob"])] == [
        "plain"
    ]
    names, raw = exporting.interaction_tuples(store)
    summary = names.index("summary")
    assert [row[summary] for row in raw] == ['=HYPERLINK("http://evil")', "plain"]
    _, safe = exporting.interaction_tuples(store, safe=True)
    assert [row[summary] for row in safe] == ['\'=HYPERLINK("http://evil")', "plain"]


def test_followups_open_by_due_date_or_all(store: Store, book: dict[str, int]) -> None:
    later = followups.add(store, book["ann"], When(date(2026, 3, 5), None), "Call back")["id"]
    sooner = followups.add(store, book["bob"], When(date(2026, 3, 3), None), "Send deck")["id"]
    first = followups.add(store, book["bob"], When(date(2026, 3, 2), None), "Done already")["id"]
    followups.done(store, first)
    rows = list(exporting.followups(store))
    assert [r["id"] for r in rows] == [sooner, later]
    assert (rows[1]["contact_email"], rows[1]["contact_phone"], rows[1]["due_date"]) == (
        "ann@acme.fr",
        "+33 6 12 34 56 78",
        "2026-03-05",
    )
    assert [r["id"] for r in exporting.followups(store, include_done=True)] == [
        first,
        sooner,
        later,
    ]


@pytest.mark.parametrize(
    ("cell", "kind", "out"),
    [
        ("=1+1", "text", "'=1+1"),
        ("@SUM(A1)", "text", "'@SUM(A1)"),
        ("\tx", "text", "'\tx"),
        ("-cmd|' /C calc'!A0", "text", "'-cmd|' /C calc'!A0"),
        ("+cmd", "text", "'+cmd"),
        ("+33 6 12 34 56 78", "phone", "+33 6 12 34 56 78"),  # one number in a phone column
        ("+33 6 12 34 56 78", "text", "'+33 6 12 34 56 78"),  # not by guessing elsewhere
        ("-42", "number", "-42"),  # an amount in a number column
        ("+1.5e3", "number", "+1.5e3"),
        ("-42", "text", "'-42"),
        ("plain text", "text", "plain text"),
        ("", "text", ""),
    ],
)
def test_neutralise_defuses_formulas_only(cell: str, kind: CellKind, out: str) -> None:
    assert exporting.neutralise(cell, kind) == out
    row = ("keep", cell, 7)
    assert list(next(exporting.neutralised([row], ("text", kind, "number")))) == ["keep", out, 7]


def test_a_row_without_a_formula_goes_out_as_it_came() -> None:
    plain = ("Ann", "06 12 34 56 78", None, 3)
    phone = ("Bob", "+33 6 12 34 56 78")
    risky = ("=x", "-y")
    out = list(exporting.neutralised([plain, phone, risky], ("text", "phone")))
    assert out[0] is plain  # not copied: a million-row export copies nothing it need not
    assert list(out[1]) == list(phone)
    assert out[2] == ["'=x", "'-y"]
