"""`crm report`: pipeline, conversion, activity and health over a period, in one screen.

The numbers come from `crmcli.core.overview.reports`; this module only draws them: tables,
bars for amounts per stage, a funnel, and a sparkline of weekly activity. `--json`
carries the same numbers, `--format csv --section NAME` one section's table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.commands._options import JsonFlag, OwnerOpt, format_option
from crmcli.commands._output import Column, OutputFormat, render, resolve, style
from crmcli.commands._state import state
from crmcli.commands._words import plural
from crmcli.core.overview.sections import MONEY_KEYS, SECTION_PATHS, check_section, section_rows

if TYPE_CHECKING:
    from crmcli.core.overview.rows import (
        Activity,
        ActivityWeek,
        Conversion,
        Forecast,
        Health,
        PipelineRow,
        Report,
    )

FORMATS = (OutputFormat.table, OutputFormat.json, OutputFormat.csv)
BAR = 24  # characters of the widest bar
SPARKS = "▁▂▃▄▅▆▇█"


def report(
    ctx: typer.Context,
    period: Annotated[
        str,
        typer.Option(
            "--period",
            "-p",
            help="90d, 12w, 6m, 1y, this-week|month|quarter|year, last-week|month|quarter|year,"
            " ytd, or FROM..TO (ISO dates, both included).",
        ),
    ] = "90d",
    section: Annotated[
        str | None,
        typer.Option(
            "--section",
            "-s",
            help="Only this section: pipeline, forecast, funnel, stages, sources, activity, "
            "followups, stale, no-next-step, touch, retention. Required with --format csv.",
            show_default=False,
        ),
    ] = None,
    months: Annotated[
        int, typer.Option("--months", "-m", min=1, max=36, help="Forecast months ahead.")
    ] = 3,
    quiet_days: Annotated[
        int,
        typer.Option(
            "--quiet-days", min=1, help="A customer this long without an interaction is at risk."
        ),
    ] = 90,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            "-n",
            min=1,
            help="Deals and contacts listed per health section (default 10; a csv section "
            "has all of them).",
            show_default=False,
        ),
    ] = None,
    owner: OwnerOpt = None,
    which: Annotated[
        str | None,
        typer.Option(
            "--pipeline",
            help="Which pipeline: a name or id (default: the first), or all.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[OutputFormat | None, format_option(*FORMATS)] = None,
    as_json: JsonFlag = False,
) -> None:
    """Pipeline, conversion, win rate, cycle, forecast, activity against goals, and health."""
    from crmcli.core import clock
    from crmcli.core.errors import Invalid
    from crmcli.core.overview.periods import parse_period
    from crmcli.core.overview.reports import build

    chosen = resolve(fmt, as_json, FORMATS)
    names = ", ".join(SECTION_PATHS)
    if section is not None:
        check_section(section)
    if chosen is OutputFormat.csv and section is None:
        raise Invalid(f"--format csv writes one section: add --section NAME ({names})")
    app_state = state(ctx)
    now = clock.now()
    today = now.astimezone(clock.local_zone()).date()
    span = parse_period(period, today)
    from crmcli.core.pipeline.pipelines import scope

    store = app_state.store()
    pipeline_id = scope(store, which)
    data = build(
        store,
        span,
        now,
        months=months,
        commit_at=int(app_state.config.get("commit_probability")),
        quiet_days=quiet_days,
        # A CSV section is a list to work from: all of it. Elsewhere the totals are
        # exact and the first few of each list are shown.
        limit=limit or (None if chosen is OutputFormat.csv else 10),
        owner=owner,
        pipeline_id=pipeline_id,
        # A CSV prints one section: only it is worked out (its whole list, no other).
        section=section if chosen is OutputFormat.csv else None,
    )
    if chosen is OutputFormat.json:
        import json

        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if chosen is OutputFormat.csv:
        rows = section_rows(data, section or "")
        render(_flatten(rows), OutputFormat.csv, [Column(k, k) for k in _keys(rows)])
        return
    _print_report(data, section)


# -- csv -------------------------------------------------------------------------------


def _major(minor: int, currency: str) -> str:
    """Minor units as a plain decimal a spreadsheet reads: 1250000 EUR -> 12500.00."""
    from crmcli.core.values.money import exponent

    exp = exponent(currency)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**exp)
    return f"{sign}{whole}.{frac:0{exp}d}" if exp else f"{sign}{whole}"


def _flatten_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """Per-currency money becomes `amount_EUR` columns in major units; other maps `key_sub`."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            for sub, item in value.items():
                out[f"{key}_{sub}"] = _major(item, sub) if key in MONEY_KEYS else item
        else:
            out[key] = value
    return out


def _flatten(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [_flatten_row(r) for r in rows]


def _keys(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every column of the flattened rows, in the order first met."""
    seen: dict[str, None] = {}
    for row in _flatten(rows):
        seen.update(dict.fromkeys(row))
    return list(seen)


# -- the screen ------------------------------------------------------------------------


def _money(totals: dict[str, int]) -> str:
    from crmcli.core.values.money import format_totals

    return format_totals(totals)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:g}%"


def _bar(value: float, top: float, width: int = BAR) -> str:
    """A horizontal bar in eighths of a character."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(8 * width * value / top))
    return "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]


def sparkline(values: Sequence[int]) -> str:
    top = max(values, default=0)
    if top <= 0:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[min(7, round(7 * v / top))] for v in values)


def _main_currency(rows: Sequence[Mapping[str, Any]], key: str) -> str | None:
    """The currency with the largest total: the one bars are drawn in."""
    totals: dict[str, int] = {}
    for row in rows:
        for currency, value in row[key].items():
            totals[currency] = totals.get(currency, 0) + value
    return max(totals, key=lambda c: totals[c]) if totals else None


def _heading(text: str) -> None:
    print()
    print(style(text, "1"))


def _table(rows: Sequence[Mapping[str, Any]], columns: list[Column]) -> None:
    if rows:
        render(rows, OutputFormat.table, columns)
    else:
        print("  (none)")


def _print_report(data: Report, only: str | None) -> None:
    period = data["period"]
    print(
        style(
            f"Report: {period['label']} ({period['first']} to {period['last']}, "
            f"{plural(period['days'], 'day')})",
            "1",
        )
    )

    def wanted(*names: str) -> bool:
        return only is None or only in names

    if wanted("pipeline"):
        _print_pipeline(data["pipeline"])
    if wanted("forecast"):
        _print_forecast(data["forecast"])
    if wanted("funnel", "stages", "sources"):
        _print_conversion(data["conversion"], only)
    if wanted("activity", "followups"):
        _print_activity(data["activity"], only)
    if wanted("stale", "no-next-step", "touch", "retention"):
        _print_health(data["health"], only)


def _print_pipeline(rows: list[PipelineRow]) -> None:
    currency = _main_currency(rows, "weighted")
    _heading(
        "Pipeline: open deals by stage" + (f" (bars: weighted {currency})" if currency else "")
    )
    top = max((r["weighted"].get(currency, 0) for r in rows), default=0) if currency else 0
    several = len({r["pipeline"] for r in rows}) > 1  # `--pipeline all`: say whose stage
    table = [
        {
            "pipeline": r["pipeline"],
            "stage": r["stage"],
            "probability": f"{r['probability']}%",
            "deals": r["deals"],
            "amount": _money(r["amount"]),
            "weighted": _money(r["weighted"]),
            "bar": _bar(r["weighted"].get(currency, 0), top) if currency else "",
        }
        for r in rows
    ]
    _table(
        table,
        [
            *([Column("pipeline", "PIPELINE")] if several else []),
            Column("stage", "STAGE"),
            Column("probability", "WIN %"),
            Column("deals", "DEALS"),
            Column("amount", "AMOUNT", max_width=40),
            Column("weighted", "WEIGHTED", max_width=40),
            Column("bar", "", max_width=BAR + 1),
        ],
    )


def _print_forecast(forecast: Forecast) -> None:
    _heading(
        f"Forecast by expected close month (commit: win % >= {forecast['commit_probability']})"
    )
    names = {"earlier": "earlier (past due)", "undated": "no close date"}
    _table(
        [
            {
                "month": names.get(r["month"], r["month"]),
                "deals": r["deals"],
                "weighted": _money(r["weighted"]),
                "best": _money(r["best_case"]),
                "commit": _money(r["commit"]),
            }
            for r in forecast["months"]
        ],
        [
            Column("month", "MONTH"),
            Column("deals", "DEALS"),
            Column("weighted", "WEIGHTED", max_width=40),
            Column("best", "BEST CASE", max_width=40),
            Column("commit", "COMMIT", max_width=40),
        ],
    )


def _print_conversion(conversion: Conversion, only: str | None) -> None:
    summary = conversion["summary"]
    if only in (None, "funnel"):
        _heading(f"Conversion: the {plural(summary['created'], 'deal')} created in the period")
        funnel = conversion["funnel"]
        top = max((r["reached"] for r in funnel), default=0)
        _table(
            [
                {
                    "stage": r["stage"],
                    "reached": r["reached"],
                    "share": _pct(r["share_of_created"]),
                    "went_on": r["went_on"],
                    "conversion": _pct(r["conversion"]),
                    "bar": _bar(r["reached"], top),
                }
                for r in funnel
            ],
            [
                Column("stage", "STAGE"),
                Column("reached", "REACHED"),
                Column("share", "OF CREATED"),
                Column("went_on", "WENT ON"),
                Column("conversion", "TO NEXT"),
                Column("bar", "", max_width=BAR + 1),
            ],
        )
        cycle = summary["avg_cycle_days"]
        print(
            f"Closed in the period: {summary['won']} won, {summary['lost']} lost; "
            f"win rate {_pct(summary['win_rate'])}; average cycle "
            f"{'—' if cycle is None else plural(cycle, 'day')}; average won "
            f"{_money(summary['avg_won_amount']) if summary['avg_won_amount'] else '—'}"
        )
    if only in (None, "stages"):
        _heading("Average days in each stage (stays that ended in the period)")
        _table(
            [
                {
                    "stage": r["stage"],
                    "stays": r["stays"],
                    "days": "—" if r["avg_days"] is None else f"{r['avg_days']:g}",
                }
                for r in conversion["stages"]
            ],
            [Column("stage", "STAGE"), Column("stays", "STAYS"), Column("days", "AVG DAYS")],
        )
    if only in (None, "sources"):
        _heading("By lead source")
        _table(
            [
                {
                    "source": r["source"],
                    "created": r["created"],
                    "won": r["won"],
                    "lost": r["lost"],
                    "rate": _pct(r["win_rate"]),
                    "cycle": "—" if r["avg_cycle_days"] is None else f"{r['avg_cycle_days']:g}",
                    "avg_won": _money(r["avg_won_amount"]) if r["avg_won_amount"] else "—",
                }
                for r in conversion["sources"]
            ],
            [
                Column("source", "SOURCE"),
                Column("created", "CREATED"),
                Column("won", "WON"),
                Column("lost", "LOST"),
                Column("rate", "WIN RATE"),
                Column("cycle", "CYCLE (DAYS)"),
                Column("avg_won", "AVG WON", max_width=40),
            ],
        )
        if conversion["referrers"]:
            _heading("Referred by")
            _table(
                [
                    {
                        "referrer": r["name"],
                        "deals": r["deals"],
                        "won": r["won"],
                        "won_amount": _money(r["won_amount"]) if r["won_amount"] else "—",
                    }
                    for r in conversion["referrers"]
                ],
                [
                    Column("referrer", "REFERRER"),
                    Column("deals", "DEALS"),
                    Column("won", "WON"),
                    Column("won_amount", "WON AMOUNT", max_width=40),
                ],
            )


def _print_activity(activity: Activity, only: str | None) -> None:
    from crmcli.core.activity.interactions import Kind

    goals = activity["goals"]
    kinds = [k.value for k in Kind]
    if only in (None, "activity"):
        aims = ", ".join(f"{plural(n, k)}/week" for k, n in sorted(goals.items()))
        _heading("Activity: your interactions per week" + (f" (goals: {aims})" if aims else ""))
        weeks = activity["weeks"]

        def count(week: ActivityWeek, kind: str) -> str:
            goal = goals.get(kind)
            by_kind: Mapping[str, Any] = week
            return f"{by_kind[kind]}/{goal}" if goal and week["days"] == 7 else str(by_kind[kind])

        _table(
            [
                {
                    "week": w["week"] + (f" ({w['days']} d)" if w["days"] < 7 else ""),
                    **{k: count(w, k) for k in kinds},
                    "total": w["total"],
                }
                for w in weeks
            ],
            [
                Column("week", "WEEK OF"),
                *(Column(k, k.upper()) for k in kinds),
                Column("total", "TOTAL"),
            ],
        )
        if weeks:
            print(f"Weekly total: {sparkline([w['total'] for w in weeks])}")
    if only in (None, "followups"):
        done = activity["followups"]
        print(
            f"Follow-ups done in the period: {done['on_time']} on time, {done['late']} late "
            f"({_pct(done['on_time_rate'])} on time); {done['overdue_now']} overdue now"
        )


def _print_health(health: Health, only: str | None) -> None:
    deal_columns = [
        Column("id", "ID"),
        Column("title", "DEAL"),
        Column("contact", "CONTACT"),
        Column("stage", "STAGE"),
        Column("days_in_stage", "DAYS IN STAGE"),
        Column("target_days", "TARGET"),
    ]

    def more(shown: int, total: int) -> None:
        if total > shown:
            print(f"  … and {total - shown} more (--limit N)")

    if only in (None, "stale"):
        stale = health["stale"]
        _heading(f"Stale deals, past their stage's target days ({stale['total']})")
        _table(stale["deals"], deal_columns)
        more(len(stale["deals"]), stale["total"])
    if only in (None, "no-next-step"):
        no_step = health["no_next_step"]
        _heading(f"Open deals without a next step ({no_step['total']})")
        _table(no_step["deals"], deal_columns)
        more(len(no_step["deals"]), no_step["total"])
    if only in (None, "touch"):
        touch = health["touch"]
        _heading(f"Due for a touch, warmest first ({touch['total']})")
        _table(
            touch["contacts"],
            [
                Column("id", "ID"),
                Column("contact", "CONTACT"),
                Column("company", "COMPANY"),
                Column("score", "SCORE"),
                Column("cadence_days", "EVERY (DAYS)"),
                Column("last_touch_at", "LAST TOUCH", fmt=_day),
            ],
        )
        more(len(touch["contacts"]), touch["total"])
    if only in (None, "retention"):
        quiet = health["retention"]
        _heading(
            f"Retention risk: customers silent for {quiet['quiet_days']}+ days ({quiet['total']})"
        )
        _table(
            quiet["contacts"],
            [
                Column("id", "ID"),
                Column("contact", "CUSTOMER"),
                Column("company", "COMPANY"),
                Column("last_touch_at", "LAST TOUCH", fmt=_day),
                Column("days_silent", "DAYS SILENT"),
            ],
        )
        more(len(quiet["contacts"]), quiet["total"])


def _day(stamp: str | None) -> str:
    from crmcli.core.clock import local_time

    return local_time(stamp)[:10] if stamp else "never"
