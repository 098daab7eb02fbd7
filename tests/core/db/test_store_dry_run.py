"""Dry runs and origins: what a front end other than the shell needs from the store.

A dry run goes through the very code that would write and is rolled back at the end,
so what it reports is what the write would do; a batch written with an origin says so
in the change log, which is what `crm undo --list` shows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crmcli.core import undo
from crmcli.core.activity import interactions
from crmcli.core.activity.interactions import Kind
from crmcli.core.db.store import DryRun, Store
from crmcli.core.people import contacts
from crmcli.core.people.contacts import ContactFields
from tests.conftest import dump


def _someone(store: Store) -> int:
    fields = ContactFields(name="Hélène Dupont", emails=["helene@example.com"])
    return int(contacts.add(store, fields).contact["id"])


def test_a_dry_run_reports_the_changes_and_makes_none(store: Store, db: Path) -> None:
    person = _someone(store)
    before = dump(db)
    store.dry_run = True
    with pytest.raises(DryRun) as caught:
        interactions.log(store, person, Kind.call, "asked for the revised quote")
    store.dry_run = False
    assert dump(db) == before
    changes = caught.value.changes
    inserted = [c for c in changes if c["op"] == "insert"]
    assert [c["table_name"] for c in inserted] == ["interaction"]
    assert inserted[0]["after"]["summary"] == "asked for the revised quote"
    assert any(c["table_name"] == "contact" and c["op"] == "update" for c in changes)
    # the store writes for real again afterwards
    interactions.log(store, person, Kind.call, "second call")
    assert store.value("SELECT count(*) FROM interaction") == 1


def test_a_refused_dry_run_raises_the_refusal_not_a_dry_run(store: Store) -> None:
    store.dry_run = True
    with pytest.raises(Exception) as caught:
        interactions.log(store, 999, Kind.call, "nobody")
    assert not isinstance(caught.value, DryRun)


def test_an_origin_marks_every_batch_and_undo_lists_it(store: Store) -> None:
    store.origin = "mcp"
    person = _someone(store)
    interactions.log(store, person, Kind.note, "met at the fair")
    listed = undo.recent(store, "me")
    assert [b.command for b in listed] == [f"log note {person} (via mcp)", "contact add (via mcp)"]
    assert undo.undo(store, "me").command.endswith("(via mcp)")
    assert store.value("SELECT count(*) FROM interaction") == 0
