"""Tag, untag and archive a chosen set of contacts: one batch each, exactly those, one undo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crmcli.core.config import Config
from crmcli.core.db.opening import open_store
from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid
from crmcli.core.people import bulk_tags, contacts
from crmcli.core.people.contacts import ContactFields
from crmcli.core.search import find
from crmcli.core.undo import undo


@pytest.fixture
def store(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("CRM_NOW", "2026-03-02T09:00:00Z")
    config = Config({"default_region": "FR", "user": "me", "currency": "EUR"}, tmp_path / "c.toml")
    s = open_store(backend, config, write=True)
    yield s
    s.close()


@pytest.fixture
def people(store: Store) -> list[int]:
    """Four contacts: Ann (tagged VIP), Bob, Cleo, and Dan (archived)."""
    ids = []
    for name, tags in (("Ann Lee", ["VIP"]), ("Bob Roy", []), ("Cleo Ng", []), ("Dan Orr", [])):
        ids.append(int(contacts.add(store, ContactFields(name=name, tags=tags)).contact["id"]))
    contacts.archive(store, ids[3])
    return ids


def tags_of(store: Store, tag_key: str) -> list[int]:
    rows = store.tuples(
        "SELECT contact_id FROM contact_tag WHERE tag_key = ? ORDER BY 1", (tag_key,)
    )
    return [int(r[0]) for r in rows]


def batches(store: Store) -> list[tuple[str, int]]:
    return [
        (str(r[0]), int(r[1]))
        for r in store.tuples(
            "SELECT min(command), count(*) FROM change_log WHERE undone_at IS NULL "
            "GROUP BY batch ORDER BY min(id)"
        )
    ]


def test_tag_gives_the_tag_to_the_chosen_only_in_one_batch(
    store: Store, people: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    ann, bob, _, dan = people
    monkeypatch.setenv("CRM_NOW", "2026-03-03T09:00:00Z")  # a day on: a new version stamp
    before = batches(store)
    done = bulk_tags.tag(store, [ann, bob, dan, 999], "vip")
    assert (done.changed, done.unchanged) == (1, 1)  # Bob; Ann had it; Dan archived, 999 none
    assert tags_of(store, "vip") == [ann, bob]
    assert batches(store) == [*before, ("contact tag vip", 2)]  # Bob's tag and version
    assert undo(store, "me").command == "contact tag vip"
    assert tags_of(store, "vip") == [ann]


def test_a_tag_of_several_words_is_found_by_them(store: Store, people: list[int]) -> None:
    _, bob, cleo, _ = people
    bulk_tags.tag(store, [bob, cleo], "Trade Show 2026")
    found = {h.contact_id for h in find.find(store, "trade show")}
    assert found == {bob, cleo}
    bulk_tags.untag(store, [bob], "trade show 2026")  # case ignored
    assert {h.contact_id for h in find.find(store, "trade show")} == {cleo}


def test_untag_takes_it_off_those_that_have_it(store: Store, people: list[int]) -> None:
    ann, bob, cleo, _ = people
    done = bulk_tags.untag(store, [ann, bob, cleo], "vip")
    assert (done.changed, done.unchanged) == (1, 2)
    assert tags_of(store, "vip") == []
    undo(store, "me")
    assert tags_of(store, "vip") == [ann]


def test_archive_archives_the_chosen_and_undo_brings_them_back(
    store: Store, people: list[int]
) -> None:
    ann, _, cleo, dan = people
    done = bulk_tags.archive(store, [ann, cleo, dan])
    assert (done.changed, done.unchanged) == (2, 1)  # Dan was archived already
    archived = store.tuples("SELECT id FROM contact WHERE archived_at IS NOT NULL ORDER BY id")
    assert [int(r[0]) for r in archived] == [ann, cleo, dan]
    assert batches(store)[-1] == ("contact archive", 2)
    undo(store, "me")
    archived = store.tuples("SELECT id FROM contact WHERE archived_at IS NOT NULL ORDER BY id")
    assert [int(r[0]) for r in archived] == [dan]


@pytest.mark.parametrize("tag", ["", "  ", "!!"])
def test_a_tag_with_no_letter_is_refused_and_nothing_written(
    store: Store, people: list[int], tag: str
) -> None:
    before = batches(store)
    with pytest.raises(Invalid, match="empty or punctuation-only tag"):
        bulk_tags.tag(store, people, tag)
    assert batches(store) == before
