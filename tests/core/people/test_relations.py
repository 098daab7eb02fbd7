"""Relationships between people (`core.people.relations`) on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from crmcli.core.config import Config
from crmcli.core.db.opening import open_store
from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid, NotFound
from crmcli.core.people import contacts, extras, relations
from crmcli.core.people.contacts import ContactFields
from crmcli.core.people.relations import Meaning, parse_kind
from crmcli.core.undo import undo


@pytest.fixture
def store(backend: str, tmp_path: Path) -> Iterator[Store]:
    config = Config({"default_region": "FR", "user": "me"}, tmp_path / "c.toml")
    s = open_store(backend, config, write=True)
    yield s
    s.close()


def add(store: Store, name: str) -> int:
    return int(contacts.add(store, ContactFields(name=name)).contact["id"])


def seen(store: Store, contact_id: int) -> list[tuple[str, str | None, str]]:
    return [(r["name"], r["label"], r["direction"]) for r in relations.listing(store, contact_id)]


def rows(store: Store) -> list[tuple[int, str | None, int | None]]:
    return [
        (int(a), k, b)
        for a, k, b in store.tuples(
            "SELECT contact_id, kind, related_id FROM contact_relation ORDER BY id"
        )
    ]


@pytest.mark.parametrize(
    ("typed", "kind", "on_first"),
    [
        ("reports to", "manager", True),
        ("Reports  TO", "manager", True),
        ("manager of", "manager", False),
        ("manager", "manager", False),
        ("assistant of", "assistant", False),
        ("referred by", "referred by", True),
        ("referrer of", "referred by", False),
        ("spouse", "spouse", True),
        ("Wife", "spouse", True),
        ("colleague", "colleague", True),
        ("co-worker", "colleague", True),
        ("partner", "partner", True),
        ("parent of", "parent", False),
        ("child of", "child", False),
        ("mother", "parent", False),
        ("mentor", "mentor", False),
        ("Mentor of", "mentor", False),
        ("godfather of", "godfather", False),
    ],
)
def test_typed_kinds_read_as_a_kind_to_b(typed: str, kind: str, on_first: bool) -> None:
    assert parse_kind(typed) == Meaning(kind, on_first)


@pytest.mark.parametrize("typed", ["", "   ", "x" * 61])
def test_a_kind_that_is_no_kind_is_refused(typed: str) -> None:
    with pytest.raises(Invalid):
        parse_kind(typed)


def test_reports_to_shows_on_both_with_the_inverse(store: Store) -> None:
    ann, bob = add(store, "Ann Lee"), add(store, "Bob Boss")
    done = relations.relate(store, ann, "reports to", bob)
    assert done.created and done.sentence() == f"#{ann} Ann Lee reports to #{bob} Bob Boss"
    assert rows(store) == [(ann, "manager", bob)]  # vCard's reading: Bob is Ann's manager
    assert seen(store, ann) == [("Bob Boss", "manager", "own")]
    assert seen(store, bob) == [("Ann Lee", "direct report", "named by")]
    # `manager of` from the other side is the same relation: not stored twice
    again = relations.relate(store, bob, "manager of", ann)
    assert not again.created and rows(store) == [(ann, "manager", bob)]


def test_symmetric_kinds_are_one_relation_either_way(store: Store) -> None:
    ann, bob = add(store, "Ann Lee"), add(store, "Bob Boss")
    relations.relate(store, ann, "spouse", bob)
    assert not relations.relate(store, bob, "Husband", ann).created
    assert seen(store, bob) == [("Ann Lee", "spouse", "named by")]
    assert len(rows(store)) == 1


def test_assistant_referral_parent_and_own_words(store: Store) -> None:
    ann, tom, kim = add(store, "Ann Lee"), add(store, "Tom Aide"), add(store, "Kim Kid")
    relations.relate(store, tom, "assistant of", ann)
    relations.relate(store, ann, "parent of", kim)
    relations.relate(store, kim, "referred by", tom)
    relations.relate(store, tom, "mentor", kim)
    assert seen(store, ann) == [
        ("Tom Aide", "assistant", "own"),
        ("Kim Kid", "child", "named by"),
    ]
    assert seen(store, tom) == [
        ("Ann Lee", "executive", "named by"),
        ("Kim Kid", "referral", "named by"),
        ("Kim Kid", "whose mentor", "named by"),
    ]
    assert seen(store, kim) == [
        ("Ann Lee", "parent", "own"),
        ("Tom Aide", "referred by", "own"),
        ("Tom Aide", "mentor", "own"),
    ]


def test_self_relation_refused_and_nothing_written(store: Store) -> None:
    ann = add(store, "Ann Lee")
    with pytest.raises(Invalid, match="themselves"):
        relations.relate(store, ann, "colleague", ann)
    assert rows(store) == []


def test_unrelate_one_kind_or_all_and_none_is_not_found(store: Store) -> None:
    ann, bob = add(store, "Ann Lee"), add(store, "Bob Boss")
    relations.relate(store, ann, "reports to", bob)
    relations.relate(store, ann, "friend", bob)
    relations.relate(store, bob, "mentor", ann)
    with pytest.raises(NotFound, match=r"not related .* as spouse"):
        relations.unrelate(store, ann, bob, "spouse")
    assert relations.unrelate(store, bob, ann, "manager of").removed == ["manager of"]
    assert relations.unrelate(store, ann, bob).removed == ["friend", "has as mentor"]
    assert rows(store) == []
    with pytest.raises(NotFound):
        relations.unrelate(store, ann, bob)


def test_each_is_one_undo_batch(store: Store) -> None:
    ann, bob = add(store, "Ann Lee"), add(store, "Bob Boss")
    relations.relate(store, ann, "reports to", bob)
    relations.relate(store, ann, "friend", bob)
    relations.unrelate(store, ann, bob)
    assert rows(store) == []
    undo(store, "me")
    assert sorted(rows(store)) == [(ann, "friend", bob), (ann, "manager", bob)]
    undo(store, "me")
    assert rows(store) == [(ann, "manager", bob)]


def test_a_name_only_relation_is_linked_not_doubled(store: Store) -> None:
    ann = add(store, "Ann Lee")
    with store.write("seed") as tx:
        extras.add(tx, ann, {}, [("Bob Boss", "manager")], [], [])
    bob = add(store, "Bob Boss")  # link_newcomer links it... unless a namesake exists
    store.conn.execute("UPDATE contact_relation SET related_id = NULL")
    store.conn.commit()
    done = relations.relate(store, ann, "reports to", bob)
    assert done.created and done.linked
    assert rows(store) == [(ann, "manager", bob)]


def test_renamed_contacts_show_their_current_name(store: Store) -> None:
    ann, bob = add(store, "Ann Lee"), add(store, "Bob Boss")
    relations.relate(store, ann, "colleague", bob)
    contacts.edit(store, bob, ContactFields(name="Robert Boss"))
    assert seen(store, ann) == [("Robert Boss", "colleague", "own")]


def test_card_uids_of_related_contacts(store: Store) -> None:
    ann, bob = add(store, "Ann Lee"), add(store, "Bob Boss")
    uid = "urn:uuid:0f3c2b0e-1111-4222-8333-444455556666"
    with store.write("seed") as tx:
        tx.update("contact", bob, {"external_ids": json.dumps({"vcard": uid})})
    assert relations.card_uids(store) == {}
    relations.relate(store, ann, "reports to", bob)
    assert relations.card_uids(store) == {bob: uid}


def test_a_merge_keeps_each_relation_once_none_to_oneself_and_undo_restores_every_row(
    store: Store,
) -> None:
    """Redteam #24/3: a relation to both duplicates was doubled, one between them became
    Bob's relation to himself, and rows the foreign keys deleted or blanked (CASCADE,
    SET NULL) were not in the change log, so `crm undo` could not restore them."""
    from crmcli.core.people import merging

    ann, bob, bob2, cat = (add(store, n) for n in ("Ann Lee", "Bob Boss", "Bob Boss", "Cat Moss"))
    relations.relate(store, ann, "colleague", bob)
    relations.relate(store, ann, "colleague", bob2)
    relations.relate(store, bob, "friend", cat)
    relations.relate(store, bob2, "friend", cat)  # Bob has it: it goes with Bob2
    relations.relate(store, bob2, "reports to", bob)  # between the two: nobody's any more
    relations.relate(store, cat, "reports to", bob2)  # moves to name Bob
    everything = "SELECT * FROM contact_relation ORDER BY id"
    before = store.rows(everything)
    merging.merge(store, bob, bob2)
    assert rows(store) == [(ann, "colleague", bob), (bob, "friend", cat), (cat, "manager", bob)]
    assert all(r["contact_id"] != bob for r in relations.listing(store, bob))
    undo(store, "me")
    assert store.rows(everything) == before
