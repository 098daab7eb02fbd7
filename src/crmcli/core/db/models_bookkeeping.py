"""The schema of what crm keeps for itself beside the records: hourly interaction counts
(kept by triggers, for reports) and what `crm remind` already announced.

Part of the schema's single source of truth (see `models`, which imports this module so
that every table is declared whenever the models are); never imported on the command paths.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class InteractionCount(SQLModel, table=True):
    """How many interactions of a kind each owner has in each UTC hour (schema v9).

    Kept by triggers on `interaction` (every insert, delete, and change of owner, kind
    or time), for `crm report`'s weeks: a week is the sum of its hours, instead of a
    count of each of its interactions (a million of them in 90 days at a million
    contacts). An hour is the stamp's first 13 characters, `2026-06-01T09`.
    """

    __tablename__ = "interaction_count"
    __table_args__ = {"sqlite_with_rowid": False}

    owner: str = Field(primary_key=True)
    kind: str = Field(primary_key=True)
    hour: str = Field(primary_key=True)
    n: int


class ReminderLog(SQLModel, table=True):
    """What `crm remind` already announced, keyed by follow-up and due time."""

    __tablename__ = "reminder_log"

    followup_id: int = Field(foreign_key="followup.id", ondelete="CASCADE", primary_key=True)
    due_at: str = Field(primary_key=True)
    announced_at: str
    channel: str | None = None
