"""Why a follow-up, tag, field or move is there: one `rule_effect` row per action a rule applied.

The row is written in the same transaction (and undo batch) as the action, so undoing
the batch takes the explanation away with the work; the rule's name is copied, so the
explanation outlives the rule. `contact show`, `deal show`, `rule why` and `undo --list`
read them here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypedDict, cast

if TYPE_CHECKING:
    from crmcli.core.db.store import Store, Tx
    from crmcli.core.rules.actions import Applied
    from crmcli.core.rules.events import Happening
    from crmcli.core.rules.model import Action, Rule


class Effect(TypedDict):
    """One applied action, as stored."""

    id: int
    rule_id: int | None
    rule_name: str
    batch: str
    at: str
    action_text: str
    reason: str  # what fired it: "deal #5 'Acme pilot' entered Proposal"
    table_name: str  # the row it made or changed
    row_id: int
    contact_id: int | None


_SELECT = (
    "SELECT id, rule_id, rule_name, batch, at, action_text, reason, table_name, row_id, "
    "contact_id FROM rule_effect"
)


def record(tx: Tx, rule: Rule, action: Action, happening: Happening, applied: Applied) -> int:
    """Write the explanation of one applied action, in the action's own transaction."""
    return tx.insert(
        "rule_effect",
        {
            "rule_id": rule.id,
            "rule_name": rule.name,
            "batch": tx.batch,
            "at": tx.stamp,
            "action_text": action.text,
            "reason": happening.reason,
            "table_name": applied.table,
            "row_id": applied.row_id,
            "contact_id": applied.contact_id,
        },
        contact_id=applied.contact_id,
    )


def why(store: Store, table: str, row_id: int) -> list[Effect]:
    """The rules that made or changed this row, oldest first (empty: no rule touched it)."""
    return cast(
        "list[Effect]",
        store.rows(f"{_SELECT} WHERE table_name = ? AND row_id = ? ORDER BY id", (table, row_id)),
    )


def made_by(store: Store, table: str, row_id: int) -> str | None:
    """The command whose batch inserted this row (still in the change log), for a row no
    rule made: `crm rule why` says who did instead."""
    found = store.value(
        "SELECT command FROM change_log WHERE table_name = ? AND row_id = ? AND op = 'insert' "
        "ORDER BY id DESC LIMIT 1",
        (table, row_id),
    )
    return None if found is None else str(found)


def of_contact(store: Store, contact_id: int) -> list[Effect]:
    """Every effect on a contact and its rows (follow-ups, tags, deals), oldest first."""
    return cast(
        "list[Effect]",
        store.rows(f"{_SELECT} WHERE contact_id = ? ORDER BY id", (contact_id,)),
    )


def of_deal(store: Store, deal_id: int) -> list[Effect]:
    """Every effect on a deal: its fields, moves and next step, and its follow-ups."""
    return cast(
        "list[Effect]",
        store.rows(
            f"{_SELECT} WHERE (table_name = 'deal' AND row_id = ?) OR (table_name = 'followup' "
            "AND row_id IN (SELECT id FROM followup WHERE deal_id = ?)) ORDER BY id",
            (deal_id, deal_id),
        ),
    )


def effects_in_batch(store: Store, batch: str) -> list[Effect]:
    """What rules did inside one undo batch (`crm undo --list`: "+2 by rules")."""
    return cast("list[Effect]", store.rows(f"{_SELECT} WHERE batch = ? ORDER BY id", (batch,)))


def counts(store: Store, batches: Sequence[str]) -> dict[str, int]:
    """How many actions rules applied in each of these batches (absent: none)."""
    out: dict[str, int] = {}
    for batch, count in store.tuples_in(
        "SELECT batch, count(*) FROM rule_effect WHERE batch IN ({ids}) GROUP BY batch",
        list(batches),
    ):
        out[str(batch)] = int(count)
    return out
