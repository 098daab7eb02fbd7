"""The shapes the daily view and `crm report` hand to commands and screens.

Plain dicts at run time, typed for mypy only: consumers import them under
`TYPE_CHECKING`. `crm report --json` prints `Report` as it is, so these keys
are a public format; tests/core/db/test_views.py holds them against a real report.
"""

from __future__ import annotations

from typing import TypedDict


class TouchDue(TypedDict):
    """A contact whose keep-in-touch cadence has run out (`agenda.touch_due`)."""

    id: int
    contact: str
    company: str | None
    cadence_days: int | None
    last_touch_at: str | None
    touch_due_at: str
    score: int


class QuietCustomer(TypedDict):
    """A customer silent for too long (`reports.retention_risk`)."""

    id: int
    contact: str
    company: str | None
    last_touch_at: str | None
    days_silent: int | None


# -- the report's sections --------------------------------------------------------------


class PeriodInfo(TypedDict):
    label: str
    first: str
    last: str
    days: int


class PipelineRow(TypedDict):
    """Open deals in one stage now; money per currency, in minor units."""

    pipeline: str  # the stage's pipeline (`--pipeline all` lists every pipeline's stages)
    stage: str
    probability: int
    deals: int
    amount: dict[str, int]
    weighted: dict[str, int]


class ForecastMonth(TypedDict):
    month: str  # YYYY-MM, "earlier" or "undated"
    deals: int
    weighted: dict[str, int]
    best_case: dict[str, int]
    commit: dict[str, int]


class Forecast(TypedDict):
    commit_probability: int
    months: list[ForecastMonth]


class Closing(TypedDict):
    """Closing figures of a set of deals (all, or one lead source) over the period."""

    created: int
    won: int
    lost: int
    win_rate: float | None
    avg_cycle_days: float | None
    won_amount: dict[str, int]
    avg_won_amount: dict[str, int]


class FunnelStep(TypedDict):
    stage: str
    reached: int
    went_on: int
    conversion: float | None
    share_of_created: float | None


class StageDays(TypedDict):
    stage: str
    stays: int
    avg_days: float | None


class SourceFigures(Closing):
    source: str
    reached: dict[str, int]  # stage name -> deals of the cohort that reached it


class Referrer(TypedDict):
    """Who referred the deals' contacts ("referred by" relations), best first."""

    name: str
    contact_id: int | None  # None: a name only, not in the book
    deals: int  # deals of referred contacts created in the period
    won: int  # of those closed won in the period
    won_amount: dict[str, int]  # currency -> minor units


class Conversion(TypedDict):
    summary: Closing
    funnel: list[FunnelStep]
    stages: list[StageDays]
    sources: list[SourceFigures]
    referrers: list[Referrer]


class ActivityWeek(TypedDict):
    """Your interactions of one week, by kind (the kinds of `interactions.Kind`)."""

    week: str
    days: int
    call: int
    email: int
    meeting: int
    note: int
    message: int
    total: int


class FollowupFigures(TypedDict):
    done: int
    on_time: int
    late: int
    on_time_rate: float | None
    overdue_now: int


class Activity(TypedDict):
    goals: dict[str, int]
    weeks: list[ActivityWeek]
    followups: FollowupFigures


class DealBrief(TypedDict):
    """A deal in the health section: the `Deal` keys a manager needs."""

    id: int
    title: str
    contact: str | None
    company: str | None
    stage: str
    days_in_stage: int
    target_days: int | None


class DealList(TypedDict):
    total: int
    deals: list[DealBrief]


class TouchList(TypedDict):
    total: int
    contacts: list[TouchDue]


class Retention(TypedDict):
    quiet_days: int
    total: int
    contacts: list[QuietCustomer]


class Health(TypedDict):
    stale: DealList
    no_next_step: DealList
    touch: TouchList
    retention: Retention


class Report(TypedDict):
    """Every section of `crm report` (what `--json` prints)."""

    period: PeriodInfo
    pipeline: list[PipelineRow]
    forecast: Forecast
    conversion: Conversion
    activity: Activity
    health: Health
