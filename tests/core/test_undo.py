"""Undo through the core service: a batch reverted from the change log, a dependent one refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmcli.core.config import Config
from crmcli.core.db.opening import open_store
from crmcli.core.db.store import Store
from crmcli.core.errors import NotFound, Refused
from crmcli.core.people import contacts
from crmcli.core.people.contacts import ContactFields
from crmcli.core.pipeline import deals
from crmcli.core.pipeline.deals import DealFields
from crmcli.core.search.find import find
from crmcli.core.undo import recent, undo
from tests.conftest import dump


def add(store: Store, name: str, **kw: object) -> int:
    return int(contacts.add(store, ContactFields(name=name, **kw)).contact["id"])  # type: ignore[arg-type]


def snapshot(store: Store) -> str:
    """Every table but the change log (an undo marks its batch there) and the id counters
    (AUTOINCREMENT never hands an id out twice, undone or not)."""
    return "\n".join(
        line
        for line in dump(Path(store.location.target)).splitlines()
        if "change_log" not in line and "sqlite_sequence" not in line
    )


def test_undo_reverts_the_latest_write_and_marks_its_batch(store: Store) -> None:
    ann = add(store, "Ann Lee", emails=["ann@x.org"])
    before_edit = snapshot(store)
    contacts.edit(store, ann, ContactFields(title="CFO", add_tags=["vip"]))
    assert store.value("SELECT title FROM contact WHERE id = ?", (ann,)) == "CFO"
    assert [b.command for b in recent(store, "me")] == [f"contact edit {ann}", "contact add"]
    undone = undo(store, "me")
    assert undone.command == f"contact edit {ann}"
    assert undone.changes == store.value(
        "SELECT count(*) FROM change_log WHERE batch = ? AND undone_at IS NOT NULL",
        (undone.batch,),
    )
    assert snapshot(store) == before_edit  # the title, the tag and the index as they were
    assert [b.command for b in recent(store, "me")] == ["contact add"]
    undo(store, "me")
    assert store.value("SELECT count(*) FROM contact") == 0
    assert store.value("SELECT count(*) FROM contact_email") == 0
    assert find(store, "ann") == []  # the search index follows
    with pytest.raises(Refused, match="nothing to undo"):
        undo(store, "me")  # an undo is never itself undone: no redo


def test_undo_brings_a_deleted_contact_back_with_its_id_and_index(store: Store) -> None:
    ann = add(store, "Ann Lee", emails=["ann@x.org"], phones=["06 12 34 56 78"])
    deal = deals.add(store, DealFields(title="Big deal", contact_id=ann))["id"]
    before = snapshot(store)
    contacts.delete(store, ann)
    assert store.value("SELECT count(*) FROM contact") == 0
    assert store.value("SELECT contact_id FROM deal WHERE id = ?", (deal,)) is None
    undo(store, "me")
    assert snapshot(store) == before
    assert store.value("SELECT contact_id FROM deal WHERE id = ?", (deal,)) == ann
    assert find(store, "0612345678") != []


def test_a_batch_further_back_is_refused_while_a_later_change_depends_on_it(
    store: Store,
) -> None:
    ann = add(store, "Ann Lee")
    add(store, "Bob Ray")
    contacts.edit(store, ann, ContactFields(title="CFO"))
    ann_add, bob_add = recent(store, "me")[2].id, recent(store, "me")[1].id
    before = snapshot(store)
    with pytest.raises(Refused, match=r"a later change \(#\d+\) touched the same contact"):
        undo(store, "me", ann_add)
    assert snapshot(store) == before
    assert len(recent(store, "me")) == 3  # nothing was marked undone
    undo(store, "me", bob_add)  # nothing later touched Bob
    assert [r[0] for r in store.tuples("SELECT display_name FROM contact")] == ["Ann Lee"]
    with pytest.raises(Refused, match="already undone"):
        undo(store, "me", bob_add)
    with pytest.raises(NotFound, match="no change #99999"):
        undo(store, "me", 99999)


def test_undo_by_id_needs_the_first_entry_of_a_batch(store: Store) -> None:
    add(store, "Ann Lee", emails=["ann@x.org"])
    first = recent(store, "me")[0].id
    later_entry = store.value("SELECT max(id) FROM change_log")
    assert later_entry != first  # the add wrote the contact and its email
    with pytest.raises(NotFound):
        undo(store, "me", int(later_entry))


def test_a_deal_move_is_undone_with_its_history_row(store: Store) -> None:
    deal_id = deals.add(store, DealFields(title="Big", contact_id=add(store, "Ann Lee")))["id"]
    deals.move(store, deal_id, "Proposal")
    undo(store, "me")
    deal = deals.get(store, deal_id)
    assert (deal["stage"], deal["version"]) == ("Lead", 1)
    assert [h["to_stage"] for h in deals.history(store, deal_id)] == ["Lead"]


def test_another_users_change_is_not_yours_to_undo(store: Store, tmp_path) -> None:
    add(store, "Ann Lee")
    theirs = recent(store, "me")[0].id
    other = open_store(
        store.location.target,
        Config({"default_region": "FR", "user": "sam"}, tmp_path / "sam.toml"),
        write=True,
    )
    try:
        with pytest.raises(Refused, match="nothing to undo"):
            undo(other, "sam")
        with pytest.raises(Refused, match=f"change #{theirs} was made by me, not you"):
            undo(other, "sam", theirs)
    finally:
        other.close()
    assert store.value("SELECT count(*) FROM contact") == 1
