"""Undoing what a front end wrote (`(via mcp)` batches), never the rep's shell work."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from crmcli.core import undo
from crmcli.core.activity import interactions
from crmcli.core.activity.interactions import Kind
from crmcli.core.config import Config
from crmcli.core.db.opening import open_store
from crmcli.core.db.store import DryRun, Store
from crmcli.core.errors import NotFound, Refused
from crmcli.core.people import contacts
from crmcli.core.people.contacts import ContactFields
from tests.conftest import dump

# Left out of a snapshot: the change log (an undo marks its batch there), the id counters
# (AUTOINCREMENT never hands an id out twice) and the full-text indexes' segment pages
# (FTS5 records a delete as a tombstone until it merges; what they index is compared
# through the tables themselves).
UNCOMPARED = ("change_log", "sqlite_sequence", "_fts_data", "_fts_idx")


def snapshot(db: Path) -> str:
    """The database's content as SQL text, less what an undo may not restore bit for bit."""
    lines = [line for line in dump(db).splitlines() if not any(t in line for t in UNCOMPARED)]
    conn = sqlite3.connect(db)
    try:
        for (table,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%fts5%' "
            "ORDER BY name"
        ):
            lines += [repr(row) for row in conn.execute(f"SELECT rowid, * FROM {table}")]
    finally:
        conn.close()
    return "\n".join(lines)


def _add(store: Store, name: str) -> int:
    return int(contacts.add(store, ContactFields(name=name)).contact["id"])


def test_made_via_reads_the_suffix_the_store_writes(store: Store) -> None:
    store.origin = "mcp"
    _add(store, "Ann Lee")
    (batch,) = undo.recent(store, "me")
    assert undo.made_via(batch.command, "mcp")
    assert not undo.made_via("contact add", "mcp")
    assert not undo.made_via("contact add (via tui)", "mcp")


def test_the_newest_batch_of_the_origin_is_undone_and_shell_work_is_left(
    store: Store, db: Path
) -> None:
    ann = _add(store, "Ann Lee")  # the shell
    before = snapshot(db)
    store.origin = "mcp"
    interactions.log(store, ann, Kind.call, "asked for a quote")
    store.origin = None
    bob = _add(store, "Bob Ray")  # the shell again, after the assistant
    done = undo.undo_own(store, "me", "mcp")
    assert done.command == f"log call {ann} (via mcp)"
    assert store.value("SELECT count(*) FROM interaction") == 0
    assert store.value("SELECT count(*) FROM contact WHERE id = ?", (bob,)) == 1
    contacts.delete(store, bob)
    undo.undo(store, "me")  # the delete of Bob
    undo.undo(store, "me")  # Bob's add
    assert snapshot(db) == before
    with pytest.raises(Refused, match="nothing made via mcp is left to undo"):
        undo.undo_own(store, "me", "mcp")


def test_a_shell_batch_named_by_id_is_refused_with_the_command_for_it(store: Store) -> None:
    _add(store, "Ann Lee")
    (shell,) = undo.recent(store, "me")
    with pytest.raises(Refused, match=f"made in the shell.*`crm undo {shell.id}`"):
        undo.undo_own(store, "me", "mcp", shell.id)
    with pytest.raises(NotFound, match="no change #999"):
        undo.undo_own(store, "me", "mcp", 999)
    assert store.value("SELECT count(*) FROM contact") == 1


def test_a_dry_run_undo_shows_the_inverse_and_changes_nothing(store: Store, db: Path) -> None:
    ann = _add(store, "Ann Lee")
    store.origin = "mcp"
    contacts.edit(store, ann, ContactFields(title="CFO"))
    before = dump(db)
    store.dry_run = True
    with pytest.raises(DryRun) as caught:
        undo.undo_own(store, "me", "mcp")
    store.dry_run = False
    assert dump(db) == before
    assert caught.value.command.endswith("(via mcp)")
    (change,) = [c for c in caught.value.changes if c["table_name"] == "contact"]
    assert change["op"] == "update"
    assert change["before"]["title"] == "CFO"
    assert change["after"]["title"] is None


def test_the_assistants_batches_are_found_on_both_backends(
    backend: str, tmp_path: Path, clock_at: Any
) -> None:
    config = Config({"default_region": "FR", "user": "me"}, tmp_path / "config.toml")
    store = open_store(backend, config, write=True)
    try:
        ann = _add(store, "Ann Lee")
        store.origin = "mcp"
        contacts.edit(store, ann, ContactFields(title="CFO"))
        store.origin = None
        _add(store, "Bob Ray")
        shell = undo.recent(store, "me")[0]
        with pytest.raises(Refused, match="made in the shell"):
            undo.undo_own(store, "me", "mcp", shell.id)
        assert undo.undo_own(store, "me", "mcp").command == f"contact edit {ann} (via mcp)"
        assert store.value("SELECT title FROM contact WHERE id = ?", (ann,)) is None
        assert store.value("SELECT count(*) FROM contact") == 2
    finally:
        store.close()
