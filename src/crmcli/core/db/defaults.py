"""What a new database starts with: the default pipeline ("Sales") and its own description."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmcli.core.db import migrations

if TYPE_CHECKING:
    from crmcli.core.db.store import Tx

# name, win probability %, target days in stage, kind
DEFAULT_STAGES: tuple[tuple[str, int, int | None, str], ...] = (
    ("Lead", 10, 14, "open"),
    ("Qualified", 25, 14, "open"),
    ("Demo", 40, 10, "open"),
    ("Proposal", 60, 10, "open"),
    ("Negotiation", 80, 7, "open"),
    ("Won", 100, None, "won"),
    ("Lost", 0, None, "lost"),
)


DEFAULT_PIPELINE = "Sales"


def seed(tx: Tx) -> None:
    """Insert the default pipeline, its stages and the database's meta facts (not undoable)."""
    pipeline_id = tx.insert("pipeline", {"name": DEFAULT_PIPELINE}, log=False)
    for position, (name, probability, target_days, kind) in enumerate(DEFAULT_STAGES, 1):
        tx.insert(
            "stage",
            {
                "name": name,
                "position": position,
                "probability": probability,
                "target_days": target_days,
                "kind": kind,
                "pipeline_id": pipeline_id,
            },
            log=False,
        )
    for key, value in (("schema_version", str(migrations.CURRENT)), ("created_at", tx.stamp)):
        tx.execute(
            "INSERT INTO crm_meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
