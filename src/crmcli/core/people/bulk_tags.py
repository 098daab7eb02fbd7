"""Acting on a chosen set of contacts at once (the TUI's multi-select): tag, untag, archive.

Each is one transaction, one undo batch, however many contacts were chosen. Tagging and
untagging go through the bulk editor (`people.bulk`: the tag checked as a single edit
checks it, the search index kept, a contact changed meanwhile refusing the batch); a
contact that already has the tag (or has not, to untag) is left alone and counted apart.
Only live contacts you may list are acted on: an id archived or removed meanwhile is
skipped, never brought back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crmcli.core.db.store import Store, in_chunks
from crmcli.core.errors import Invalid
from crmcli.core.people import bulk


@dataclass(frozen=True)
class Done:
    """What a bulk action did: the contacts changed, and those it had nothing to do for."""

    changed: int
    unchanged: int


def _chosen(store: Store, ids: Sequence[int]) -> list[bulk.ContactState]:
    """The chosen contacts as `crm contact list` would list them (live, the owner rule)."""
    states: list[bulk.ContactState] = []
    for chunk, marks in in_chunks(sorted(set(ids))):
        states += bulk.matching(store, (f"c.id IN ({marks})", list(chunk)))
    return states


def _tags(store: Store, ids: Sequence[int], edit: bulk.Edit, command: str) -> Done:
    states = _chosen(store, ids)
    planned = bulk.plan(states, edit)
    if planned.diffs:
        bulk.apply(store, planned.diffs, command)
    return Done(len(planned.diffs), planned.unchanged)


def tag(store: Store, ids: Sequence[int], text: str) -> Done:
    """Give every chosen contact the tag (those that have it already keep it as it is)."""
    [value] = _one_tag(text)
    return _tags(store, ids, bulk.Edit(add_tags=(value,)), f"contact tag {value}")


def untag(store: Store, ids: Sequence[int], text: str) -> Done:
    """Take the tag (case and accents ignored) off every chosen contact that has it."""
    [value] = _one_tag(text)
    return _tags(store, ids, bulk.Edit(rm_tags=(value,)), f"contact untag {value}")


def _one_tag(text: str) -> tuple[str, ...]:
    tags = bulk.checked_tags([text])
    if len(tags) != 1:  # pragma: no cover - one text checks to one tag or raises
        raise Invalid(f"one tag, not {text!r}")
    return tags


def archive(store: Store, ids: Sequence[int]) -> Done:
    """Archive every chosen contact (hidden from lists and lookups, nothing deleted)."""
    with store.write("contact archive") as tx:
        states = _chosen(store, ids)  # read inside the write: one archived meanwhile is left
        for state in states:
            tx.update("contact", state.id, {"archived_at": tx.stamp}, contact_id=state.id)
    return Done(len(states), len(set(ids)) - len(states))
