"""The rules' hook on every write: one small read when no change rule is enabled, nothing more.

`crmcli.core.books` sets `fire` as each store's `on_write`, so it runs inside every
write that logged a change (`crm log` included, a hot command): the engine, the
grammar and the filter language are imported only when an enabled change rule exists.
The rule table is read afresh on each write, inside its transaction: a rule another
process enabled a moment ago fires, and one it disabled does not (a per-store cache
would need a way to learn of both, and the read costs a few microseconds).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crmcli.core.db.store import Store, Tx

# How the time triggers' text begins (`model.TIMED`): `crm rule run` fires those, never a write.
_TIMED = (
    "("
    + " OR ".join(
        f"lower(ltrim(when_text)) LIKE '{prefix}%'"
        for prefix in (
            "followup overdue",
            "follow-up overdue",
            "follow up overdue",
            "cadence missed",
        )
    )
    + ")"
)
_ANY_CHANGE_RULE = f"SELECT 1 FROM rule WHERE enabled AND NOT {_TIMED} LIMIT 1"
_ANY_TIMED_RULE = f"SELECT 1 FROM rule WHERE enabled AND {_TIMED} LIMIT 1"


def has_change_rules(store: Store) -> bool:
    """Is any change rule enabled (one read of the small rule table)?"""
    return store.value(_ANY_CHANGE_RULE) is not None


def has_timed(store: Store) -> bool:
    """Is any time rule enabled? What `crm today` and the TUI ask before `crm rule run`'s
    work, so that without one they import and read nothing more."""
    return store.value(_ANY_TIMED_RULE) is not None


def fire(tx: Tx) -> Sequence[Any]:
    """Run the enabled change rules on what `tx` changed, inside it (`Store.on_write`);
    what they did or skipped (`engine.Outcome`s), which the store keeps once committed."""
    if not has_change_rules(tx.store):
        return ()
    from crmcli.core.rules import engine  # only a book with rules pays for the engine

    return engine.fire(tx)
