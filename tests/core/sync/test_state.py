"""Sync state: one row per source, one per item seen; undo forgets the items, keeps the source."""

from __future__ import annotations

from crmcli.core import undo
from crmcli.core.db.store import Store
from crmcli.core.sync import state


def test_items_sources_and_runs(store: Store) -> None:
    assert state.find(store, "mail", "maildir:/m") is None
    assert state.known_items(store, None) == set()
    with store.write("sync mail maildir:/m") as tx:
        source_id = state.ensure(tx, "mail", "maildir:/m")
        assert state.ensure(tx, "mail", "maildir:/m") == source_id
        state.remember(tx, source_id, [state.Seen("a", "<a@x>"), state.Seen("b", None, "x", 3)])
    with store.write("sync mail maildir:/m") as tx:
        state.finish(
            tx,
            source_id,
            counts={"new": 2, "errors": 0},
            cursor="7:42",
            error=None,
            set_cursor=True,
        )
    assert state.known_items(store, source_id) == {"a", "b"}
    found = state.find(store, "mail", "maildir:/m")
    assert found is not None
    assert (found.cursor, found.last_counts, found.items) == ("7:42", {"new": 2, "errors": 0}, 2)
    assert found.last_run_at is not None
    with store.write("sync mail maildir:/m") as tx:  # as if it ran a week ago
        tx.execute("UPDATE sync_source SET last_run_at = ?", ["2026-01-01T00:00:00Z"])
    found = state.find(store, "mail", "maildir:/m")
    assert found is not None and found.last_run_at == "2026-01-01T00:00:00Z"
    with store.write("sync mail maildir:/m") as tx:
        state.finish(tx, source_id, counts={}, cursor=None, error="boom", set_cursor=False)
    (again,) = state.all_sources(store)
    assert (again.cursor, again.last_error) == ("7:42", "boom")  # the cursor kept
    # ... and the last completed run's time: the calendar reads meetings back to it
    assert again.last_run_at == found.last_run_at


def test_undo_forgets_the_items_not_the_source(store: Store) -> None:
    with store.write("sync mail maildir:/m") as tx:
        source_id = state.ensure(tx, "mail", "maildir:/m")
        state.remember(tx, source_id, [state.Seen("a", None)])
    undo.undo(store, "me")
    assert state.known_items(store, source_id) == set()
    assert state.find(store, "mail", "maildir:/m") is not None
