"""The first keystrokes of a search as you type: a screenful of contacts a name word begins
with, read from the index in its order, never more rows than asked for."""

from __future__ import annotations

import pytest

from crmcli.core.db.store import Store
from crmcli.core.people import bulk_tags, contacts
from crmcli.core.people.contacts import ContactFields
from crmcli.core.search.prefix import short_word, starting


def add(store: Store, name: str, **kw: object) -> int:
    return int(contacts.add(store, ContactFields(name=name, **kw)).contact["id"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "word"),
    [("o", "o"), ("Ol", "ol"), (" É ", "e"), ("o'", "o"), ("oli", None), ("o b", None)],
)
def test_a_short_word_is_one_word_of_one_or_two_letters(typed: str, word: str | None) -> None:
    assert short_word(typed) == word


@pytest.mark.parametrize("typed", ["06", "7", "a@", "@b", "", "  "])
def test_digits_addresses_and_nothing_are_left_to_find(typed: str) -> None:
    assert short_word(typed) is None


def test_names_a_word_begins_exact_word_first_then_in_order(store: Store) -> None:
    zoe = add(store, "Zoë Olsen")
    sean = add(store, "Sean O'Brien")  # name words "sean", "o", "brien"
    oscar = add(store, "Oscar Wilde")
    add(store, "Ann Lee", emails=["olga@example.com"])  # an address: not a name word
    hits = starting(store, "o", limit=10)
    assert [h.contact_id for h in hits] == [sean, zoe, oscar]  # "o", "olsen", "oscar"
    assert hits[0].matched == {"name": "o"} and hits[0].score == 1.0
    assert [h.contact_id for h in starting(store, "ol", limit=10)] == [zoe]


def test_a_contact_with_two_such_words_is_listed_once(store: Store) -> None:
    both = add(store, "Olivia Olsen")
    other = add(store, "Otto Berg")
    assert [h.contact_id for h in starting(store, "o", limit=10)] == [both, other]


def test_at_most_the_limit_and_never_the_archived(store: Store) -> None:
    ids = [add(store, f"Mia Person{n}") for n in range(6)]
    bulk_tags.archive(store, [ids[0]])
    found = [h.contact_id for h in starting(store, "mi", limit=3)]
    assert found == ids[1:4]
