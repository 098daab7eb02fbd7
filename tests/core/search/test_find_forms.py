"""`find` on the store: names without punctuation, number fragments in national and
international form, and `@domain`, all worked out at query time (region FR)."""

from __future__ import annotations

import pytest

from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid
from crmcli.core.people import companies, contacts
from crmcli.core.people.contacts import ContactFields
from crmcli.core.search.find import find
from crmcli.core.search.numbers import looks_like_number


def add(store: Store, name: str, phone: str | None = None, **kw: object) -> int:
    fields = ContactFields(name=name, phones=[phone] if phone else None, **kw)  # type: ignore[arg-type]
    return int(contacts.add(store, fields).contact["id"])


def ids(store: Store, query: str) -> list[int]:
    return [hit.contact_id for hit in find(store, query)]


@pytest.fixture
def people(store: Store) -> dict[str, int]:
    return {
        "helene": add(store, "Hélène Dupré", "+33 6 12 34 56 78"),
        "mpls": add(store, "Mia Lind", "+1 612 555 0199"),  # Minneapolis: 612, no 0612
        "twice": add(store, "Tom Twelve", "+33 6 12 12 00 00"),
        "sean": add(store, "Sean O'Brien", "+1 212 555 0100", emails=["sean@initech.example"]),
        "dangelo": add(store, "Luca D'Angelo-Russo"),
    }


def test_a_national_fragment_matches_national_numbers_only(
    store: Store, people: dict[str, int]
) -> None:
    """ "0612" is how a French rep writes 06 12...: the US 612 area code has no 0 in
    front of it, in any form."""
    assert sorted(ids(store, "0612")) == sorted([people["helene"], people["twice"]])
    assert people["mpls"] in ids(store, "612")


def test_a_fragment_after_a_plus_is_the_start_of_the_number(
    store: Store, people: dict[str, int]
) -> None:
    assert ids(store, "+1 212") == [people["sean"]]  # not "+33 6 12 12..."
    assert sorted(ids(store, "1212")) == sorted([people["sean"], people["twice"]])


def test_three_digits_are_a_fragment_two_are_not(store: Store, people: dict[str, int]) -> None:
    assert looks_like_number("212") and looks_like_number("(212)")
    assert not looks_like_number("21") and not looks_like_number("obrien")
    # +1 212 (an area code) before +33 6 12 12 (212 somewhere inside)
    assert ids(store, "212") == [people["sean"], people["twice"]]


def test_joined_names_rank_with_the_plain_ones(store: Store, people: dict[str, int]) -> None:
    obrienne = add(store, "Obrienne Stone")
    assert ids(store, "obrien") == [people["sean"], obrienne]  # the whole word first
    assert ids(store, "dangelo") == [people["dangelo"]]
    assert ids(store, "angelorusso") == [people["dangelo"]]  # from any word on
    assert ids(store, "luca dangelorusso") == [people["dangelo"]]
    assert ids(store, "seanobrien") == []  # a space is no punctuation


def test_at_domain_reads_addresses_and_company_domains(
    store: Store, people: dict[str, int]
) -> None:
    staff = add(store, "Ines Staff", company="Initech")
    company_id = int(store.value("SELECT company_id FROM contact WHERE id = ?", (staff,)))
    assert ids(store, "@initech.example") == [people["sean"]]
    companies.edit(store, company_id, domain="initech.example")
    assert sorted(ids(store, "@initech.example")) == sorted([people["sean"], staff])
    assert ids(store, "@initech.example")[0] == people["sean"]  # an address beats a company
    with pytest.raises(Invalid):
        find(store, "@")
