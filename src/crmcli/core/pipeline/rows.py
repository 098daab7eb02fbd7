"""The shapes of deal rows that leave the core: list rows, a deal's detail, its history.

Plain dicts at run time, typed for mypy only (import them under
`TYPE_CHECKING`). tests/core/db/test_views.py holds them against the SQL that
fills them and the models.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class Deal(TypedDict):
    """A row of `attention.DEAL_SELECT`, with what `attention.annotate` adds.

    What every deal list, the board's cards, the daily view and the reports read.
    """

    id: int
    title: str
    contact_id: int | None
    contact: str | None
    company_id: int | None
    company: str | None
    amount_minor: int | None
    currency: str | None
    stage_id: int
    stage: str
    target_days: int | None
    stage_probability: int
    probability: int | None
    expected_close: str | None
    next_step: str | None
    status: str
    stage_entered_at: str
    version: int
    # from `annotate`:
    days_in_stage: int
    stale: bool
    no_next_step: bool


class DealDetail(Deal):
    """One deal whole (`deals.get`): the list row and the rest of its columns."""

    lost_reason: str | None
    contract_end: str | None
    lead_source: str | None
    closed_at: str | None
    owner: str
    created_at: str
    updated_at: str
    external_ids: NotRequired[Any]  # `deals.get`: {system: id} in other tools, parsed
    custom_fields: NotRequired[Any]  # `deals.get`: {name: value} it came with, parsed


class StageChange(TypedDict):
    """A row of `deals.history`: one move between stages, and why (when the rep said)."""

    at: str
    from_stage: str | None
    to_stage: str | None
    owner: str
    reason: str | None


class DealEvent(TypedDict):
    """A row of `deals.timeline`: an interaction or a follow-up tied to the deal.

    `day`: set (YYYY-MM-DD) for an open follow-up due on a day, not at a time; its
    `at` is then local midnight, which a front end shows as "all day", never 00:00.
    """

    type: str
    id: int  # the interaction's or the follow-up's
    at: str | None
    what: str
    text: str | None
    day: str | None


class BoardStage(TypedDict):
    """The stage heading a board column (`board.board`)."""

    id: int
    name: str
    position: int
    probability: int
    target_days: int | None
