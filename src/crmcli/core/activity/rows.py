"""The shapes of follow-up and interaction rows that leave the core.

Plain dicts at run time, typed for mypy only (import them under
`TYPE_CHECKING`, so `crm today` loads nothing more). tests/core/db/test_views.py
holds them against the SQL that fills them and the models.
"""

from __future__ import annotations

from typing import TypedDict


class FollowUp(TypedDict):
    """A row of `followups.SELECT`: the follow-up, its contact's name and its deal's title."""

    id: int
    contact_id: int
    contact: str
    deal_id: int | None
    deal: str | None
    kind: str
    due_date: str
    due_time: str | None
    due_at: str
    tz: str | None
    note: str | None
    status: str
    done_at: str | None
    snooze_count: int
    original_due_date: str | None
    version: int
    created_at: str
    updated_at: str


class LateFollowUp(FollowUp):
    """An overdue follow-up (`overview.agenda.overdue`): how late, in seconds and in words."""

    late_seconds: int
    late: str


class Interaction(TypedDict):
    """One interaction whole (`interactions.get`): its row and its contact's name."""

    id: int
    contact_id: int
    deal_id: int | None
    kind: str
    direction: str | None
    occurred_at: str
    summary: str
    body: str | None
    duration_seconds: int | None
    outcome: str | None
    external_id: str | None
    thread: str | None  # an email's conversation (schema v9)
    owner: str
    version: int
    created_at: str
    updated_at: str
    contact: str
