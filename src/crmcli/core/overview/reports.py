"""`crm report`: the numbers a sales manager asks for, computed from the local data.

Each section answers one question, over a period of local calendar days:
- pipeline: open deals by stage now (count, amount, weighted amount), and the forecast
  by expected close month;
- conversion: of the deals created in the period (the cohort), how many reached each
  open stage and went on to the next; a deal that skipped a stage passed it, and a won
  deal passed them all. Beside it, from the deals closed in the period: win rate
  (won / (won + lost)), average sales cycle (created to won) and average won amount;
  and the average days a deal spent in each stage, over the stays that ended in the
  period;
- sources: the same conversion numbers by lead source (the deal's, else its contact's,
  else `referral` when the contact was referred by someone), and the referrers: who
  referred the contacts of the period's deals, most won first;
- activity: your interactions by kind in each week of the period against your weekly
  goals, and follow-ups done on time (by the end of their due day) or late, with the
  count overdue now;
- health: stale deals, open deals without a next step, contacts due for a touch
  (warmest relationships first, by engagement score), and customers with no interaction
  for `quiet_days` days (retention risk).

Money stays in integer minor units, per currency, never summed across currencies.
Every number is computed with a few indexed queries, so a report over a million
interactions stays interactive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, cast

from crmcli.core import clock
from crmcli.core.activity.interactions import Kind
from crmcli.core.db import owners
from crmcli.core.db.store import Store
from crmcli.core.overview import referrals
from crmcli.core.overview.agenda import overdue, touch_due
from crmcli.core.overview.periods import Period, parse_period  # noqa: F401  (callers read it here)
from crmcli.core.overview.rows import DealBrief
from crmcli.core.pipeline.board import board, forecast

if TYPE_CHECKING:
    from crmcli.core.overview import rows

NO_SOURCE = "(none)"


def _add(totals: dict[str, int], currency: str | None, amount: int | None) -> None:
    if currency and amount:
        totals[currency] = totals.get(currency, 0) + int(amount)


def _days(start: str, end: str) -> float:
    return (clock.parse_stamp(end) - clock.parse_stamp(start)).total_seconds() / 86400


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# -- pipeline and forecast -------------------------------------------------------------


def pipeline_rows(
    store: Store, now: datetime, owner: str | None = None, pipeline_id: int | None = None
) -> list[rows.PipelineRow]:
    """Open deals by stage of one pipeline (of every one, in turn, when None)."""
    return [
        {
            "pipeline": c.pipeline,
            "stage": c.stage["name"],
            "probability": c.stage["probability"],
            "deals": c.count,
            "amount": c.totals,
            "weighted": c.weighted,
        }
        for c in board(store, now, per_stage=0, owner=owner, pipeline_id=pipeline_id)
    ]


def forecast_rows(
    store: Store, today: date, months: int, commit_at: int, pipeline_id: int | None = None
) -> list[rows.ForecastMonth]:
    return [
        {
            "month": b.label,
            "deals": b.deals,
            "weighted": b.weighted,
            "best_case": b.best,
            "commit": b.commit,
        }
        for b in forecast(store, today, months=months, commit_at=commit_at, pipeline_id=pipeline_id)
        if b.deals or b.label not in ("earlier", "undated")
    ]


# -- conversion ------------------------------------------------------------------------


@dataclass
class _Group:
    """Conversion figures of one set of deals (all of them, or one lead source)."""

    stages: int  # how many open stages the funnel has
    created: int = 0
    created_won: int = 0  # of the cohort, won by now
    won: int = 0
    lost: int = 0
    reached: list[int] = field(init=False)  # per open stage, cohort deals that reached it
    cycle_days: list[float] = field(default_factory=list)
    won_amount: dict[str, int] = field(default_factory=dict)
    won_count: dict[str, int] = field(default_factory=dict)  # won deals with an amount

    def __post_init__(self) -> None:
        self.reached = [0] * self.stages

    def summary(self) -> rows.Closing:
        return {
            "created": self.created,
            "won": self.won,
            "lost": self.lost,
            "win_rate": _rate(self.won, self.won + self.lost),
            "avg_cycle_days": _mean(self.cycle_days),
            "won_amount": dict(self.won_amount),
            "avg_won_amount": {c: round(v / self.won_count[c]) for c, v in self.won_amount.items()},
        }


def conversion(
    store: Store, period: Period, owner: str | None = None, pipeline_id: int | None = None
) -> rows.Conversion:
    """Funnel, closing figures and days in stage, overall and by lead source; of one
    pipeline's deals and stages (`pipeline_id`), or of all of them."""
    start, end = period.bounds()
    mine, mine_params = owners.where(store, owner, "d")
    # One pipeline: its deals (those in one of its stages), its stage ladder. When it is
    # the only one, every deal is in one of its stages: no deal is looked up to say so
    # (the stays of the period would each be, hundreds of thousands at a million).
    if pipeline_id is not None and store.value(
        "SELECT 1 FROM pipeline WHERE id <> ? LIMIT 1", [pipeline_id]
    ):
        mine += " AND d.stage_id IN (SELECT id FROM stage WHERE pipeline_id = ?)"
        mine_params = [*mine_params, pipeline_id]
    stages = store.rows(
        "SELECT id, name, position, kind FROM stage"
        f"{' WHERE pipeline_id = ?' if pipeline_id is not None else ''} "
        "ORDER BY pipeline_id, position, id",
        [pipeline_id] if pipeline_id is not None else [],
    )
    open_stages = [s for s in stages if s["kind"] == "open"]
    rank = {s["id"]: i for i, s in enumerate(open_stages)}
    # The deal's own lead source, else its contact's (schema v9's `contact_source`, kept
    # by triggers: the contact's lead source, else "referral" when it was referred).
    source_sql = f"coalesce(nullif(d.lead_source, ''), d.contact_source, '{NO_SOURCE}')"
    overall = _Group(len(open_stages))
    by_source: dict[str, _Group] = {}

    def group(source: str) -> _Group:
        return by_source.setdefault(source, _Group(len(open_stages)))

    # The cohort: deals created in the period, and how far each got: its furthest open
    # stage among the one it is in (all of them, once won) and those its history went to
    # (`reach`, schema v9). Deals alike in these are counted together, from the index.
    for status, stage_id, reach, source, count in store.tuples(
        f"SELECT d.status, d.stage_id, d.reach, {source_sql}, count(*) FROM deal d "
        f"WHERE d.created_at >= ? AND d.created_at < ?{mine} GROUP BY 1, 2, 3, 4",
        (start, end, *mine_params),
    ):
        furthest = len(open_stages) - 1 if status == "won" else rank.get(stage_id, -1)
        for reached in reach.split(",") if reach else ():
            furthest = max(furthest, rank.get(int(reached), -1))
        for target in (overall, group(source)):
            target.created += count
            target.created_won += count if status == "won" else 0
            for i in range(furthest + 1):
                target.reached[i] += count

    # Deals closed in the period: win rate, cycle, won amounts.
    for status, created_at, closed_at, amount, currency, source in store.tuples(
        f"SELECT d.status, d.created_at, d.closed_at, d.amount_minor, d.currency, {source_sql} "
        f"FROM deal d WHERE d.status IN ('won', 'lost') AND d.closed_at >= ? "
        f"AND d.closed_at < ?{mine}",
        (start, end, *mine_params),
    ):
        for target in (overall, group(source)):
            if status == "lost":
                target.lost += 1
                continue
            target.won += 1
            target.cycle_days.append(max(0.0, _days(created_at, closed_at)))
            if currency and amount is not None:
                _add(target.won_amount, currency, amount)
                target.won_count[currency] = target.won_count.get(currency, 0) + 1

    funnel: list[rows.FunnelStep] = []
    for i, stage in enumerate(open_stages):
        reached = overall.reached[i]
        # The last open stage goes on to a win.
        went_on = overall.reached[i + 1] if i + 1 < len(open_stages) else overall.created_won
        funnel.append(
            {
                "stage": stage["name"],
                "reached": reached,
                "went_on": went_on,
                "conversion": _rate(went_on, reached),
                "share_of_created": _rate(reached, overall.created),
            }
        )
    sources: list[rows.SourceFigures] = []
    for source, figures in sorted(by_source.items(), key=lambda kv: (-kv[1].created, kv[0])):
        sources.append(
            {
                "source": source,
                **figures.summary(),
                "reached": {
                    s["name"]: n for s, n in zip(open_stages, figures.reached, strict=True)
                },
            }
        )
    return {
        "summary": overall.summary(),
        "funnel": funnel,
        "stages": _stage_days(store, stages, start, end, (mine, mine_params)),
        "sources": sources,
        "referrers": referrals.referrers(store, start, end, (mine, mine_params)),
    }


def _stage_days(
    store: Store,
    stages: list[dict[str, Any]],
    start: str,
    end: str,
    mine: tuple[str, list[Any]],
) -> list[rows.StageDays]:
    """Average days in each open stage, over the stays that ended in the period.

    A stay ends with the deal's next stage change; each change carries the stay it ends
    (schema v9's `stay_stage_id` and `stay_us`, kept by triggers), so the period's
    changes are summed from one index range. The durations are exact microseconds,
    summed as floating point, as the mean of each stay's days was.
    """
    join = " JOIN deal d ON d.id = h.deal_id" if mine[0] else ""
    ladder = [int(s["id"]) for s in stages if s["kind"] == "open"]
    # One range of (stay_stage_id, at, stay_us) per open stage: summed in the index,
    # no sort of the period's changes by stage.
    part = (
        "SELECT h.stay_stage_id, count(*), sum(CAST(h.stay_us AS DOUBLE PRECISION)) / 1e6 "
        f"FROM deal_stage_change h{join} WHERE h.stay_stage_id = ? AND h.at >= ? "
        f"AND h.at < ?{mine[0]} GROUP BY h.stay_stage_id"
    )
    stays = (
        {
            int(stage_id): (int(count), float(seconds))
            for stage_id, count, seconds in store.tuples(
                " UNION ALL ".join([part] * len(ladder)),
                [x for stage_id in ladder for x in (stage_id, start, end, *mine[1])],
            )
        }
        if ladder
        else {}
    )
    out: list[rows.StageDays] = []
    for stage in stages:
        if stage["kind"] != "open":
            continue
        count, seconds = stays.get(stage["id"], (0, 0.0))
        out.append(
            {
                "stage": stage["name"],
                "stays": count,
                "avg_days": round(seconds / 86400 / count, 1) if count else None,
            }
        )
    return out


# -- activity --------------------------------------------------------------------------


def _week_start(day: date, week_start: str) -> date:
    first = 6 if week_start == "sun" else 0
    return day - timedelta(days=(day.weekday() - first) % 7)


def activity(
    store: Store, period: Period, now: datetime, owner: str | None = None
) -> rows.Activity:
    """Your interactions by kind per week against weekly goals; follow-ups on time or late.

    Yours (the `user` setting) even in a local file, as goals are; `owner` names another
    rep, or "all" for everyone's against the sum of everyone's goals.
    """
    who = owner or str(store.config.get("user"))
    mine, mine_params = owners.where(store, who, "t")
    week_start = str(store.config.get("week_start"))
    zone = clock.local_zone()
    goals = {
        kind: int(target)
        for kind, target in store.tuples(
            f"SELECT kind, sum(target) FROM goal t WHERE period = 'week'{mine} GROUP BY kind",
            mine_params,
        )
    }
    kinds = [k.value for k in Kind]
    weeks: list[dict[str, Any]] = []  # one count per kind: `rows.ActivityWeek`
    monday = _week_start(period.first, week_start)
    logged = _kinds_logged(store, mine_params[0]) if mine_params else []
    while monday <= period.last:
        first, last = max(monday, period.first), min(monday + timedelta(days=6), period.last)
        low = clock.stamp(datetime.combine(first, time(), zone))
        high = clock.stamp(datetime.combine(last + timedelta(days=1), time(), zone))
        counts = dict.fromkeys(kinds, 0)
        if mine_params:
            # One rep's: each kind's week from the hourly counts (schema v9); a kind crm
            # does not know comes after the others, as grouping by kind would add it,
            # and only if the week has some.
            for kind in logged:
                count = _logged_between(store, mine_params[0], kind, low, high)
                if count or kind in counts:
                    counts[kind] = count
        else:
            for kind, count in store.tuples(
                "SELECT kind, count(*) FROM interaction t WHERE occurred_at >= ? "
                f"AND occurred_at < ?{mine} GROUP BY kind",
                (low, high, *mine_params),
            ):
                counts[kind] = int(count)
        weeks.append(
            {
                "week": monday.isoformat(),
                "days": (last - first).days + 1,
                **counts,
                "total": sum(counts.values()),
            }
        )
        monday += timedelta(days=7)
    start, end = period.bounds()
    on_time = late = 0
    for due_date, done_at in store.tuples(
        "SELECT due_date, done_at FROM followup t WHERE status = 'done' "
        f"AND done_at >= ? AND done_at < ?{mine}",
        (start, end, *mine_params),
    ):
        done_day = clock.parse_stamp(done_at).astimezone(zone).date().isoformat()
        if done_day <= due_date:
            on_time += 1
        else:
            late += 1
    return {
        "goals": goals,
        "weeks": cast("list[rows.ActivityWeek]", weeks),
        "followups": {
            "done": on_time + late,
            "on_time": on_time,
            "late": late,
            "on_time_rate": _rate(on_time, on_time + late),
            "overdue_now": overdue(store, now, limit=1, owner=who).total,
        },
    }


def _logged_between(store: Store, owner: str, kind: str, low: str, high: str) -> int:
    """How many interactions of `kind` `owner` has from stamp `low` to `high` (excluded).

    The whole UTC hours between them are summed from `interaction_count` (kept by
    triggers, schema v9); what lies before the first whole hour or after the last (a
    local midnight off the UTC hour, as in India) is counted from the interactions'
    own (owner, kind, occurred_at) index: a few minutes' worth.
    """
    first = low[:13] if low[13:] == _ON_THE_HOUR else _next_hour(low)
    total = int(
        store.value(
            "SELECT coalesce(sum(n), 0) FROM interaction_count WHERE owner = ? AND kind = ? "
            "AND hour >= ? AND hour < ?",
            (owner, kind, first, high[:13]),
        )
    )
    edges = [(low, first + _ON_THE_HOUR)] if first != low[:13] else []
    if high[13:] != _ON_THE_HOUR:
        edges.append((high[:13] + _ON_THE_HOUR, high))
    for start, end in edges:
        total += int(
            store.value(
                "SELECT count(*) FROM interaction t WHERE t.owner = ? AND t.kind = ? "
                "AND t.occurred_at >= ? AND t.occurred_at < ?",
                (owner, kind, start, end),
            )
        )
    return total


_ON_THE_HOUR = ":00:00.000000Z"  # what follows the hour in a stamp on the hour


def _next_hour(stamp: str) -> str:
    """The hour (a stamp's first 13 characters) after the one `stamp` falls in."""
    hour = clock.parse_stamp(stamp[:13] + _ON_THE_HOUR)
    return clock.stamp(hour + timedelta(hours=1))[:13]


def _kinds_logged(store: Store, owner: str) -> list[str]:
    """The kinds of interaction `owner` has logged: crm's own in their order, then any
    other (an import's, another program's) alphabetically. One index probe each, the
    next kind up from the last, rather than a look at every interaction."""
    found: list[str] = []
    while True:
        after = " AND kind > ?" if found else ""
        kind = store.value(
            f"SELECT min(kind) FROM interaction WHERE owner = ?{after}",
            (owner, found[-1]) if found else (owner,),
        )
        if kind is None:
            break
        found.append(str(kind))
    known = [k.value for k in Kind]
    return [k for k in known if k in found] + sorted(k for k in found if k not in known)


# -- health ----------------------------------------------------------------------------


def retention_risk(
    store: Store,
    now: datetime,
    quiet_days: int,
    *,
    limit: int | None = None,
    owner: str | None = None,
) -> tuple[list[rows.QuietCustomer], int]:
    """Customers with no interaction for `quiet_days` days, the longest silent first.

    Never touched first, then by last touch: the order of the partial index of live
    customers by last touch (schema v9), so the count and the first few read it alone.
    """
    mine, mine_params = owners.where(store, owner, "c")
    params = (clock.stamp(now - timedelta(days=quiet_days)), *mine_params)
    where = (
        "c.status = 'customer' AND c.archived_at IS NULL "
        f"AND (c.last_touch_at IS NULL OR c.last_touch_at < ?){mine}"
    )
    total = int(store.value(f"SELECT count(*) FROM contact c WHERE {where}", params))
    sql = (
        "SELECT c.id, c.display_name AS contact, co.name AS company, c.last_touch_at "
        f"FROM contact c LEFT JOIN company co ON co.id = c.company_id WHERE {where} "
        "ORDER BY c.last_touch_at NULLS FIRST, c.id"
    )
    if limit:
        sql += f" LIMIT {int(limit)}"
    found = store.rows(sql, params)
    for row in found:
        last = row["last_touch_at"]
        row["days_silent"] = (now - clock.parse_stamp(last)).days if last else None
    return cast("list[rows.QuietCustomer]", found), total  # the store's rows, days added


def health(
    store: Store,
    now: datetime,
    quiet_days: int,
    limit: int | None,
    owner: str | None = None,
    *,
    only: str | None = None,
) -> rows.Health:
    """Stale deals (most days over target first), deals with no next step (longest in
    their stage first), contacts due for a touch, quiet customers: the first `limit`
    of each (None: all) and how many there are, each read through its own index.

    `only` names one of the four keys: the others are left out (not worked out), for a
    front end that shows one list, such as `crm report --section touch`.
    """
    from crmcli.core.pipeline.attention_lists import no_step_first, stale_first

    keep = tuple(DealBrief.__annotations__)

    def brief(deals: Sequence[Mapping[str, Any]]) -> list[DealBrief]:
        return cast("list[DealBrief]", [{k: d[k] for k in keep} for d in deals])

    out: dict[str, Any] = {}
    if only in (None, "stale"):
        stale, stale_total = stale_first(store, now, limit, owner)
        out["stale"] = {"total": stale_total, "deals": brief(stale)}
    if only in (None, "no_next_step"):
        no_step, no_step_total = no_step_first(store, now, limit, owner)
        out["no_next_step"] = {"total": no_step_total, "deals": brief(no_step)}
    if only in (None, "touch"):
        touch = touch_due(store, now, limit=limit, owner=owner)
        out["touch"] = {"total": touch.total, "contacts": touch.rows}
    if only in (None, "retention"):
        quiet, quiet_total = retention_risk(store, now, quiet_days, limit=limit, owner=owner)
        out["retention"] = {"quiet_days": quiet_days, "total": quiet_total, "contacts": quiet}
    return cast("rows.Health", out)  # all four keys unless `only` asked for one


# -- the whole report ------------------------------------------------------------------


def build(
    store: Store,
    period: Period,
    now: datetime,
    *,
    months: int = 3,
    commit_at: int = 75,
    quiet_days: int = 90,
    limit: int | None = 10,
    owner: str | None = None,
    pipeline_id: int | None = None,
    section: str | None = None,
) -> rows.Report:
    """Every section's numbers, as plain data (what `--json` prints); the pipeline,
    forecast and conversion sections of one pipeline (`pipeline_id`), or of every one
    (None: the pipeline and forecast sums stay per currency).

    With `section` (a name of `sections.SECTION_PATHS`), only what that section's table
    needs is worked out and returned, with the period: what `crm report --section NAME
    --format csv` prints. With `limit` None a list is whole, and the other lists,
    whole too, would be read for nothing (every contact due for a touch, scored).
    """
    from crmcli.core.overview.sections import SECTION_PATHS, check_section

    path = SECTION_PATHS[check_section(section)] if section is not None else None
    wanted = None if path is None else path[0]
    out: dict[str, Any] = {
        "period": {
            "label": period.label,
            "first": period.first.isoformat(),
            "last": period.last.isoformat(),
            "days": period.days,
        }
    }
    if wanted in (None, "pipeline"):
        out["pipeline"] = pipeline_rows(store, now, owner, pipeline_id)
    if wanted in (None, "forecast"):
        out["forecast"] = {
            "commit_probability": commit_at,
            "months": forecast_rows(
                store, now.astimezone(clock.local_zone()).date(), months, commit_at, pipeline_id
            ),
        }
    if wanted in (None, "conversion"):
        out["conversion"] = conversion(store, period, owner, pipeline_id)
    if wanted in (None, "activity"):
        out["activity"] = activity(store, period, now, owner)
    if wanted in (None, "health"):
        part = path[1] if path is not None else None
        out["health"] = health(store, now, quiet_days, limit, owner, only=part)
    return cast("rows.Report", out)  # every key unless `section` asked for one
